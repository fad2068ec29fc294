package pagecache_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/testclock"
)

// TestMemoIsWorkedOutOncePerVersionOfItsData checks a memo the way a page is checked: kept
// while its data is unchanged, worked out again after any write to it, at the turn of its period, and never kept when working it out failed.
func TestMemoIsWorkedOutOncePerVersionOfItsData(t *testing.T) {
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := testclock.New(time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC))
		c := pagecache.New(d, pagecache.Options{Now: clock.Now, Kinds: kinds})
		m := pagecache.NewMemo[string](c, "the notes", pagecache.Page{Kinds: []string{"notes"}, Every: time.Hour})
		builds := 0
		notes := func(ctx context.Context) (string, error) {
			builds++
			var n int
			err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM notes").Scan(&n)
			return fmt.Sprint(n, " notes"), err
		}
		get := func(key, want string, wantBuilds int) {
			t.Helper()
			before := builds
			got, err := m.Get(ctx, key, notes)
			if err != nil {
				t.Fatal(err)
			}
			if got != want || builds-before != wantBuilds {
				t.Errorf("Get(%q) = %q after %d builds, want %q after %d", key, got, builds-before, want, wantBuilds)
			}
		}
		get("all", "0 notes", 1)
		get("all", "0 notes", 0)
		get("other key", "0 notes", 1)

		exec(t, d, "INSERT INTO notes (body) VALUES ('first')")
		get("all", "1 notes", 1)
		get("all", "1 notes", 0)
		// Data the memo does not depend on changes nothing.
		exec(t, d, "INSERT INTO others (body) VALUES ('elsewhere')")
		get("all", "1 notes", 0)
		exec(t, d, "INSERT INTO notes (body) VALUES ('second')")
		get("all", "2 notes", 1)
		clock.Advance(time.Hour)
		get("all", "2 notes", 1)
		get("all", "2 notes", 0)

		// A failure is returned and not kept.
		exec(t, d, "INSERT INTO notes (body) VALUES ('third')")
		failed := errors.New("the figures failed")
		if _, err := m.Get(ctx, "all", func(context.Context) (string, error) { return "", failed }); !errors.Is(err, failed) {
			t.Fatalf("error %v, want %v", err, failed)
		}
		get("all", "3 notes", 1)

		// Without a cache nothing is kept.
		none := pagecache.NewMemo[string](nil, "nothing", pagecache.Page{})
		for range 2 {
			before := builds
			if got, err := none.Get(ctx, "all", notes); err != nil || got != "3 notes" || builds-before != 1 {
				t.Errorf("without a cache: %q, %v, %d builds", got, err, builds-before)
			}
		}
	})
}
