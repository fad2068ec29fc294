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
	// Public pages are rendered for each request here (no page cache: make bench measures the
	// cached pages over HTTP, BenchmarkCachedPages in internal/app), and so are the national
	// figures ("building the figures"), from running totals. Signed-in pages are measured on the
	// app as it runs, page cache and all: it never serves them a page, but keeps the national
	// figures they show until the data changes (pagecache.Memo).
	a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	live, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	// The people and things each signed-in page is measured for, chosen from the national data
	// as the busiest of their kind: the programme with most bids, the assessor of most
	// programmes, the officer of the council with most bids, the panel with most meetings and
	// its facilitator, the member with most claims, the peer researcher on most teams.
	var funder, member, bid, programme, assessor, officer, officerBid, panel, facilitator, meeting, claimant, finance, admin, researcher, team int64
	var panelSlug string
	for _, q := range []struct {
		sql  string
		dest any
	}{
		{"SELECT id FROM people WHERE login = 'funder@roundtable.example'", &funder},
		{"SELECT id FROM people WHERE login = 'sam'", &member},
		{"SELECT id FROM people WHERE login = 'finance@roundtable.example'", &finance},
		{"SELECT id FROM people WHERE login = 'admin@roundtable.example'", &admin},
		{"SELECT max(id) FROM funding_bids WHERE submitted_at IS NOT NULL", &bid},
		{"SELECT programme_id FROM funding_bids GROUP BY programme_id ORDER BY count(*) DESC, programme_id LIMIT 1", &programme},
		{"SELECT person_id FROM funding_assessors GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1", &assessor},
		{`SELECT m.person_id FROM memberships m JOIN funding_bids b ON b.council_id = m.organisation_id
			WHERE m.role = 'council_officer' GROUP BY m.person_id ORDER BY count(*) DESC, m.person_id LIMIT 1`, &officer},
		{`SELECT max(b.id) FROM funding_bids b JOIN memberships m ON m.organisation_id = b.council_id
			WHERE m.person_id = (SELECT m.person_id FROM memberships m JOIN funding_bids b ON b.council_id = m.organisation_id
			WHERE m.role = 'council_officer' GROUP BY m.person_id ORDER BY count(*) DESC, m.person_id LIMIT 1)`, &officerBid},
		{"SELECT panel_id FROM panel_meetings GROUP BY panel_id ORDER BY count(*) DESC, panel_id LIMIT 1", &panel},
		{"SELECT person_id FROM payment_claims GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1", &claimant},
		{"SELECT person_id FROM evaluation_team_members GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1", &researcher},
	} {
		if err := d.Read.QueryRowContext(ctx, q.sql).Scan(q.dest); err != nil {
			b.Fatalf("%s: %v", q.sql, err)
		}
	}
	for _, q := range []struct {
		sql  string
		dest any
	}{
		{"SELECT slug FROM panels WHERE id = $1", &panelSlug},
		{`SELECT m.person_id FROM memberships m JOIN panels p ON p.organisation_id = m.organisation_id
			WHERE p.id = $1 AND m.role = 'facilitator' ORDER BY m.person_id LIMIT 1`, &facilitator},
		{"SELECT max(id) FROM panel_meetings WHERE panel_id = $1 AND recorded_at IS NOT NULL", &meeting},
	} {
		if err := d.Read.QueryRowContext(ctx, q.sql, panel).Scan(q.dest); err != nil {
			b.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := d.Read.QueryRowContext(ctx, "SELECT max(team_id) FROM evaluation_team_members WHERE person_id = $1", researcher).Scan(&team); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	session := func(person int64) *http.Cookie { return accountstest.Session(b, d, person, now) }
	funderCookie, memberCookie := session(funder), session(member)
	assessorCookie, officerCookie, facilitatorCookie := session(assessor), session(officer), session(facilitator)
	claimantCookie, financeCookie, adminCookie, researcherCookie := session(claimant), session(finance), session(admin), session(researcher)
	type page struct {
		name, path string
		cookie     *http.Cookie
		handler    http.Handler
	}
	public := func(name, path string) page { return page{name, path, nil, a.Handler} }
	signed := func(name, path string, c *http.Cookie) page { return page{name, path, c, live.Handler} }
	for _, p := range []page{
		public("home", "/"), public("councils", "/councils"), public("council", "/councils/E06000032"), public("big-council", "/councils/E08000025"),
		public("panels", "/panels"), public("recommendations", "/recommendations"), public("standards", "/standards"), public("data", "/data"),
		public("dashboard", "/data/co-production"), public("dashboard-councils", "/data/co-production/councils"),
		public("dashboard-outcomes", "/data/co-production/outcomes"), {"dashboard-building-the-figures", "/data/co-production", nil, a.Handler},
		{"outcomes-building-the-figures", "/data/co-production/outcomes", nil, a.Handler},
		{"who-was-at-the-table-building-the-figures", "/payments/table", funderCookie, a.Handler},
		{"funder-dashboard-building-the-figures", "/data/co-production/funder", funderCookie, a.Handler},
		public("council-rough-sleeping", "/councils/E06000032/rough-sleeping"),
		// Signed-in pages, each role's main ones (the bar: 2 ms CPU each), and the public
		// pages as a signed-in person sees them (not from the page cache).
		signed("panel-as-member", "/panels/luton", memberCookie),
		signed("bid-as-funder", fmt.Sprintf("/funding/bids/%d", bid), funderCookie),
		signed("funding-as-funder", "/funding", funderCookie),
		signed("who-was-at-the-table", "/payments/table", funderCookie),
		signed("funder-dashboard", "/data/co-production/funder", funderCookie),
		signed("dashboard-signed-in", "/data/co-production", memberCookie),
		signed("dashboard-councils-signed-in", "/data/co-production/councils", memberCookie),
		signed("outcomes-signed-in", "/data/co-production/outcomes", memberCookie),
		signed("councils-signed-in", "/councils", memberCookie),
		signed("recommendations-signed-in", "/recommendations", memberCookie),
		signed("data-signed-in", "/data", memberCookie),
		signed("panels-signed-in", "/panels", memberCookie),
		signed("programme-as-funder", fmt.Sprintf("/funding/programmes/%d", programme), funderCookie),
		signed("programme-report-as-funder", fmt.Sprintf("/funding/programmes/%d/report", programme), funderCookie),
		signed("support-as-funder", "/funding/support", funderCookie),
		signed("evaluation-as-funder", "/evaluation", funderCookie),
		signed("funding-as-assessor", "/funding", assessorCookie),
		signed("assess-list-as-assessor", "/funding/assess", assessorCookie),
		signed("funding-as-officer", "/funding", officerCookie),
		signed("own-bid-as-officer", fmt.Sprintf("/funding/bids/%d", officerBid), officerCookie),
		signed("log-as-officer", "/funding/log", officerCookie),
		signed("to-answer-as-officer", "/recommendations/to-answer", officerCookie),
		signed("panel-as-facilitator", "/panels/"+panelSlug, facilitatorCookie),
		signed("panel-table-as-facilitator", "/panels/"+panelSlug+"/table", facilitatorCookie),
		signed("meeting-as-facilitator", fmt.Sprintf("/panels/%s/meetings/%d", panelSlug, meeting), facilitatorCookie),
		signed("messages-as-member", "/panels/messages", memberCookie),
		signed("payments-mine-as-member", "/payments/mine", claimantCookie),
		signed("payments-as-member", "/payments", claimantCookie),
		signed("claims-as-finance", "/payments", financeCookie),
		signed("people-as-admin", "/people", adminCookie),
		signed("audit-as-admin", "/audit", adminCookie),
		signed("messages-health-as-admin", "/admin/messages", adminCookie),
		signed("evaluation-as-researcher", "/evaluation", researcherCookie),
		signed("team-as-researcher", fmt.Sprintf("/evaluation/teams/%d", team), researcherCookie),
		signed("account-as-member", "/account", memberCookie),
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
