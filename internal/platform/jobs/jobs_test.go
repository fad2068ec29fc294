package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/jobs"
	"roundtable/internal/platform/testclock"
)

func TestOneServerHoldsAJobUntilItsLeaseRunsOut(t *testing.T) {
	dbtest.Each(t, jobs.Migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
		// Eight servers ask at the same moment: exactly one gets the lease.
		var got atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := jobs.Take(ctx, d, "retention", string(rune('a'+i)), time.Hour, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					got.Add(1)
				}
			}()
		}
		wg.Wait()
		if got.Load() != 1 {
			t.Fatalf("%d servers got the lease, want 1", got.Load())
		}
		// Nobody else, not even the holder, takes it again before it runs out.
		for _, h := range []string{"a", "b", "z"} {
			if ok, err := jobs.Take(ctx, d, "retention", h, time.Hour, now.Add(59*time.Minute)); err != nil || ok {
				t.Errorf("%s took a held lease: %v %v", h, ok, err)
			}
		}
		// Another job has its own lease.
		if ok, err := jobs.Take(ctx, d, "figures", "z", time.Hour, now); err != nil || !ok {
			t.Errorf("another job's lease: %v %v", ok, err)
		}
		// Once it runs out (the holder died, or the hour is up), the next asker gets it.
		if ok, err := jobs.Take(ctx, d, "retention", "z", time.Hour, now.Add(time.Hour)); err != nil || !ok {
			t.Errorf("take an expired lease: %v %v", ok, err)
		}
		var holder string
		if err := d.Read.QueryRow(`SELECT holder FROM job_leases WHERE name = 'retention'`).Scan(&holder); err != nil || holder != "z" {
			t.Errorf("holder %q %v, want z", holder, err)
		}
	})
}

func TestEveryRunsAJobOncePerIntervalAcrossServers(t *testing.T) {
	dbtest.Each(t, jobs.Migrations, func(t *testing.T, d *db.DB) {
		clock := testclock.New(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		var runs atomic.Int32
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		// Three servers check every 20 ms for a job due every hour of the test clock.
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				jobs.Every(ctx, d, "retention", jobs.Holder()+string(rune('a'+i)), 20*time.Millisecond, clock.Now, quiet, func(context.Context) error {
					runs.Add(1)
					return nil
				})
			}()
		}
		time.Sleep(300 * time.Millisecond)
		first := runs.Load()
		// The clock has not moved, so the lease (20 ms of test clock) never ran out: one run.
		if first != 1 {
			t.Errorf("%d runs while the lease held, want 1", first)
		}
		clock.Advance(time.Second)
		time.Sleep(300 * time.Millisecond)
		cancel()
		wg.Wait()
		if runs.Load() != 2 {
			t.Errorf("%d runs after the interval passed once, want 2", runs.Load())
		}
	})
}
