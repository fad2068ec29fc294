package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"roundtable/internal/platform/auth"
)

//go:embed templates/*.html
var platformTemplates embed.FS

// Page is what every page's view carries for the layout. A page's view is a struct that embeds
// Page; Render fills in the parts that come from the request.
type Page struct {
	Title string
	// Form holds the submitted values and their errors on a form page.
	Form Form
	// Back, when set, shows a back link above the content.
	Back string
	// Wide pages use the full width column.
	Wide bool

	User    *auth.Identity
	Path    string
	Flash   string
	assets  *Assets
	navTabs []NavItem
}

// NavItem is a link in the service navigation.
type NavItem struct {
	Text    string
	Href    string
	Current bool
}

func (p *Page) page() *Page { return p }

// Nav returns the service navigation for the signed-in person.
func (p *Page) Nav() []NavItem { return p.navTabs }

// HasErrors reports whether the page shows an error summary; the title then starts "Error:".
func (p *Page) HasErrors() bool { return p.Form.Err != nil }

type pageView interface{ page() *Page }

// Navigation decides the service navigation links for a person; the app wires it so that
// each capability's entry point appears for the roles that use it.
type Navigation func(id *auth.Identity) []NavItem

// TemplateSet is one capability's page templates: each file NAME.html defines "main" (and may
// define "title-extra" and others) and is rendered inside the platform layout as SET/NAME.
type TemplateSet struct {
	Name string
	FS   fs.FS
}

// Renderer renders pages inside the GOV.UK layout.
type Renderer struct {
	pages  map[string]*template.Template
	assets *Assets
	nav    Navigation
	log    *slog.Logger
}

// NewRenderer parses the platform layout with every page of every set. Parsing happens once at
// start; a broken template stops the server there, not on a user's request.
func NewRenderer(assets *Assets, nav Navigation, log *slog.Logger, sets ...TemplateSet) (*Renderer, error) {
	rd := &Renderer{pages: map[string]*template.Template{}, assets: assets, nav: nav, log: log}
	base, err := template.New("layout.html").Funcs(rd.funcs()).ParseFS(platformTemplates, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("platform templates: %w", err)
	}
	sets = append([]TemplateSet{{Name: "platform", FS: mustSub(platformTemplates, "templates")}}, sets...)
	for _, set := range sets {
		names, err := fs.Glob(set.FS, "*.html")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if set.Name == "platform" && (n == "layout.html" || n == "partials.html") {
				continue
			}
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(set.FS, n); err != nil {
				return nil, fmt.Errorf("template %s/%s: %w", set.Name, n, err)
			}
			rd.pages[set.Name+"/"+strings.TrimSuffix(n, ".html")] = t
		}
	}
	return rd, nil
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// Render writes the named page (SET/NAME) with status. view must be a pointer to a struct that
// embeds Page. The page is rendered to a buffer first, so a template error becomes a clean 500.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, name string, view any) error {
	buf, err := rd.execute(w, r, name, view)
	if err != nil {
		return err
	}
	defer putRenderBuffer(buf)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// execute renders the named page for the request into a buffer from the pool (putRenderBuffer
// when done), filling in the parts of its Page that come from the request.
func (rd *Renderer) execute(w http.ResponseWriter, r *http.Request, name string, view any) (*bytes.Buffer, error) {
	t, ok := rd.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	pv, ok := view.(pageView)
	if !ok {
		return nil, fmt.Errorf("view for %s does not embed web.Page", name)
	}
	p := pv.page()
	p.User = auth.From(r.Context())
	p.Path = r.URL.Path
	p.assets = rd.assets
	p.Flash = takeFlash(w, r)
	if rd.nav != nil {
		p.navTabs = rd.nav(p.User)
		// The current item is the one whose address matches most of the path, so that
		// /recommendations/to-answer marks "To answer", not "Recommendations" as well.
		best, bestLen := -1, 0
		for i, item := range p.navTabs {
			h := item.Href
			if (p.Path == h || (h != "/" && strings.HasPrefix(p.Path, h+"/"))) && len(h) > bestLen {
				best, bestLen = i, len(h)
			}
		}
		if best >= 0 {
			p.navTabs[best].Current = true
		}
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	if err := t.ExecuteTemplate(buf, "layout.html", view); err != nil {
		putRenderBuffer(buf)
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf, nil
}

// renderBuffers keep the buffers pages are rendered into: a fresh buffer grew by copying
// itself over and over, which was a tenth of the time of the biggest pages (issue 15).
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putRenderBuffer returns a buffer to the pool, unless a rare huge page made it too big to keep.
func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

// London is the time zone every time is shown in, and deadlines are compared in.
var London = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func (rd *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return rd.assets.Path(name) },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict keys must be strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"field":         newField,
		"dateField":     newDateField,
		"dateTimeField": newDateTimeField,
		"hint":          func(h string, f Field) Field { f.Hint = h; return f },
		"inputType":     func(t string, f Field) Field { f.Type = t; return f },
		"autocomplete":  func(a string, f Field) Field { f.Autocomplete = a; return f },
		"width":         func(c string, f Field) Field { f.Width = c; return f },
		"options":       func(o []Option, f Field) Field { f.Options = o; return f },
		"date":          func(t time.Time) string { return t.In(London).Format("2 January 2006") },
		"datetime":      func(t time.Time) string { return FormatDateTime(t) },
		"isoTime":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"number":        FormatNumber,
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
		"query": func(kv ...string) template.URL {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] != "" {
					v.Set(kv[i], kv[i+1])
				}
			}
			if len(v) == 0 {
				return ""
			}
			return template.URL("?" + v.Encode())
		},
		"base": path.Base,
	}
}

// FormatDateTime shows an instant the GOV.UK way, in London time: "3:30pm on 20 August 2020",
// "11am on ...", "midnight on ...".
func FormatDateTime(t time.Time) string {
	return clock(t) + " on " + t.In(London).Format("2 January 2006")
}

// FormatDeadline is FormatDateTime with the day of the week, as deadlines are written:
// "11:59pm on Thursday 20 August 2020".
func FormatDeadline(t time.Time) string {
	return clock(t) + " on " + t.In(London).Format("Monday 2 January 2006")
}

func clock(t time.Time) string {
	l := t.In(London)
	switch {
	case l.Hour() == 0 && l.Minute() == 0:
		return "midnight"
	case l.Hour() == 12 && l.Minute() == 0:
		return "midday"
	case l.Minute() == 0:
		return l.Format("3pm")
	}
	return l.Format("3:04pm")
}

// FormatNumber writes an integer with thousands separators: 4751 -> "4,751".
func FormatNumber(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Sub returns the folder dir of an embedded file system, for a TemplateSet.
func Sub(f fs.FS, dir string) fs.FS { return mustSub(f, dir) }

// Form renders a page that holds a form: as it is (200) when err is nil, or again with the
// person's mistakes (see Mistakes) when it is not.
func (rd *Renderer) Form(w http.ResponseWriter, r *http.Request, name string, view any, submitted Form, err error) error {
	if err == nil {
		return rd.Render(w, r, http.StatusOK, name, view)
	}
	return rd.Mistakes(w, r, name, view, submitted, err)
}

// Mistakes shows a form page again with status 422 when err is a mistake the person can fix
// (invalid input or a conflict), its error summary listing each one; any other error is
// returned as it is, for the router to turn into an error page. view is the page's view, a
// pointer to a struct embedding Page; its Form becomes the submitted form with the error.
//
//	if err := store.Save(ctx, ...); err != nil {
//		return rd.Mistakes(w, r, "pkg/form", &FormView{...}, f, err)
//	}
func (rd *Renderer) Mistakes(w http.ResponseWriter, r *http.Request, name string, view any, submitted Form, err error) error {
	withErr, ok := submitted.WithError(err)
	if !ok {
		return err
	}
	pv, ok := view.(pageView)
	if !ok {
		return fmt.Errorf("view for %s does not embed web.Page", name)
	}
	pv.page().Form = withErr
	return rd.Render(w, r, http.StatusUnprocessableEntity, name, view)
}
