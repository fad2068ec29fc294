package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roundtable/internal/platform/web"
)

// FuzzNewForm posts any body as a form. Reading it must never panic, and every value it
// keeps is one that was posted, trimmed.
func FuzzNewForm(f *testing.F) {
	f.Add("login=sam&password=roundtable-demo", "application/x-www-form-urlencoded")
	f.Add("a=%zz&b=%41&&=&c", "application/x-www-form-urlencoded")
	f.Add("title=+++hello+++&title=two", "application/x-www-form-urlencoded; charset=utf-8")
	f.Add("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n", "multipart/form-data; boundary=x")
	f.Add("\x00\xff=\xfe", "text/plain")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		form := web.NewForm(r)
		for name, values := range form.Values {
			posted := r.PostForm[name]
			if len(posted) != len(values) {
				t.Fatalf("%q: kept %d values of %d posted", name, len(values), len(posted))
			}
			for i, v := range values {
				if v != strings.TrimSpace(posted[i]) {
					t.Fatalf("%q: kept %q for %q", name, v, posted[i])
				}
			}
		}
		if form.Get("no such field") != "" {
			t.Fatal("a field never posted has a value")
		}
	})
}

// FuzzSafeNext: whatever "next" a sign-in link carries, the redirect stays on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/account", "//evil.example", "/\\evil.example", "https://evil.example/",
		"/%2F%2Fevil.example", "/\t/evil.example", "javascript:alert(1)", "", "/", "/a?next=//b#c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := web.SafeNext(next, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != next {
			t.Fatalf("SafeNext(%q) = %q: neither next nor the fallback", next, got)
		}
		// Resolved as a browser would against this site, it must stay on this site.
		base, _ := url.Parse("https://roundtable.example/sign-in")
		u, err := url.Parse(strings.NewReplacer("\\", "/", "\t", "", "\n", "", "\r", "").Replace(next))
		if err != nil {
			return // the browser will not follow it either
		}
		if to := base.ResolveReference(u); to.Host != base.Host || to.Scheme != base.Scheme {
			t.Fatalf("SafeNext(%q) leads to %s", next, to)
		}
	})
}
