// Package directory holds the councils of England (from the UK local authority register), the
// regions and the partner organisations, with their public pages.
package directory

import (
	"embed"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the directory's pages.
var Templates = web.TemplateSet{Name: "directory", FS: web.Sub(templates, "templates")}

// Handlers serve the directory's pages.
type Handlers struct {
	db *db.DB
}

// New makes the directory's handlers.
func New(d *db.DB) *Handlers { return &Handlers{db: d} }

// Register adds the directory's routes.
func (h *Handlers) Register(rt *web.Router) {}

// ImportResult counts what an import of the register did.
type ImportResult struct {
	Current, Past, Added, Updated int
}
