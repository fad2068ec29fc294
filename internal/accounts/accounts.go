// Package accounts holds people, their roles in organisations, and signing in: by email and
// password, or by a one-time code for people with no email or phone.
package accounts

import (
	"embed"
	"log/slog"
	"net/http"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the accounts pages.
var Templates = web.TemplateSet{Name: "accounts", FS: web.Sub(templates, "templates")}

// Options configure the service.
type Options struct {
	SecureCookies bool
	Now           func() time.Time
	Log           *slog.Logger
}

// Service holds people and sessions.
type Service struct {
	db  *db.DB
	opt Options
}

// New makes the service.
func New(d *db.DB, opt Options) *Service { return &Service{db: d, opt: opt} }

// Register adds the accounts routes.
func (s *Service) Register(rt *web.Router) {}

// Middleware loads the signed-in person from the session cookie.
func (s *Service) Middleware(next http.Handler) http.Handler { return next }
