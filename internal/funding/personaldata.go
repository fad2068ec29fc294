package funding

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the funding capability's part of "Download my data" and "Delete my account":
// taking part in councils' co-production, what the person said, and assessing bids.
type PersonalData struct{}

var _ personaldata.Source = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "funding" }

// Claims lists the funding columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{
		{Table: "funding_programmes", Column: "created_by"}, {Table: "funding_activities", Column: "created_by"},
		{Table: "funding_participants", Column: "person_id"}, {Table: "funding_contributions", Column: "person_id"},
		{Table: "funding_assessors", Column: "person_id"}, {Table: "funding_conflicts", Column: "person_id"},
		{Table: "funding_scores", Column: "person_id"}, {Table: "funding_outcomes", Column: "decided_by"},
		{Table: "funding_thanks", Column: "person_id"}, {Table: "funding_thanks", Column: "thanked_by"},
		{Table: "funding_support_requests", Column: "asked_by"}, {Table: "funding_support_requests", Column: "answered_by"},
	}
}

// Export returns what the person took part in and said, and what they did as an assessor or
// a council officer; things they did to others' records are listed by reference and time.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	queries := []struct{ name, sql string }{
		{"funding_taking_part", `SELECT a.title AS activity, a.held_on, o.name AS council, p.stakeholder_type
			FROM funding_participants p JOIN funding_activities a ON a.id = p.activity_id JOIN organisations o ON o.id = a.council_id
			WHERE p.person_id = $1 ORDER BY a.held_on, p.id`},
		{"funding_contributions", `SELECT a.title AS activity, o.name AS council, c.said, c.may_quote, c.response, c.reason, c.created_at, c.responded_at
			FROM funding_contributions c JOIN funding_activities a ON a.id = c.activity_id JOIN organisations o ON o.id = a.council_id
			WHERE c.person_id = $1 ORDER BY c.id`},
		{"funding_thanks", `SELECT b.title AS bid, t.thanked_at FROM funding_thanks t JOIN funding_bids b ON b.id = t.bid_id
			WHERE t.person_id = $1 ORDER BY t.thanked_at`},
		{"funding_assessing", `SELECT pr.name AS programme, a.added_at FROM funding_assessors a JOIN funding_programmes pr ON pr.id = a.programme_id
			WHERE a.person_id = $1 ORDER BY a.added_at`},
		{"funding_interests_declared", `SELECT bid_id, conflicted, note, declared_at FROM funding_conflicts WHERE person_id = $1 ORDER BY declared_at`},
		{"funding_scores", `SELECT bid_id, score, notes, scored_at FROM funding_scores WHERE person_id = $1 ORDER BY scored_at`},
		{"funding_records_you_made", `SELECT 'programme' AS kind, id, created_at AS at FROM funding_programmes WHERE created_by = $1
			UNION ALL SELECT 'activity', id, created_at FROM funding_activities WHERE created_by = $1
			UNION ALL SELECT 'bid outcome', bid_id, decided_at FROM funding_outcomes WHERE decided_by = $1
			UNION ALL SELECT 'thanks', bid_id, thanked_at FROM funding_thanks WHERE thanked_by = $1
			UNION ALL SELECT 'support question', id, asked_at FROM funding_support_requests WHERE asked_by = $1
			UNION ALL SELECT 'support answer', id, answered_at FROM funding_support_requests WHERE answered_by = $1
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

// Erase keeps every row, so activities' head counts, bids' evidence and assessors' scores
// still add up; the person's name goes with their account. When they ask for their
// contributions to go too, the words they said and the notes they wrote are replaced and no
// longer quoted.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	if !e.RemoveContributions {
		return nil
	}
	args := []any{personaldata.Removed, e.PersonID}
	return personaldata.Exec(ctx, tx,
		personaldata.Step{SQL: "UPDATE funding_contributions SET said = $1, may_quote = 0 WHERE person_id = $2", Args: args},
		personaldata.Step{SQL: "UPDATE funding_conflicts SET note = $1 WHERE person_id = $2 AND note <> ''", Args: args},
		personaldata.Step{SQL: "UPDATE funding_scores SET notes = $1 WHERE person_id = $2", Args: args},
	)
}
