package staffsignin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/testclock"
	"roundtable/internal/staffsignin"
)

// users are the provider's accounts; disabling one makes the provider refuse its refresh
// tokens, as Entra ID does for a leaver.
type users struct {
	mu       sync.Mutex
	byID     map[string]*storage.User
	disabled map[string]bool
}

func (u *users) GetUserByID(id string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.byID[id]
}

func (u *users) GetUserByUsername(name string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, x := range u.byID {
		if x.Username == name && !u.disabled[x.ID] {
			return x
		}
	}
	return nil
}

func (u *users) ExampleClientID() string { return "service" }

func (u *users) add(id, email string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.byID[id] = &storage.User{ID: id, Username: email, Password: "provider-password", FirstName: "Pat", LastName: id,
		Email: email, EmailVerified: true}
}

func (u *users) disable(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.disabled[id] = true
}

// opStorage is the example provider's in-memory storage, refusing the refresh tokens of a
// disabled account.
type opStorage struct {
	*storage.Storage
	users *users
	// signedOut is where the provider may send people back after signing out: Roundtable's
	// home page, registered as an operator registers it with their provider.
	signedOut string
}

type registeredClient struct {
	op.Client
	signedOut string
}

func (c registeredClient) PostLogoutRedirectURIs() []string { return []string{c.signedOut} }

func (s opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return registeredClient{Client: c, signedOut: s.signedOut}, nil
}

func (s opStorage) TokenRequestByRefreshToken(ctx context.Context, rt string) (op.RefreshTokenRequest, error) {
	req, err := s.Storage.TokenRequestByRefreshToken(ctx, rt)
	if err != nil {
		return nil, err
	}
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	if s.users.disabled[req.GetSubject()] {
		return nil, errors.New("account disabled")
	}
	return req, nil
}

// env is Roundtable served over HTTP with two providers at one real OpenID provider
// (zitadel/oidc's op package with its example storage and login page): "council", which
// makes new people council officers of Luton Council, and "funder", which gives no role.
type env struct {
	t        *testing.T
	d        *db.DB
	clock    *testclock.Clock
	rt       *httptest.Server
	op       *httptest.Server
	issuer   string
	users    *users
	opStore  opStorage
	orgID    int64
	rewrite  func(idToken string) string // changes the ID token the token endpoint returns
	rewriteM sync.Mutex
}

func listen(t *testing.T, host string) net.Listener {
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newEnv(t *testing.T, d *db.DB) *env {
	// Roundtable on 127.0.0.1 and the provider on localhost, so their cookies stay apart.
	rtL := listen(t, "127.0.0.1")
	e, h := build(t, d, "http://"+rtL.Addr().String(), accountstest.Organisation(t, d, "Luton Council"))
	e.rt = &httptest.Server{Listener: rtL, Config: &http.Server{Handler: h}}
	e.rt.Start()
	t.Cleanup(e.rt.Close)
	return e
}

// build starts the provider and makes Roundtable's handler for the address base, with the
// council provider giving new people the council officer role in organisation orgID.
func build(t *testing.T, d *db.DB, base string, orgID int64) (*env, http.Handler) {
	e := &env{t: t, d: d, clock: testclock.New(time.Now().UTC()), users: &users{byID: map[string]*storage.User{}, disabled: map[string]bool{}}}
	e.orgID = orgID
	var slug string
	if err := d.Read.QueryRow("SELECT slug FROM organisations WHERE id = $1", e.orgID).Scan(&slug); err != nil {
		t.Fatal(err)
	}
	opL := listen(t, "127.0.0.1")
	e.issuer = "http://localhost:" + strconv.Itoa(opL.Addr().(*net.TCPAddr).Port)
	clients := map[string]*storage.Client{
		"roundtable-council": storage.WebClient("roundtable-council", "council-secret", base+"/sign-in/organisation/council/callback"),
		"roundtable-funder":  storage.WebClient("roundtable-funder", "funder-secret", base+"/sign-in/organisation/funder/callback"),
	}
	e.opStore = opStorage{Storage: storage.NewStorageWithClients(e.users, clients), users: e.users, signedOut: base + "/"}
	opHandler := exampleop.SetupServer(e.issuer, e.opStore, nil, false)
	e.op = &httptest.Server{Listener: opL, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.rewriteM.Lock()
		rewrite := e.rewrite
		e.rewriteM.Unlock()
		if r.URL.Path != "/oauth/token" || rewrite == nil {
			opHandler.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		opHandler.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err == nil {
			if tok, ok := body["id_token"].(string); ok {
				body["id_token"] = rewrite(tok)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	})}}
	e.op.Start()
	t.Cleanup(e.op.Close)

	providers := []staffsignin.Provider{
		{ID: "council", Name: "Luton Council", Issuer: e.issuer, ClientID: "roundtable-council", ClientSecret: "council-secret",
			Domains: []string{"luton.gov.uk"}, Organisation: slug, Role: auth.CouncilOfficer, Ask: "your council's Roundtable lead"},
		{ID: "funder", Name: "the funder's account", Issuer: e.issuer, ClientID: "roundtable-funder", ClientSecret: "funder-secret",
			Domains: []string{"funder.gov.uk"}, Ask: "the funder's Roundtable administrator"},
	}
	if err := staffsignin.CheckProviders(providers); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(d, app.Config{BaseURL: base, Now: e.clock.Now, Log: slog.New(slog.DiscardHandler), StaffSignIn: providers})
	if err != nil {
		t.Fatal(err)
	}
	return e, a.Handler
}

// browser is one person's cookie jar; it does not follow redirects, so each step is seen.
type browser struct {
	t   *testing.T
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, u string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	bs, _ := io.ReadAll(resp.Body)
	loc := ""
	if l, err := resp.Location(); err == nil {
		loc = l.String()
	}
	return page{status: resp.StatusCode, location: loc, body: string(bs)}
}

// toProvider follows a sign-in start to the provider's login page, signs in there as the
// user and returns the address the provider sends the browser back to, with the code and
// the state, without going there.
func (b *browser) toProvider(start page, username string) string {
	b.t.Helper()
	if start.status != http.StatusSeeOther || start.location == "" {
		b.t.Fatalf("start: status %d, location %q, want a redirect to the provider\n%s", start.status, start.location, start.body)
	}
	au, _ := url.Parse(start.location)
	q := au.Query()
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("nonce") == "" {
		b.t.Fatalf("authorisation request lacks PKCE, state or nonce: %s", start.location)
	}
	login := b.do("GET", start.location, nil)
	if login.location == "" {
		b.t.Fatalf("provider: status %d, no redirect to its login page\n%s", login.status, login.body)
	}
	lu, _ := url.Parse(login.location)
	id := lu.Query().Get("authRequestID")
	if form := b.do("GET", login.location, nil); !strings.Contains(form.body, `name="password"`) {
		b.t.Fatalf("the provider's login page has no password field:\n%s", form.body)
	}
	done := b.do("POST", e0(b, login.location, "/login/username"), url.Values{"username": {username}, "password": {"provider-password"}, "id": {id}})
	if done.location == "" {
		b.t.Fatalf("provider login: status %d\n%s", done.status, done.body)
	}
	back := b.do("GET", e0(b, login.location, done.location), nil)
	if !strings.Contains(back.location, "/callback?") {
		b.t.Fatalf("provider did not send the browser back: status %d, location %q\n%s", back.status, back.location, back.body)
	}
	return back.location
}

// e0 resolves ref against base.
func e0(b *browser, base, ref string) string {
	bu, err := url.Parse(base)
	if err != nil {
		b.t.Fatal(err)
	}
	ru, err := bu.Parse(ref)
	if err != nil {
		b.t.Fatal(err)
	}
	return ru.String()
}

// signIn signs in through the council provider as the user and returns the last page.
func (e *env) signIn(b *browser, provider, username string) page {
	e.t.Helper()
	cb := b.toProvider(b.do("GET", e.rt.URL+"/sign-in/organisation/"+provider, nil), username)
	return b.do("GET", cb, nil)
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.Read.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantRefused(t *testing.T, name string, p page, text string) {
	t.Helper()
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "You could not be signed in") || !strings.Contains(p.body, text) {
		t.Errorf("%s: status %d, want 403 with %q\n%s", name, p.status, text, p.body)
	}
}

func TestProviderSignIn(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.users.add("entra-alice", "alice@luton.gov.uk")

		// First sign-in creates the person, with the council officer role of the mapping.
		b := e.browser()
		p := e.signIn(b, "council", "alice@luton.gov.uk")
		if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "/account") {
			t.Fatalf("first sign-in: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		var personID int64
		if err := d.Read.QueryRow("SELECT person_id FROM staff_identities WHERE provider = 'council' AND subject = 'entra-alice'").Scan(&personID); err != nil {
			t.Fatalf("no provider account linked: %v", err)
		}
		if n := e.count("SELECT COUNT(*) FROM memberships WHERE person_id = $1 AND role = $2 AND organisation_id = $3", personID, string(auth.CouncilOfficer), e.orgID); n != 1 {
			t.Errorf("role mapping: %d council officer roles at Luton Council, want 1", n)
		}
		if acct := b.do("GET", e.rt.URL+"/account", nil); acct.status != 200 || !strings.Contains(acct.body, "Pat entra-alice") {
			t.Errorf("account page after sign-in: status %d", acct.status)
		}

		// Signing in again finds the same person by subject, even when the email changed.
		e.users.mu.Lock()
		e.users.byID["entra-alice"].Email = "alice.smith@luton.gov.uk"
		e.users.mu.Unlock()
		b2 := e.browser()
		if p := e.signIn(b2, "council", "alice@luton.gov.uk"); p.status != http.StatusSeeOther {
			t.Fatalf("second sign-in: status %d\n%s", p.status, p.body)
		}
		if n := e.count("SELECT COUNT(*) FROM people"); n != 1 {
			t.Errorf("%d people after a second sign-in, want 1", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_signin.signed_in' AND subject = $1", "person:"+itoa(personID)); n != 1 {
			t.Errorf("%d sign-in audit records, want 1", n)
		}

		// An account with the same email is never taken over by email alone.
		accountstestPersonWithEmail(t, d, "bob@luton.gov.uk")
		e.users.add("entra-bob", "bob@luton.gov.uk")
		wantRefused(t, "same email", e.signIn(e.browser(), "council", "bob@luton.gov.uk"), "There is already a Roundtable account for bob@luton.gov.uk")
		if n := e.count("SELECT COUNT(*) FROM staff_identities WHERE subject = 'entra-bob'"); n != 0 {
			t.Errorf("linked by email alone")
		}

		// An address outside the provider's domains makes nobody.
		e.users.add("entra-eve", "eve@elsewhere.example")
		wantRefused(t, "other domain", e.signIn(e.browser(), "council", "eve@elsewhere.example"), "did not confirm an email address at your organisation")

		// A provider with no role mapping lands on the page that says who to ask.
		e.users.add("funder-fay", "fay@funder.gov.uk")
		fb := e.browser()
		if p := e.signIn(fb, "funder", "fay@funder.gov.uk"); p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "/account/organisation-account") {
			t.Fatalf("no-role sign-in: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		if nr := fb.do("GET", e.rt.URL+"/account/organisation-account", nil); !strings.Contains(nr.body, "no role in Roundtable yet") ||
			!strings.Contains(nr.body, "Ask the funder&#39;s Roundtable administrator") {
			t.Errorf("no-role page:\n%s", nr.body)
		}

		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_signin.refused'"); n != 2 {
			t.Errorf("%d refusals audited, want 2", n)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func accountstestPersonWithEmail(t *testing.T, d *db.DB, email string) int64 {
	t.Helper()
	id, err := accountsCreate(d, email)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// forge signs claims with the provider's own key, so only the claims are wrong.
func (e *env) forge(t *testing.T, change func(c map[string]any)) func(string) string {
	return func(tok string) string {
		parts := strings.Split(tok, ".")
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Error(err)
			return tok
		}
		var c map[string]any
		_ = json.Unmarshal(raw, &c)
		change(c)
		key, err := e.opStore.SigningKey(context.Background())
		if err != nil {
			t.Error(err)
			return tok
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.SignatureAlgorithm(), Key: jose.JSONWebKey{Key: key.Key(), KeyID: key.ID()}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			t.Error(err)
			return tok
		}
		payload, _ := json.Marshal(c)
		jws, err := signer.Sign(payload)
		if err != nil {
			t.Error(err)
			return tok
		}
		out, _ := jws.CompactSerialize()
		return out
	}
}

func TestProviderSignInRefusals(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.users.add("entra-alice", "alice@luton.gov.uk")
		set := func(f func(string) string) { e.rewriteM.Lock(); e.rewrite = f; e.rewriteM.Unlock() }

		// A tampered ID token: the payload changed, the provider's signature kept.
		set(func(tok string) string {
			parts := strings.Split(tok, ".")
			raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
			raw = bytes.Replace(raw, []byte(`"entra-alice"`), []byte(`"entra-admin"`), 1)
			parts[1] = base64.RawURLEncoding.EncodeToString(raw)
			return strings.Join(parts, ".")
		})
		wantRefused(t, "tampered", e.signIn(e.browser(), "council", "alice@luton.gov.uk"), "could not be checked")

		// Properly signed, but for another client.
		set(e.forge(t, func(c map[string]any) { c["aud"] = []string{"someone-else"}; c["azp"] = "someone-else" }))
		wantRefused(t, "wrong audience", e.signIn(e.browser(), "council", "alice@luton.gov.uk"), "could not be checked")

		// Properly signed, but expired.
		set(e.forge(t, func(c map[string]any) {
			c["exp"] = e.clock.Now().Add(-time.Hour).Unix()
			c["iat"] = e.clock.Now().Add(-2 * time.Hour).Unix()
		}))
		wantRefused(t, "expired", e.signIn(e.browser(), "council", "alice@luton.gov.uk"), "could not be checked")

		// Properly signed, but not from this sign-in (another nonce).
		set(e.forge(t, func(c map[string]any) { c["nonce"] = "another-sign-in" }))
		wantRefused(t, "nonce", e.signIn(e.browser(), "council", "alice@luton.gov.uk"), "was not for this sign-in")
		set(nil)
		if n := e.count("SELECT COUNT(*) FROM people"); n != 0 {
			t.Errorf("%d people made by refused sign-ins", n)
		}

		// A state used once does not work again, even with its cookie put back.
		b := e.browser()
		cb := b.toProvider(b.do("GET", e.rt.URL+"/sign-in/organisation/council", nil), "alice@luton.gov.uk")
		cbURL, _ := url.Parse(cb)
		state := b.jar.Cookies(cbURL)
		if p := b.do("GET", cb, nil); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in: status %d\n%s", p.status, p.body)
		}
		for _, c := range state {
			c.Path = "/sign-in/organisation/"
		}
		b.jar.SetCookies(cbURL, state)
		wantRefused(t, "reused state", b.do("GET", cb, nil), "already been used")

		// A code used once does not work again, even with a fresh state of this browser.
		start := b.do("GET", e.rt.URL+"/sign-in/organisation/council", nil)
		su, _ := url.Parse(start.location)
		replay := *cbURL
		q := replay.Query()
		q.Set("state", su.Query().Get("state"))
		replay.RawQuery = q.Encode()
		wantRefused(t, "replayed code", b.do("GET", replay.String(), nil), "did not confirm this sign-in")

		// A state from another browser (login CSRF) is refused.
		other := e.browser()
		cb2 := other.toProvider(other.do("GET", e.rt.URL+"/sign-in/organisation/council", nil), "alice@luton.gov.uk")
		wantRefused(t, "other browser", e.browser().do("GET", cb2, nil), "not started in this browser")

		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_signin.refused'"); n != 7 {
			t.Errorf("%d refusals audited, want 7", n)
		}
	})
}
