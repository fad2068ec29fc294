package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/web"
)

// TestSharedMainContent checks a page whose main content is rendered once and kept: it never
// holds what the template shows only to someone signed in, each person still gets their own
// header, and the gzip response made of the content compressed once between a layout
// compressed per request is the very page a client not taking gzip gets, checksum and all.
func TestSharedMainContent(t *testing.T) {
	assets, err := web.LoadAssets()
	if err != nil {
		t.Fatal(err)
	}
	set := web.TemplateSet{Name: "t", FS: fstest.MapFS{
		"figures.html": {Data: []byte(`{{define "main"}}<h1>{{.Title}}</h1>{{if .User}}<p>Only for {{.User.DisplayName}}</p>{{end}}` +
			`<table>{{range .Rows}}<tr><td>{{.}}</td></tr>{{end}}</table>{{end}}`)},
	}}
	nav := func(id *auth.Identity) []web.NavItem { return []web.NavItem{{Text: "Data", Href: "/data"}} }
	rd, err := web.NewRenderer(assets, nav, slog.New(slog.DiscardHandler), set)
	if err != nil {
		t.Fatal(err)
	}
	type figuresView struct {
		web.Page
		Rows []string
	}
	// Enough rows that the content spans several DEFLATE blocks.
	var rows []string
	for i := range 20000 {
		rows = append(rows, strings.Repeat("council ", i%7)+"row "+string(rune('a'+i%26)))
	}
	v := &figuresView{Page: web.Page{Title: "National figures", Back: "/data", User: &auth.Identity{PersonID: 9, DisplayName: "Builder"}}, Rows: rows}
	m, err := rd.SharedMain("t/figures", v)
	if err != nil {
		t.Fatal(err)
	}
	page := web.Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := rd.RenderShared(w, r, http.StatusOK, m); err != nil {
			t.Error(err)
		}
	}))
	get := func(who string, gz bool) (string, http.Header) {
		r := httptest.NewRequest("GET", "/data/figures", nil)
		if gz {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		r = r.WithContext(auth.WithIdentity(r.Context(), &auth.Identity{PersonID: 1, DisplayName: who, Grants: []auth.Grant{{Role: auth.Funder}}}))
		w := httptest.NewRecorder()
		page.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
		if !gz {
			return w.Body.String(), w.Header()
		}
		if w.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", w.Header().Get("Content-Encoding"))
		}
		// Go's reader checks the checksum and length at the end: a wrong one is an error.
		z, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		// One gzip member, as browsers expect, not several laid end to end.
		z.Multistream(false)
		b, err := io.ReadAll(z)
		if err != nil {
			t.Fatalf("the gzip page does not decompress: %v", err)
		}
		return string(b), w.Header()
	}
	plain, h := get("Alex Funder", false)
	if h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("headers %v", h)
	}
	zipped, h := get("Alex Funder", true)
	if zipped != plain {
		t.Fatalf("the gzip page differs from the plain one (%d bytes against %d)", len(zipped), len(plain))
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
	}
	for _, want := range []string{"<title>National figures - Roundtable</title>", "Alex Funder", `href="/data" class="govuk-back-link"`, "<h1>National figures</h1>", "<td>row a</td>", rows[19999]} {
		if !strings.Contains(plain, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(plain, "Only for") || strings.Contains(plain, "Builder") {
		t.Error("the shared content holds what the template shows only to the person it was first rendered for")
	}
	other, _ := get("Sam Other", true)
	if !strings.Contains(other, "Sam Other") || strings.Contains(other, "Alex Funder") {
		t.Error("a second person does not get their own header")
	}
}
