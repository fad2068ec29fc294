// Package insight turns what the other capabilities record into the national picture, and
// joins it to official outcome data (the rough sleeping snapshot).
package insight

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

// Templates are the insight pages.
var Templates = web.TemplateSet{Name: "insight", FS: web.Sub(templates, "templates")}

// Migrations create the insight tables.
var Migrations = []db.Migration{}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the insight pages.
type Handlers struct {
	db  *db.DB
	opt Options
}

// New makes the handlers.
func New(d *db.DB, opt Options) *Handlers { return &Handlers{db: d, opt: opt} }

// Register adds the insight routes.
func (h *Handlers) Register(rt *web.Router) {}

// LoadDemo adds this capability's demonstration data. internal/demo calls it once, on an
// empty database, after the council register, the organisations and the demo people.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return nil }
