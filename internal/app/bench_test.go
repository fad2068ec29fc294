package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

// BenchmarkPages measures the server time of the main pages on the demo database (every
// council in England), rendered for each request (no page cache; BenchmarkCachedPages measures
// the cache). Run with -cpu 1 to hold it to the one-core bar: under 20 ms a page.
//
//	go test -run '^$' -bench Pages -cpu 1 ./internal/app/
func BenchmarkPages(b *testing.B) {
	d := dbtest.SQLite(b, app.Migrations())
	if _, err := demo.Load(context.Background(), d, demo.Options{AuthoritiesFile: shareddata.Path(b, shareddata.Authorities)}); err != nil {
		b.Fatal(err)
	}
	a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/", "/councils", "/councils?region=london", "/councils/E06000032", "/organisations", "/sign-in"} {
		b.Run(path, func(b *testing.B) {
			var size int
			for b.Loop() {
				r := httptest.NewRequest("GET", path, nil)
				r.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "gzip-bytes")
		})
	}
}

// BenchmarkCachedPages measures a public page served from the page cache to a visitor who is
// not signed in: the version read, the lookup and the headers, through every middleware. The
// first request renders it; each one after is the cost that remains.
//
//	go test -run '^$' -bench CachedPages -cpu 1 ./internal/app/
func BenchmarkCachedPages(b *testing.B) {
	d := dbtest.SQLite(b, app.Migrations())
	if _, err := demo.Load(context.Background(), d, demo.Options{AuthoritiesFile: shareddata.Path(b, shareddata.Authorities)}); err != nil {
		b.Fatal(err)
	}
	a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/", "/councils", "/recommendations", "/data", "/data/co-production"} {
		b.Run(path, func(b *testing.B) {
			get := func() *httptest.ResponseRecorder {
				r := httptest.NewRequest("GET", path, nil)
				r.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, r)
				if w.Code != http.StatusOK || w.Header().Get("ETag") == "" {
					b.Fatalf("%s: %d, ETag %q", path, w.Code, w.Header().Get("ETag"))
				}
				return w
			}
			get()
			var size int
			for b.Loop() {
				size = get().Body.Len()
			}
			b.ReportMetric(float64(size), "gzip-bytes")
		})
	}
}
