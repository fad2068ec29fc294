package app_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

var param = regexp.MustCompile(`\{[^}]*\}`)

// samplePath turns a route pattern into a path that matches it.
func samplePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	// An id no test record has, so a form posted to it cannot change the people the test signs
	// in as; the access rule is checked before the handler looks the id up.
	path = param.ReplaceAllString(path, "999999")
	return method, path
}

// TestEveryRouteChecksWhoIsAsking walks every registered route: a signed-out visitor is sent
// to sign in (or refused, for a form), and each role the route does not name is refused,
// before any handler runs.
func TestEveryRouteChecksWhoIsAsking(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		a, err := app.New(d, app.Config{})
		if err != nil {
			t.Fatal(err)
		}
		org := accountstest.Organisation(t, d, "Test group")
		cookies := map[auth.Role]*http.Cookie{}
		for _, r := range auth.Roles {
			orgID := org
			if r == auth.Admin {
				orgID = 0
			}
			c, _ := accountstest.SignedIn(t, d, r, orgID)
			cookies[r] = c
		}
		routes := a.Router.Routes()
		if len(routes) < 10 {
			t.Fatalf("only %d routes registered", len(routes))
		}
		for _, rt := range routes {
			method, path := samplePath(rt.Pattern)
			if method == "" || !strings.HasPrefix(path, "/") {
				t.Errorf("route %q has no method: every route names one", rt.Pattern)
				continue
			}
			for _, r := range rt.Access.Roles {
				if !r.Valid() {
					t.Errorf("route %q names an unknown role %q", rt.Pattern, r)
				}
			}
			t.Run(rt.Pattern, func(t *testing.T) {
				w := serve(a.Handler, method, path, nil)
				signInRedirect := w.Code == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/sign-in?next=")
				switch {
				case rt.Access.Public:
					if signInRedirect || w.Code == http.StatusForbidden {
						t.Errorf("public route: signed out got %d %s", w.Code, w.Header().Get("Location"))
					}
					return
				case method == http.MethodGet:
					if !signInRedirect {
						t.Errorf("signed out: got %d %q, want a redirect to sign in", w.Code, w.Header().Get("Location"))
					}
				default:
					if w.Code != http.StatusForbidden {
						t.Errorf("signed out %s: got %d, want 403", method, w.Code)
					}
				}
				for _, r := range auth.Roles {
					allowed := len(rt.Access.Roles) == 0 || slices.Contains(rt.Access.Roles, r)
					w := serve(a.Handler, method, path, cookies[r])
					if !allowed && w.Code != http.StatusForbidden {
						t.Errorf("%s: got %d, want 403", r, w.Code)
					}
					if allowed && (w.Code == http.StatusForbidden && strings.Contains(w.Body.String(), "You do not have access to this page")) {
						t.Errorf("%s: refused by the route's rule, which names it", r)
					}
				}
			})
		}
	})
}

func serve(h http.Handler, method, path string, c *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(""))
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c != nil {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHealthAndReadiness(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	a, err := app.New(d, app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if w := serve(a.Handler, "GET", "/healthz", nil); w.Code != 200 || w.Body.String() != "ok\n" {
		t.Errorf("healthz: %d %q", w.Code, w.Body.String())
	}
	if w := serve(a.Handler, "GET", "/readyz", nil); w.Code != 200 {
		t.Errorf("readyz: %d", w.Code)
	}
	d.Read.Close()
	if w := serve(a.Handler, "GET", "/readyz", nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d, want 503", w.Code)
	}
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	a, err := app.New(d, app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/sign-in", strings.NewReader("login=a&password=b"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "sent from another website") {
		t.Fatalf("cross-site POST: %d\n%s", w.Code, w.Body.String())
	}
	r = httptest.NewRequest("POST", "/sign-in", strings.NewReader("login=a&password=b"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.example")
	r.Host = "roundtable.example"
	w = httptest.NewRecorder()
	a.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("POST from another origin: %d", w.Code)
	}
}
