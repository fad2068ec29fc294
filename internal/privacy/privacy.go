// Package privacy serves a person's rights over their data: "Download my data" (a zip with
// data.json and one CSV per table, from every capability's personaldata.Source) and "Delete
// my account" (one transaction across every source, the audit log redacted, signed out
// everywhere). It also runs the retention job and serves the audit browser for the funder and
// administrators.
//
// Only the person themself can download or erase their data: the routes take no person id,
// so nobody, an administrator included, can ask for someone else's. A request to erase or
// export for someone who cannot use the site goes through an administrator signing them in
// with a sign-in code, so the person is present.
package privacy

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/jobs"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the privacy and audit pages.
var Templates = web.TemplateSet{Name: "privacy", FS: web.Sub(templates, "templates")}

// Migrations: privacy keeps no tables of its own.
var Migrations = []db.Migration{}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// Sources are every capability's personal data, in the order the download lists them.
	Sources []personaldata.Source
	// SecureCookies must match the accounts service's, to clear the right session cookie.
	SecureCookies bool
}

// Handlers serve the privacy and audit pages.
type Handlers struct {
	db     *db.DB
	opt    Options
	render *web.Renderer
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

// Register adds the routes.
func (h *Handlers) Register(rt *web.Router) {
	h.render = rt.Renderer()
	rt.Handle("GET /account/data", web.SignedIn, h.dataPage)
	rt.Handle("GET /account/data/download", web.SignedIn, h.download)
	rt.Handle("GET /account/delete", web.SignedIn, h.deleteForm)
	rt.Handle("POST /account/delete", web.SignedIn, h.deleteAccount)
	rt.Handle("GET /account/deleted", web.Public, h.deleted)

	auditors := web.Roles(auth.Funder, auth.Admin)
	rt.Handle("GET /audit", auditors, h.auditList)
	rt.Handle("GET /audit/{id}", auditors, h.auditRecord)
}

// RetentionEvery runs the retention job now and then every interval until ctx ends, logging
// what each source deleted. The server runs it hourly; with several servers, only the one
// holding the job's lease (holder names it) runs it each hour.
func RetentionEvery(ctx context.Context, d *db.DB, sources []personaldata.Source, interval time.Duration, now func() time.Time, log *slog.Logger, holder string) {
	jobs.Every(ctx, d, "retention", holder, interval, now, log, func(ctx context.Context) error {
		results, err := personaldata.Expire(ctx, d, sources, now())
		for _, r := range results {
			if r.Deleted > 0 {
				log.Info("retention: deleted expired data", "source", r.Source, "deleted", r.Deleted)
			}
		}
		return err
	})
}
