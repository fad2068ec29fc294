package accounts_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/testclock"
)

// clock is a settable clock for the app under test.
type clock = testclock.Clock

// world is the app on a test database with two organisations and a person in each role that
// matters here: the facilitator of A must be refused anything about B.
type world struct {
	t       testing.TB
	d       *db.DB
	app     *app.App
	clock   *clock
	ids     map[string]int64
	cookies map[string]*http.Cookie
}

func newWorld(t testing.TB, cfg app.Config) *world {
	t.Helper()
	d := dbtest.SQLite(t, migrations)
	clk := testclock.New(t0)
	cfg.Now = clk.Now
	cfg.Log = slog.New(slog.DiscardHandler)
	a, err := app.New(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, app: a, clock: clk, ids: map[string]int64{}, cookies: map[string]*http.Cookie{}}
	orgA := accountstest.Organisation(t, d, "A Group")
	orgB := accountstest.Organisation(t, d, "B Group")
	w.ids["orgA"], w.ids["orgB"] = orgA, orgB
	for _, p := range []struct {
		who, name string
		role      auth.Role
		org       int64
	}{
		{"admin", "Ada Admin", auth.Admin, 0},
		{"facilitator", "Fran Facilitator", auth.Facilitator, orgA},
		{"member", "Mo Member", auth.Member, orgA},
		{"memberB", "Bea Bmember", auth.Member, orgB},
		{"officer", "Olu Officer", auth.CouncilOfficer, orgA},
		{"leaver", "Lee Leaver", auth.Member, orgA},
	} {
		id, _ := accountstest.Person(t, d, p.name, p.role, p.org)
		w.ids[p.who] = id
		w.cookies[p.who] = accountstest.Session(t, d, id, clk.Now())
	}
	return w
}

// do sends a request as who ("" for nobody), with a form when given.
func (w *world) do(method, path string, cookie *http.Cookie, form url.Values, header ...string) *httptest.ResponseRecorder {
	w.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, req)
	return rec
}

func (w *world) path(format string, who string) string { return fmt.Sprintf(format, w.ids[who]) }

type scenario struct {
	route    string // the registered pattern this exercises
	method   string
	path     string
	who      string
	form     url.Values
	header   []string
	status   int
	location string   // prefix of the redirect
	contains []string // in the body
	lacks    []string
}

func TestRoutesByRole(t *testing.T) {
	t.Parallel()
	w := newWorld(t, app.Config{})
	memberA, memberB, officer, admin := w.path("/people/%d", "member"), w.path("/people/%d", "memberB"),
		w.path("/people/%d", "officer"), w.path("/people/%d", "admin")
	orgA, orgB := fmt.Sprint(w.ids["orgA"]), fmt.Sprint(w.ids["orgB"])
	newPerson := func(name, email string, role auth.Role, org string) url.Values {
		return url.Values{"display_name": {name}, "email": {email}, "role": {string(role)}, "organisation": {org}}
	}
	leaver := w.path("/people/%d", "leaver")
	toSignIn := "/sign-in?next="
	scenarios := []scenario{
		// Signed out.
		{route: "GET /sign-in", path: "/sign-in", status: 200, contains: []string{"Email address or sign-in name", `autocomplete="current-password"`}},
		{route: "GET /sign-in", path: "/sign-in?next=/people", status: 200, contains: []string{`name="next" value="/people"`}},
		{route: "GET /sign-in", path: "/sign-in?next=//evil.example", status: 200, lacks: []string{"evil.example"}},
		{route: "GET /sign-in/code", path: "/sign-in/code", status: 200, contains: []string{"Sign-in code"}},
		{route: "POST /sign-in/code", method: "POST", path: "/sign-in/code", form: url.Values{"code": {""}}, status: 422, contains: []string{"Enter your sign-in code"}},
		{route: "POST /sign-in/code", method: "POST", path: "/sign-in/code", form: url.Values{"code": {"AAAA-AAAA-AAAA"}}, status: 422, contains: []string{"That sign-in code does not work"}},
		{route: "POST /sign-in/code/passphrase", method: "POST", path: "/sign-in/code/passphrase",
			form: url.Values{"code": {"AAAA-AAAA-AAAA"}, "password": {"long enough passphrase"}, "confirm": {"long enough passphrase"}}, status: 422, contains: []string{"That sign-in code does not work"}},
		{route: "POST /sign-in", method: "POST", path: "/sign-in", form: url.Values{"login": {""}, "password": {""}}, status: 422,
			contains: []string{"Enter your email address or sign-in name", "Enter your password or passphrase", "<title>Error: Sign in"}},
		{route: "POST /sign-out", method: "POST", path: "/sign-out", form: url.Values{}, status: 303, location: "/"},
		{route: "GET /account", path: "/account", status: 303, location: toSignIn + "%2Faccount"},
		{route: "GET /account/name", path: "/account/name", status: 303, location: toSignIn},
		{route: "POST /account/name", method: "POST", path: "/account/name", form: url.Values{"display_name": {"X"}}, status: 403},
		{route: "GET /account/password", path: "/account/password", status: 303, location: toSignIn},
		{route: "POST /account/password", method: "POST", path: "/account/password", form: url.Values{}, status: 403},
		{route: "GET /people", path: "/people", status: 303, location: toSignIn + "%2Fpeople"},
		{route: "GET /people/new", path: "/people/new", status: 303, location: toSignIn},
		{route: "POST /people/new", method: "POST", path: "/people/new", form: newPerson("X", "", auth.Member, orgA), status: 403},
		{route: "GET /people/{id}", path: memberA, status: 303, location: toSignIn},
		{route: "POST /people/{id}/code", method: "POST", path: memberA + "/code", form: url.Values{}, status: 403},

		// A member sees their own account and nothing of other people's.
		{route: "GET /account", path: "/account", who: "member", status: 200, contains: []string{"Mo Member", "Member with lived experience, A Group", "mo.member"}},
		{route: "GET /account/name", path: "/account/name", who: "member", status: 200, contains: []string{`value="Mo Member"`, "does not have to be your legal name"}},
		{route: "GET /account/password", path: "/account/password", who: "member", status: 200, contains: []string{`autocomplete="new-password"`}},
		{route: "POST /account/name", method: "POST", path: "/account/name", who: "member", form: url.Values{"display_name": {""}}, status: 422, contains: []string{"Enter a name"}},
		{route: "POST /account/password", method: "POST", path: "/account/password", who: "member",
			form: url.Values{"current": {"wrong wrong wrong"}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}}, status: 422, contains: []string{"not right"}},
		{route: "GET /people", path: "/people", who: "member", status: 403},
		{route: "GET /people/new", path: "/people/new", who: "member", status: 403},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "member", form: newPerson("X", "", auth.Member, orgA), status: 403},
		{route: "GET /people/{id}", path: memberA, who: "member", status: 403},
		{route: "POST /people/{id}/code", method: "POST", path: memberA + "/code", who: "member", form: url.Values{}, status: 403},

		// A council officer manages no accounts either.
		{route: "GET /account", path: "/account", who: "officer", status: 200, contains: []string{"Council officer, A Group"}},
		{route: "GET /people", path: "/people", who: "officer", status: 403},
		{route: "GET /people/{id}", path: memberA, who: "officer", status: 403},
		{route: "POST /people/{id}/code", method: "POST", path: memberA + "/code", who: "officer", form: url.Values{}, status: 403},

		// A facilitator manages their own organisation's members, and nothing across tenants.
		{route: "GET /people", path: "/people", who: "facilitator", status: 200, contains: []string{"Mo Member", "Olu Officer"}, lacks: []string{"Bea Bmember", "Ada Admin", "B Group"}},
		{route: "GET /people/new", path: "/people/new", who: "facilitator", status: 200, contains: []string{"A Group", "Member with lived experience"},
			lacks: []string{"B Group", "Council officer", "Administrator"}},
		{route: "GET /people/{id}", path: memberA, who: "facilitator", status: 200, contains: []string{"Mo Member", "Make a sign-in code"}},
		{route: "GET /people/{id}", path: memberB, who: "facilitator", status: 404, lacks: []string{"Bea Bmember"}},
		{route: "GET /people/{id}", path: admin, who: "facilitator", status: 404},
		{route: "GET /people/{id}", path: officer, who: "facilitator", status: 200, contains: []string{"Only an administrator can give"}, lacks: []string{"Make a sign-in code"}},
		{route: "GET /people/{id}", path: "/people/abc", who: "facilitator", status: 404},
		{route: "GET /people/{id}", path: "/people/999999", who: "facilitator", status: 404},
		{route: "POST /people/{id}/code", method: "POST", path: memberA + "/code", who: "facilitator", form: url.Values{}, status: 200,
			contains: []string{"Sign-in code for Mo Member", "mo.member", "http://example.com/sign-in/code", "rt-code", "5 April 2026"}},
		{route: "POST /people/{id}/code", method: "POST", path: memberB + "/code", who: "facilitator", form: url.Values{}, status: 404},
		{route: "POST /people/{id}/code", method: "POST", path: officer + "/code", who: "facilitator", form: url.Values{}, status: 403},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "facilitator", form: newPerson("X", "", auth.Member, orgB), status: 403},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "facilitator", form: newPerson("X", "", auth.CouncilOfficer, orgA), status: 403},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "facilitator", form: newPerson("X", "", auth.Admin, ""), status: 403},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "facilitator", form: newPerson("", "bad", auth.Member, orgA), status: 422,
			contains: []string{"Enter a name", "Enter an email address in the correct format", `href="#display_name"`}},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "facilitator", form: newPerson("Nia New", "", auth.Member, orgA), status: 303, location: "/people/"},

		// An administrator manages everyone.
		{route: "GET /people", path: "/people", who: "admin", status: 200, contains: []string{"Mo Member", "Bea Bmember", "Ada Admin", "Administrator"}},
		{route: "GET /people/new", path: "/people/new", who: "admin", status: 200, contains: []string{"A Group", "B Group", "Council officer", "Administrator"}},
		{route: "GET /people/{id}", path: memberB, who: "admin", status: 200, contains: []string{"Bea Bmember", "Make a sign-in code"}},
		{route: "POST /people/{id}/code", method: "POST", path: officer + "/code", who: "admin", form: url.Values{}, status: 200, contains: []string{"Sign-in code for Olu Officer"}},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "admin", form: newPerson("Ola Officer", "ola@council.example", auth.CouncilOfficer, orgB), status: 303, location: "/people/"},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "admin", form: newPerson("Ash Admin", "", auth.Admin, ""), status: 303, location: "/people/"},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "admin", form: newPerson("Dup", "ola@council.example", auth.Partner, orgA), status: 422,
			contains: []string{"There is already an account"}},
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "admin", form: newPerson("No Role", "", "", orgA), status: 422, contains: []string{"Choose a role"}},

		// Turning an account off and on.
		{route: "POST /people/{id}/access", method: "POST", path: leaver + "/access", form: url.Values{"signin": {"off"}}, status: 403},
		{route: "POST /people/{id}/access", method: "POST", path: leaver + "/access", who: "member", form: url.Values{"signin": {"off"}}, status: 403},
		{route: "POST /people/{id}/access", method: "POST", path: memberB + "/access", who: "facilitator", form: url.Values{"signin": {"off"}}, status: 404},
		{route: "POST /people/{id}/access", method: "POST", path: officer + "/access", who: "facilitator", form: url.Values{"signin": {"off"}}, status: 403},
		{route: "POST /people/{id}/access", method: "POST", path: admin + "/access", who: "admin", form: url.Values{"signin": {"off"}}, status: 403},
		{route: "GET /account", path: "/account", who: "leaver", status: 200},
		{route: "POST /people/{id}/access", method: "POST", path: leaver + "/access", who: "facilitator", form: url.Values{"signin": {"off"}}, status: 303, location: leaver},
		{route: "GET /account", path: "/account", who: "leaver", status: 303, location: toSignIn},
		{route: "GET /people/{id}", path: leaver, who: "facilitator", status: 200, contains: []string{"Turn account back on"}, lacks: []string{"Make a sign-in code"}},
		{route: "POST /people/{id}/code", method: "POST", path: leaver + "/code", who: "facilitator", form: url.Values{}, status: 409},
		{route: "POST /people/{id}/access", method: "POST", path: leaver + "/access", who: "admin", form: url.Values{"signin": {"on"}}, status: 303, location: leaver},
		{route: "GET /people/{id}", path: leaver, who: "facilitator", status: 200, contains: []string{"Make a sign-in code", "Turn off account"}},

		// How a person is told about messages: their own choice, or one their facilitator makes
		// with them; nobody else's.
		{route: "GET /account/contact", path: "/account/contact", status: 303, location: toSignIn},
		{route: "POST /account/contact", method: "POST", path: "/account/contact", form: url.Values{"contact": {"text"}, "mobile": {"07700900982"}}, status: 403},
		{route: "POST /account/contact/remove-mobile", method: "POST", path: "/account/contact/remove-mobile", form: url.Values{}, status: 403},
		{route: "GET /account/contact", path: "/account/contact", who: "member", status: 200, contains: []string{"How do you want to be told about new messages?", `value="facilitator" checked`, `autocomplete="tel"`}},
		{route: "POST /account/contact", method: "POST", path: "/account/contact", who: "member", form: url.Values{"contact": {"text"}, "mobile": {"01234 567890"}}, status: 422,
			contains: []string{"Enter a UK mobile number, like 07700 900 982", `href="#mobile"`, `value="01234 567890"`}},
		{route: "POST /account/contact", method: "POST", path: "/account/contact", who: "member", form: url.Values{"contact": {"email"}}, status: 422,
			contains: []string{"There is no email address on this account", `href="#contact"`}},
		{route: "POST /account/contact", method: "POST", path: "/account/contact", who: "member", form: url.Values{"contact": {"text"}, "mobile": {"07700 900 982"}}, status: 303, location: "/account"},
		{route: "GET /account", path: "/account", who: "member", status: 200, contains: []string{"By text message", "Mobile: 07700 900982"}},
		{route: "POST /account/contact/remove-mobile", method: "POST", path: "/account/contact/remove-mobile", who: "member", form: url.Values{}, status: 303, location: "/account"},
		{route: "GET /account", path: "/account", who: "member", status: 200, contains: []string{"Only through my facilitator"}, lacks: []string{"07700"}},
		{route: "GET /people/{id}/contact", path: memberA + "/contact", who: "member", status: 403},
		{route: "GET /people/{id}/contact", path: memberA + "/contact", who: "facilitator", status: 200, contains: []string{"How do they want to be told about new messages?", `autocomplete="off"`}},
		{route: "GET /people/{id}/contact", path: memberB + "/contact", who: "facilitator", status: 404, lacks: []string{"Bea Bmember"}},
		{route: "GET /people/{id}/contact", path: officer + "/contact", who: "facilitator", status: 403},
		{route: "POST /people/{id}/contact", method: "POST", path: memberB + "/contact", who: "facilitator", form: url.Values{"contact": {"text"}, "mobile": {"07700900111"}}, status: 404},
		{route: "POST /people/{id}/contact", method: "POST", path: officer + "/contact", who: "facilitator", form: url.Values{"contact": {"facilitator"}}, status: 403},
		{route: "POST /people/{id}/contact", method: "POST", path: memberA + "/contact", who: "facilitator", form: url.Values{"contact": {"text"}}, status: 422, contains: []string{"Enter a mobile number to get text messages"}},
		{route: "POST /people/{id}/contact", method: "POST", path: memberA + "/contact", who: "facilitator", form: url.Values{"contact": {"text"}, "mobile": {"+44 7700 900111"}}, status: 303, location: memberA},
		{route: "GET /people/{id}", path: memberA, who: "facilitator", status: 200, contains: []string{"By text message", "Mobile: 07700 900111"}},
		{route: "POST /people/{id}/code/text", method: "POST", path: memberA + "/code/text", form: url.Values{}, status: 403},
		{route: "POST /people/{id}/code/text", method: "POST", path: memberA + "/code/text", who: "member", form: url.Values{}, status: 403},
		{route: "POST /people/{id}/code/text", method: "POST", path: memberB + "/code/text", who: "facilitator", form: url.Values{}, status: 404},
		{route: "POST /people/{id}/code/text", method: "POST", path: officer + "/code/text", who: "facilitator", form: url.Values{}, status: 403},
		{route: "POST /people/{id}/code/text", method: "POST", path: memberA + "/code/text", who: "facilitator", form: url.Values{}, status: 409,
			contains: []string{"Roundtable cannot send texts"}},
		{route: "POST /people/{id}/contact/remove-mobile", method: "POST", path: memberB + "/contact/remove-mobile", who: "facilitator", form: url.Values{}, status: 404},
		{route: "POST /people/{id}/contact/remove-mobile", method: "POST", path: memberA + "/contact/remove-mobile", who: "facilitator", form: url.Values{}, status: 303, location: memberA},
		{route: "GET /people/{id}", path: memberA, who: "facilitator", status: 200, contains: []string{"Only through my facilitator"}, lacks: []string{"07700"}},

		// Forms sent from another site are refused before anything else.
		{route: "POST /people/new", method: "POST", path: "/people/new", who: "admin", form: newPerson("Evil", "", auth.Admin, ""),
			header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403, contains: []string{"sent from another website"}},
		{route: "POST /sign-in", method: "POST", path: "/sign-in", form: url.Values{"login": {"mo.member"}, "password": {accountstest.Password}},
			header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403},
		{route: "POST /sign-out", method: "POST", path: "/sign-out", who: "member", form: url.Values{},
			header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403},
	}
	covered := map[string]bool{}
	for _, s := range scenarios {
		if s.method == "" {
			s.method = "GET"
		}
		covered[s.route] = true
		name := fmt.Sprintf("%s %s as %q", s.method, s.path, s.who)
		rec := w.do(s.method, s.path, w.cookies[s.who], s.form, s.header...)
		if rec.Code != s.status {
			t.Errorf("%s: status %d, want %d", name, rec.Code, s.status)
			continue
		}
		if s.location != "" && !strings.HasPrefix(rec.Header().Get("Location"), s.location) {
			t.Errorf("%s: redirect to %q, want %q...", name, rec.Header().Get("Location"), s.location)
		}
		body := rec.Body.String()
		for _, c := range s.contains {
			if !strings.Contains(body, c) {
				t.Errorf("%s: page lacks %q", name, c)
			}
		}
		for _, c := range s.lacks {
			if strings.Contains(body, c) {
				t.Errorf("%s: page shows %q", name, c)
			}
		}
		if rec.Code == 200 && rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", name, rec.Header().Get("Cache-Control"))
		}
	}
	// Every accounts route is in the table. Downloading and deleting one's data live under
	// /account too, but belong to internal/privacy and are tested there; signing in with an
	// organisation's account belongs to internal/staffsignin.
	for _, r := range w.app.Router.Routes() {
		p := r.Pattern
		if strings.Contains(p, "/account/data") || strings.Contains(p, "/account/delete") ||
			strings.Contains(p, "/sign-in/organisation") || strings.Contains(p, "/account/organisation-account") {
			continue
		}
		if strings.Contains(p, "/sign-") || strings.Contains(p, "/account") || strings.Contains(p, "/people") {
			if !covered[p] {
				t.Errorf("route %s has no scenario", p)
			}
		}
	}
}

func sessionCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "roundtable_session") {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", rec.Header()["Set-Cookie"])
	return nil
}

func countSessions(t *testing.T, d *db.DB, personID int64) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRowContext(context.Background(), "SELECT count(*) FROM sessions WHERE person_id = $1", personID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	w := newWorld(t, app.Config{})
	signIn := func(login, password, next string, cookie *http.Cookie) *httptest.ResponseRecorder {
		return w.do("POST", "/sign-in", cookie, url.Values{"login": {login}, "password": {password}, "next": {next}})
	}
	// Wrong password and unknown account read the same.
	wrong, unknown := signIn("mo.member", "wrong password!", "", nil), signIn("nobody.here", "wrong password!", "", nil)
	for _, rec := range []*httptest.ResponseRecorder{wrong, unknown} {
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Enter a correct email address or sign-in name and password.") {
			t.Errorf("failed sign-in: %d", rec.Code)
		}
		if len(rec.Result().Cookies()) != 0 {
			t.Errorf("failed sign-in set a cookie")
		}
	}

	// Signing in replaces the session the browser had (no fixation) and honours next.
	old := w.cookies["member"]
	before := countSessions(t, w.d, w.ids["member"])
	rec := signIn("Mo.Member", accountstest.Password, "/account/name", old)
	if rec.Code != 303 || rec.Header().Get("Location") != "/account/name" {
		t.Fatalf("sign in: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	c := sessionCookie(t, rec)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.Value == old.Value {
		t.Errorf("session cookie = %+v", c)
	}
	if after := countSessions(t, w.d, w.ids["member"]); after != before {
		t.Errorf("sessions %d -> %d: the old one should end as the new one starts", before, after)
	}
	if w.do("GET", "/account", old, nil).Code != 303 {
		t.Error("the session from before sign-in still works")
	}
	// A next parameter pointing elsewhere is ignored.
	if rec := signIn("mo.member", accountstest.Password, "//evil.example/x", nil); rec.Header().Get("Location") != "/account" {
		t.Errorf("unsafe next: redirect to %q", rec.Header().Get("Location"))
	}

	if rec := w.do("GET", "/account", c, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Mo Member") {
		t.Fatalf("account after sign-in: %d", rec.Code)
	}

	// Signing out deletes the session and the cookie.
	n := countSessions(t, w.d, w.ids["member"])
	rec = w.do("POST", "/sign-out", c, url.Values{})
	if rec.Code != 303 || sessionCookie(t, rec).MaxAge >= 0 {
		t.Errorf("sign out: %d, cookie %+v", rec.Code, sessionCookie(t, rec))
	}
	if countSessions(t, w.d, w.ids["member"]) != n-1 {
		t.Error("sign out left the session row")
	}
	if w.do("GET", "/account", c, nil).Code != 303 {
		t.Error("the session still works after signing out")
	}

	// Sessions end after 12 idle hours; the cookie of an ended session is cleared.
	fresh := accountstest.SignIn(t, w.app.Handler, "mo.member", accountstest.Password)
	w.clock.Advance(accounts.SessionIdle - time.Minute)
	if w.do("GET", "/account", fresh, nil).Code != 200 {
		t.Error("session ended before the idle limit")
	}
	w.clock.Advance(accounts.SessionIdle + time.Minute)
	rec = w.do("GET", "/account", fresh, nil)
	if rec.Code != 303 || sessionCookie(t, rec).MaxAge >= 0 {
		t.Errorf("idle session: %d", rec.Code)
	}
}

func TestThrottlingOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, app.Config{})
	for range accounts.MaxFailuresPerLogin {
		w.do("POST", "/sign-in", nil, url.Values{"login": {"mo.member"}, "password": {"not it at all"}})
	}
	rec := w.do("POST", "/sign-in", nil, url.Values{"login": {"mo.member"}, "password": {accountstest.Password}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "After 5 wrong tries you must wait 15 minutes") {
		t.Fatalf("sixth try: %d", rec.Code)
	}
	w.clock.Advance(accounts.ThrottleWindow + time.Second)
	accountstest.SignIn(t, w.app.Handler, "mo.member", accountstest.Password)
}

func TestSecureCookieOverTLS(t *testing.T) {
	t.Parallel()
	w := newWorld(t, app.Config{BaseURL: "https://roundtable.example"})
	rec := w.do("POST", "/sign-in", nil, url.Values{"login": {"mo.member"}, "password": {accountstest.Password}})
	c := sessionCookie(t, rec)
	if c.Name != "__Host-roundtable_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie over TLS = %+v", c)
	}
}

var codeInPage = regexp.MustCompile(`class="rt-code">([A-Z0-9-]{14})<`)

func TestSignInCodeJourney(t *testing.T) {
	t.Parallel()
	w := newWorld(t, app.Config{})
	// A facilitator adds a person with no email, and gives them a code.
	rec := w.do("POST", "/people/new", w.cookies["facilitator"], url.Values{"display_name": {"Sam Taylor"}, "email": {""},
		"role": {"member"}, "organisation": {fmt.Sprint(w.ids["orgA"])}})
	if rec.Code != 303 {
		t.Fatalf("add person: %d %s", rec.Code, rec.Body)
	}
	personPage := rec.Header().Get("Location")
	flash := rec.Result().Cookies()
	page := w.do("GET", personPage, w.cookies["facilitator"], nil, "Cookie", flash[0].Name+"="+flash[0].Value)
	if !strings.Contains(page.Body.String(), "sam.taylor") || !strings.Contains(page.Body.String(), "Needs a code") &&
		!strings.Contains(page.Body.String(), "they need a sign-in code") {
		t.Errorf("person page after adding: %s", page.Body)
	}
	rec = w.do("POST", personPage+"/code", w.cookies["facilitator"], url.Values{})
	m := codeInPage.FindStringSubmatch(rec.Body.String())
	if rec.Code != 200 || m == nil {
		t.Fatalf("issue code: %d\n%s", rec.Code, rec.Body)
	}
	code := m[1]
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("the code page may be cached")
	}
	if !strings.Contains(w.do("GET", personPage, w.cookies["facilitator"], nil).Body.String(), "Not used yet") {
		t.Error("person page does not say a code is waiting")
	}

	// Sam types the code (loosely) and sees their sign-in name.
	rec = w.do("POST", "/sign-in/code", nil, url.Values{"code": {strings.ToLower(strings.ReplaceAll(code, "-", " "))}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "sam.taylor") || !strings.Contains(rec.Body.String(), "Choose your passphrase") {
		t.Fatalf("check code: %d", rec.Code)
	}
	redeem := func(pass, confirm string) *httptest.ResponseRecorder {
		return w.do("POST", "/sign-in/code/passphrase", nil, url.Values{"code": {code}, "password": {pass}, "confirm": {confirm}})
	}
	if rec := redeem("short", "short"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "12 characters or more") {
		t.Errorf("short passphrase: %d", rec.Code)
	}
	if rec := redeem("orange kettle bicycle", "orange kettle bicycles"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "not the same") {
		t.Errorf("mismatched passphrase: %d", rec.Code)
	}
	rec = redeem("orange kettle bicycle", "orange kettle bicycle")
	if rec.Code != 303 || rec.Header().Get("Location") != "/account" {
		t.Fatalf("redeem: %d", rec.Code)
	}
	if acc := w.do("GET", "/account", sessionCookie(t, rec), nil); acc.Code != 200 || !strings.Contains(acc.Body.String(), "Sam Taylor") {
		t.Errorf("account after redeem: %d", acc.Code)
	}
	// The code never works again.
	if rec := w.do("POST", "/sign-in/code", nil, url.Values{"code": {code}}); rec.Code != 422 || !strings.Contains(rec.Body.String(), "does not work") {
		t.Errorf("reused code: %d", rec.Code)
	}
	if rec := redeem("another passphrase!", "another passphrase!"); rec.Code != 422 {
		t.Errorf("reused code redeemed: %d", rec.Code)
	}
	accountstest.SignIn(t, w.app.Handler, "sam.taylor", "orange kettle bicycle")
}

func TestChangeNameAndPassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t, app.Config{})
	me := w.cookies["member"]
	other := accountstest.SignIn(t, w.app.Handler, "mo.member", accountstest.Password)
	if rec := w.do("POST", "/account/name", me, url.Values{"display_name": {"Mo"}}); rec.Code != 303 || rec.Header().Get("Location") != "/account" {
		t.Fatalf("change name: %d", rec.Code)
	}
	if !strings.Contains(w.do("GET", "/account", me, nil).Body.String(), "<dd class=\"govuk-summary-list__value\">Mo</dd>") {
		t.Error("new name not shown")
	}
	rec := w.do("POST", "/account/password", me, url.Values{"current": {accountstest.Password}, "password": {"a brand new passphrase"}, "confirm": {"a different one"}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "not the same") {
		t.Errorf("mismatch: %d", rec.Code)
	}
	rec = w.do("POST", "/account/password", me, url.Values{"current": {accountstest.Password}, "password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
	if rec.Code != 303 {
		t.Fatalf("change password: %d %s", rec.Code, rec.Body)
	}
	if w.do("GET", "/account", me, nil).Code != 200 {
		t.Error("changing the password ended this session")
	}
	if w.do("GET", "/account", other, nil).Code != 303 {
		t.Error("changing the password left other sessions open")
	}
	accountstest.SignIn(t, w.app.Handler, "mo.member", "a brand new passphrase")
}

// BenchmarkPages measures the server time of the busiest accounts pages with 5,000 people,
// about a national scale of members, facilitators and officers.
func BenchmarkPages(b *testing.B) {
	w := newWorld(b, app.Config{})
	ctx := context.Background()
	for i := range 5000 {
		org := w.ids["orgA"]
		if i%2 == 1 {
			org = w.ids["orgB"]
		}
		if _, err := accounts.CreatePerson(ctx, w.d, accounts.NewPerson{DisplayName: fmt.Sprintf("Person %d", i),
			Grants: []auth.Grant{{Role: auth.Member, OrganisationID: org}}}, 0); err != nil {
			b.Fatal(err)
		}
	}
	// As after a while in service: the write-ahead log folded into the database.
	if _, err := w.d.Write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, who, path string }{
		{"account", "member", "/account"},
		{"people-admin", "admin", "/people?page=40"},
		{"people-facilitator", "facilitator", "/people"},
		{"person", "facilitator", w.path("/people/%d", "member")},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if rec := w.do("GET", c.path, w.cookies[c.who], nil); rec.Code != 200 {
					b.Fatalf("%s: %d", c.path, rec.Code)
				}
			}
		})
	}
}
