package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/pagecache"
)

// TestEveryTableHasAKind: a table a public page might show must bump a kind's version when
// written, or a cached page would go stale. Every table is in one kind or declared private,
// and every table of a kind has its triggers.
func TestEveryTableHasAKind(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		if d.Dialect == db.Postgres {
			q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
		}
		tables, err := db.Collect(ctx, d.Read, func(s db.Scanner) (string, error) {
			var n string
			return n, s.Scan(&n)
		}, q)
		if err != nil {
			t.Fatal(err)
		}
		kindOf := map[string]string{}
		for _, k := range app.DataKinds() {
			for _, tb := range k.Tables {
				if kindOf[tb] != "" {
					t.Errorf("%s is in two kinds, %s and %s", tb, kindOf[tb], k.Name)
				}
				kindOf[tb] = k.Name
			}
		}
		for _, tb := range tables {
			private := slices.Contains(app.PrivateTables, tb)
			switch {
			case kindOf[tb] == "" && !private:
				t.Errorf("table %s is in no kind of data and not declared private: add it to a new element of dataVersions (internal/app/datakinds.go) or to PrivateTables", tb)
			case kindOf[tb] != "" && private:
				t.Errorf("table %s is both private and of kind %s", tb, kindOf[tb])
			}
		}
		tq := "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1"
		if d.Dialect == db.Postgres {
			tq = "SELECT count(*) FROM information_schema.triggers WHERE event_object_schema = current_schema() AND event_object_table = $1"
		}
		for tb := range kindOf {
			if !slices.Contains(tables, tb) {
				t.Errorf("the page cache's kinds name %s, which is no table", tb)
				continue
			}
			var n int
			if err := d.Read.QueryRowContext(ctx, tq, tb).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n < 3 {
				t.Errorf("table %s has %d triggers, want one each for insert, update and delete", tb, n)
			}
		}
	})
}

// servers are two app instances on one database, as behind nginx: on PostgreSQL each with its
// own connection pool.
func servers(t *testing.T, dialect db.Dialect) (a, b *app.App, d *db.DB) {
	dbs := []*db.DB{}
	if dialect == db.Postgres {
		dbs = dbtest.PostgresServers(t, app.Migrations(), 2)
	} else {
		d := dbtest.SQLite(t, app.Migrations())
		dbs = []*db.DB{d, d}
	}
	var apps []*app.App
	for _, d := range dbs {
		x, err := app.New(d, app.Config{})
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, x)
	}
	return apps[0], apps[1], dbs[0]
}

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// A write through the real handlers on one server is on the other's public page at the very
// next request; a matching If-None-Match is answered 304; signed-in pages are never shared.
func TestPublicPagesAreNeverStale(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			a, b, d := servers(t, dialect)
			admin, _ := accountstest.SignedIn(t, d, auth.Admin, 0)
			adminName := personName(t, d, admin)

			first := get(b.Handler, "/organisations")
			tag := first.Header().Get("ETag")
			if first.Code != 200 || tag == "" || first.Header().Get("Cache-Control") != "public, no-cache" {
				t.Fatalf("a public page: %d %v", first.Code, first.Header())
			}
			if w := get(b.Handler, "/organisations", "If-None-Match", tag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Fatalf("If-None-Match with the page's tag: %d", w.Code)
			}

			form := url.Values{"name": {"Harbour Housing Trust"}, "stakeholder_type": {"support_provider"}, "description": {"Supported homes."}}
			r := httptest.NewRequest("POST", "/organisations/new", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(admin)
			w := httptest.NewRecorder()
			a.Handler.ServeHTTP(w, r)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("add an organisation: %d\n%s", w.Code, w.Body.String())
			}

			after := get(b.Handler, "/organisations")
			if !strings.Contains(after.Body.String(), "Harbour Housing Trust") {
				t.Fatal("the other server's next page does not show the new organisation")
			}
			if after.Header().Get("ETag") == tag {
				t.Error("the page changed but its ETag did not")
			}
			if w := get(b.Handler, "/organisations", "If-None-Match", tag); w.Code != http.StatusOK {
				t.Errorf("the old tag after the change: %d, want 200", w.Code)
			}
			if w := get(b.Handler, "/organisations", "If-None-Match", after.Header().Get("ETag")); w.Code != http.StatusNotModified {
				t.Errorf("the new tag: %d, want 304", w.Code)
			}

			// Signed in, the page is the person's own, not stored and never served from the
			// cache, before or after it holds a page.
			for _, path := range []string{"/organisations", "/councils"} {
				mine := get(b.Handler, path, "Cookie", admin.Name+"="+admin.Value)
				if !strings.Contains(mine.Body.String(), adminName) || !strings.Contains(mine.Body.String(), "Your account") {
					t.Errorf("%s signed in does not show the person: served from the cache?", path)
				}
				if mine.Header().Get("Cache-Control") != "no-store" || mine.Header().Get("ETag") != "" {
					t.Errorf("%s signed in: %v", path, mine.Header())
				}
				anon := get(b.Handler, path).Body.String()
				if strings.Contains(anon, adminName) || strings.Contains(anon, "Your account") {
					t.Errorf("%s signed out shows the signed-in person's page", path)
				}
			}
		})
	}
}

// personName is the name of the only person signed in.
func personName(t *testing.T, d *db.DB, _ *http.Cookie) string {
	t.Helper()
	var name string
	err := d.Read.QueryRowContext(context.Background(),
		"SELECT p.display_name FROM people p JOIN sessions s ON s.person_id = p.id LIMIT 1").Scan(&name)
	if err != nil || name == "" {
		t.Fatalf("the signed-in person's name: %q %v", name, err)
	}
	return name
}

func TestOnlyPublicPagesAreCached(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	a, err := app.New(d, app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("caching a signed-in page did not panic")
		}
	}()
	a.Router.Cache("GET /account", pagecache.Page{})
}
