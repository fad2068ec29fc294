// Package payments pays people with lived experience for their time: organisations' rates,
// claims created from attendance, payment choices that respect benefits, the finance export,
// and the record of who was at the table and whether they were heard.
package payments

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the payments pages.
var Templates = web.TemplateSet{Name: "payments", FS: web.Sub(templates, "templates")}

// Migrations create the payments tables.
var Migrations = []db.Migration{}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the payments pages.
type Handlers struct {
	db  *db.DB
	opt Options
}

// New makes the handlers.
func New(d *db.DB, opt Options) *Handlers {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Handlers{db: d, opt: opt}
}

// Register adds the payments routes.
func (h *Handlers) Register(rt *web.Router) {}

// LoadDemo adds the demonstration data.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return nil }
