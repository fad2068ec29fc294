package evaluation

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the evaluation capability's part of "Download my data" and "Delete my
// account": research training, declared conflicts, evaluation teams and ratings, training
// bookings, and what the person recorded as a funder, facilitator, assessor or officer.
type PersonalData struct{}

var _ personaldata.Source = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "evaluation" }

// Claims lists the evaluation columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{
		{Table: "evaluation_research_training", Column: "person_id"}, {Table: "evaluation_research_training", Column: "recorded_by"},
		{Table: "evaluation_conflicts", Column: "person_id"}, {Table: "evaluation_cycles", Column: "created_by"},
		{Table: "evaluation_team_members", Column: "person_id"}, {Table: "evaluation_team_members", Column: "assigned_by"},
		{Table: "evaluation_ratings", Column: "person_id"}, {Table: "evaluation_agreed", Column: "agreed_by"},
		{Table: "evaluation_independent", Column: "rated_by"}, {Table: "evaluation_actions", Column: "created_by"},
		{Table: "evaluation_examples", Column: "written_by"}, {Table: "evaluation_examples", Column: "consented_by"},
		{Table: "training_bookings", Column: "person_id"},
	}
}

// unitSQL names the unit rated in a row joined to standard_version_indicators as i: the
// indicator's key, or relationships (indicator id 0).
const unitSQL = `COALESCE(i.key, '` + RelationshipsKey + `')`

// levelNameSQL names a ladder level held in col, so the download reads "Co-design", not 5.
// The names come from the ladder package, never from input.
func levelNameSQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, l := range ladder.Levels {
		fmt.Fprintf(&b, " WHEN %d THEN '%s'", int(l), l.Name())
	}
	b.WriteString(" END")
	return b.String()
}

// Export returns the person's research training, conflicts, the teams they were on and each
// rating they gave (with the council, the unit and the level named), and the training they
// booked; what they recorded in a role is listed by what and when.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	queries := []struct{ name, sql string }{
		{"evaluation_research_training", `SELECT course, completed_on, recorded_at FROM evaluation_research_training
			WHERE person_id = $1 ORDER BY completed_on, id`},
		{"evaluation_conflicts", `SELECT o.name AS council, c.reason, c.declared_at
			FROM evaluation_conflicts c JOIN organisations o ON o.id = c.council_id WHERE c.person_id = $1 ORDER BY c.declared_at`},
		{"evaluation_teams", `SELECT cy.title AS cycle, t.council_name AS council, p.name AS panel, m.assigned_at
			FROM evaluation_team_members m JOIN evaluation_teams t ON t.id = m.team_id JOIN evaluation_cycles cy ON cy.id = t.cycle_id
			JOIN panels p ON p.id = t.panel_id WHERE m.person_id = $1 ORDER BY m.assigned_at`},
		{"evaluation_ratings", `SELECT cy.title AS cycle, t.council_name AS council, ` + unitSQL + ` AS unit, COALESCE(i.text, '') AS indicator,
			r.level, ` + levelNameSQL("r.level") + ` AS level_name, r.evidence, r.notes, r.rated_at
			FROM evaluation_ratings r JOIN evaluation_teams t ON t.id = r.team_id JOIN evaluation_cycles cy ON cy.id = t.cycle_id
			LEFT JOIN standard_version_indicators i ON i.id = r.indicator_id
			WHERE r.person_id = $1 ORDER BY r.rated_at, t.id, r.indicator_id`},
		{"training_bookings", `SELECT m.title AS training, s.starts_at, s.place, CASE WHEN s.online THEN 'yes' ELSE 'no' END AS online,
			o.name AS council, b.booked_at, CASE WHEN b.attended IS NULL THEN 'not recorded' WHEN b.attended THEN 'yes' ELSE 'no' END AS attended
			FROM training_bookings b JOIN training_sessions s ON s.id = b.session_id JOIN training_modules m ON m.id = s.module_id
			JOIN organisations o ON o.id = b.council_id WHERE b.person_id = $1 ORDER BY s.starts_at`},
		{"evaluation_records_you_made", `SELECT 'research training recorded' AS kind, course AS what, recorded_at AS at
				FROM evaluation_research_training WHERE recorded_by = $1 AND person_id <> $1
			UNION ALL SELECT 'cycle commissioned', title, created_at FROM evaluation_cycles WHERE created_by = $1
			UNION ALL SELECT 'evaluator assigned', cy.title || ': ' || t.council_name, m.assigned_at
				FROM evaluation_team_members m JOIN evaluation_teams t ON t.id = m.team_id JOIN evaluation_cycles cy ON cy.id = t.cycle_id
				WHERE m.assigned_by = $1
			UNION ALL SELECT 'agreed rating', cy.title || ': ' || t.council_name || ', ' || ` + unitSQL + `, a.agreed_at
				FROM evaluation_agreed a JOIN evaluation_teams t ON t.id = a.team_id JOIN evaluation_cycles cy ON cy.id = t.cycle_id
				LEFT JOIN standard_version_indicators i ON i.id = a.indicator_id WHERE a.agreed_by = $1
			UNION ALL SELECT 'independent rating', cy.title || ': ' || t.council_name || ', ' || ` + unitSQL + `, a.rated_at
				FROM evaluation_independent a JOIN evaluation_teams t ON t.id = a.team_id JOIN evaluation_cycles cy ON cy.id = t.cycle_id
				LEFT JOIN standard_version_indicators i ON i.id = a.indicator_id WHERE a.rated_by = $1
			UNION ALL SELECT 'action added', t.council_name || ': ' || a.action, a.created_at
				FROM evaluation_actions a JOIN evaluation_teams t ON t.id = a.team_id WHERE a.created_by = $1
			UNION ALL SELECT 'example written', t.council_name || ': ' || e.title, e.written_at
				FROM evaluation_examples e JOIN evaluation_teams t ON t.id = e.team_id WHERE e.written_by = $1
			UNION ALL SELECT 'example consented to', t.council_name || ': ' || e.title, e.consented_at
				FROM evaluation_examples e JOIN evaluation_teams t ON t.id = e.team_id WHERE e.consented_by = $1
			ORDER BY at`},
	}
	var out []personaldata.Table
	for _, q := range queries {
		t, err := personaldata.Query(ctx, d.Read, q.name, q.sql, personID)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Erase keeps every rating's level, team membership, research training record and booking,
// so agreed ratings, Krippendorff's alpha, team sizes and training attendance stay exactly as
// they were; the person's name goes with their account. Agreed and independent ratings,
// findings, examples and actions are teams', assessors' and councils' records and stay. The
// reasons the person gave for a conflict of interest describe their own life and go whatever
// they chose (the declaration stays, so they are still seen to have stood aside). When they
// ask for their contributions to go too, the evidence and notes of their ratings are
// replaced. Names copied as text (an action's owner, a session's trainers) that match the
// person's name exactly become "A former member".
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	id := e.PersonID
	steps := []personaldata.Step{
		{SQL: "UPDATE evaluation_conflicts SET reason = $1 WHERE person_id = $2 AND reason <> ''", Args: []any{personaldata.Removed, id}},
	}
	if len(e.Names) > 0 && e.Names[0] != "" {
		args := []any{personaldata.FormerMember, e.Names[0]}
		steps = append(steps,
			personaldata.Step{SQL: "UPDATE evaluation_actions SET owner = $1 WHERE owner = $2", Args: args},
			personaldata.Step{SQL: "UPDATE training_sessions SET trainers = $1 WHERE trainers = $2", Args: args},
			personaldata.Step{SQL: "UPDATE training_sessions SET co_trainers = $1 WHERE co_trainers = $2", Args: args})
	}
	if e.RemoveContributions {
		steps = append(steps,
			personaldata.Step{SQL: "UPDATE evaluation_ratings SET evidence = $1 WHERE person_id = $2", Args: []any{personaldata.Removed, id}},
			personaldata.Step{SQL: "UPDATE evaluation_ratings SET notes = $1 WHERE person_id = $2 AND notes <> ''", Args: []any{personaldata.Removed, id}})
	}
	return personaldata.Exec(ctx, tx, steps...)
}
