package insight_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/insight"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/testclock"
)

// TestFiguresAreKept: a server that keeps the national figures shows the same figures until
// they are FiguresMaxAge old, then works them out again; the page says when they were worked
// out. Without a max age (as in the other tests) every request works them out afresh.
func TestFiguresAreKept(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		clock := testclock.New(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
		h := insight.New(d, insight.Options{Now: clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), FiguresMaxAge: 5 * time.Minute})
		ctx := context.Background()
		before, err := h.CachedFigureCSV(ctx, "maturity-by-region")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(before, "East of England,2") {
			t.Fatalf("no evaluations yet, but:\n%s", before)
		}
		buildWorld(t, d) // publishes evaluations, among much else
		clock.Advance(4 * time.Minute)
		if got, _ := h.CachedFigureCSV(ctx, "maturity-by-region"); got != before {
			t.Errorf("figures changed before they were 5 minutes old:\n%s", got)
		}
		clock.Advance(2 * time.Minute)
		after, err := h.CachedFigureCSV(ctx, "maturity-by-region")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(after, "East of England,2") {
			t.Errorf("figures not worked out again after 6 minutes:\n%s", after)
		}
	})
}
