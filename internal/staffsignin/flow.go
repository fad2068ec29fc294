package staffsignin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"roundtable/internal/accounts"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// startLifetime is how long a person has at their provider before the sign-in must start
// again.
const startLifetime = 10 * time.Minute

// stateCookie ties the provider's answer to the browser that started the sign-in.
const stateCookie = "roundtable_signin_state"

// ChooseView lists the providers.
type ChooseView struct {
	web.Page
	Providers []Provider
	Next      string
}

func (s *Service) choose(w http.ResponseWriter, r *http.Request) error {
	return s.render.Render(w, r, http.StatusOK, "staffsignin/choose", &ChooseView{Page: web.Page{Title: "Sign in with your organisation's account", Back: "/sign-in"},
		Providers: s.opt.Providers, Next: web.SafeNext(r.URL.Query().Get("next"), "")})
}

// RefusedView says why a sign-in was refused and what to do.
type RefusedView struct {
	web.Page
	Reason string
	Advice string
}

// refusal is a sign-in the service will not complete; it is audited and shown to the person.
type refusal struct {
	provider, why, reason, advice string
}

func (e *refusal) Error() string { return "sign-in refused: " + e.why }

func refuse(provider, why, reason, advice string) error {
	return &refusal{provider: provider, why: why, reason: reason, advice: advice}
}

const startAgain = "Go back to the sign-in page and start again."

// showRefusal records the refusal and shows its page.
func (s *Service) showRefusal(w http.ResponseWriter, r *http.Request, f *refusal) error {
	s.opt.Log.Info("provider sign-in refused", "provider", f.provider, "why", f.why)
	err := s.db.Tx(r.Context(), func(tx *sql.Tx) error {
		return audit.Record(r.Context(), tx, audit.Entry{Action: "staff_signin.refused", Subject: "provider:" + f.provider,
			After: map[string]any{"why": f.why}, At: s.opt.Now()})
	})
	if err != nil {
		return err
	}
	return s.render.Render(w, r, http.StatusForbidden, "staffsignin/refused", &RefusedView{Page: web.Page{Title: "You could not be signed in"},
		Reason: f.reason, Advice: f.advice})
}

func (s *Service) start(w http.ResponseWriter, r *http.Request) error {
	return s.begin(w, r, 0)
}

func (s *Service) startLink(w http.ResponseWriter, r *http.Request) error {
	id := auth.From(r.Context())
	if id.Has(auth.Member) {
		return errs.New(errs.Forbidden, "Members sign in with their password or passphrase, not an organisation account.")
	}
	return s.begin(w, r, id.PersonID)
}

// begin sends the person to their provider, with a fresh state, nonce and PKCE verifier.
func (s *Service) begin(w http.ResponseWriter, r *http.Request, linkPerson int64) error {
	p, ok := s.provider(r.PathValue("provider"))
	if !ok {
		return errs.New(errs.NotFound, "No such sign-in provider.")
	}
	c, err := s.client(r.Context(), p)
	if err != nil {
		return err
	}
	state, nonce, verifier := auth.NewToken(), auth.NewToken(), oauth2.GenerateVerifier()
	now := s.opt.Now()
	var link any
	if linkPerson != 0 {
		link = linkPerson
	}
	err = s.db.Tx(r.Context(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(r.Context(), "DELETE FROM staff_signin_starts WHERE created_at < $1", utc(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		_, err := tx.ExecContext(r.Context(), `INSERT INTO staff_signin_starts (state_hash, provider, nonce, verifier, link_person_id, next, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, auth.HashToken(state), p.ID, nonce, verifier, link, web.SafeNext(r.FormValue("next"), ""), utc(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("start provider sign-in: %w", err)
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/sign-in/organisation/", HttpOnly: true,
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(startLifetime / time.Second)})
	http.Redirect(w, r, c.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
	return nil
}

// claims are what Roundtable reads from the ID token and the userinfo endpoint.
type claims struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	Name          string `json:"name"`
}

func (s *Service) callback(w http.ResponseWriter, r *http.Request) error {
	err := s.finish(w, r)
	var f *refusal
	if errors.As(err, &f) {
		return s.showRefusal(w, r, f)
	}
	return err
}

func (s *Service) finish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, ok := s.provider(r.PathValue("provider"))
	if !ok {
		return errs.New(errs.NotFound, "No such sign-in provider.")
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/sign-in/organisation/", HttpOnly: true,
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return refuse(p.ID, "provider answered "+e, p.Name+" did not confirm who you are.", startAgain)
	}
	state := q.Get("state")
	if c, err := r.Cookie(stateCookie); err != nil || state == "" || c.Value != state {
		return refuse(p.ID, "state does not match this browser", "This sign-in was not started in this browser, or it has already been used.", startAgain)
	}
	now := s.opt.Now()
	var nonce, verifier, next string
	var linkPerson sql.NullInt64
	err := s.db.Write.QueryRowContext(ctx, `UPDATE staff_signin_starts SET used_at = $1
		WHERE state_hash = $2 AND provider = $3 AND used_at IS NULL AND created_at > $4
		RETURNING nonce, verifier, link_person_id, next`, utc(now), auth.HashToken(state), p.ID, utc(now.Add(-startLifetime))).
		Scan(&nonce, &verifier, &linkPerson, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return refuse(p.ID, "state used before or expired", "This sign-in has already been used, or took too long.", startAgain)
	}
	if err != nil {
		return fmt.Errorf("find provider sign-in: %w", err)
	}
	c, err := s.client(ctx, p)
	if err != nil {
		return err
	}
	tok, err := c.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return refuse(p.ID, "code refused: "+err.Error(), p.Name+" did not confirm this sign-in. The link may have been used already.", startAgain)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return refuse(p.ID, "no ID token", p.Name+" did not say who you are.", startAgain)
	}
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return refuse(p.ID, "ID token refused: "+err.Error(), "What "+p.Name+" sent could not be checked, so you have not been signed in.", startAgain)
	}
	if idt.Nonce != nonce {
		return refuse(p.ID, "nonce does not match", "What "+p.Name+" sent was not for this sign-in, so you have not been signed in.", startAgain)
	}
	var cl claims
	if err := idt.Claims(&cl); err != nil {
		return refuse(p.ID, "ID token claims unreadable", "What "+p.Name+" sent could not be read.", startAgain)
	}
	if cl.Email == "" {
		if ui, err := c.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == idt.Subject {
			_ = ui.Claims(&cl)
		}
	}
	verified := cl.EmailVerified != nil && *cl.EmailVerified
	personID, first, err := s.personFor(ctx, p, idt.Subject, cl, verified, linkPerson.Int64, tok.RefreshToken, now)
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, personID, p.ID, raw); err != nil {
		return err
	}
	if first != "" {
		web.SetFlash(w, first)
	}
	var grants int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM memberships WHERE person_id = $1", personID).Scan(&grants); err != nil {
		return err
	}
	if grants == 0 {
		return web.Redirect(w, r, "/account/organisation-account")
	}
	return web.Redirect(w, r, web.SafeNext(next, "/account"))
}

// personFor finds the person linked to the provider's subject, links the signed-in person who
// started a link, or creates a person; it returns a message for a first sign-in.
func (s *Service) personFor(ctx context.Context, p Provider, subject string, cl claims, verified bool, linkPerson int64,
	refreshToken string, now time.Time) (int64, string, error) {
	var personID int64
	var disabled bool
	err := s.db.Read.QueryRowContext(ctx, `SELECT p.id, p.disabled_at IS NOT NULL FROM staff_identities i JOIN people p ON p.id = i.person_id
		WHERE i.provider = $1 AND i.subject = $2`, p.ID, subject).Scan(&personID, &disabled)
	switch {
	case err == nil:
		if disabled {
			return 0, "", refuse(p.ID, fmt.Sprintf("person %d is disabled", personID), "Your Roundtable account has been switched off.", askFor(p))
		}
		if linkPerson != 0 && linkPerson != personID {
			return 0, "", refuse(p.ID, "provider account linked to another person", "This "+p.Name+" account is already linked to another Roundtable account.", askFor(p))
		}
		if err := s.isNotMember(ctx, p, personID); err != nil {
			return 0, "", err
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			if refreshToken != "" {
				if _, err := tx.ExecContext(ctx, "UPDATE staff_identities SET refresh_token = $1 WHERE provider = $2 AND subject = $3", refreshToken, p.ID, subject); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "UPDATE staff_identities SET checked_at = $1, email = $2 WHERE provider = $3 AND subject = $4",
				utc(now), strings.ToLower(cl.Email), p.ID, subject); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{ActorID: personID, ActorName: nameOf(ctx, tx, personID), Action: "staff_signin.signed_in",
				Subject: fmt.Sprintf("person:%d", personID), After: map[string]any{"provider": p.ID}, At: now})
		})
		return personID, "", err
	case !errors.Is(err, sql.ErrNoRows):
		return 0, "", fmt.Errorf("find provider account: %w", err)
	}

	if linkPerson != 0 {
		if err := s.isNotMember(ctx, p, linkPerson); err != nil {
			return 0, "", err
		}
		if err := s.link(ctx, p, linkPerson, subject, cl.Email, refreshToken, now); err != nil {
			return 0, "", err
		}
		return linkPerson, "Your " + p.Name + " account is linked. Next time, sign in with it.", nil
	}

	// A new person: only for a verified address the provider vouches for, and never by
	// taking over an account that has the same email.
	if cl.Email == "" || !verified || !p.vouchesFor(cl.Email) {
		return 0, "", refuse(p.ID, "email not verified or outside the provider's domains", p.Name+" did not confirm an email address at your organisation.", askFor(p))
	}
	email := strings.ToLower(cl.Email)
	var existing int64
	err = s.db.Read.QueryRowContext(ctx, "SELECT id FROM people WHERE login = $1 OR email = $1", email).Scan(&existing)
	if err == nil {
		return 0, "", refuse(p.ID, fmt.Sprintf("email belongs to person %d, not linked", existing),
			"There is already a Roundtable account for "+email+".",
			"Sign in with its password first, then choose \"Link your organisation's account\" on your account page. After that you can sign in with "+p.Name+".")
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, "", err
	}
	np := accounts.NewPerson{DisplayName: cl.Name, Login: email, Email: email}
	if np.DisplayName == "" {
		np.DisplayName = email[:strings.IndexByte(email, '@')]
	}
	if p.Role != "" {
		var orgID int64
		if err := s.db.Read.QueryRowContext(ctx, "SELECT id FROM organisations WHERE slug = $1", p.Organisation).Scan(&orgID); err != nil {
			return 0, "", fmt.Errorf("organisation %q of sign-in provider %s: %w", p.Organisation, p.ID, err)
		}
		np.Grants = []auth.Grant{{Role: p.Role, OrganisationID: orgID}}
	}
	// CreatePerson is its own transaction; if linking then fails (the same subject signing in
	// twice at once), the person is left without a provider account and a retry links the
	// one that won.
	personID, err = accounts.CreatePerson(ctx, s.db, np, 0)
	if err != nil {
		return 0, "", err
	}
	if err := s.link(ctx, p, personID, subject, email, refreshToken, now); err != nil {
		return 0, "", err
	}
	return personID, "Welcome to Roundtable. You signed in with your " + p.Name + " account.", nil
}

func askFor(p Provider) string {
	if p.Ask != "" {
		return "Ask " + p.Ask + "."
	}
	return "Ask your organisation's Roundtable lead or a Roundtable administrator."
}

// isNotMember refuses a person who holds the member role: members never use an organisation
// account.
func (s *Service) isNotMember(ctx context.Context, p Provider, personID int64) error {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM memberships WHERE person_id = $1 AND role = $2", personID, string(auth.Member)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return refuse(p.ID, fmt.Sprintf("person %d is a member", personID), "Members sign in with their password or passphrase, not an organisation account.",
			"Go back to the sign-in page and use your password or passphrase, or your sign-in code.")
	}
	return nil
}

func (s *Service) link(ctx context.Context, p Provider, personID int64, subject, email, refreshToken string, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM staff_identities WHERE person_id = $1 AND provider = $2", personID, p.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return refuse(p.ID, "person already linked to another account at this provider", "Your Roundtable account is already linked to another "+p.Name+" account.", askFor(p))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_identities (person_id, provider, subject, email, refresh_token, linked_at, checked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, personID, p.ID, subject, strings.ToLower(email), refreshToken, utc(now)); err != nil {
			return fmt.Errorf("link provider account: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: personID, ActorName: nameOf(ctx, tx, personID), Action: "staff_identity.linked",
			Subject: fmt.Sprintf("person:%d", personID), After: map[string]any{"provider": p.ID}, At: now})
	})
}

// startSession signs the person in with a new session, ending any the browser had.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, personID int64, provider, idToken string) error {
	name := accounts.SessionCookieName(s.opt.SecureCookies)
	if c, err := r.Cookie(name); err == nil && c.Value != "" {
		if err := accounts.EndSession(r.Context(), s.db, auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	token, err := accounts.StartSession(r.Context(), s.db, personID, s.opt.Now())
	if err != nil {
		return err
	}
	if _, err := s.db.Write.ExecContext(r.Context(), "INSERT INTO staff_sessions (token_hash, provider, id_token) VALUES ($1, $2, $3)",
		auth.HashToken(token), provider, idToken); err != nil {
		return fmt.Errorf("record provider session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: s.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(accounts.SessionLifetime / time.Second)})
	return nil
}

// nameOf is the person's display name, for the audit record of what they did.
func nameOf(ctx context.Context, tx *sql.Tx, personID int64) string {
	var name string
	if err := tx.QueryRowContext(ctx, "SELECT display_name FROM people WHERE id = $1", personID).Scan(&name); err != nil {
		return fmt.Sprintf("person %d", personID)
	}
	return name
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
