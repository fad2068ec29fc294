package web_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

type testView struct {
	web.Page
	Name string
}

// newTestApp builds a router with a few routes and returns the full middleware chain and the
// log it writes to.
func newTestApp(t *testing.T) (http.Handler, *bytes.Buffer) {
	t.Helper()
	assets, err := web.LoadAssets()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	set := web.TemplateSet{Name: "t", FS: fstest.MapFS{
		"hello.html": {Data: []byte(`{{define "main"}}<h1 class="govuk-heading-l">Hello {{.Name}}</h1>{{template "error-summary" .Form}}{{template "input" (field .Form "email" "Email address" | hint "We will not share it")}}{{end}}`)},
	}}
	nav := func(id *auth.Identity) []web.NavItem { return []web.NavItem{{Text: "Things", Href: "/things"}} }
	rd, err := web.NewRenderer(assets, nav, log, set)
	if err != nil {
		t.Fatal(err)
	}
	rt := web.NewRouter(rd, log)
	rt.HandleRaw("GET /static/", web.Public, assets)
	rt.Handle("GET /things/{name}", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return rd.Render(w, r, http.StatusOK, "t/hello", &testView{Page: web.Page{Title: "Hello"}, Name: r.PathValue("name")})
	})
	rt.Handle("POST /things", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		f := web.NewForm(r)
		var v errs.Validation
		v.Check(strings.Contains(f.Get("email"), "@"), "email", "Enter an email address in the correct format, like name@example.com")
		if err := v.Err(); err != nil {
			return rd.Mistakes(w, r, "t/hello", &testView{Page: web.Page{Title: "Hello"}}, f, err)
		}
		if f.Get("email") == "boom@example.com" {
			// Not a mistake the person can fix: it goes to the error page.
			return rd.Mistakes(w, r, "t/hello", &testView{Page: web.Page{Title: "Hello"}}, f, errors.New("disk full"))
		}
		web.SetFlash(w, "Saved")
		return web.Redirect(w, r, "/things/saved")
	})
	rt.Handle("POST /upload", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "read %d bytes", len(b))
		return err
	})
	rt.Handle("GET /admin", web.Roles(auth.Admin), func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.WriteString(w, "admin page")
		return err
	})
	rt.Handle("GET /broken", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("database password is hunter2")
	})
	rt.Handle("GET /panics", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		panic("secret panic detail")
	})
	rt.Handle("GET /missing", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return errs.New(errs.NotFound, "no such thing")
	})
	h := web.Chain(rt,
		web.LogRequests(log, func(w http.ResponseWriter, r *http.Request, ref string) {
			http.Error(w, "Sorry. Reference: "+ref, http.StatusInternalServerError)
		}),
		web.SecurityHeaders(false), web.Compress, web.LimitBody(1024, 8192),
		func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Test-Role") != "" {
					r = r.WithContext(auth.WithIdentity(r.Context(), &auth.Identity{PersonID: 1, DisplayName: "Tester",
						Grants: []auth.Grant{{Role: auth.Role(r.Header.Get("X-Test-Role"))}}}))
				}
				next.ServeHTTP(w, r)
			})
		})
	return h, &logs
}

func do(h http.Handler, method, target string, body io.Reader, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPagesAndErrors(t *testing.T) {
	h, logs := newTestApp(t)
	cases := []struct {
		name, method, target string
		header               map[string]string
		status               int
		contains             []string
		absent               []string
	}{
		{"page with path value, escaped", "GET", "/things/%3Cb%3E", nil, 200, []string{"Hello &lt;b&gt;", "<title>Hello - Roundtable</title>", `href="/things"`}, []string{"<b>"}},
		{"unknown path is a GOV.UK 404", "GET", "/nothing-here", nil, 404, []string{"Page not found", "govuk-heading-l"}, nil},
		{"not found from a handler", "GET", "/missing", nil, 404, []string{"Page not found"}, nil},
		{"wrong method", "DELETE", "/things/x", nil, 405, []string{"Method not allowed"}, nil},
		{"signed out is sent to sign in", "GET", "/admin", nil, 303, nil, nil},
		{"wrong role is forbidden", "GET", "/admin", map[string]string{"X-Test-Role": "member"}, 403, []string{"You do not have access"}, nil},
		{"right role", "GET", "/admin", map[string]string{"X-Test-Role": "admin"}, 200, []string{"admin page"}, nil},
		{"error shows a reference, not the error", "GET", "/broken", nil, 500, []string{"Sorry, there is a problem with the service", "rt-reference"}, []string{"hunter2"}},
		{"panic shows a reference, not the panic", "GET", "/panics", nil, 500, []string{"Reference:"}, []string{"secret panic detail", "goroutine"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := do(h, c.method, c.target, nil, c.header)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d; body:\n%s", w.Code, c.status, w.Body)
			}
			for _, s := range c.contains {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(w.Body.String(), s) {
					t.Errorf("body shows %q", s)
				}
			}
		})
	}
	if loc := do(h, "GET", "/admin?x=1", nil, nil).Header().Get("Location"); loc != "/sign-in?next=%2Fadmin%3Fx%3D1" {
		t.Errorf("sign-in redirect = %q", loc)
	}
	// The references shown are in the log, with the error, so support can find it.
	w := do(h, "GET", "/broken", nil, nil)
	ref := between(w.Body.String(), `<strong class="rt-reference">`, "</strong>")
	if ref == "" || !strings.Contains(logs.String(), "ref="+ref) || !strings.Contains(logs.String(), "hunter2") {
		t.Errorf("reference %q not logged with its error; log:\n%s", ref, logs.String())
	}
	if !strings.Contains(logs.String(), "secret panic detail") {
		t.Error("panic not logged")
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func TestFormErrorsAndFlash(t *testing.T) {
	h, _ := newTestApp(t)
	w := do(h, "POST", "/things", strings.NewReader("email=nope"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	for _, s := range []string{
		"<title>Error: Hello - Roundtable</title>",
		`<a href="#email">Enter an email address in the correct format, like name@example.com</a>`,
		`govuk-form-group--error`,
		`id="email-error"`,
		`aria-describedby="email-hint email-error"`,
		`value="nope"`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("error page lacks %q", s)
		}
	}
	w = do(h, "POST", "/things", strings.NewReader("email=boom@example.com"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "disk full") {
		t.Fatalf("an error the person cannot fix: %d", w.Code)
	}
	w = do(h, "POST", "/things", strings.NewReader("email=a@b.example"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/things/saved" {
		t.Fatalf("valid post: %d %q", w.Code, w.Header().Get("Location"))
	}
	cookie := w.Result().Cookies()[0]
	w = do(h, "GET", "/things/saved", nil, map[string]string{"Cookie": cookie.Name + "=" + cookie.Value})
	if !strings.Contains(w.Body.String(), "govuk-notification-banner--success") || !strings.Contains(w.Body.String(), "Saved") {
		t.Error("flash message not shown after the redirect")
	}
}

func TestSecurityHeadersAndLimits(t *testing.T) {
	h, _ := newTestApp(t)
	w := do(h, "GET", "/things/x", nil, nil)
	want := map[string]string{
		"Content-Security-Policy": web.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, banned := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(web.ContentSecurityPolicy, banned) {
			t.Errorf("CSP allows %s", banned)
		}
	}
	if !strings.Contains(web.ContentSecurityPolicy, "frame-ancestors 'none'") {
		t.Error("CSP lacks frame-ancestors 'none'")
	}
	big := strings.NewReader("email=" + strings.Repeat("a", 4096))
	w = do(h, "POST", "/things", big, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", w.Code)
	}
}

func TestCompressionAndAssets(t *testing.T) {
	h, _ := newTestApp(t)
	w := do(h, "GET", "/things/x", nil, map[string]string{"Accept-Encoding": "gzip"})
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("HTML not compressed")
	}
	z, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(z)
	if !strings.Contains(string(html), "Hello x") {
		t.Fatal("compressed page does not decompress to the page")
	}
	css := between(string(html), `<link rel="stylesheet" href="`, `"`)
	if !strings.HasPrefix(css, "/static/app.") || css == "/static/app.css" {
		t.Fatalf("stylesheet link %q does not carry a content hash", css)
	}
	w = do(h, "GET", css, nil, map[string]string{"Accept-Encoding": "gzip"})
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("hashed asset: %d %q %q", w.Code, w.Header().Get("Cache-Control"), w.Header().Get("Content-Encoding"))
	}
	if w.Body.Len() > 40_000 {
		t.Errorf("stylesheet is %d bytes compressed; the first visit must stay under 100 KB", w.Body.Len())
	}
	w = do(h, "GET", "/static/govuk-frontend.min.js", nil, nil)
	if w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" || w.Header().Get("ETag") == "" {
		t.Fatalf("plain asset: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	w2 := do(h, "GET", "/static/govuk-frontend.min.js", nil, map[string]string{"If-None-Match": w.Header().Get("ETag")})
	if w2.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", w2.Code)
	}
	if do(h, "GET", "/static/nope.css", nil, nil).Code != 404 {
		t.Error("missing asset not 404")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/councils":            "/councils",
		"/councils?region=x":   "/councils?region=x",
		"//evil.example/":      "/",
		"https://evil.example": "/",
		"/\\evil.example":      "/",
		"":                     "/",
		"javascript:alert(1)":  "/",
	} {
		if got := web.SafeNext(in, "/"); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatting(t *testing.T) {
	// NSAP bids closed at 23:59 on 20 August 2020, British Summer Time.
	closing := time.Date(2020, 8, 20, 22, 59, 0, 0, time.UTC)
	if got := web.FormatDateTime(closing); got != "11:59pm on 20 August 2020" {
		t.Errorf("FormatDateTime = %q", got)
	}
	if got := web.FormatDateTime(time.Date(2020, 12, 1, 12, 0, 0, 0, time.UTC)); got != "midday on 1 December 2020" {
		t.Errorf("FormatDateTime winter midday = %q", got)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 4751: "4,751", 161000000: "161,000,000", -3069: "-3,069"} {
		if got := web.FormatNumber(n); got != want {
			t.Errorf("FormatNumber(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDeadlineNamesTheDay(t *testing.T) {
	if got := web.FormatDeadline(time.Date(2020, 8, 20, 22, 59, 0, 0, time.UTC)); got != "11:59pm on Thursday 20 August 2020" {
		t.Errorf("FormatDeadline = %q", got)
	}
	if got := web.FormatDateTime(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)); got != "10am on 1 July 2026" {
		t.Errorf("FormatDateTime on the hour in BST = %q", got)
	}
}

// TestLimitBodyAllowsMoreForUploads: a multipart form (an upload) may be larger than other
// posts, up to its own limit, whether the length is declared or the body is streamed.
func TestLimitBodyAllowsMoreForUploads(t *testing.T) {
	h, _ := newTestApp(t)
	multipart := map[string]string{"Content-Type": "multipart/form-data; boundary=x"}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for _, c := range []struct {
		name   string
		header map[string]string
		size   int
		stream bool
		status int
	}{
		{"small form", form, 1000, false, http.StatusOK},
		{"form over its limit", form, 2000, false, http.StatusRequestEntityTooLarge},
		{"form over its limit, streamed", form, 2000, true, http.StatusRequestEntityTooLarge},
		{"upload over the form limit", multipart, 6000, false, http.StatusOK},
		{"upload over the form limit, streamed", multipart, 6000, true, http.StatusOK},
		{"upload over its limit", multipart, 9000, false, http.StatusRequestEntityTooLarge},
		{"upload over its limit, streamed", multipart, 9000, true, http.StatusRequestEntityTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("a", c.size))
			if c.stream {
				body = io.MultiReader(body) // hides the length, so only the reader's limit applies
			}
			w := do(h, "POST", "/upload", body, c.header)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			if c.status == http.StatusOK && !strings.Contains(w.Body.String(), fmt.Sprintf("read %d bytes", c.size)) {
				t.Fatalf("body %q", w.Body.String())
			}
		})
	}
}
