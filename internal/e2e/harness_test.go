package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"roundtable/internal/platform/web"
)

// badPage breaks each rule the crawler checks once, so TestHarness can show that each check
// catches what it is for: a harness that passes everything would look just like this one.
const badPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>A bad page</title><link rel="stylesheet" href="/bad.css"></head>
<body>
<main>
<h1>One heading</h1>
<h1>Two headings</h1>
<img src="/missing.png">
<a href="#nowhere">Jump</a>
<a href="/elsewhere" class="no-focus-style">No focus style</a>
<input id="jumps-the-queue" tabindex="1" aria-label="Jumps the queue">
<div><li>A list item outside a list</li></div>
<p>Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</p>
<script>document.title = "inline scripts are blocked";</script>
</main>
</body>
</html>`

// TestHarness checks the checks, on a page served with the platform's own
// Content-Security-Policy.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are slow; run without -short")
	}
	needFile(t, axeFile, "run make assets to install web/node_modules")
	axe, err := os.ReadFile(axeFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", web.ContentSecurityPolicy)
		switch r.URL.Path {
		case "/":
		case "/bad.css":
			w.Header().Set("Content-Type", "text/css")
			_, _ = w.Write([]byte(".no-focus-style:focus { outline: none; }"))
			return
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(badPage))
	}))
	t.Cleanup(srv.Close)

	t.Run("browser", func(t *testing.T) {
		b := newBrowser(t)
		ctx, cancel := b.timeout()
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
			t.Fatal(err)
		}
		_, problems, err := inspect(ctx, b, srv.URL+"/", string(axe))
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(problems, "\n")
		for _, want := range []string{
			"axe image-alt",           // axe-core ran and reported
			"2 h1 headings",           // the heading count
			"#nowhere",                // the in-page link check
			"Content Security Policy", // CSP violations reach the console check
			"missing.png",             // failed loads too
		} {
			if !strings.Contains(all, want) {
				t.Errorf("the checks did not report %q; they reported:\n%s", want, all)
			}
		}
	})
	t.Run("small-screen", func(t *testing.T) {
		b := newBrowser(t)
		ctx, cancel := b.timeout()
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 640), chromedp.Navigate(srv.URL+"/")); err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](reflowJS))
		if err != nil {
			t.Fatal(err)
		}
		if len(wide) == 0 {
			t.Errorf("the reflow check found nothing wide in a page with a 120-letter word")
		}
	})
	t.Run("keyboard", func(t *testing.T) {
		b := newBrowser(t)
		ctx, cancel := b.timeout()
		defer cancel()
		_, problems, err := tabThrough(ctx, srv.URL+"/", true)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(problems, "\n")
		for _, want := range []string{"want the skip link", "Tab 1 focused input#jumps-the-queue"} {
			if !strings.Contains(all, want) {
				t.Errorf("the keyboard check did not report %q; it reported:\n%s", want, all)
			}
		}
		// And with the page in document order, the missing focus style.
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('jumps-the-queue').removeAttribute('tabindex')`)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](keyboardJS)); err != nil {
			t.Fatal(err)
		}
		var indicator = true
		for range 3 {
			st, err := pressTab(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(st.Desc, "No focus style") {
				indicator = st.Indicator
			}
		}
		if indicator {
			t.Errorf("the keyboard check saw a focus indicator on a link styled with outline: none")
		}
	})
	t.Run("valid-html", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "bad.html")
		if err := os.WriteFile(f, []byte(badPage), 0o644); err != nil {
			t.Fatal(err)
		}
		msgs := runVNU(t, []string{f})
		if len(msgs) == 0 {
			t.Errorf("the Nu checker found nothing wrong with a li outside a list")
		}
	})
}
