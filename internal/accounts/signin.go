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

// Throttling: after this many failed sign-ins for one name, or from one address, within the
// window, further tries are refused until the window has passed. The limit per address is
// higher because a day centre or a council office may share one.
const (
	ThrottleWindow        = 15 * time.Minute
	MaxFailuresPerLogin   = 5
	MaxFailuresPerAddress = 50
)

// SignInFailedMessage is the one answer to a failed sign-in: it is the same whether the account
// exists, the password was wrong or tries are being refused, so it reveals nothing.
const SignInFailedMessage = "Enter a correct email address or sign-in name and password. After 5 wrong tries you must wait 15 minutes."

func signInFailed() error { return fieldError(errs.Invalid, "login", SignInFailedMessage) }

// Authenticate checks a login and password and returns the person's id. Unknown accounts,
// wrong passwords, disabled people, people who have not yet chosen a passphrase and throttled
// tries all get the same error, after the same work.
func Authenticate(ctx context.Context, d *db.DB, login, password, clientAddr string, now time.Time) (int64, error) {
	login = normaliseLogin(login)
	if throttled, err := isThrottled(ctx, d, login, clientAddr, now); err != nil {
		return 0, err
	} else if throttled {
		auth.CheckNothing(password)
		return 0, signInFailed()
	}
	var id int64
	var hash string
	var disabled bool
	err := d.Read.QueryRowContext(ctx, "SELECT id, password_hash, disabled_at IS NOT NULL FROM people WHERE login = $1", login).
		Scan(&id, &hash, &disabled)
	ok := false
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && hash == "":
		auth.CheckNothing(password) // spend the same time as a real check
	case err != nil:
		return 0, fmt.Errorf("find account: %w", err)
	default:
		if ok, err = auth.CheckPassword(hash, password); err != nil {
			return 0, fmt.Errorf("check password of person %d: %w", id, err)
		}
	}
	if !ok || disabled {
		if err := recordFailure(ctx, d, now, loginSubject(login), addressSubject(clientAddr)); err != nil {
			return 0, err
		}
		return 0, signInFailed()
	}
	// A right password forgives the name's earlier mistakes, not the address's.
	if _, err := d.Write.ExecContext(ctx, "DELETE FROM signin_failures WHERE subject = $1", loginSubject(login)); err != nil {
		return 0, fmt.Errorf("clear failures: %w", err)
	}
	return id, nil
}

func loginSubject(login string) string {
	if len(login) > 254 {
		login = login[:254]
	}
	return "login:" + login
}

func addressSubject(addr string) string { return "addr:" + addr }

// isThrottled reports whether the name or the address has used up its tries in the window.
func isThrottled(ctx context.Context, d *db.DB, login, clientAddr string, now time.Time) (bool, error) {
	since := utc(now.Add(-ThrottleWindow))
	for _, c := range []struct {
		subject string
		limit   int
	}{{loginSubject(login), MaxFailuresPerLogin}, {addressSubject(clientAddr), MaxFailuresPerAddress}} {
		if c.subject == "login:" {
			continue
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM signin_failures WHERE subject = $1 AND at > $2",
			c.subject, since).Scan(&n); err != nil {
			return false, fmt.Errorf("count failures: %w", err)
		}
		if n >= c.limit {
			return true, nil
		}
	}
	return false, nil
}

// recordFailure notes a failed try against each subject, and forgets failures older than the
// window so the table stays small.
func recordFailure(ctx context.Context, d *db.DB, now time.Time, subjects ...string) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM signin_failures WHERE at <= $1", utc(now.Add(-ThrottleWindow))); err != nil {
			return err
		}
		for _, s := range subjects {
			if s == "login:" {
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO signin_failures (subject, at) VALUES ($1, $2)", s, utc(now)); err != nil {
				return fmt.Errorf("record failure: %w", err)
			}
		}
		return nil
	})
}

// ChangePassword sets a new password after checking the current one. Wrong current passwords
// count towards throttling like failed sign-ins. Every other session of the person ends, so a
// changed password locks out whoever else knew the old one; keepSessionHash stays.
func ChangePassword(ctx context.Context, d *db.DB, personID int64, current, next, keepSessionHash, clientAddr string, now time.Time) error {
	var v errs.Validation
	v.Check(current != "", "current", "Enter your current password or passphrase")
	checkNewPassword(&v, "password", next)
	if err := v.Err(); err != nil {
		return err
	}
	var login, hash string
	if err := d.Read.QueryRowContext(ctx, "SELECT login, password_hash FROM people WHERE id = $1", personID).
		Scan(&login, &hash); errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "No such person.")
	} else if err != nil {
		return err
	}
	wrong := fieldError(errs.Invalid, "current", "Your current password or passphrase is not right. After 5 wrong tries you must wait 15 minutes.")
	throttled, err := isThrottled(ctx, d, login, clientAddr, now)
	if err != nil {
		return err
	}
	ok := false
	if hash == "" || throttled {
		auth.CheckNothing(current)
	} else if ok, err = auth.CheckPassword(hash, current); err != nil {
		return err
	}
	if !ok {
		if err := recordFailure(ctx, d, now, loginSubject(login), addressSubject(clientAddr)); err != nil {
			return err
		}
		return wrong
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE people SET password_hash = $1 WHERE id = $2", newHash, personID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2", personID, keepSessionHash)
		return err
	})
}
