package pagecache_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/testclock"
)

var kinds = []pagecache.Kind{{Name: "notes", Tables: []string{"notes"}}, {Name: "other", Tables: []string{"others"}}}

var migrations = []db.Migration{
	{Component: "t", Version: 1, Name: "tables", SQL: "CREATE TABLE notes (id {{id}}, body TEXT NOT NULL);\nCREATE TABLE others (id {{id}}, body TEXT NOT NULL);"},
	pagecache.Migration(1, "versions", kinds),
	// A table added later, in a kind that already has a counter.
	{Component: "t", Version: 2, Name: "late", SQL: "CREATE TABLE late_notes (id {{id}}, body TEXT NOT NULL);"},
	pagecache.Migration(2, "a later table", []pagecache.Kind{{Name: "notes", Tables: []string{"late_notes"}}}),
}

// site is a small site on a real database: /notes lists the notes, /clock shows the time,
// and each counts its renders.
type site struct {
	d       *db.DB
	cache   *pagecache.Cache
	handler http.Handler
	renders atomic.Int64
	clock   *testclock.Clock
}

func newSite(t *testing.T, d *db.DB) *site {
	s := &site{d: d, clock: testclock.New(time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
		s.renders.Add(1)
		var bodies []string
		rows, err := d.Read.QueryContext(r.Context(), "SELECT body FROM notes ORDER BY id")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var b string
			_ = rows.Scan(&b)
			bodies = append(bodies, b)
		}
		// What a signed-in person's page would hold: their own name.
		if c, err := r.Cookie("session"); err == nil {
			bodies = append(bodies, "signed in as "+c.Value)
		}
		if r.URL.Query().Get("greet") != "" {
			http.SetCookie(w, &http.Cookie{Name: "flash", Value: "hello"})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, "<p>notes: %s</p>", strings.Join(bodies, ", "))
	})
	mux.HandleFunc("GET /clock", func(w http.ResponseWriter, r *http.Request) {
		s.renders.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, s.clock.Now().Format(time.TimeOnly))
	})
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) {
		s.renders.Add(1)
		http.NotFound(w, r)
	})
	s.cache = pagecache.New(d, pagecache.Options{Now: s.clock.Now, Kinds: kinds})
	s.cache.Page("GET /notes", pagecache.Page{Kinds: []string{"notes"}})
	s.cache.Page("GET /clock", pagecache.Page{Every: time.Minute})
	s.cache.Page("GET /missing", pagecache.Page{Kinds: []string{"notes"}})
	s.handler = s.cache.Middleware(mux)
	return s
}

func (s *site) get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	return w
}

// page gets path and checks how many renders it took.
func (s *site) page(t *testing.T, path string, wantRenders int64, header ...string) string {
	t.Helper()
	before := s.renders.Load()
	w := s.get(t, path, header...)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, w.Code)
	}
	if got := s.renders.Load() - before; got != wantRenders {
		t.Errorf("GET %s rendered %d times, want %d", path, got, wantRenders)
	}
	return w.Body.String()
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Write.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func TestAPageIsRenderedOncePerVersionOfItsData(t *testing.T) {
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		if got := s.page(t, "/notes", 1); got != "<p>notes: </p>" {
			t.Fatalf("first page: %q", got)
		}
		s.page(t, "/notes", 0)

		exec(t, d, "INSERT INTO notes (body) VALUES ('first')")
		if got := s.page(t, "/notes", 1); !strings.Contains(got, "first") {
			t.Errorf("after an insert: %q", got)
		}
		s.page(t, "/notes", 0)

		// Another kind of data, an update that changes no row, and a write rolled back leave
		// the page as it is.
		exec(t, d, "INSERT INTO others (body) VALUES ('elsewhere')")
		exec(t, d, "UPDATE notes SET body = 'never' WHERE id = -1")
		err := d.Tx(context.Background(), func(tx *sql.Tx) error {
			if _, err := tx.Exec("INSERT INTO notes (body) VALUES ('rolled back')"); err != nil {
				return err
			}
			return errors.New("give up")
		})
		if err == nil {
			t.Fatal("the transaction was not rolled back")
		}
		s.page(t, "/notes", 0)

		exec(t, d, "UPDATE notes SET body = 'changed'")
		if got := s.page(t, "/notes", 1); !strings.Contains(got, "changed") {
			t.Errorf("after an update: %q", got)
		}
		exec(t, d, "DELETE FROM notes")
		if got := s.page(t, "/notes", 1); strings.Contains(got, "changed") {
			t.Errorf("after a delete: %q", got)
		}
		exec(t, d, "INSERT INTO late_notes (body) VALUES ('late')")
		s.page(t, "/notes", 1)
		// Each address is a page of its own.
		s.page(t, "/notes?page=2", 1)
		s.page(t, "/notes?page=2", 0)
		// Errors are not kept.
		for range 2 {
			if w := s.get(t, "/missing"); w.Code != http.StatusNotFound {
				t.Errorf("missing: %d", w.Code)
			}
		}
		if s.renders.Load() != 8 {
			t.Errorf("%d renders in all, want 8 (the 404 twice)", s.renders.Load())
		}
	})
}

func TestETagsAndGzip(t *testing.T) {
	d := dbtest.SQLite(t, migrations)
	s := newSite(t, d)
	exec(t, d, "INSERT INTO notes (body) VALUES ('hello')")
	plain := s.get(t, "/notes")
	tag := plain.Header().Get("ETag")
	if tag == "" || plain.Header().Get("Cache-Control") != "public, no-cache" || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("headers: %v", plain.Header())
	}
	if !strings.Contains(plain.Header().Get("Vary"), "Cookie") {
		t.Errorf("Vary: %q", plain.Header().Get("Vary"))
	}
	zipped := s.get(t, "/notes", "Accept-Encoding", "gzip, br")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("ETag") == tag {
		t.Fatalf("gzip: %v", zipped.Header())
	}
	z, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(z); string(b) != plain.Body.String() {
		t.Errorf("gzip body %q, plain %q", b, plain.Body.String())
	}
	for _, inm := range []string{tag, zipped.Header().Get("ETag"), `"old", W/` + tag} {
		w := s.get(t, "/notes", "If-None-Match", inm)
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") == "" {
			t.Errorf("If-None-Match %s: %d %q", inm, w.Code, w.Body.String())
		}
	}
	if w := s.get(t, "/notes", "If-None-Match", `"old"`); w.Code != http.StatusOK {
		t.Errorf("a tag that does not match: %d", w.Code)
	}
	exec(t, d, "UPDATE notes SET body = 'bye'")
	if w := s.get(t, "/notes", "If-None-Match", tag); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "bye") {
		t.Errorf("after a change, the old tag: %d %q", w.Code, w.Body.String())
	}
}

// A request with a cookie or credentials is rendered for itself alone, and what it was sent
// is never kept for anyone else; a page that sets a cookie is not kept either.
func TestSignedInPagesAreNeverShared(t *testing.T) {
	d := dbtest.SQLite(t, migrations)
	s := newSite(t, d)
	s.page(t, "/notes", 1)
	mine := s.page(t, "/notes", 1, "Cookie", "session=alice")
	if !strings.Contains(mine, "signed in as alice") {
		t.Fatalf("the signed-in page was served from the cache: %q", mine)
	}
	if w := s.get(t, "/notes", "Cookie", "session=alice"); w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
		t.Errorf("signed-in page's headers: %v", w.Header())
	}
	s.page(t, "/notes", 1, "Authorization", "Bearer token")
	if got := s.page(t, "/notes", 0); strings.Contains(got, "alice") {
		t.Errorf("a signed-out visitor was given alice's page: %q", got)
	}
	// A cold cache, warmed first by someone signed in.
	exec(t, d, "INSERT INTO notes (body) VALUES ('new')")
	s.page(t, "/notes", 1, "Cookie", "session=bob")
	if got := s.page(t, "/notes", 1); strings.Contains(got, "bob") {
		t.Errorf("a signed-out visitor was given bob's page: %q", got)
	}
	s.page(t, "/notes?greet=1", 1)
	s.page(t, "/notes?greet=1", 1)
}

func TestPagesThatShowTheClock(t *testing.T) {
	d := dbtest.SQLite(t, migrations)
	s := newSite(t, d)
	s.page(t, "/clock", 1)
	s.clock.Advance(20 * time.Second)
	s.page(t, "/clock", 0)
	s.clock.Advance(15 * time.Second) // 10:01:05
	if got := s.page(t, "/clock", 1); got != "10:01:05" {
		t.Errorf("clock page %q", got)
	}
}

// Servers on one PostgreSQL database each keep their own pages, and each sees the other's
// writes on its very next request.
func TestServersSharingADatabase(t *testing.T) {
	ds := dbtest.PostgresServers(t, migrations, 2)
	a, b := newSite(t, ds[0]), newSite(t, ds[1])
	a.page(t, "/notes", 1)
	b.page(t, "/notes", 1)
	exec(t, ds[0], "INSERT INTO notes (body) VALUES ('from a')")
	if got := b.page(t, "/notes", 1); !strings.Contains(got, "from a") {
		t.Errorf("b after a's write: %q", got)
	}
	b.page(t, "/notes", 0)
	// A write not yet committed is not seen, and its version is not either.
	tx, err := ds[0].Write.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO notes (body) VALUES ('pending')"); err != nil {
		t.Fatal(err)
	}
	b.page(t, "/notes", 0)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := b.page(t, "/notes", 1); !strings.Contains(got, "pending") {
		t.Errorf("b after the commit: %q", got)
	}
}

func TestMemoryIsCapped(t *testing.T) {
	d := dbtest.SQLite(t, migrations)
	s := newSite(t, d)
	s.cache = pagecache.New(d, pagecache.Options{Kinds: kinds, MaxBytes: 4000})
	s.cache.Page("GET /notes", pagecache.Page{Kinds: []string{"notes"}})
	exec(t, d, "INSERT INTO notes (body) VALUES ($1)", strings.Repeat("x", 1000))
	h := s.cache.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renders.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, strings.Repeat("y", 1000))
	}))
	s.handler = h
	for i := range 20 {
		s.page(t, fmt.Sprintf("/notes?page=%d", i), 1)
	}
	if n := s.cache.Bytes(); n > 4000 || n == 0 {
		t.Errorf("the cache holds %d bytes, capped at 4000", n)
	}
	s.page(t, "/notes?page=19", 0)
}

// Requests share version reads under load, yet each one sees every write committed before it
// arrived.
func TestConcurrentRequestsSeeEveryEarlierWrite(t *testing.T) {
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		var committed atomic.Int64
		stop := make(chan struct{})
		wrote := make(chan error, 1)
		go func() {
			defer close(wrote)
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := d.Write.ExecContext(context.Background(), "INSERT INTO notes (body) VALUES ($1)", fmt.Sprint("n", i)); err != nil {
					wrote <- err
					return
				}
				committed.Store(int64(i))
			}
		}()
		errs := make(chan string, 8)
		done := make(chan struct{})
		for range 8 {
			go func() {
				defer func() { done <- struct{}{} }()
				// 150 requests each, and on until the writer has made 20 writes (a loaded
				// machine may run the readers well ahead of it), for at most ten seconds.
				deadline := time.Now().Add(10 * time.Second)
				for i := 0; i < 150 || (committed.Load() < 20 && time.Now().Before(deadline)); i++ {
					before := committed.Load()
					w := s.get(t, "/notes")
					seen := int64(strings.Count(w.Body.String(), "n"))
					if seen-1 < before { // "notes:" holds an n too
						errs <- fmt.Sprintf("a request after write %d saw %d notes", before, seen-1)
						return
					}
				}
			}()
		}
		for range 8 {
			<-done
		}
		close(stop)
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if committed.Load() < 5 {
			t.Errorf("only %d writes during the test", committed.Load())
		}
	})
}

// TestSQLiteIsAskedOnlyAfterACommit checks the probe's reading of the WAL index: while nothing
// is committed, pages are served without asking SQLite at all; a commit by any connection
// (this process's writer, or another process's: another DB opened on the same file) makes the
// next request ask, and see it.
func TestSQLiteIsAskedOnlyAfterACommit(t *testing.T) {
	d := dbtest.SQLite(t, migrations)
	s := newSite(t, d)
	s.page(t, "/notes", 1)
	asked := s.cache.ProbeAsks()
	for range 20 {
		s.page(t, "/notes", 0)
	}
	if got := s.cache.ProbeAsks() - asked; got != 0 {
		t.Errorf("SQLite asked %d times with nothing committed, want 0", got)
	}
	exec(t, d, "INSERT INTO notes (body) VALUES ('first')")
	if got := s.page(t, "/notes", 1); !strings.Contains(got, "first") {
		t.Errorf("after a commit: %q", got)
	}
	other, err := db.OpenSQLiteFile(context.Background(), d.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	exec(t, other, "INSERT INTO notes (body) VALUES ('second')")
	if got := s.page(t, "/notes", 1); !strings.Contains(got, "second") {
		t.Errorf("after another connection's commit: %q", got)
	}
	s.page(t, "/notes", 0)
	if got := s.cache.ProbeAsks() - asked; got != 2 {
		t.Errorf("SQLite asked %d times for two commits, want 2", got)
	}
}
