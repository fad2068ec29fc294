// Package standards holds the co-production standards that people with lived experience draft
// together, decide by consent and publish as numbered versions, and councils' adoption of and
// self-assessment against them.
package standards

import (
	"embed"
	"log/slog"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the standards pages.
var Templates = web.TemplateSet{Name: "standards", FS: web.Sub(templates, "templates")}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the standards pages.
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
