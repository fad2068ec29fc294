package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// A session ends after SessionIdle without a request, and after SessionLifetime in any case.
// last_seen_at is written at most once per touchEvery, to spare the database a write on every
// page.
const (
	SessionIdle     = 12 * time.Hour
	SessionLifetime = 14 * 24 * time.Hour
	touchEvery      = time.Minute
)

// StartSession opens a session for the person and returns its secret token, for the cookie.
// Only the token's hash is stored.
func StartSession(ctx context.Context, d *db.DB, personID int64, now time.Time) (string, error) {
	token := auth.NewToken()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		// Tidy the person's ended sessions while we are here.
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE person_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)",
			personID, utc(now), utc(now.Add(-SessionIdle))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $3, $4)`, auth.HashToken(token), personID, utc(now), utc(now.Add(SessionLifetime)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	return token, nil
}

// LoadSession returns the signed-in person for a session token, with their roles. An unknown,
// ended or idle session, or a disabled person, is not found.
func LoadSession(ctx context.Context, d *db.DB, token string, now time.Time) (*auth.Identity, error) {
	hash := auth.HashToken(token)
	id := &auth.Identity{SessionHash: hash}
	var lastSeen time.Time
	err := d.Read.QueryRowContext(ctx, `SELECT p.id, p.display_name, s.last_seen_at
		FROM sessions s JOIN people p ON p.id = s.person_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND p.disabled_at IS NULL`,
		hash, utc(now), utc(now.Add(-SessionIdle))).Scan(&id.PersonID, &id.DisplayName, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "No such session.")
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	grants, err := grantsOf(ctx, d.Read, []int64{id.PersonID})
	if err != nil {
		return nil, err
	}
	id.Grants = grants[id.PersonID]
	if now.Sub(lastSeen) >= touchEvery {
		if _, err := d.Write.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", utc(now), hash); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return id, nil
}

// EndSession deletes a session by its token's hash (auth.Identity.SessionHash); ending one
// that is already gone is not an error.
func EndSession(ctx context.Context, d *db.DB, tokenHash string) error {
	if _, err := d.Write.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
