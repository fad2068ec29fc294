package consent

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the consent capability's part of "Download my data" and "Delete my account":
// the person's responses to consent rounds, and objections they resolved as a facilitator.
type PersonalData struct{}

var _ personaldata.Source = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "consent" }

// Claims lists the consent columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{{Table: "consent_responses", Column: "person_id"}, {Table: "consent_responses", Column: "resolved_by"}}
}

// Export returns the person's responses, with the round's subject, and the objections they
// resolved, by reference.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	responses, err := personaldata.Query(ctx, d.Read, "consent_responses", `SELECT r.subject, c.kind, c.reason, c.responded_at, c.resolution, c.resolved_at
		FROM consent_responses c JOIN consent_rounds r ON r.id = c.round_id WHERE c.person_id = $1 ORDER BY c.responded_at`, personID)
	if err != nil {
		return nil, err
	}
	resolved, err := personaldata.Query(ctx, d.Read, "consent_objections_you_resolved", `SELECT r.subject, c.resolution, c.resolved_at
		FROM consent_responses c JOIN consent_rounds r ON r.id = c.round_id WHERE c.resolved_by = $1 ORDER BY c.resolved_at`, personID)
	if err != nil {
		return nil, err
	}
	return []personaldata.Table{responses, resolved}, nil
}

// Erase keeps every response, so each round's count of consents, concerns and objections
// (and so its outcome) stays right. When the person asks for their contributions to go too,
// the reasons they gave are replaced.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	if !e.RemoveContributions {
		return nil
	}
	return personaldata.Exec(ctx, tx, personaldata.Step{
		SQL: "UPDATE consent_responses SET reason = $1 WHERE person_id = $2 AND reason <> ''", Args: []any{personaldata.Removed, e.PersonID}})
}
