package pagecache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/pagecache"
)

// listening is a site whose cache listens for notifications, with a form that writes a note.
func listening(t *testing.T, d *db.DB, recheck time.Duration) *site {
	t.Helper()
	s := newSite(t, d)
	notes := s.handler
	s.cache = pagecache.New(d, pagecache.Options{Now: s.clock.Now, Kinds: kinds, Recheck: recheck})
	s.cache.Page("GET /notes", pagecache.Page{Kinds: []string{"notes"}})
	mux := http.NewServeMux()
	mux.Handle("GET /", notes)
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		if _, err := d.Write.ExecContext(r.Context(), "INSERT INTO notes (body) VALUES ($1)", r.FormValue("body")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		http.Redirect(w, r, "/notes", http.StatusSeeOther)
	})
	s.handler = s.cache.Middleware(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.cache.Listen(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the listener to start", s.cache.Listening)
	return s
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

func (s *site) post(t *testing.T, body string) {
	t.Helper()
	r := httptest.NewRequest("POST", "/notes", strings.NewReader("body="+body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /notes: %d %s", w.Code, w.Body)
	}
}

var listenMigrations = append(append([]db.Migration{}, migrations...), pagecache.ListenMigration)

// Two servers on one PostgreSQL database, each keeping the counters from notifications: a
// write through a server is on its next page at once; a write through the other, or by
// anyone else, once its notification arrives.
func TestListeningServers(t *testing.T) {
	ds := dbtest.PostgresServers(t, listenMigrations, 2)
	a, b := listening(t, ds[0], time.Hour), listening(t, ds[1], time.Hour)
	a.page(t, "/notes", 1)
	b.page(t, "/notes", 1)
	a.page(t, "/notes", 0)

	a.post(t, "through-a")
	if got := a.page(t, "/notes", 1); !strings.Contains(got, "through-a") {
		t.Errorf("a's page after a write through a: %q", got)
	}
	waitFor(t, "b to see a's write", func() bool { return strings.Contains(b.get(t, "/notes").Body.String(), "through-a") })
	exec(t, ds[1], "INSERT INTO notes (body) VALUES ('by-a-command')")
	waitFor(t, "a to see a write made beside it", func() bool { return strings.Contains(a.get(t, "/notes").Body.String(), "by-a-command") })
	// A change to another kind leaves the page alone.
	exec(t, ds[1], "INSERT INTO others (body) VALUES ('x')")
	time.Sleep(50 * time.Millisecond)
	a.page(t, "/notes", 0)
}

// Without notifications, the kept counters are what pages go by: writes through the server
// are still seen at once (it reads the counters back after each), others only at the next
// check. That is what shows the pages no longer read the database for each request.
func TestListeningWithoutNotifications(t *testing.T) {
	ds := dbtest.PostgresServers(t, listenMigrations, 2)
	a := listening(t, ds[0], 300*time.Millisecond)
	a.page(t, "/notes", 1)
	exec(t, ds[1], "DROP TRIGGER data_versions_notify ON data_versions")
	exec(t, ds[1], "INSERT INTO notes (body) VALUES ('unannounced')")
	if got := a.page(t, "/notes", 0); strings.Contains(got, "unannounced") {
		t.Fatalf("the page was rendered again without a notification: %q", got)
	}
	a.post(t, "through-a")
	got := a.page(t, "/notes", 1)
	if !strings.Contains(got, "through-a") || !strings.Contains(got, "unannounced") {
		t.Errorf("a's page after a write through a: %q", got)
	}
	exec(t, ds[1], "INSERT INTO notes (body) VALUES ('later')")
	waitFor(t, "the next check to find the write", func() bool { return strings.Contains(a.get(t, "/notes").Body.String(), "later") })
}

// A listener whose connection is cut stops being used at once, so pages read the counters
// for each request again (and see every write), until it has connected and read them anew.
func TestListenerCut(t *testing.T) {
	ds := dbtest.PostgresServers(t, listenMigrations, 2)
	a := listening(t, ds[0], time.Hour)
	a.page(t, "/notes", 1)
	var schema string
	if err := ds[1].Read.QueryRowContext(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// Without notifications from here on, so that only reading the counters finds a write.
	exec(t, ds[1], "DROP TRIGGER data_versions_notify ON data_versions")
	exec(t, ds[1], "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", "roundtable page cache "+schema)
	waitFor(t, "the cut to be noticed", func() bool { return !a.cache.Listening() })
	exec(t, ds[1], "INSERT INTO notes (body) VALUES ('while cut')")
	if got := a.page(t, "/notes", 1); !strings.Contains(got, "while cut") {
		t.Errorf("a's page while the listener is cut: %q", got)
	}
	waitFor(t, "the listener to be back", a.cache.Listening)
	for i := range 3 {
		exec(t, ds[1], fmt.Sprintf("INSERT INTO notes (body) VALUES ('after %d')", i))
	}
	// Back, it goes by what it read when it connected again.
	if got := a.page(t, "/notes", 0); strings.Contains(got, "after") {
		t.Errorf("rendered again without a notification: %q", got)
	}
}
