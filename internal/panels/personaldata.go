package panels

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the panels capability's part of "Download my data" and "Delete my account":
// profiles and support needs, meetings, recommendations, messages and paid roles.
type PersonalData struct{}

var _ personaldata.Source = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "panels" }

// Claims lists the panels columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{
		{Table: "panel_profiles", Column: "person_id"}, {Table: "panel_meetings", Column: "created_by"},
		{Table: "panel_meeting_replies", Column: "person_id"}, {Table: "panel_attendance", Column: "person_id"},
		{Table: "recommendations", Column: "drafted_by"}, {Table: "recommendation_updates", Column: "by_id"},
		{Table: "panel_messages", Column: "person_id"}, {Table: "opportunities", Column: "posted_by"},
		{Table: "opportunity_interests", Column: "person_id"},
	}
}

// Export returns the person's profile, meetings, messages and interest in paid roles, and
// what they drafted or recorded.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	queries := []struct{ name, sql string }{
		{"panel_profile", `SELECT skills, interests, hopes, support, support_other, named_publicly, updated_at
			FROM panel_profiles WHERE person_id = $1`},
		{"panel_meeting_replies", `SELECT p.name AS panel, m.title AS meeting, m.starts_at, r.answer, r.replied_at
			FROM panel_meeting_replies r JOIN panel_meetings m ON m.id = r.meeting_id JOIN panels p ON p.id = m.panel_id
			WHERE r.person_id = $1 ORDER BY m.starts_at`},
		{"panel_attendance", `SELECT p.name AS panel, m.title AS meeting, m.starts_at
			FROM panel_attendance a JOIN panel_meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id
			WHERE a.person_id = $1 ORDER BY m.starts_at`},
		{"panel_messages", `SELECT subject, body, link, created_at, emailed_at, texted_at, text_status, text_error
			FROM panel_messages WHERE person_id = $1 ORDER BY created_at, id`},
		{"opportunity_interests", `SELECT o.title AS paid_role, i.statement, i.created_at, i.reply, i.replied_at
			FROM opportunity_interests i JOIN opportunities o ON o.id = i.opportunity_id WHERE i.person_id = $1 ORDER BY i.created_at`},
		{"recommendations_drafted", `SELECT id, title, body, drafted_at FROM recommendations WHERE drafted_by = $1 ORDER BY drafted_at`},
		{"recommendation_updates", `SELECT recommendation_id, at, note, by_name FROM recommendation_updates WHERE by_id = $1 ORDER BY at`},
		{"panels_records_you_made", `SELECT 'meeting' AS kind, id, created_at AS at FROM panel_meetings WHERE created_by = $1
			UNION ALL SELECT 'paid role', id, created_at FROM opportunities WHERE posted_by = $1 ORDER BY at`},
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

// Erase removes the profile (with support needs) and messages, which are about the person
// alone. Replies and attendance stay, so meetings' head counts stay right; names copied onto
// recommendation updates and answers become "A former member". When the person asks for
// their contributions to go too, what they wrote in interest in paid roles is replaced.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	id := e.PersonID
	steps := []personaldata.Step{
		{SQL: "DELETE FROM panel_profiles WHERE person_id = $1", Args: []any{id}},
		{SQL: "DELETE FROM panel_messages WHERE person_id = $1", Args: []any{id}},
		{SQL: "UPDATE recommendation_updates SET by_name = $1 WHERE by_id = $2", Args: []any{personaldata.FormerMember, id}},
		// Interest in a paid role says who the person is and why they fit: it goes whatever
		// they chose, leaving the row so the number interested stays right.
		{SQL: "UPDATE opportunity_interests SET statement = $1 WHERE person_id = $2", Args: []any{personaldata.Removed, id}},
	}
	// An answer to a recommendation is signed with the name of the person who gave it, with no
	// id; a signature matching the erased person's name is theirs.
	if len(e.Names) > 0 && e.Names[0] != "" {
		steps = append(steps, personaldata.Step{SQL: "UPDATE recommendations SET answered_by_name = $1 WHERE answered_by_name = $2",
			Args: []any{personaldata.FormerMember, e.Names[0]}})
	}
	return personaldata.Exec(ctx, tx, steps...)
}
