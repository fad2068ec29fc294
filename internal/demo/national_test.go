package demo_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/demo"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

// TestNationalAtSmallScale generates the national dataset at 1% of its size on both
// databases, then checks the counts it promises, that every row refers to rows that exist
// (including the references no foreign key guards), that the main pages render from it and
// that the audit trail still verifies.
func TestNationalAtSmallScale(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a dataset")
	}
	// Small batches cross many batch boundaries, where rows must still find the rows they
	// refer to.
	t.Cleanup(demo.SmallBatches(7))
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sizes := demo.National.Scaled(0.01)
		sizes.Cycles, sizes.TeamsPerCycle = 3, 8 // more than the demo's one cycle, so some are generated
		now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
		counts, err := demo.LoadNational(ctx, d, demo.NationalOptions{Options: demo.Options{AuthoritiesFile: shareddata.Path(t, shareddata.Authorities)},
			Sizes: sizes, Seed: 7, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		for table, want := range map[string]int64{"councils": 0, "panels": 39, "funding_bids": int64(sizes.Bids),
			"funding_contributions": int64(sizes.Contributions), "payment_claims": int64(sizes.Claims),
			"evaluation_cycles": int64(sizes.Cycles), "recommendations": int64(sizes.Recommendations)} {
			if table == "councils" {
				if counts[table] < 296 {
					t.Errorf("councils = %d, want every council", counts[table])
				}
				continue
			}
			if counts[table] != want {
				t.Errorf("%s = %d, want %d", table, counts[table], want)
			}
		}
		var members int64
		one(t, d, "SELECT count(DISTINCT person_id) FROM memberships WHERE role = 'member'", &members)
		if members < int64(sizes.Members) {
			t.Errorf("members = %d, want at least %d", members, sizes.Members)
		}
		for _, table := range []string{"funding_outcomes", "evaluation_agreed", "evaluation_independent", "standard_adoptions", "panel_attendance", "consent_rounds"} {
			if counts[table] == 0 {
				t.Errorf("no rows in %s", table)
			}
		}

		// References without a foreign key, and the rules the capabilities keep, each counted
		// as broken rows: none.
		for what, q := range map[string]string{
			"meeting claims without attendance": `SELECT count(*) FROM payment_claims c WHERE c.source = 'meeting' AND NOT EXISTS
				(SELECT 1 FROM panel_attendance a WHERE a.meeting_id = c.source_id AND a.person_id = c.person_id)`,
			"meeting claims by people not in the panel": `SELECT count(*) FROM payment_claims c JOIN panels p ON p.id = c.panel_id WHERE c.source = 'meeting'
				AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = c.person_id AND m.organisation_id = p.organisation_id AND m.role = 'member')`,
			"activity claims without a named participant": `SELECT count(*) FROM payment_claims c WHERE c.source = 'activity' AND NOT EXISTS
				(SELECT 1 FROM funding_participants p WHERE p.activity_id = c.source_id AND p.person_id = c.person_id AND p.stakeholder_type = 'lived_experience')`,
			"paid claims without a payment": `SELECT count(*) FROM payment_claims WHERE status = 'paid' AND (paid_on IS NULL OR approved_at IS NULL OR taken_pence <> time_pence)`,
			"ratings of indicators not in the cycle's version": `SELECT count(*) FROM evaluation_ratings r JOIN evaluation_teams t ON t.id = r.team_id
				JOIN evaluation_cycles c ON c.id = t.cycle_id WHERE r.indicator_id <> 0 AND NOT EXISTS
				(SELECT 1 FROM standard_version_indicators i WHERE i.id = r.indicator_id AND i.version_id = c.version_id)`,
			"moderated ratings without the team's ratings": `SELECT count(*) FROM evaluation_agreed a WHERE NOT EXISTS
				(SELECT 1 FROM evaluation_ratings r WHERE r.team_id = a.team_id AND r.indicator_id = a.indicator_id)`,
			"recommendations without a consent round": `SELECT count(*) FROM recommendations r WHERE NOT EXISTS
				(SELECT 1 FROM consent_rounds c WHERE c.subject = 'recommendation:' || CAST(r.id AS TEXT))`,
			"sent recommendations without a due date": `SELECT count(*) FROM recommendations WHERE status IN ('awaiting', 'answered', 'done') AND (sent_at IS NULL OR due_at IS NULL)`,
			"outcomes of bids never submitted":        `SELECT count(*) FROM funding_outcomes o JOIN funding_bids b ON b.id = o.bid_id WHERE b.submitted_at IS NULL`,
			"bids asking more than a pot's limit": `SELECT count(*) FROM funding_bid_amounts a JOIN funding_pots p ON p.id = a.pot_id
				WHERE a.amount_pence > p.bid_limit_pence`,
		} {
			var n int
			one(t, d, q, &n)
			if n != 0 {
				t.Errorf("%s: %d", what, n)
			}
		}
		if d.Dialect == db.SQLite { // PostgreSQL checked every foreign key as the rows went in
			var broken []string
			rows, err := d.Read.QueryContext(ctx, "PRAGMA foreign_key_check")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var table, parent string
				var rowid, fk any
				if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
					t.Fatal(err)
				}
				broken = append(broken, fmt.Sprintf("%s row %v -> %s", table, rowid, parent))
			}
			rows.Close()
			if len(broken) > 0 {
				t.Errorf("foreign keys broken: %d, such as %v", len(broken), broken[:min(5, len(broken))])
			}
		}

		// The application goes on numbering where the generator stopped.
		if _, err := d.Write.ExecContext(ctx, "INSERT INTO panel_meetings (panel_id, title, starts_at, created_at) VALUES (1, 'After', $1, $1)", now); err != nil {
			t.Errorf("insert after generation: %v", err)
		}

		a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		var bid, member int64
		var slug string
		one(t, d, "SELECT max(id) FROM funding_bids WHERE submitted_at IS NOT NULL", &bid)
		one(t, d, "SELECT min(id) FROM people WHERE login LIKE 'member%'", &member)
		if err := d.Read.QueryRowContext(ctx, "SELECT p.slug FROM panels p JOIN memberships m ON m.organisation_id = p.organisation_id WHERE m.person_id = $1", member).Scan(&slug); err != nil {
			t.Fatal(err)
		}
		funder := accountstest.SignIn(t, a.Handler, "funder@roundtable.example", demo.Password)
		memberCookie := accountstest.Session(t, d, member, now)
		for _, p := range []struct {
			path   string
			cookie *http.Cookie
		}{{"/", nil}, {"/councils", nil}, {"/councils/E06000032", nil}, {"/councils/E08000003", nil}, {"/panels", nil}, {"/panels/" + slug, nil},
			{"/recommendations", nil}, {"/standards", nil}, {"/data", nil}, {"/evaluation", funder}, {fmt.Sprintf("/funding/bids/%d", bid), funder},
			{"/panels/" + slug, memberCookie}, {"/payments/mine", memberCookie}, {"/payments/table", funder}} {
			r := httptest.NewRequest("GET", p.path, nil)
			if p.cookie != nil {
				r.AddCookie(p.cookie)
			}
			w := httptest.NewRecorder()
			a.Handler.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Errorf("GET %s: %d\n%s", p.path, w.Code, firstLines(w.Body.String()))
			}
		}

		n, problems, err := audit.Verify(ctx, d)
		if err != nil || len(problems) > 0 || n == 0 {
			t.Errorf("audit: %d records, %v, %v", n, problems, err)
		}
		// The bulk load's running totals, as `roundtable figures verify` checks them.
		apptest.TotalsRight(t, d)
	})
}

// one reads one row of q into dest.
func one(t *testing.T, d *db.DB, q string, dest ...any) {
	t.Helper()
	if err := d.Read.QueryRowContext(context.Background(), q).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func firstLines(s string) string {
	lines := strings.SplitN(s, "\n", 20)
	return strings.Join(lines[:min(19, len(lines))], "\n")
}

// TestNationalIsDeterministic generates the dataset twice with one seed and compares a
// fingerprint of the generated tables.
func TestNationalIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a dataset twice")
	}
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	fingerprint := func() string {
		d := dbtest.SQLite(t, app.Migrations())
		if _, err := demo.LoadNational(context.Background(), d, demo.NationalOptions{Options: demo.Options{AuthoritiesFile: shareddata.Path(t, shareddata.Authorities)},
			Sizes: demo.National.Scaled(0.005), Seed: 11, Now: now}); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, q := range []string{
			"SELECT count(*), sum(activity_id), sum(COALESCE(person_id, 0)), sum(length(said)), sum(length(response)) FROM funding_contributions",
			"SELECT count(*), sum(person_id), sum(source_id), sum(time_pence), sum(length(status)) FROM payment_claims",
			"SELECT count(*), sum(council_id), sum(length(title)), sum(homes), sum(CASE WHEN submitted_at IS NULL THEN 0 ELSE 1 END) FROM funding_bids",
			"SELECT count(*), sum(team_id), sum(indicator_id), sum(level), sum(person_id) FROM evaluation_ratings",
		} {
			var a, b, c, d2, e sql.NullInt64
			one(t, d, q, &a, &b, &c, &d2, &e)
			out = append(out, fmt.Sprint(a.Int64, b.Int64, c.Int64, d2.Int64, e.Int64))
		}
		return strings.Join(out, "; ")
	}
	if a, b := fingerprint(), fingerprint(); a != b {
		t.Errorf("two runs with one seed differ:\n%s\n%s", a, b)
	}
}
