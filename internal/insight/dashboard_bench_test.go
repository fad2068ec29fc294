package insight_test

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// benchScale sizes the generated dataset: every current council in each of benchCycles
// cycles with benchUnits ratings, and per council benchSaid contributions, benchClaims claims
// and benchRecs recommendations. The lead runs the pages at full national scale with
// `roundtable demo --scale national`; this is a smaller stand-in generated here.
const benchCycles, benchUnits, benchSaid, benchClaims, benchRecs = 3, 10, 100, 30, 3

func benchWorld(b *testing.B, d *db.DB) {
	importRegister(b, d)
	if _, err := importString(d, longFile(b), true); err != nil {
		b.Fatal(err)
	}
	w := &world{d: d, ids: map[string]int64{}}
	w.org = accountstest.Organisation(b, d, "Bench Panel Group")
	w.person, _ = accountstest.Person(b, d, "Bench Person", auth.Member, w.org)
	w.panel = exec(b, d, `INSERT INTO panels (name, slug, kind, organisation_id, created_at) VALUES ('Bench panel', 'bench-panel', 'local', $1, $2) RETURNING id`, w.org, now)
	std := exec(b, d, `INSERT INTO standards (title, purpose, created_at) VALUES ('S', 'P', $1) RETURNING id`, now)
	version := exec(b, d, `INSERT INTO standard_versions (standard_id, major, minor, number, published_at) VALUES ($1, 1, 0, '1.0', $2) RETURNING id`, std, now)
	prog := exec(b, d, `INSERT INTO funding_programmes (name, purpose, homes_target, opens_at, closes_at, required_types, questions, published_at, created_at)
		VALUES ('Bench fund', 'p', 1, $1, $2, '', '', $1, $1) RETURNING id`, day("2020-07-18"), day("2020-08-20"))
	type council struct {
		gss, name, region string
		org               int64
	}
	cs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (c council, err error) {
		err = s.Scan(&c.gss, &c.name, &c.region, &c.org)
		return c, err
	},
		`SELECT c.gss_code, c.name, COALESCE(r.name, ''), c.organisation_id FROM councils c LEFT JOIN regions r ON r.id = c.region_id WHERE c.is_current = TRUE`)
	if err != nil {
		b.Fatal(err)
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		run := func(q string, args ...any) int64 {
			var id int64
			if err := tx.QueryRowContext(ctx, q+" RETURNING 1", args...).Scan(&id); err != nil {
				b.Fatal(q, err)
			}
			return id
		}
		id := func(q string, args ...any) int64 {
			var id int64
			if err := tx.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
				b.Fatal(q, err)
			}
			return id
		}
		claim := 0
		for y := range benchCycles {
			cycle := id(`INSERT INTO evaluation_cycles (title, version_id, assessor_id, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $4, $5)`,
				"Cycle "+string(rune('A'+y)), version, w.org, []string{"2019-04-01", "2021-04-01", "2023-04-01"}[y%3], now)
			for i, c := range cs {
				team := id(`INSERT INTO evaluation_teams (cycle_id, council_id, council_gss, council_name, region_name, panel_id, published_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, cycle, c.org, c.gss, c.name, c.region, w.panel, now)
				for u := range benchUnits {
					run(`INSERT INTO evaluation_agreed (team_id, indicator_id, level, agreed_at) VALUES ($1, $2, $3, $4)`, team, 101+u, (i+u+y)%7, now)
					run(`INSERT INTO evaluation_independent (team_id, indicator_id, level, evidence, rated_at) VALUES ($1, $2, $3, 'e', $4)`, team, 101+u, (i*3+u)%7, now)
				}
			}
		}
		for i, c := range cs {
			bid := id(`INSERT INTO funding_bids (programme_id, council_id, created_at, updated_at, submitted_at) VALUES ($1, $2, $3, $3, $3)`, prog, c.org, day("2020-08-01"))
			run(`INSERT INTO funding_outcomes (bid_id, score, notes, funded, decided_at) VALUES ($1, $2, 'n', 1, $3)`, bid, i%7, day("2020-09-01"))
			act := id(`INSERT INTO funding_activities (council_id, title, held_on, format, minutes, created_at) VALUES ($1, 'W', $2, 'workshop', 60, $2)`, c.org, day("2026-01-01"))
			for k := range benchSaid {
				run(`INSERT INTO funding_contributions (activity_id, stakeholder_type, said, response, created_at) VALUES ($1, 'lived_experience', 'x', $2, $3)`,
					act, []string{"", "adopted", "adapted", "not_taken_forward"}[k%4], now)
			}
			for k := range benchClaims {
				claim++
				held := day("2026-01-01")
				run(`INSERT INTO payment_claims (organisation_id, person_id, source, source_id, title, held_at, minutes, time_pence, status, created_at, paid_on)
					VALUES ($1, $2, 'activity', $3, 'A', $4, 60, 2000, $5, $4, $6)`, c.org, w.person, claim, held, []string{"paid", "owed"}[k%2], held.AddDate(0, 0, k))
			}
			for k := range benchRecs {
				run(`INSERT INTO recommendations (panel_id, title, body, council_gss, response_weeks, status, drafted_at, sent_at, due_at, answered_at)
					VALUES ($1, 'R', 'B', $2, 8, 'answered', $3, $3, $4, $5)`, w.panel, c.gss, day("2026-01-01"), day("2026-03-01"), day("2026-02-01").AddDate(0, k, 0))
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := app.RebuildTotals(ctx, d); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDashboard measures the co-production pages' server time on a generated dataset,
// on SQLite and, when ROUNDTABLE_TEST_POSTGRES is set, on PostgreSQL.
func BenchmarkDashboard(b *testing.B) {
	dbs := map[string]func() *db.DB{"sqlite": func() *db.DB { return dbtest.SQLite(b, app.Migrations()) }}
	if os.Getenv("ROUNDTABLE_TEST_POSTGRES") != "" {
		dbs["postgres"] = func() *db.DB { return dbtest.Postgres(b, app.Migrations()) }
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			d := open()
			benchWorld(b, d)
			_, login := accountstest.Person(b, d, "Bench funder", auth.Funder, accountstest.Organisation(b, d, "Bench funder department"))
			_ = login
			a, err := app.New(d, app.Config{Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoPageCache: true})
			if err != nil {
				b.Fatal(err)
			}
			for _, path := range []string{"/data/co-production", "/data/co-production/outcomes", "/data/co-production/councils"} {
				b.Run(path[1:], func(b *testing.B) {
					for b.Loop() {
						w := httptest.NewRecorder()
						a.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
						if w.Code != http.StatusOK {
							b.Fatal(w.Code)
						}
					}
				})
			}
		})
	}
}
