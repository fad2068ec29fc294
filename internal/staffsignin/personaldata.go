package staffsignin

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the staff sign-in part of "Download my data", "Delete my account" and the
// retention job: the provider accounts linked to a person and sign-ins in progress.
type PersonalData struct{}

var _ interface {
	personaldata.Source
	personaldata.Expirer
} = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "staffsignin" }

// Claims lists the columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{{Table: "staff_identities", Column: "person_id"}, {Table: "staff_signin_starts", Column: "link_person_id"},
		{Table: "staff_provider_required", Column: "set_by"}}
}

// Export returns the linked provider accounts; the refresh token is a secret and is not
// exported, only whether there is one.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	t, err := personaldata.Query(ctx, d.Read, "organisation_accounts", `SELECT provider, subject, email, refresh_token <> '' AS has_refresh_token,
		linked_at, checked_at FROM staff_identities WHERE person_id = $1 ORDER BY id`, personID)
	if err != nil {
		return nil, err
	}
	return []personaldata.Table{t}, nil
}

// Erase removes the person's provider accounts and sign-ins in progress.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	return personaldata.Exec(ctx, tx,
		personaldata.Step{SQL: "DELETE FROM staff_identities WHERE person_id = $1", Args: []any{e.PersonID}},
		personaldata.Step{SQL: "DELETE FROM staff_signin_starts WHERE link_person_id = $1", Args: []any{e.PersonID}},
		personaldata.Step{SQL: "UPDATE staff_provider_required SET set_by = NULL WHERE set_by = $1", Args: []any{e.PersonID}},
	)
}

// Expire deletes sign-ins in progress older than a day.
func (PersonalData) Expire(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	res, err := d.Write.ExecContext(ctx, "DELETE FROM staff_signin_starts WHERE created_at <= $1", utc(now.Add(-24*time.Hour)))
	if err != nil {
		return 0, fmt.Errorf("expire sign-ins in progress: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
