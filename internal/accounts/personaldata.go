package accounts

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// PersonalData is the accounts capability's part of "Download my data", "Delete my account"
// and the retention job: people, roles, sessions, sign-in codes and failed sign-ins.
type PersonalData struct{}

var _ interface {
	personaldata.Source
	personaldata.Identifier
	personaldata.Expirer
} = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "accounts" }

// Claims lists the accounts columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{{Table: "people", Column: "created_by"}, {Table: "memberships", Column: "person_id"},
		{Table: "sessions", Column: "person_id"}, {Table: "signin_codes", Column: "person_id"}, {Table: "signin_codes", Column: "issued_by"}}
}

// Export returns the person's account, roles, sessions and sign-in codes. Secrets (the
// password hash, session and code hashes) are never exported; whether there is one is.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	queries := []struct{ name, sql string }{
		{"account", `SELECT id AS person_id, display_name, login, email, password_hash <> '' AS has_password, created_at, disabled_at,
			COALESCE(contact_by, '') AS contact_by, COALESCE(mobile, '') AS mobile FROM people WHERE id = $1`},
		{"roles", `SELECT m.role, COALESCE(o.name, '') AS organisation, m.created_at
			FROM memberships m LEFT JOIN organisations o ON o.id = m.organisation_id WHERE m.person_id = $1 ORDER BY m.id`},
		{"sessions", `SELECT created_at, last_seen_at, expires_at FROM sessions WHERE person_id = $1 ORDER BY created_at`},
		{"signin_codes", `SELECT issued_at, expires_at, used_at, voided_at FROM signin_codes WHERE person_id = $1 ORDER BY issued_at`},
		{"failed_signins", `SELECT f.at FROM signin_failures f, people p
			WHERE p.id = $1 AND f.subject IN ('login:' || p.login, 'login:' || p.email) ORDER BY f.at`},
		// What the person did to other accounts, by reference only: the other people's
		// details are theirs, not this person's.
		{"people_you_added", `SELECT id AS person_id, created_at FROM people WHERE created_by = $1 ORDER BY id`},
		{"signin_codes_you_issued", `SELECT person_id, issued_at FROM signin_codes WHERE issued_by = $1 ORDER BY issued_at`},
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

// Terms are the person's name, login, email and mobile number, for finding them in the audit log.
func (PersonalData) Terms(ctx context.Context, tx *sql.Tx, personID int64) ([]string, error) {
	var name, login, email, mobile string
	if err := tx.QueryRowContext(ctx, "SELECT display_name, login, email, COALESCE(mobile, '') FROM people WHERE id = $1", personID).Scan(&name, &login, &email, &mobile); err != nil {
		return nil, fmt.Errorf("read person %d: %w", personID, err)
	}
	return []string{name, login, email, mobile}, nil
}

// Erase turns the account into a tombstone: the row stays, so everything that refers to the
// person still adds up, but it is called "A former member", cannot sign in, and holds no name,
// login, email, mobile number or password. Roles, sessions (signing the person out everywhere), sign-in codes
// and failed sign-ins under their login go.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	id := e.PersonID
	return personaldata.Exec(ctx, tx,
		personaldata.Step{SQL: `DELETE FROM signin_failures WHERE subject IN
			(SELECT 'login:' || login FROM people WHERE id = $1 UNION SELECT 'login:' || email FROM people WHERE id = $1)`, Args: []any{id}},
		personaldata.Step{SQL: "DELETE FROM sessions WHERE person_id = $1", Args: []any{id}},
		personaldata.Step{SQL: "DELETE FROM signin_codes WHERE person_id = $1", Args: []any{id}},
		personaldata.Step{SQL: "DELETE FROM memberships WHERE person_id = $1", Args: []any{id}},
		// A sign-in name may not hold a hyphen, so "erased-ID" can never be anyone's login.
		personaldata.Step{SQL: `UPDATE people SET display_name = $1, login = $2, email = '', password_hash = '',
			mobile = NULL, contact_by = NULL, disabled_at = COALESCE(disabled_at, $3) WHERE id = $4`,
			Args: []any{personaldata.FormerMember, fmt.Sprint("erased-", id), utc(e.At), id}},
	)
}

// Expire deletes sessions that have ended, sign-in codes that were used, replaced or ran
// out, and failed sign-ins older than the throttling window.
func (PersonalData) Expire(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	total := 0
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for _, s := range []personaldata.Step{
			{SQL: "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2", Args: []any{utc(now), utc(now.Add(-SessionIdle))}},
			{SQL: "DELETE FROM signin_codes WHERE used_at IS NOT NULL OR voided_at IS NOT NULL OR expires_at <= $1", Args: []any{utc(now)}},
			{SQL: "DELETE FROM signin_failures WHERE at <= $1", Args: []any{utc(now.Add(-ThrottleWindow))}},
		} {
			res, err := tx.ExecContext(ctx, s.SQL, s.Args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire accounts data: %w", err)
	}
	return total, nil
}
