// Package site holds the pages about Roundtable itself: the start page, about, accessibility
// and privacy.
package site

import (
	"embed"
	"net/http"
	"time"

	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the site's pages.
var Templates = web.TemplateSet{Name: "site", FS: web.Sub(templates, "templates")}

// DemoAccount is a demo sign-in shown on the start page while the demo runs.
type DemoAccount struct {
	Role     string
	Login    string
	Password string
}

// Handlers serve the site's pages.
type Handlers struct {
	// Demo lists the demo accounts; empty outside the demo.
	Demo func() []DemoAccount
}

// Register adds the site's routes.
func (h *Handlers) Register(rt *web.Router) {
	r := rt.Renderer()
	rt.Handle("GET /{$}", web.Public, func(w http.ResponseWriter, req *http.Request) error {
		v := &HomeView{Page: web.Page{Title: "Decide homelessness funding and policy together"}}
		if h.Demo != nil {
			v.Demo = h.Demo()
		}
		return r.Render(w, req, http.StatusOK, "site/home", v)
	})
	for _, p := range []struct{ path, name, title string }{
		{"/about", "about", "About Roundtable"},
		{"/accessibility", "accessibility", "Accessibility statement"},
		{"/privacy", "privacy", "How Roundtable uses your information"},
	} {
		rt.Handle("GET "+p.path, web.Public, func(w http.ResponseWriter, req *http.Request) error {
			return r.Render(w, req, http.StatusOK, "site/"+p.name, &web.Page{Title: p.title})
		})
	}
	// These pages change only with a release, so browsers may keep them a few minutes.
	for _, p := range []string{"/{$}", "/about", "/accessibility", "/privacy"} {
		rt.Cache("GET "+p, pagecache.Page{MaxAge: 5 * time.Minute})
	}
}

// HomeView is the start page.
type HomeView struct {
	web.Page
	Demo []DemoAccount
}
