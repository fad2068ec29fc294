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

// CodeLifetime is how long a sign-in code works, if it is not used first.
const CodeLifetime = 7 * 24 * time.Hour

// CodeFailedMessage is the one answer to a code that does not work, whether it never existed,
// was used, was replaced or ran out.
const CodeFailedMessage = "That sign-in code does not work. A code works only once, for 7 days. Ask the person who gave it to you for a new one."

func codeFailed() error { return fieldError(errs.Invalid, "code", CodeFailedMessage) }

// IssueSignInCode makes a one-time sign-in code for a person and returns it; only its hash is
// kept, so it can be shown once only. Any earlier unused code of theirs stops working.
func IssueSignInCode(ctx context.Context, d *db.DB, personID, issuedBy int64, now time.Time) (string, error) {
	code := auth.NewSignInCode()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM people WHERE id = $1", personID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.New(errs.NotFound, "No such person.")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE signin_codes SET voided_at = $1 WHERE person_id = $2 AND used_at IS NULL AND voided_at IS NULL",
			utc(now), personID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signin_codes (code_hash, person_id, issued_by, issued_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, auth.HashToken(code), personID, nullID(issuedBy), utc(now), utc(now.Add(CodeLifetime))); err != nil {
			return err
		}
		return record(ctx, tx, "signin_code.issued", personID, nil, map[string]any{"expires_at": utc(now.Add(CodeLifetime))})
	})
	if err != nil {
		return "", fmt.Errorf("issue sign-in code: %w", err)
	}
	return code, nil
}

// CodeHolder is the person a working sign-in code belongs to.
type CodeHolder struct {
	PersonID    int64
	DisplayName string
	Login       string
}

// CheckSignInCode says whose a code is, without using it up, so the person can see their
// sign-in name before choosing a passphrase. Wrong codes count towards the address's
// throttling.
func CheckSignInCode(ctx context.Context, d *db.DB, code, clientAddr string, now time.Time) (CodeHolder, error) {
	var h CodeHolder
	if throttled, err := isThrottled(ctx, d, "", clientAddr, now); err != nil {
		return h, err
	} else if throttled {
		return h, codeFailed()
	}
	err := d.Read.QueryRowContext(ctx, `SELECT p.id, p.display_name, p.login
		FROM signin_codes c JOIN people p ON p.id = c.person_id
		WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.voided_at IS NULL AND c.expires_at > $2 AND p.disabled_at IS NULL`,
		auth.HashToken(auth.NormaliseSignInCode(code)), utc(now)).Scan(&h.PersonID, &h.DisplayName, &h.Login)
	if errors.Is(err, sql.ErrNoRows) {
		if err := recordFailure(ctx, d, now, addressSubject(clientAddr)); err != nil {
			return h, err
		}
		return h, codeFailed()
	}
	if err != nil {
		return h, fmt.Errorf("check sign-in code: %w", err)
	}
	return h, nil
}

// RedeemSignInCode uses a code up and sets the person's passphrase, in one transaction: the
// code is marked used only if it was still unused, so of two requests racing with one code,
// exactly one wins. Every session the person had ends. It returns the person's id.
func RedeemSignInCode(ctx context.Context, d *db.DB, code, passphrase, clientAddr string, now time.Time) (int64, error) {
	var v errs.Validation
	checkNewPassword(&v, "password", passphrase)
	if err := v.Err(); err != nil {
		return 0, err
	}
	if throttled, err := isThrottled(ctx, d, "", clientAddr, now); err != nil {
		return 0, err
	} else if throttled {
		return 0, codeFailed()
	}
	// Hash before the transaction: argon2 is slow, and the write lock should not wait on it.
	hash, err := auth.HashPassword(passphrase)
	if err != nil {
		return 0, err
	}
	var personID int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE signin_codes SET used_at = $1
			WHERE code_hash = $2 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $1
			AND person_id IN (SELECT id FROM people WHERE disabled_at IS NULL)
			RETURNING person_id`, utc(now), auth.HashToken(auth.NormaliseSignInCode(code))).Scan(&personID)
		if errors.Is(err, sql.ErrNoRows) {
			return codeFailed()
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE people SET password_hash = $1 WHERE id = $2", hash, personID); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE person_id = $1", personID); err != nil {
			return err
		}
		return record(ctx, tx, "signin_code.used", personID, nil, map[string]any{"passphrase_set": true})
	})
	if errs.Is(err, errs.Invalid) {
		if ferr := recordFailure(ctx, d, now, addressSubject(clientAddr)); ferr != nil {
			return 0, ferr
		}
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("redeem sign-in code: %w", err)
	}
	return personID, nil
}

// CodeStatus describes the latest sign-in code issued to a person, for their page.
type CodeStatus struct {
	IssuedAt  time.Time
	ExpiresAt time.Time
	Used      bool
	IssuedBy  string
}

// Waiting reports whether the code can still be used.
func (c CodeStatus) Waiting(now time.Time) bool { return !c.Used && now.Before(c.ExpiresAt) }

// LatestCode returns the latest code issued to a person; NotFound when none was.
func LatestCode(ctx context.Context, d *db.DB, personID int64) (CodeStatus, error) {
	var c CodeStatus
	err := d.Read.QueryRowContext(ctx, `SELECT c.issued_at, c.expires_at, c.used_at IS NOT NULL, COALESCE(p.display_name, '')
		FROM signin_codes c LEFT JOIN people p ON p.id = c.issued_by
		WHERE c.person_id = $1 ORDER BY c.issued_at DESC LIMIT 1`, personID).Scan(&c.IssuedAt, &c.ExpiresAt, &c.Used, &c.IssuedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.New(errs.NotFound, "No sign-in code was issued.")
	}
	if err != nil {
		return c, fmt.Errorf("latest sign-in code: %w", err)
	}
	return c, nil
}
