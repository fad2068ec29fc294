package standards

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the standards capability's part of "Download my data" and "Delete my
// account": proposals and comments on co-production standards, and what the person recorded
// as a facilitator or council officer (decisions, published versions, adoptions, self-ratings).
type PersonalData struct{}

var _ personaldata.Source = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "standards" }

// Claims lists the standards columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{
		{Table: "standards", Column: "created_by"},
		{Table: "standard_proposals", Column: "proposed_by"}, {Table: "standard_proposals", Column: "decided_by"},
		{Table: "standard_comments", Column: "person_id"}, {Table: "standard_versions", Column: "published_by"},
		{Table: "standard_adoptions", Column: "recorded_by"}, {Table: "standard_self_ratings", Column: "rated_by"},
	}
}

// Export returns the proposals the person made and their comments, with the standard, panel
// and clause named; what they recorded for a panel or council is listed by what and when.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	queries := []struct{ name, sql string }{
		{"standard_proposals", `SELECT s.title AS standard, pa.name AS panel, p.kind, c.number AS clause_number, p.title, p.wording,
			p.reason, p.created_at, p.state, p.statement AS decision, p.decided_at
			FROM standard_proposals p JOIN standards s ON s.id = p.standard_id JOIN panels pa ON pa.id = p.panel_id
			LEFT JOIN standard_clauses c ON c.id = p.clause_id
			WHERE p.proposed_by = $1 ORDER BY p.created_at, p.id`},
		{"standard_comments", `SELECT s.title AS standard, p.kind AS proposal_kind, COALESCE(NULLIF(p.title, ''), c.title, '') AS proposal_title,
			m.body, m.created_at
			FROM standard_comments m JOIN standard_proposals p ON p.id = m.proposal_id JOIN standards s ON s.id = p.standard_id
			LEFT JOIN standard_clauses c ON c.id = p.clause_id
			WHERE m.person_id = $1 ORDER BY m.created_at, m.id`},
		{"standards_records_you_made", `SELECT 'standard created' AS kind, s.title AS what, s.created_at AS at FROM standards s WHERE s.created_by = $1
			UNION ALL SELECT 'proposal decided', s.title || ': ' || p.kind || ' ' || COALESCE(NULLIF(p.title, ''), c.title, ''), p.decided_at
				FROM standard_proposals p JOIN standards s ON s.id = p.standard_id LEFT JOIN standard_clauses c ON c.id = p.clause_id
				WHERE p.decided_by = $1
			UNION ALL SELECT 'version published', s.title || ' ' || v.number, v.published_at
				FROM standard_versions v JOIN standards s ON s.id = v.standard_id WHERE v.published_by = $1
			UNION ALL SELECT 'adoption recorded', o.name || ' adopted ' || s.title || ' ' || v.number, a.recorded_at
				FROM standard_adoptions a JOIN organisations o ON o.id = a.council_id JOIN standard_versions v ON v.id = a.version_id
				JOIN standards s ON s.id = v.standard_id WHERE a.recorded_by = $1
			UNION ALL SELECT 'self-assessment rating', o.name || ': ' || s.title || ' ' || v.number || ' indicator ' || i.key, r.rated_at
				FROM standard_self_ratings r JOIN organisations o ON o.id = r.council_id JOIN standard_version_indicators i ON i.id = r.indicator_id
				JOIN standard_versions v ON v.id = i.version_id JOIN standards s ON s.id = v.standard_id WHERE r.rated_by = $1
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

// Erase keeps every row: proposals and their wording are the provenance of a public standard
// (accepted wording lives on in clauses and published versions), their consent rounds must
// still add up, and versions, adoptions and self-ratings are councils' and panels' records.
// The person's name goes with their account; a council sign-off that copied their name
// becomes "A former member". When they ask for their contributions to go too, the reasons
// they gave for proposals and the comments they wrote are replaced.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	var steps []personaldata.Step
	if len(e.Names) > 0 && e.Names[0] != "" {
		steps = append(steps, personaldata.Step{SQL: "UPDATE standard_adoptions SET signed_off_by = $1 WHERE signed_off_by = $2",
			Args: []any{personaldata.FormerMember, e.Names[0]}})
	}
	if e.RemoveContributions {
		args := []any{personaldata.Removed, e.PersonID}
		steps = append(steps,
			personaldata.Step{SQL: "UPDATE standard_proposals SET reason = $1 WHERE proposed_by = $2", Args: args},
			personaldata.Step{SQL: "UPDATE standard_comments SET body = $1 WHERE person_id = $2", Args: args})
	}
	return personaldata.Exec(ctx, tx, steps...)
}
