// Package jobs runs whole background jobs (the retention job, and any added later) once across
// every server sharing the database: a server takes the job's lease, a row in the database,
// before it runs it. Work made of rows (the outbox's messages) is claimed row by row instead.
package jobs

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"roundtable/internal/platform/db"
)

// Migrations create the table of leases.
var Migrations = []db.Migration{{
	Component: "jobs", Version: 1, Name: "job leases",
	SQL: `
-- Who holds each job and until when. A job is run by the server holding an unexpired lease;
-- a server that dies loses it when it runs out.
CREATE TABLE job_leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until {{time}} NOT NULL
);
`,
}}

// Take gives holder the job's lease until now+hold if nobody holds an unexpired one, in one
// statement, so two servers asking at once cannot both get it. It reports whether holder got it.
func Take(ctx context.Context, d *db.DB, name, holder string, hold time.Duration, now time.Time) (bool, error) {
	now = now.UTC()
	res, err := d.Write.ExecContext(ctx, `INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE job_leases.until <= $4`, name, holder, now.Add(hold), now)
	if err != nil {
		return false, fmt.Errorf("take the lease on %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Every runs fn at most once per interval across all servers, until ctx ends. Each server asks
// for the lease every check (a minute, or the interval if shorter); the one that gets it runs
// the job and keeps the lease for the whole interval, so nobody runs it again before then. A
// server that dies while running loses the lease at the end of the interval.
func Every(ctx context.Context, d *db.DB, name, holder string, interval time.Duration, now func() time.Time, log *slog.Logger, fn func(context.Context) error) {
	check := min(interval, time.Minute)
	t := time.NewTicker(check)
	defer t.Stop()
	for {
		ok, err := Take(ctx, d, name, holder, interval, now())
		if err != nil && ctx.Err() == nil {
			log.Error("job lease", "job", name, "err", err)
		}
		if ok {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				log.Error("job", "job", name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Holder names this server in the leases it takes: host, process and a random part, so two
// processes on one machine, or one restarted, are told apart.
func Holder() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}
