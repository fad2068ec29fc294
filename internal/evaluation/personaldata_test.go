package evaluation_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/evaluation"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/personaldata/personaldatatest"
	"roundtable/internal/standards"
	"roundtable/internal/standards/standardstest"
)

// insert runs a fixture statement, returning the new row's id when it asks for one.
func insert(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	var err error
	if strings.Contains(query, "RETURNING") {
		err = d.Write.QueryRow(query, args...).Scan(&id)
	} else {
		_, err = d.Write.Exec(query, args...)
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// evaluationOutcome is everything erasure must leave as it was: the agreed ratings the council
// sees (with regional comparison), the team's and the cycle's alpha, and the head counts.
type evaluationOutcome struct {
	Agreed   []evaluation.AgreedRating
	Team     evaluation.Agreement
	Cycle    evaluation.Agreement
	Counts   map[string]int
	Evidence []string
}

// TestEvaluationPersonalData: the source claims exactly the evaluation columns that refer to
// people; the download names the cycle, council, unit and level of each rating; erasure,
// either way the person chooses, leaves agreed ratings, alpha and every count unchanged,
// removes conflict reasons, and removes the rating evidence only when asked.
func TestEvaluationPersonalData(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(fmt.Sprintf("remove contributions %v", remove), func(t *testing.T) {
			dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				src := evaluation.PersonalData{}
				personaldatatest.ClaimsMatchSchema(t, d, src)
				empty, err := src.Export(ctx, d, 1)
				if err != nil {
					t.Fatal(err)
				}
				for _, tb := range empty {
					if len(tb.Columns) == 0 || len(tb.Rows) != 0 {
						t.Errorf("%s: columns %v, %d rows in an empty database", tb.Name, tb.Columns, len(tb.Rows))
					}
				}

				now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
				version := standardstest.Published(t, d)
				inds, err := standards.VersionIndicators(ctx, d, version.ID)
				if err != nil || len(inds) == 0 {
					t.Fatalf("indicators: %v", err)
				}
				group := accountstest.Organisation(t, d, "Luton Homelessness Partnership")
				council := accountstest.Organisation(t, d, "Luton Borough Council")
				review := accountstest.Organisation(t, d, "Independent Co-production Review")
				rowan, _ := accountstest.Person(t, d, "Rowan Vale", auth.Member, group)
				lee, _ := accountstest.Person(t, d, "Lee Other", auth.Member, group)
				kim, _ := accountstest.Person(t, d, "Kim Other", auth.Member, group)
				fac, _ := accountstest.Person(t, d, "Fay Facilitator", auth.Facilitator, group)
				assessor, _ := accountstest.Person(t, d, "Ash Assessor", auth.Assessor, review)
				officer, _ := accountstest.Person(t, d, "Olu Officer", auth.CouncilOfficer, council)

				panel := insert(t, d, `INSERT INTO panels (name, slug, kind, organisation_id, created_at) VALUES ('Luton panel', 'luton', 'local', $1, $2) RETURNING id`, group, now)
				cycle := insert(t, d, `INSERT INTO evaluation_cycles (title, version_id, assessor_id, starts_on, ends_on, created_by, created_at)
					VALUES ('Evaluation 2026', $1, $2, '2026-09-01', '2026-12-31', $3, $4) RETURNING id`, version.ID, review, fac, now)
				team := insert(t, d, `INSERT INTO evaluation_teams (cycle_id, council_id, council_gss, council_name, region_name, panel_id, findings, published_at)
					VALUES ($1, $2, 'E06000032', 'Luton', 'East of England', $3, 'Findings', $4) RETURNING id`, cycle, council, panel, now)
				units := []int64{0}
				for _, i := range inds {
					units = append(units, i.ID)
				}
				for r, who := range []int64{rowan, lee, kim} {
					insert(t, d, `INSERT INTO evaluation_team_members (team_id, person_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)`, team, who, fac, now)
					for u, unit := range units {
						insert(t, d, `INSERT INTO evaluation_ratings (team_id, indicator_id, person_id, level, evidence, notes, rated_at)
							VALUES ($1, $2, $3, $4, $5, $6, $7)`, team, unit, who, (u+r*(u%2))%7, fmt.Sprintf("Rater %d saw the forum", r), "", now)
					}
				}
				insert(t, d, `UPDATE evaluation_ratings SET evidence = 'Rowan saw the housing forum', notes = 'Rowan asked twice' WHERE person_id = $1`, rowan)
				for u, unit := range units {
					insert(t, d, `INSERT INTO evaluation_agreed (team_id, indicator_id, level, reason, agreed_by, agreed_at) VALUES ($1, $2, $3, 'Agreed together', $4, $5)`,
						team, unit, u%7, fac, now)
					insert(t, d, `INSERT INTO evaluation_independent (team_id, indicator_id, level, evidence, rated_by, rated_at) VALUES ($1, $2, 3, 'Observed', $3, $4)`,
						team, unit, assessor, now)
				}
				insert(t, d, `INSERT INTO evaluation_conflicts (person_id, council_id, reason, declared_at) VALUES ($1, $2, 'My sister works in their housing team', $3)`, rowan, council, now)
				insert(t, d, `INSERT INTO evaluation_conflicts (person_id, council_id, reason, declared_at) VALUES ($1, $2, 'I used to work there', $3)`, lee, council, now)
				insert(t, d, `INSERT INTO evaluation_research_training (person_id, course, completed_on, recorded_by, recorded_at) VALUES ($1, 'Peer research foundations', '2026-06-01', $2, $3)`, rowan, fac, now)
				insert(t, d, `INSERT INTO evaluation_actions (team_id, action, owner, due_on, created_by, created_at) VALUES ($1, 'Pay panel members', 'Rowan Vale', '2026-12-01', $2, $3)`, team, officer, now)
				module := insert(t, d, `INSERT INTO training_modules (title, summary, created_at) VALUES ('Sharing power', 'How to', $1) RETURNING id`, now)
				session := insert(t, d, `INSERT INTO training_sessions (module_id, starts_at, place, capacity, trainers, co_trainers, created_at)
					VALUES ($1, $2, 'Luton library', 12, 'Rowan Vale', 'Kim Other', $2) RETURNING id`, module, now)
				insert(t, d, `INSERT INTO training_bookings (session_id, person_id, council_id, council_gss, booked_at, attended) VALUES ($1, $2, $3, 'E06000032', $4, TRUE)`, session, rowan, council, now)

				tables, err := src.Export(ctx, d, rowan)
				if err != nil {
					t.Fatal(err)
				}
				rs := personaldatatest.Rows(t, tables, "evaluation_ratings")
				if len(rs) != len(units) || rs[0]["cycle"] != "Evaluation 2026" || rs[0]["council"] != "Luton" || rs[0]["level_name"] == "" ||
					!strings.Contains(rs[0]["evidence"], "housing forum") {
					t.Errorf("ratings: %v", rs)
				}
				relationships := false
				for _, r := range rs {
					relationships = relationships || r["unit"] == evaluation.RelationshipsKey
				}
				if !relationships {
					t.Errorf("the relationships rating is not named: %v", rs)
				}
				if c := personaldatatest.Rows(t, tables, "evaluation_conflicts"); len(c) != 1 || c[0]["council"] != "Luton Borough Council" || strings.Contains(fmt.Sprint(c), "used to work") {
					t.Errorf("conflicts: %v", c)
				}
				if b := personaldatatest.Rows(t, tables, "training_bookings"); len(b) != 1 || b[0]["training"] != "Sharing power" || b[0]["attended"] != "yes" || b[0]["online"] != "no" {
					t.Errorf("bookings: %v", b)
				}
				if tm := personaldatatest.Rows(t, tables, "evaluation_teams"); len(tm) != 1 || tm[0]["panel"] != "Luton panel" {
					t.Errorf("teams: %v", tm)
				}
				if tr := personaldatatest.Rows(t, tables, "evaluation_research_training"); len(tr) != 1 || tr[0]["course"] != "Peer research foundations" {
					t.Errorf("research training: %v", tr)
				}
				facTables, err := src.Export(ctx, d, fac)
				if err != nil {
					t.Fatal(err)
				}
				if made := personaldatatest.Rows(t, facTables, "evaluation_records_you_made"); len(made) != 1+3+len(units)+1 {
					t.Errorf("the facilitator's records: %d, want cycle, 3 assignments, %d agreed ratings and a training record: %v", len(made), len(units), made)
				}

				outcome := func() evaluationOutcome {
					t.Helper()
					tm, err := evaluation.GetTeam(ctx, d, team)
					if err != nil {
						t.Fatal(err)
					}
					var o evaluationOutcome
					if o.Agreed, err = evaluation.AgreedRatings(ctx, d, tm); err != nil || len(o.Agreed) != len(units) {
						t.Fatalf("agreed ratings: %v %d", err, len(o.Agreed))
					}
					if o.Team, err = evaluation.TeamAgreement(ctx, d, team); err != nil || !o.Team.Defined {
						t.Fatalf("team alpha: %+v %v", o.Team, err)
					}
					if o.Cycle, err = evaluation.CycleAgreement(ctx, d, cycle); err != nil {
						t.Fatal(err)
					}
					o.Counts = map[string]int{}
					for _, table := range []string{"evaluation_ratings", "evaluation_team_members", "evaluation_conflicts", "evaluation_research_training",
						"training_bookings", "evaluation_agreed", "evaluation_independent", "evaluation_actions"} {
						var n int
						if err := d.Read.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
							t.Fatal(err)
						}
						o.Counts[table] = n
					}
					if o.Evidence, err = db.Collect(ctx, d.Read, func(s db.Scanner) (string, error) {
						var e string
						return e, s.Scan(&e)
					}, "SELECT evidence || '/' || notes FROM evaluation_ratings WHERE person_id <> $1 ORDER BY team_id, indicator_id, person_id", rowan); err != nil {
						t.Fatal(err)
					}
					return o
				}
				before := outcome()

				err = d.Tx(ctx, func(tx *sql.Tx) error {
					return src.Erase(ctx, tx, personaldata.Erasure{PersonID: rowan, RemoveContributions: remove, At: now, Names: []string{"Rowan Vale"}})
				})
				if err != nil {
					t.Fatal(err)
				}
				if after := outcome(); !reflect.DeepEqual(before, after) {
					t.Errorf("erasure changed what others rely on:\nbefore %+v\nafter  %+v", before, after)
				}
				var evidence, reason, owner, trainers, coTrainers string
				if err := d.Read.QueryRow("SELECT evidence || '/' || notes FROM evaluation_ratings WHERE person_id = $1 AND indicator_id = 0", rowan).Scan(&evidence); err != nil {
					t.Fatal(err)
				}
				if got := strings.Contains(evidence, "Rowan"); got == remove {
					t.Errorf("remove %v: the rating's evidence is now %q", remove, evidence)
				}
				if err := d.Read.QueryRow("SELECT reason FROM evaluation_conflicts WHERE person_id = $1", rowan).Scan(&reason); err != nil || reason != personaldata.Removed {
					t.Errorf("the conflict's reason is %q (%v), want it removed", reason, err)
				}
				if err := d.Read.QueryRow("SELECT owner FROM evaluation_actions").Scan(&owner); err != nil || owner != personaldata.FormerMember {
					t.Errorf("the action's owner is %q (%v)", owner, err)
				}
				if err := d.Read.QueryRow("SELECT trainers, co_trainers FROM training_sessions").Scan(&trainers, &coTrainers); err != nil ||
					trainers != personaldata.FormerMember || coTrainers != "Kim Other" {
					t.Errorf("the session's trainers are %q and %q (%v)", trainers, coTrainers, err)
				}
			})
		})
	}
}
