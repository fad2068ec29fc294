package directory_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

var (
	admin  = &auth.Identity{PersonID: 1, DisplayName: "Ada Admin", Grants: []auth.Grant{{Role: auth.Admin}}}
	member = &auth.Identity{PersonID: 2, DisplayName: "Mo Member", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: 1}}}
)

// site is the whole application on a migrated database holding the real register and one
// partner organisation.
type site struct {
	app *app.App
	db  *db.DB
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	importRegister(t, d)
	if _, err := directory.CreateOrganisation(context.Background(), d, directory.NewOrganisation{
		Name: "Harbour Support Services (example)", StakeholderType: directory.SupportProvider, Region: "East of England",
		Description: "An example support provider.", Website: "https://harbour.example.org",
	}); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(d, app.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return &site{app: a, db: d}
}

// do sends a request. Signed out, it goes through the whole handler with its middleware;
// signed in, it goes to the router with the identity in the context, as the accounts
// middleware would leave it, since signing in is the accounts capability's to test.
func (s *site) do(t *testing.T, method, target string, as *auth.Identity, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	if as == nil {
		s.app.Handler.ServeHTTP(w, r)
	} else {
		s.app.Router.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), as)))
	}
	return w
}

func TestPages(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		for _, tc := range []struct {
			name     string
			path     string
			as       *auth.Identity
			status   int
			location string
			contains []string
			excludes []string
		}{
			{name: "all councils", path: "/councils", status: 200, contains: []string{
				"Councils in England", `id="london"`, "33 councils", `href="/councils/E09000001">City of London<`,
				`href="/councils/E06000063">Cumberland<`, "Yorkshire and The Humber</a> (15)"},
				excludes: []string{">Allerdale<"}},
			{name: "councils in a region", path: "/councils?region=north-east", status: 200, contains: []string{
				"12 councils in North East", ">Sunderland<", `<option value="north-east" selected>`},
				excludes: []string{">Westminster<"}},
			{name: "search finds current and past councils", path: "/councils?q=somerset", status: 200, contains: []string{
				"match “somerset”", ">North Somerset<", "Past councils", ">West Somerset</a>, now served by Somerset"}},
			{name: "search with no match", path: "/councils?q=atlantis", status: 200, contains: []string{"No current councils match", "Check the spelling"}},
			{name: "search is not SQL", path: "/councils?q=%25", status: 200, contains: []string{"No current councils match"}},
			{name: "a current council", path: "/councils/E06000063", status: 200, contains: []string{
				"<h1 class=\"govuk-heading-l\">Cumberland</h1>", "Cumberland Council", "Unitary authority",
				`href="/councils?region=north-west">North West</a>`, "E06000063", "Councils it replaced",
				`href="/councils/E07000026">Allerdale</a>`, "1 April 2023"}},
			{name: "a council's population", path: "/councils/E07000026", status: 200, contains: []string{"97,831 (2020 estimate)"}},
			{name: "an abolished council", path: "/councils/E07000026", status: 200, contains: []string{
				"This council no longer exists", `replaced by <a class="govuk-link" href="/councils/E06000063">Cumberland</a>`}},
			{name: "a council replaced twice", path: "/councils/E07000190", status: 200, contains: []string{
				`replaced by <a class="govuk-link" href="/councils/E07000246">Somerset West and Taunton</a>`,
				`now served by <a class="govuk-link" href="/councils/E06000066">Somerset</a>`}},
			{name: "a former code", path: "/councils/E07000097", status: 301, location: "/councils/E07000242"},
			{name: "a code in lower case", path: "/councils/e09000001", status: 301, location: "/councils/E09000001"},
			{name: "an unknown council", path: "/councils/E07999999", status: 404, contains: []string{"Page not found"}},
			{name: "partners", path: "/organisations", status: 200, contains: []string{
				"Support providers", `href="/organisations/harbour-support-services-example"`, "see all 296 councils"},
				excludes: []string{"Add an organisation", ">Cumberland<"}},
			{name: "partners for an administrator", path: "/organisations", as: admin, status: 200, contains: []string{`href="/organisations/new"`}},
			{name: "partners of one type", path: "/organisations?type=landlord", status: 200, contains: []string{"0 organisations of this type"},
				excludes: []string{"Harbour"}},
			{name: "councils as a type", path: "/organisations?type=council", status: 303, location: "/councils"},
			{name: "an organisation", path: "/organisations/harbour-support-services-example", status: 200, contains: []string{
				"Harbour Support Services (example)", "Support provider", "East of England",
				`href="https://harbour.example.org"`, "An example support provider."}},
			{name: "a council's organisation", path: "/organisations/cumberland", status: 303, location: "/councils/E06000063"},
			{name: "an unknown organisation", path: "/organisations/nobody", status: 404},
			{name: "the form signed out", path: "/organisations/new", status: 303, location: "/sign-in?next=%2Forganisations%2Fnew"},
			{name: "the form for a member", path: "/organisations/new", as: member, status: 403},
			{name: "the form for an administrator", path: "/organisations/new", as: admin, status: 200, contains: []string{
				"Add an organisation", `name="stakeholder_type"`, "Registered provider (housing association)",
				`<option value="london">London</option>`, "Not in one region (national)"},
				excludes: []string{`value="council"`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := s.do(t, http.MethodGet, tc.path, tc.as, nil)
				if w.Code != tc.status {
					t.Fatalf("GET %s: status %d, want %d", tc.path, w.Code, tc.status)
				}
				if loc := w.Header().Get("Location"); loc != tc.location {
					t.Errorf("GET %s: Location %q, want %q", tc.path, loc, tc.location)
				}
				body := w.Body.String()
				for _, want := range tc.contains {
					if !strings.Contains(body, want) {
						t.Errorf("GET %s: page does not contain %q", tc.path, want)
					}
				}
				for _, unwanted := range tc.excludes {
					if strings.Contains(body, unwanted) {
						t.Errorf("GET %s: page contains %q", tc.path, unwanted)
					}
				}
				if w.Body.Len() > 30<<10 {
					t.Errorf("GET %s: %d bytes of HTML, want under 30 KB", tc.path, w.Body.Len())
				}
			})
		}
	})
}

func TestAddOrganisation(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t, app.Migrations()))
	valid := url.Values{"name": {"Open Door Lettings"}, "stakeholder_type": {"landlord"}, "region": {"london"},
		"website": {"opendoor.example.org"}, "description": {"Lets homes to people moving on."}}

	t.Run("signed out", func(t *testing.T) {
		w := s.do(t, http.MethodPost, "/organisations/new", nil, valid)
		if w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
	t.Run("as a member", func(t *testing.T) {
		w := s.do(t, http.MethodPost, "/organisations/new", member, valid)
		if w.Code != http.StatusForbidden {
			t.Errorf("status %d, want 403", w.Code)
		}
	})
	t.Run("with mistakes", func(t *testing.T) {
		w := s.do(t, http.MethodPost, "/organisations/new", admin, url.Values{"name": {""}, "stakeholder_type": {"council"}, "website": {"not a website"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", w.Code)
		}
		body := w.Body.String()
		for _, want := range []string{
			"<title>Error: Add an organisation", "There is a problem",
			`<a href="#name">Enter the organisation&#39;s name</a>`,
			`<a href="#stakeholder_type">Councils come from the local authority register`,
			`<a href="#website">Enter a website address in the correct format`,
			`id="name-error"`, `value="not a website"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page does not contain %q", want)
			}
		}
		if n := count(t, s.db, "organisations"); n != 297 {
			t.Errorf("%d organisations after a refused form, want 297", n)
		}
	})
	t.Run("added", func(t *testing.T) {
		w := s.do(t, http.MethodPost, "/organisations/new", admin, valid)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/organisations/open-door-lettings" {
			t.Fatalf("status %d, Location %q; want 303 to the new organisation", w.Code, w.Header().Get("Location"))
		}
		// The next page shows the success message once.
		r := httptest.NewRequest(http.MethodGet, "/organisations/open-door-lettings", nil)
		for _, c := range w.Result().Cookies() {
			r.AddCookie(c)
		}
		next := httptest.NewRecorder()
		s.app.Handler.ServeHTTP(next, r)
		body := next.Body.String()
		for _, want := range []string{"Open Door Lettings has been added.", "Landlord", "London", `href="https://opendoor.example.org"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the new organisation's page does not contain %q", want)
			}
		}
	})
}

// The councils list is the directory's heaviest page: every current council in England.
func BenchmarkCouncilsPage(b *testing.B) {
	d := dbtest.SQLite(b, app.Migrations())
	importRegister(b, d)
	a, err := app.New(d, app.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/councils", "/councils/E06000066", "/organisations"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
