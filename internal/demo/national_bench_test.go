package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/insight"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
)

// BenchmarkNational measures the server time of the main pages on the national-scale dataset
// that `make bench` generates: SQLite in the data folder ROUNDTABLE_BENCH_DATA, PostgreSQL at
// ROUNDTABLE_BENCH_DATABASE_URL. Without them it skips. Run with -cpu 1 for the one-core bar.
//
//	ROUNDTABLE_BENCH_DATA=bench-data/sqlite go test -run '^$' -bench National -cpu 1 ./internal/demo/
func BenchmarkNational(b *testing.B) {
	for _, c := range []struct {
		name string
		opt  db.Options
	}{{"sqlite", db.Options{DataDir: os.Getenv("ROUNDTABLE_BENCH_DATA")}}, {"postgres", db.Options{URL: os.Getenv("ROUNDTABLE_BENCH_DATABASE_URL")}}} {
		b.Run(c.name, func(b *testing.B) {
			if c.opt.DataDir == "" && c.opt.URL == "" {
				b.Skip("no national dataset: set ROUNDTABLE_BENCH_DATA or ROUNDTABLE_BENCH_DATABASE_URL (make bench does)")
			}
			if c.opt.DataDir != "" {
				if _, err := os.Stat(c.opt.DataDir + "/roundtable.db"); err != nil {
					b.Skipf("no national dataset in %s", c.opt.DataDir)
				}
			}
			benchPages(b, c.opt)
		})
	}
}

// cpuTime is the CPU time, user and system, the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

func benchPages(b *testing.B, opt db.Options) {
	ctx := context.Background()
	d, err := db.Open(ctx, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx, app.Migrations()); err != nil {
		b.Fatal(err)
	}
	// Pages are rendered for each request (no page cache: make bench measures the cached pages
	// over HTTP, BenchmarkCachedPages in internal/app). No figures are kept between requests:
	// the national ones read running totals, so "building the figures" is every request.
	a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	uncached := a
	var funder, member, bid int64
	for q, dest := range map[string]*int64{
		"SELECT id FROM people WHERE login = 'funder@roundtable.example'": &funder,
		"SELECT id FROM people WHERE login = 'sam'":                       &member,
		"SELECT max(id) FROM funding_bids WHERE submitted_at IS NOT NULL": &bid,
	} {
		if err := d.Read.QueryRowContext(ctx, q).Scan(dest); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now()
	funderCookie, memberCookie := accountstest.Session(b, d, funder, now), accountstest.Session(b, d, member, now)
	type page struct {
		name, path string
		cookie     *http.Cookie
		handler    http.Handler
	}
	public := func(name, path string) page { return page{name, path, nil, a.Handler} }
	for _, p := range []page{
		public("home", "/"), public("councils", "/councils"), public("council", "/councils/E06000032"), public("big-council", "/councils/E08000025"),
		public("panels", "/panels"), public("recommendations", "/recommendations"), public("standards", "/standards"), public("data", "/data"),
		public("dashboard", "/data/co-production"), public("dashboard-councils", "/data/co-production/councils"),
		public("dashboard-outcomes", "/data/co-production/outcomes"), {"dashboard-building-the-figures", "/data/co-production", nil, uncached.Handler},
		{"outcomes-building-the-figures", "/data/co-production/outcomes", nil, uncached.Handler},
		{"panel-as-member", "/panels/luton", memberCookie, a.Handler},
		{"bid-as-funder", fmt.Sprintf("/funding/bids/%d", bid), funderCookie, a.Handler},
		{"funding-as-funder", "/funding", funderCookie, a.Handler},
		{"who-was-at-the-table-building-the-figures", "/payments/table", funderCookie, uncached.Handler},
		public("council-rough-sleeping", "/councils/E06000032/rough-sleeping"),
	} {
		b.Run(p.name, func(b *testing.B) {
			get := func() *httptest.ResponseRecorder {
				r := httptest.NewRequest("GET", p.path, nil)
				r.Header.Set("Accept-Encoding", "gzip")
				if p.cookie != nil {
					r.AddCookie(p.cookie)
				}
				w := httptest.NewRecorder()
				p.handler.ServeHTTP(w, r)
				return w
			}
			if w := get(); w.Code == http.StatusNotFound && strings.HasPrefix(p.name, "dashboard") {
				b.Skip("no national dashboard in this build")
			}
			var size int
			before := cpuTime(b)
			for b.Loop() {
				w := get()
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "gzip-bytes")
			// The process's CPU time per page (the garbage collector's included) is steadier
			// than ns/op on a shared machine.
			b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
		})
	}

	// The rough sleeping snapshot, 7,680 rows, imported again into the national database: the
	// figures are replaced with the same ones; only the list of imports grows.
	b.Run("import-7680-rows", func(b *testing.B) {
		file, err := os.ReadFile(shareddata.Path(b, shareddata.RoughSleeping))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := insight.ImportRoughSleeping(ctx, d, bytes.NewReader(file), insight.ImportOptions{Strict: true, Source: "bench.csv"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
