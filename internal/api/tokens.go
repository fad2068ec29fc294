package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Scope is what a token may do.
type Scope struct {
	Code, Name, Description string
}

// ScopeImportOutcomes lets a token import the rough sleeping snapshot.
const ScopeImportOutcomes = "outcomes:import"

// Scopes lists every scope a token may be given.
var Scopes = []Scope{
	{ScopeImportOutcomes, "Import outcome data", "Replace the rough sleeping figures with a new snapshot, in either of the shapes it is published in."},
}

// Lifetimes are the choices of how long a new token lasts, in days.
var Lifetimes = []int{30, 90, 365}

// tokenPrefix marks Roundtable's tokens, so that a leaked one is easy to recognise.
const tokenPrefix = "rt_"

// Token is an API token as the list shows it. Its secret is never stored.
type Token struct {
	ID         int64
	Name       string
	Scope      string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time // zero while not revoked
	LastUsedAt time.Time // zero while never used
	Uses       int
}

// Usable reports whether the token is neither revoked nor expired at now.
func (t Token) Usable(now time.Time) bool { return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt) }

// Status is the token's state in plain English.
func (t Token) Status(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "Revoked"
	case !now.Before(t.ExpiresAt):
		return "Expired"
	}
	return "Active"
}

// Subject names the token in the audit log.
func (t Token) Subject() string { return fmt.Sprintf("api-token:%d", t.ID) }

// NewToken is what an administrator fills in.
type NewToken struct {
	Name, Scope, Lifetime string
}

const maxTokenName = 100

func validateToken(n NewToken) (days int, err error) {
	var v errs.Validation
	switch {
	case strings.TrimSpace(n.Name) == "":
		v.Add("name", "Enter a name for the token, such as the system that will use it")
	case utf8.RuneCountInString(n.Name) > maxTokenName:
		v.Add("name", fmt.Sprintf("The name must be %d characters or fewer", maxTokenName))
	}
	ok := false
	for _, s := range Scopes {
		ok = ok || s.Code == n.Scope
	}
	v.Check(ok, "scope", "Choose what the token may do")
	for _, d := range Lifetimes {
		if fmt.Sprint(d) == n.Lifetime {
			days = d
		}
	}
	v.Check(days != 0, "lifetime", "Choose how long the token lasts")
	return days, v.Err()
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// CreateToken makes a token and returns it with its secret, which is shown once and then
// exists nowhere but with whoever copied it.
func CreateToken(ctx context.Context, d *db.DB, by *auth.Identity, n NewToken, now time.Time) (Token, string, error) {
	days, err := validateToken(n)
	if err != nil {
		return Token{}, "", err
	}
	secret := tokenPrefix + auth.NewToken()
	t := Token{Name: strings.TrimSpace(n.Name), Scope: n.Scope, CreatedAt: utc(now), ExpiresAt: utc(now.AddDate(0, 0, days))}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, scope, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, t.Name, t.Scope, auth.HashToken(secret), t.CreatedAt, t.ExpiresAt).Scan(&t.ID); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "api_token.created", Subject: t.Subject(),
			After: map[string]any{"name": t.Name, "scope": t.Scope, "expires_at": t.ExpiresAt}, At: now})
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

const tokenColumns = `id, name, scope, created_at, expires_at, revoked_at, last_used_at, uses FROM api_tokens`

func scanToken(s db.Scanner) (Token, error) {
	var t Token
	var revoked, used sql.NullTime
	err := s.Scan(&t.ID, &t.Name, &t.Scope, &t.CreatedAt, &t.ExpiresAt, &revoked, &used, &t.Uses)
	t.RevokedAt, t.LastUsedAt = revoked.Time, used.Time
	return t, err
}

// ListTokens lists every token, newest first.
func ListTokens(ctx context.Context, d *db.DB) ([]Token, error) {
	out, err := db.Collect(ctx, d.Read, scanToken, `SELECT `+tokenColumns+` ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// GetToken reads one token.
func GetToken(ctx context.Context, d *db.DB, id int64) (Token, error) {
	t, err := scanToken(d.Read.QueryRowContext(ctx, `SELECT `+tokenColumns+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.New(errs.NotFound, "There is no such token.")
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// RevokeToken stops a token working at once. Revoking a revoked token changes nothing.
func RevokeToken(ctx context.Context, d *db.DB, by *auth.Identity, id int64, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, utc(now), id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM api_tokens WHERE id = $1`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.NotFound, "There is no such token.")
			}
			return nil
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "api_token.revoked",
			Subject: fmt.Sprintf("api-token:%d", id), At: now})
	})
}

// tokenBySecret finds the token a bearer presents; not found when nobody issued it.
func tokenBySecret(ctx context.Context, d *db.DB, secret string) (Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return Token{}, errs.New(errs.NotFound, "unknown token")
	}
	t, err := scanToken(d.Read.QueryRowContext(ctx, `SELECT `+tokenColumns+` WHERE token_hash = $1`, auth.HashToken(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.New(errs.NotFound, "unknown token")
	}
	return t, err
}

// Use is one request made with a token, as the audit log keeps it.
type Use struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"` // the error's code, when refused
}

// recordUse puts a request made with the token in the audit log and, when the token was
// usable, marks it used, in one transaction.
func recordUse(ctx context.Context, d *db.DB, t Token, u Use, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if t.Usable(now) {
			if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1, uses = uses + 1 WHERE id = $2`, utc(now), t.ID); err != nil {
				return fmt.Errorf("mark token used: %w", err)
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorName: t.actorName(), Action: "api_token.used", Subject: t.Subject(), After: u, At: now})
	})
}

// actorName names the token where the audit log names who did something.
func (t Token) actorName() string { return fmt.Sprintf("API token %d (%s)", t.ID, t.Name) }

// limiter is a token bucket per API token: burst writes at once, then one every interval. The
// buckets are rows in the database, changed in one transaction per write (the row locked on
// PostgreSQL; SQLite has one writer), so the limit holds however many servers share it.
type limiter struct {
	db       *db.DB
	burst    int
	interval time.Duration
}

// allow takes one write from the token's bucket; when empty it says how long to wait.
func (l limiter) allow(ctx context.Context, id int64, now time.Time) (ok bool, wait time.Duration, err error) {
	const one = 1000 // a write, in the thousandths the bucket counts
	now = utc(now)
	lock := ""
	if l.db.Dialect == db.Postgres {
		lock = " FOR UPDATE"
	}
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_write_buckets (token_id, milli, at) VALUES ($1, $2, $3) ON CONFLICT (token_id) DO NOTHING`,
			id, l.burst*one, now); err != nil {
			return err
		}
		var milli int64
		var at time.Time
		if err := tx.QueryRowContext(ctx, `SELECT milli, at FROM api_write_buckets WHERE token_id = $1`+lock, id).Scan(&milli, &at); err != nil {
			return err
		}
		if now.After(at) {
			milli = min(int64(l.burst*one), milli+int64(now.Sub(at)*one/l.interval))
			at = now
		}
		if milli >= one {
			ok = true
			milli -= one
		} else {
			wait = time.Duration(one-milli) * l.interval / one
		}
		_, err := tx.ExecContext(ctx, `UPDATE api_write_buckets SET milli = $1, at = $2 WHERE token_id = $3`, milli, at, id)
		return err
	})
	return ok, wait, err
}
