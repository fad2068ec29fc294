package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/pagecache"
)

// HandlerFunc is a handler that may fail; Router turns its error into the right page.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Access says who may use a route. Every route declares one: there is no default.
type Access struct {
	Public   bool
	SignedIn bool
	Roles    []auth.Role
}

// Public routes are open to anyone.
var Public = Access{Public: true}

// SignedIn routes are open to anyone signed in.
var SignedIn = Access{SignedIn: true}

// Roles opens a route to people holding any of the roles. Finer checks (this council, this
// panel) are the handler's, against the tenant the request names.
func Roles(roles ...auth.Role) Access { return Access{SignedIn: true, Roles: roles} }

func (a Access) allows(id *auth.Identity) bool {
	if a.Public {
		return true
	}
	if id == nil {
		return false
	}
	return len(a.Roles) == 0 || id.HasAny(a.Roles...)
}

// Route is a registered route, listed for tests that check every route's access.
type Route struct {
	Pattern string
	Access  Access
}

// Router registers routes with their access rule on a standard ServeMux.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	render *Renderer
	log    *slog.Logger
	cache  *pagecache.Cache
}

// NewRouter makes a router whose error pages use the renderer.
func NewRouter(render *Renderer, log *slog.Logger) *Router {
	return &Router{mux: http.NewServeMux(), render: render, log: log}
}

// Handle registers a route. The access rule is checked before the handler runs.
func (rt *Router) Handle(pattern string, access Access, h HandlerFunc) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: access})
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := auth.From(r.Context())
		if !access.allows(id) {
			if id == nil {
				rt.toSignIn(w, r)
				return
			}
			rt.Error(w, r, errs.New(errs.Forbidden, "You do not have access to this page."))
			return
		}
		if err := h(w, r); err != nil {
			rt.Error(w, r, err)
		}
	}))
}

// UseCache gives the router the page cache that Cache registers pages with.
func (rt *Router) UseCache(c *pagecache.Cache) { rt.cache = c }

// PageCache is the cache given to UseCache, or nil: what a capability makes its memos with
// (pagecache.NewMemo), so that figures shown to signed-in people are kept too.
func (rt *Router) PageCache() *pagecache.Cache { return rt.cache }

// Cache serves the route pattern, already registered as a public GET, to visitors who are not
// signed in from the page cache, rendered again whenever what p names changes. Without a cache
// (UseCache) it does nothing. It panics for a route that is not public, so a page meant for
// someone signed in can never be shared.
func (rt *Router) Cache(pattern string, p pagecache.Page) {
	if !strings.HasPrefix(pattern, "GET ") {
		panic("web: only GET pages are cached: " + pattern)
	}
	found := false
	for _, r := range rt.routes {
		if r.Pattern == pattern {
			if !r.Access.Public {
				panic("web: only public pages are cached: " + pattern)
			}
			found = true
		}
	}
	if !found {
		panic("web: register a route before caching it: " + pattern)
	}
	if rt.cache != nil {
		rt.cache.Page(pattern, p)
	}
}

// HandleRaw registers a plain http.Handler (static files, health checks).
func (rt *Router) HandleRaw(pattern string, access Access, h http.Handler) {
	rt.Handle(pattern, access, func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}

// Routes lists the registered routes.
func (rt *Router) Routes() []Route { return rt.routes }

// Renderer returns the router's renderer, for handlers.
func (rt *Router) Renderer() *Renderer { return rt.render }

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern == "" {
		// No route matched: a GOV.UK-style 404 (or 405), not the bare mux text.
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(discard{rec}, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.Header().Get("Allow"))
			rt.page(w, r, http.StatusMethodNotAllowed, "Method not allowed", "This address does not accept that kind of request.")
			return
		}
		rt.Error(w, r, errs.New(errs.NotFound, ""))
		return
	}
	rt.mux.ServeHTTP(w, r) // sets the path values that Handler alone does not
}

// toSignIn sends a visitor who is not signed in to the sign-in page, to come back after.
func (rt *Router) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rt.Error(w, r, errs.New(errs.Forbidden, "Your session has ended. Sign in again, then try once more."))
		return
	}
	http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// ErrorView is the view of the error pages.
type ErrorView struct {
	Page
	Heading   string
	Message   string
	Reference string
}

// Error renders the page for err: 404, 403, 409 and 400 with their message; anything else is
// a 500 showing a reference that is also in the log, never the error itself.
func (rt *Router) Error(w http.ResponseWriter, r *http.Request, err error) {
	switch errs.CodeOf(err) {
	case errs.NotFound:
		rt.page(w, r, http.StatusNotFound, "Page not found", "")
	case errs.Forbidden:
		rt.page(w, r, http.StatusForbidden, "You cannot do that", err.Error())
	case errs.Conflict:
		rt.page(w, r, http.StatusConflict, "That could not be done", err.Error())
	case errs.Invalid:
		rt.page(w, r, http.StatusBadRequest, "There is a problem", err.Error())
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			rt.page(w, r, http.StatusRequestEntityTooLarge, "That was too large", "What you sent was larger than Roundtable accepts.")
			return
		}
		ref := NewReference()
		rt.log.Error("request failed", "ref", ref, "method", r.Method, "path", r.URL.Path, "err", err)
		view := &ErrorView{Page: Page{Title: "Sorry, there is a problem with the service"}, Reference: ref}
		if rerr := rt.render.Render(w, r, http.StatusInternalServerError, "platform/error", view); rerr != nil {
			http.Error(w, "Sorry, there is a problem with the service. Reference: "+ref, http.StatusInternalServerError)
		}
	}
}

func (rt *Router) page(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	view := &ErrorView{Page: Page{Title: heading}, Heading: heading, Message: message}
	if err := rt.render.Render(w, r, status, "platform/error", view); err != nil {
		rt.log.Error("render error page", "err", err)
		http.Error(w, heading, status)
	}
}

// NewReference returns a short reference for an error, easy to read out on the phone.
func NewReference() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	s := strings.ToUpper(hex.EncodeToString(b))
	return s[:4] + "-" + s[4:]
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code }

type discard struct{ *statusRecorder }

func (d discard) Write(b []byte) (int, error) { return len(b), nil }
