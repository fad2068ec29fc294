package panels_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/testclock"
	"roundtable/internal/platform/web"
)

const (
	lutonGSS     = "E06000032"
	blackpoolGSS = "E06000009"
)

// start is a summer day, so deadlines cross British Summer Time.
var start = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

type clock = testclock.Clock

// world is the app on a database with the real council register, two panels (Luton and
// Blackpool) and a person in each role: the people of one panel or council must be refused
// anything of the other's.
type world struct {
	t       testing.TB
	d       *db.DB
	app     *app.App
	clock   *clock
	luton   panels.Panel
	bpool   panels.Panel
	ids     map[string]int64
	who     map[string]*auth.Identity
	cookies map[string]*http.Cookie
}

func importRegister(t testing.TB, d *db.DB) {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(context.Background(), d, f); err != nil {
		t.Fatalf("import the register: %v", err)
	}
}

func makePanel(t testing.TB, d *db.DB, name, slug, region string) panels.Panel {
	t.Helper()
	ctx := context.Background()
	org, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: name, StakeholderType: directory.LivedExperience, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	rg, err := directory.RegionBySlug(ctx, d, strings.ToLower(strings.ReplaceAll(region, " ", "-")))
	if err != nil {
		t.Fatal(err)
	}
	id, err := panels.CreatePanel(ctx, d, panels.NewPanel{Name: name, Slug: slug, Kind: panels.Local, OrganisationID: org, RegionID: rg.ID,
		About: "A test panel."}, start)
	if err != nil {
		t.Fatal(err)
	}
	p, err := panels.PanelByID(ctx, d, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	importRegister(t, d)
	w := &world{t: t, d: d, clock: testclock.New(start), ids: map[string]int64{}, who: map[string]*auth.Identity{}, cookies: map[string]*http.Cookie{}}
	w.luton = makePanel(t, d, "Luton Homelessness Partnership", "luton", "East of England")
	w.bpool = makePanel(t, d, "Blackpool Lived Experience Team", "blackpool", "North West")
	council := func(gss string) int64 {
		c, err := directory.CouncilByCode(ctx, d, gss)
		if err != nil {
			t.Fatal(err)
		}
		return c.OrganisationID
	}
	other := accountstest.Organisation(t, d, "Harbour Support Services (example)")
	for _, p := range []struct {
		key  string
		role auth.Role
		org  int64
	}{
		{"facilitator", auth.Facilitator, w.luton.OrganisationID},
		{"sam", auth.Member, w.luton.OrganisationID},
		{"aisha", auth.Member, w.luton.OrganisationID},
		{"marek", auth.Member, w.luton.OrganisationID},
		{"bpool-member", auth.Member, w.bpool.OrganisationID},
		{"bpool-facilitator", auth.Facilitator, w.bpool.OrganisationID},
		{"officer", auth.CouncilOfficer, council(lutonGSS)},
		{"bpool-officer", auth.CouncilOfficer, council(blackpoolGSS)},
		{"funder", auth.Funder, other},
		{"partner", auth.Partner, other},
		{"assessor", auth.Assessor, other},
		{"admin", auth.Admin, 0},
	} {
		id, _ := accountstest.Person(t, d, "Test "+p.key, p.role, p.org)
		w.ids[p.key] = id
		w.cookies[p.key] = accountstest.Session(t, d, id, start)
		w.who[p.key] = &auth.Identity{PersonID: id, DisplayName: "Test " + p.key, Grants: []auth.Grant{{Role: p.role, OrganisationID: p.org}}}
	}
	a, err := app.New(d, app.Config{Now: w.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.app = a
	return w
}

// do sends a request through the whole app as the person (empty: signed out).
func (w *world) do(method, path, who string, form url.Values) *httptest.ResponseRecorder {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if who != "" {
		c, ok := w.cookies[who]
		if !ok {
			w.t.Fatalf("no cookie for %q", who)
		}
		r.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, r)
	return rec
}

// want checks a response's status and that the body holds each text.
func (w *world) want(rec *httptest.ResponseRecorder, status int, texts ...string) {
	w.t.Helper()
	if rec.Code != status {
		w.t.Fatalf("status %d, want %d; body:\n%.2000s", rec.Code, status, rec.Body.String())
	}
	for _, s := range texts {
		if !strings.Contains(rec.Body.String(), s) {
			w.t.Errorf("page does not show %q", s)
		}
	}
}

func (w *world) wantNot(rec *httptest.ResponseRecorder, texts ...string) {
	w.t.Helper()
	for _, s := range texts {
		if strings.Contains(rec.Body.String(), s) {
			w.t.Errorf("page shows %q, which it must not", s)
		}
	}
}

func wantCode(t *testing.T, err error, code errs.Code) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got %v, want a %s error", err, code)
	}
	return e
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT count(*) FROM audit_log WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// invite adds a member with no email to the panel the way a facilitator does, and signs them
// in with the code they were given.
func (w *world) invite(name string, p panels.Panel) int64 {
	w.t.Helper()
	ctx := context.Background()
	id, err := accounts.CreatePerson(ctx, w.d, accounts.NewPerson{DisplayName: name,
		Grants: []auth.Grant{{Role: auth.Member, OrganisationID: p.OrganisationID}}}, w.ids["facilitator"])
	if err != nil {
		w.t.Fatal(err)
	}
	code, err := accounts.IssueSignInCode(ctx, w.d, id, w.ids["facilitator"], w.clock.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := accounts.RedeemSignInCode(ctx, w.d, code, "three random words here", "192.0.2.1", w.clock.Now()); err != nil {
		w.t.Fatal(err)
	}
	w.ids[name] = id
	w.cookies[name] = accountstest.Session(w.t, w.d, id, w.clock.Now())
	return id
}

// advance moves the clock on and starts fresh sessions, which would otherwise have ended.
func (w *world) advance(d time.Duration) {
	w.t.Helper()
	w.clock.Advance(d)
	for k, id := range w.ids {
		w.cookies[k] = accountstest.Session(w.t, w.d, id, w.clock.Now())
	}
}

func londonTZ() *time.Location { return web.London }
