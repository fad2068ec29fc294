package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed all:static
var staticFS embed.FS

// Assets serves the embedded static files under /static/. Each file is also served under a
// name carrying a hash of its content (app.3f9a1c2e.css), which pages link to, so browsers
// may cache it for a year and still never see a stale copy.
type Assets struct {
	files  map[string][]byte // by served name, hashed and plain
	gz     map[string][]byte // gzip-compressed copies, made once at start
	hashed map[string]string // plain name -> hashed name
}

// RequiredAssets must be built before the server can start.
var RequiredAssets = []string{"app.css", "app.js", "govuk-frontend.min.js", "favicon.svg"}

// LoadAssets reads the embedded files and names them by content.
func LoadAssets() (*Assets, error) {
	a := &Assets{files: map[string][]byte{}, gz: map[string][]byte{}, hashed: map[string]string{}}
	root, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "README" {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		h := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		a.files[p] = b
		a.files[h] = b
		if compressible(ext) {
			z := gzipBytes(b)
			a.gz[p], a.gz[h] = z, z
		}
		a.hashed[p] = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, name := range RequiredAssets {
		if _, ok := a.hashed[name]; !ok {
			return nil, fmt.Errorf("the page assets are not built (%s is missing): run `make assets`, or `make run`, which builds them", name)
		}
	}
	return a, nil
}

// Path returns the cache-busting URL of a static file.
func (a *Assets) Path(name string) string {
	if h, ok := a.hashed[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

// ServeHTTP serves /static/NAME.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if _, plain := a.hashed[name]; plain {
		// app.js imports govuk-frontend.min.js by its plain name: revalidate those.
		w.Header().Set("Cache-Control", "no-cache")
		sum := sha256.Sum256(b)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if z, ok := a.gz[name]; ok && acceptsGzip(r) {
		b = z
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}
