package panels_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/consent"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db/dbtest"
)

// BenchmarkPages measures the server time of the busiest pages on SQLite with 120 public
// recommendations from two panels, and checks each page stays under 30 KB of HTML.
func BenchmarkPages(b *testing.B) {
	d := dbtest.SQLite(b, app.Migrations())
	w := newWorld(b, d)
	ctx := context.Background()
	for i := range 120 {
		p, fac, member, to := w.luton, "facilitator", "sam", lutonGSS
		if i%2 == 1 {
			p, fac, member, to = w.bpool, "bpool-facilitator", "bpool-member", blackpoolGSS
		}
		id, err := panels.CreateRecommendation(ctx, d, p.ID, panels.NewRecommendation{Title: fmt.Sprintf("Recommendation %d about move-on homes", i),
			Body: "Because.", Addressee: to, CloseDate: "2026-06-02", Quorum: "1"}, w.who[fac], start)
		if err != nil {
			b.Fatal(err)
		}
		r, _ := panels.GetRecommendation(ctx, d, id)
		if err := panels.Respond(ctx, d, r, w.who[member], consent.Consent, "", start); err != nil {
			b.Fatal(err)
		}
		if _, err := panels.CloseRound(ctx, d, r, w.who[fac], start.Add(48*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	// Rendered for each request: the page cache would serve the signed-out pages.
	uncached, err := app.New(d, app.Config{Now: w.clock.Now, Log: slog.New(slog.DiscardHandler), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ path, who string }{
		{"/recommendations", ""}, {"/recommendations?page=3&status=overdue", ""}, {"/panels/luton", "facilitator"},
		{"/recommendations/1", "facilitator"}, {"/recommendations/to-answer", "officer"},
	} {
		b.Run(c.path, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest("GET", c.path, nil)
				if c.who != "" {
					r.AddCookie(w.cookies[c.who])
				}
				rec := httptest.NewRecorder()
				uncached.Handler.ServeHTTP(rec, r)
				if rec.Code != 200 || rec.Body.Len() > 32*1024 { // pages stay small for people on little data
					b.Fatalf("%s: %d, %d bytes", c.path, rec.Code, rec.Body.Len())
				}
			}
		})
	}
}
