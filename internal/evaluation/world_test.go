package evaluation_test

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

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/testclock"
	"roundtable/internal/standards"
	"roundtable/internal/standards/standardstest"
)

const (
	lutonCode   = "E06000032"
	bedfordCode = "E06000055"
)

type clock = testclock.Clock

// world is the whole application on a real database: the council register, a published
// standard, the Luton panel with two members and a facilitator, a member of another panel,
// officers of Luton and Bedford, the funder, an independent assessor and an assessor of another
// organisation.
type world struct {
	t       testing.TB
	d       *db.DB
	app     *app.App
	clock   *clock
	version standards.VersionRef
	ids     map[string]int64
	logins  map[string]string
}

func newWorld(t testing.TB, d *db.DB, now time.Time) *world {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(ctx, d, f); err != nil {
		t.Fatal(err)
	}
	clk := testclock.New(now)
	a, err := app.New(d, app.Config{Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, app: a, clock: clk, ids: map[string]int64{}, logins: map[string]string{}}
	w.version = standardstest.Published(t, d)
	org := func(name string, typ directory.StakeholderType) int64 {
		id, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: name, StakeholderType: typ})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	lhp := org("Luton Homelessness Partnership", directory.LivedExperience)
	other := org("Westminster Lived Experience Group", directory.LivedExperience)
	w.ids["review"] = org("Independent Co-production Review", directory.IndependentAssessor)
	w.ids["otherreview"] = org("Another Review", directory.IndependentAssessor)
	ministry := org("Ministry", directory.Funder)
	for slug, o := range map[string]int64{"luton": lhp, "westminster": other} {
		id, err := panels.CreatePanel(ctx, d, panels.NewPanel{Name: slug + " panel", Slug: slug, Kind: panels.Local, OrganisationID: o}, now)
		if err != nil {
			t.Fatal(err)
		}
		w.ids["panel-"+slug] = id
	}
	council := func(code string) int64 {
		c, err := directory.CouncilByCode(ctx, d, code)
		if err != nil {
			t.Fatal(err)
		}
		return c.OrganisationID
	}
	w.ids["luton"], w.ids["bedford"] = council(lutonCode), council(bedfordCode)
	for _, p := range []struct {
		who  string
		role auth.Role
		org  int64
	}{
		{"sam", auth.Member, lhp}, {"lee", auth.Member, lhp}, {"kim", auth.Member, lhp},
		{"facilitator", auth.Facilitator, lhp}, {"outsider", auth.Member, other}, {"otherfacilitator", auth.Facilitator, other},
		{"officer", auth.CouncilOfficer, w.ids["luton"]}, {"bedfordofficer", auth.CouncilOfficer, w.ids["bedford"]},
		{"funder", auth.Funder, ministry}, {"assessor", auth.Assessor, w.ids["review"]}, {"otherassessor", auth.Assessor, w.ids["otherreview"]},
		{"admin", auth.Admin, 0},
	} {
		id, login := accountstest.Person(t, d, "Test "+p.who, p.role, p.org)
		w.ids[p.who], w.logins[p.who] = id, login
	}
	return w
}

// do sends a request through the whole handler as who ("" for nobody).
func (w *world) do(method, path, who string, form url.Values) *httptest.ResponseRecorder {
	w.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if who != "" {
		req.AddCookie(accountstest.Session(w.t, w.d, w.ids[who], w.clock.Now()))
	}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, req)
	return rec
}

func (w *world) expect(method, path, who string, form url.Values, status int, contains ...string) *httptest.ResponseRecorder {
	w.t.Helper()
	rec := w.do(method, path, who, form)
	if rec.Code != status {
		w.t.Fatalf("%s %s as %q: status %d, want %d\n%s", method, path, who, rec.Code, status, excerpt(rec.Body.String()))
	}
	for _, c := range contains {
		if !strings.Contains(rec.Body.String(), c) {
			w.t.Errorf("%s %s as %q: body lacks %q\n%s", method, path, who, c, excerpt(rec.Body.String()))
		}
	}
	return rec
}

func (w *world) lacks(path, who string, unwanted ...string) {
	w.t.Helper()
	body := w.expect("GET", path, who, nil, 200).Body.String()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			w.t.Errorf("GET %s as %q shows %q", path, who, u)
		}
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 4000 {
		s = s[:4000]
	}
	return s
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.Read.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}
