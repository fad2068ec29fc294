// Package apptest holds checks that tests of every capability share.
package apptest

import (
	"context"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
)

// TotalsRight fails the test when any running total differs from a count from scratch, as
// `roundtable figures verify` would report it: run it at the end of a capability's journey.
func TotalsRight(t testing.TB, d *db.DB) {
	t.Helper()
	diffs, err := app.VerifyTotals(context.Background(), d)
	if err != nil {
		t.Fatalf("verify the running totals: %v", err)
	}
	for _, x := range diffs {
		t.Errorf("running total wrong: %s", x)
	}
}
