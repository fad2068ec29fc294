// Package api is Roundtable's JSON API: public, read-only endpoints under /api/v1 for
// programmes, councils, standards, agreed ratings and rough sleeping figures (open data with
// no personal data, small counts shown as [c]), a write endpoint that imports the rough
// sleeping snapshot with a bearer token, the OpenAPI 3.1 document at /api/openapi.json that
// describes all of it, and the pages where an administrator makes and revokes tokens.
//
// The API reads through the other capabilities' exported read functions; it owns only its
// tokens.
package api

import (
	"embed"
	"log/slog"
	"net/http"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the API's pages.
var Templates = web.TemplateSet{Name: "api", FS: web.Sub(templates, "templates")}

// Migrations create the tokens table. Only a token's hash is kept: a stolen copy of the table
// writes nothing. Who made a token is in the audit log, not here, so the table holds no
// personal data.
var Migrations = []db.Migration{{
	Component: "api", Version: 1, Name: "API tokens",
	SQL: `
CREATE TABLE api_tokens (
	id {{id}},
	name TEXT NOT NULL,
	scope TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	revoked_at {{time}},
	last_used_at {{time}},
	uses BIGINT NOT NULL DEFAULT 0
);
`,
}, {
	Component: "api", Version: 2, Name: "write limits held in the database",
	// Safe under old code: a new table old servers do not read.
	SQL: `
-- Each token's bucket of writes, in thousandths of a write, as it stood at the time given;
-- kept here rather than in a server's memory so the limit holds across servers.
CREATE TABLE api_write_buckets (
	token_id BIGINT PRIMARY KEY REFERENCES api_tokens(id) ON DELETE CASCADE,
	milli BIGINT NOT NULL,
	at {{time}} NOT NULL
);
`,
}}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// SecureCookies marks the cookie that carries a new token to the page showing it once.
	SecureCookies bool
	// WriteBurst writes a token may make at once, and WriteEvery how often it earns another:
	// by default 5, then one every 12 seconds. An import replaces years of figures, so a
	// client has no reason to send many.
	WriteBurst int
	WriteEvery time.Duration
}

// Handlers serve the API and its pages.
type Handlers struct {
	db     *db.DB
	opt    Options
	limit  limiter
	render *web.Renderer // nil: the router's
}

// New makes the handlers.
func New(d *db.DB, opt Options) *Handlers {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.WriteBurst <= 0 {
		opt.WriteBurst = 5
	}
	if opt.WriteEvery <= 0 {
		opt.WriteEvery = 12 * time.Second
	}
	return &Handlers{db: d, opt: opt, limit: limiter{db: d, burst: opt.WriteBurst, interval: opt.WriteEvery}}
}

// Register adds the routes. The data endpoints and the document are public: they hold
// official statistics and published decisions only. The import checks its bearer token
// itself, so a client without a session can use it.
func (h *Handlers) Register(rt *web.Router) {
	rd := h.render
	if rd == nil {
		rd = rt.Renderer()
	}
	page := func(fn func(http.ResponseWriter, *http.Request, *web.Renderer) error) web.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return fn(w, r, rd) }
	}
	rt.Handle("GET /api", web.Public, page(h.index))
	rt.Handle("GET /api/openapi.json", web.Public, h.openAPI)
	rt.Cache("GET /api", pagecache.Page{MaxAge: 5 * time.Minute})
	rt.Cache("GET /api/openapi.json", pagecache.Page{MaxAge: 5 * time.Minute})
	rt.Handle("GET /api/tokens", web.Roles(auth.Admin), page(h.tokens))
	rt.Handle("GET /api/tokens/new", web.Roles(auth.Admin), page(h.newTokenForm))
	rt.Handle("POST /api/tokens", web.Roles(auth.Admin), page(h.createToken))
	rt.Handle("GET /api/tokens/{id}/created", web.Roles(auth.Admin), page(h.tokenCreated))
	rt.Handle("POST /api/tokens/{id}/revoke", web.Roles(auth.Admin), h.revokeToken)

	for _, e := range endpoints(h) {
		rt.Handle(e.pattern, web.Public, h.json(e.serve))
	}
	// Anything else under /api/v1 answers in JSON too, not with an HTML page.
	rt.Handle("GET /api/v1/", web.Public, h.json(func(r *http.Request) (int, any, error) {
		return 0, nil, notFound("There is no such endpoint. The OpenAPI document at /api/openapi.json lists them.")
	}))
}
