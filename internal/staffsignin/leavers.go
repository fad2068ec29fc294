package staffsignin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"roundtable/internal/accounts"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// Middleware checks again, at least every Options.RecheckEvery, that a signed-in person's
// provider accounts are still active, with their refresh tokens. When a provider refuses (the
// account is disabled or deleted: a leaver), the person is switched off, which ends their
// sessions, and the request is served as to a visitor. A provider that cannot be reached is
// logged and asked again on the next request.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := auth.From(r.Context())
		if id == nil || len(s.opt.Providers) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		active, err := s.StillActive(r.Context(), id.PersonID)
		if err != nil {
			s.opt.Log.Warn("check provider account", "person", id.PersonID, "err", err)
		}
		if err == nil && !active {
			http.SetCookie(w, &http.Cookie{Name: accounts.SessionCookieName(s.opt.SecureCookies), Value: "", Path: "/",
				HttpOnly: true, Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
			r = r.WithContext(auth.WithIdentity(r.Context(), nil))
		}
		next.ServeHTTP(w, r)
	})
}

type dueCheck struct {
	provider, subject, refreshToken string
}

// StillActive asks each provider whose check is due whether the person's account there is
// still active. It returns false, having switched the person off, when a provider refuses
// the refresh token, or when there is no refresh token to ask with (the person must then
// sign in with the provider again).
func (s *Service) StillActive(ctx context.Context, personID int64) (bool, error) {
	now := s.opt.Now()
	due, err := db.Collect(ctx, s.db.Read, func(sc db.Scanner) (dueCheck, error) {
		var c dueCheck
		return c, sc.Scan(&c.provider, &c.subject, &c.refreshToken)
	}, "SELECT provider, subject, refresh_token FROM staff_identities WHERE person_id = $1 AND checked_at <= $2",
		personID, utc(now.Add(-s.opt.RecheckEvery)))
	if err != nil || len(due) == 0 {
		return true, err
	}
	for _, d := range due {
		p, ok := s.provider(d.provider)
		if !ok {
			continue // a provider no longer configured cannot vouch, nor refuse
		}
		c, err := s.client(ctx, p)
		if err != nil {
			return true, err
		}
		why := ""
		var tok *oauth2.Token
		if d.refreshToken == "" {
			why = "no refresh token to check with"
		} else {
			tok, err = c.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: d.refreshToken}).Token()
			var re *oauth2.RetrieveError
			switch {
			case errors.As(err, &re):
				why = "provider refused the refresh token: " + strings.TrimSpace(re.ErrorCode)
			case err != nil:
				return true, fmt.Errorf("refresh at %s: %w", p.ID, err)
			}
		}
		if why != "" {
			if d.refreshToken == "" {
				// End the sessions only: signing in again checks the account.
				if _, err := s.db.Write.ExecContext(ctx, "DELETE FROM sessions WHERE person_id = $1", personID); err != nil {
					return true, err
				}
			} else if err := accounts.SetDisabled(ctx, s.db, personID, true, now); err != nil {
				return true, err
			}
			err := s.db.Tx(ctx, func(tx *sql.Tx) error {
				return audit.Record(ctx, tx, audit.Entry{Action: "staff_signin.refused", Subject: fmt.Sprintf("person:%d", personID),
					After: map[string]any{"provider": p.ID, "why": why}, At: now})
			})
			return false, err
		}
		rt := d.refreshToken
		if tok.RefreshToken != "" {
			rt = tok.RefreshToken
		}
		if _, err := s.db.Write.ExecContext(ctx, "UPDATE staff_identities SET checked_at = $1, refresh_token = $2 WHERE provider = $3 AND subject = $4",
			utc(now), rt, p.ID, d.subject); err != nil {
			return true, err
		}
	}
	return true, nil
}
