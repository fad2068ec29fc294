// Package accounts holds people, their roles in organisations, and signing in: by email and
// password, or by a one-time code for people with no email or phone.
//
// The store functions (CreatePerson, Authenticate, StartSession, IssueSignInCode ...) take the
// database and, where they read other people's accounts, a Scope. The Service adds the pages
// and the middleware that loads the signed-in person from their session cookie.
package accounts

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the accounts pages.
var Templates = web.TemplateSet{Name: "accounts", FS: web.Sub(templates, "templates")}

// Options configure the service.
type Options struct {
	// SecureCookies marks the session cookie Secure (and names it with the __Host- prefix);
	// set it when the site is served over TLS.
	SecureCookies bool
	// Now is the clock; tests pass their own.
	Now func() time.Time
	Log *slog.Logger
	// PasswordRefused, when set, is asked after a right password whether the person must sign
	// in with their organisation's account instead (internal/staffsignin).
	PasswordRefused func(ctx context.Context, personID int64) (bool, error)
	// SignOutAt, when set, names where to send a person signing out of a session, such as
	// their provider's end-session address; "" for the home page.
	SignOutAt func(ctx context.Context, sessionHash string) string
	// Texter, when set, lets a facilitator text a sign-in code to a member's mobile.
	Texter notify.Texter
}

// Service holds people and sessions.
type Service struct {
	db     *db.DB
	opt    Options
	render *web.Renderer
}

// New makes the service.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{db: d, opt: opt}
}

// SessionCookieName is the name of the session cookie: with the __Host- prefix when it is
// Secure, so no other site on the domain can set it.
func SessionCookieName(secure bool) string {
	if secure {
		return "__Host-roundtable_session"
	}
	return "roundtable_session"
}

// Register adds the accounts routes.
func (s *Service) Register(rt *web.Router) {
	s.render = rt.Renderer()
	rt.Handle("GET /sign-in", web.Public, s.signInForm)
	rt.Handle("POST /sign-in", web.Public, s.signIn)
	rt.Handle("GET /sign-in/code", web.Public, s.codeForm)
	rt.Handle("POST /sign-in/code", web.Public, s.checkCode)
	rt.Handle("POST /sign-in/code/passphrase", web.Public, s.redeemCode)
	// Public, so that signing out of a session that has already ended still clears the cookie.
	rt.Handle("POST /sign-out", web.Public, s.signOut)

	rt.Handle("GET /account", web.SignedIn, s.account)
	rt.Handle("GET /account/name", web.SignedIn, s.nameForm)
	rt.Handle("POST /account/name", web.SignedIn, s.setName)
	rt.Handle("GET /account/password", web.SignedIn, s.passwordForm)
	rt.Handle("POST /account/password", web.SignedIn, s.changePassword)
	rt.Handle("GET /account/contact", web.SignedIn, s.contactPage)
	rt.Handle("POST /account/contact", web.SignedIn, s.setContact)
	rt.Handle("POST /account/contact/remove-mobile", web.SignedIn, s.removeMobile)

	// Administrators manage everyone; facilitators the people in the organisations they
	// facilitate. The handlers check the finer rule against the person or organisation named.
	managers := web.Roles(auth.Admin, auth.Facilitator)
	rt.Handle("GET /people", managers, s.people)
	rt.Handle("GET /people/new", managers, s.newPersonForm)
	rt.Handle("POST /people/new", managers, s.createPerson)
	rt.Handle("GET /people/{id}", managers, s.person)
	rt.Handle("POST /people/{id}/code", managers, s.issueCode)
	rt.Handle("POST /people/{id}/code/text", managers, s.textCode)
	rt.Handle("POST /people/{id}/access", managers, s.setAccess)
	rt.Handle("GET /people/{id}/contact", managers, s.contactPage)
	rt.Handle("POST /people/{id}/contact", managers, s.setContact)
	rt.Handle("POST /people/{id}/contact/remove-mobile", managers, s.removeMobile)
}

// Middleware loads the signed-in person from the session cookie into the request context.
// A session that has ended is ignored and its cookie cleared.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookieName(s.opt.SecureCookies))
		if err != nil || c.Value == "" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		id, err := LoadSession(r.Context(), s.db, c.Value, s.opt.Now())
		switch {
		case err == nil:
			r = r.WithContext(auth.WithIdentity(r.Context(), id))
		case errs.Is(err, errs.NotFound):
			s.clearSessionCookie(w)
		default:
			// Serve the page as to a visitor; the log says why.
			s.opt.Log.Error("load session", "err", err)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Service) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookieName(s.opt.SecureCookies), Value: token, Path: "/",
		HttpOnly: true, Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode,
		MaxAge: int(SessionLifetime / time.Second)})
}

func (s *Service) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookieName(s.opt.SecureCookies), Value: "", Path: "/",
		HttpOnly: true, Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// startSession signs the person in: any session the browser already had ends and a new token
// is issued, so a token planted before sign-in (session fixation) is worthless.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, personID int64) error {
	if c, err := r.Cookie(SessionCookieName(s.opt.SecureCookies)); err == nil && c.Value != "" {
		if err := EndSession(r.Context(), s.db, auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	token, err := StartSession(r.Context(), s.db, personID, s.opt.Now())
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token)
	return nil
}

// clientAddress is the address throttling counts failures against: the client's, worked out
// once per request behind any trusted proxy.
func clientAddress(r *http.Request) string { return web.ClientAddr(r) }
