// Package evaluation runs peer evaluation of councils' co-production by trained
// lived-experience researchers, independent assessment, findings and action plans, and the
// training recommended where ratings are low.
package evaluation

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

// Templates are the evaluation pages.
var Templates = web.TemplateSet{Name: "evaluation", FS: web.Sub(templates, "templates")}

// Migrations create the evaluation tables.
var Migrations = []db.Migration{}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the evaluation pages.
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

// Register adds the evaluation routes.
func (h *Handlers) Register(rt *web.Router) {}

// LoadDemo adds the demonstration data.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return nil }
