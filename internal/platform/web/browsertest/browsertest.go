// Package browsertest drives one headless Chromium through the site for a capability's
// "done when" journey, running axe-core (WCAG 2.2 A and AA) on every page it lands on.
//
//	j := browsertest.Start(t, app.Handler)
//	j.SignIn(login, accountstest.Password)
//	j.Visit("/standards", "Co-production standard")
//	st := j.Submit("/standards/1/proposals", map[string]string{"why": ""}, true, "Enter why")
//
// Chromium is Debian's /usr/bin/chromium and axe-core comes from web/node_modules; neither is
// ever downloaded. Without them the test skips, except in CI, where it fails.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is the browser the tests drive.
const Chromium = "/usr/bin/chromium"

const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
  resultTypes: ['violations'],
}).then(r => r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join('; ')))`

// Page is what a step reads back from the page it lands on.
type Page struct {
	Path   string `json:"path"`
	Title  string `json:"title"`
	Errors bool   `json:"errors"` // a GOV.UK error summary is shown
	Text   string `json:"text"`   // the visible text of <main>
}

const stateJS = `({path: location.pathname, title: document.title, errors: !!document.querySelector('.govuk-error-summary'),
  text: document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText})`

// Journey is one browser on one test server.
type Journey struct {
	t    *testing.T
	ctx  context.Context
	Base string // the server's URL
	axe  string
}

// Start serves handler on a test server and opens a browser on it; both close when the test
// ends. It skips the test with -short, and when Chromium or axe-core is missing outside CI.
func Start(t *testing.T, handler http.Handler) *Journey {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	axeFile := filepath.Join(repoRoot(t), "web", "node_modules", "axe-core", "axe.min.js")
	for _, f := range []string{Chromium, axeFile} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing (apt-get install chromium; make assets)", f)
			}
			t.Skipf("%s is missing (apt-get install chromium; make assets)", f)
		}
	}
	axe, err := os.ReadFile(axeFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(Chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &Journey{t: t, ctx: ctx, Base: srv.URL, axe: string(axe)}
}

// repoRoot is the folder holding go.mod, found upwards from the test's package folder.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// Check runs axe-core on the open page, failing the test for each violation, and reads it.
func (j *Journey) Check(what string) Page {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](j.axe)); err != nil {
		j.t.Fatalf("%s: inject axe: %v", what, err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		j.t.Fatalf("%s: axe: %v", what, err)
	}
	for _, v := range vs {
		j.t.Errorf("%s: axe: %s", what, v)
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[Page](stateJS))
	if err != nil {
		j.t.Fatalf("%s: read page: %v", what, err)
	}
	return st
}

// Visit opens a page, checks it, and fails the test if its main text lacks any of want.
func (j *Journey) Visit(path string, want ...string) Page {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(j.Base+path)); err != nil {
		j.t.Fatalf("open %s: %v", path, err)
	}
	st := j.Check(path)
	j.Contains(path, st, want...)
	return st
}

// Contains fails the test for each of want missing from the page's main text.
func (j *Journey) Contains(what string, st Page, want ...string) {
	j.t.Helper()
	for _, w := range want {
		if !strings.Contains(st.Text, w) {
			j.t.Errorf("%s: page %s lacks %q", what, st.Path, w)
		}
	}
}

// Lacks fails the test for each of unwanted found in the page's main text.
func (j *Journey) Lacks(what string, st Page, unwanted ...string) {
	j.t.Helper()
	for _, w := range unwanted {
		if strings.Contains(st.Text, w) {
			j.t.Errorf("%s: page %s shows %q", what, st.Path, w)
		}
	}
}

// Submit fills the form on the open page whose action is action and presses its button.
// Values are set on text fields, text areas and selects, and tick the radio or checkbox with
// that value. It fails the test if the page that comes back shows an error summary, unless
// wantErrors, or lacks any of want.
func (j *Journey) Submit(action string, values map[string]string, wantErrors bool, want ...string) Page {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	a, _ := json.Marshal(action)
	v, _ := json.Marshal(values)
	js := fmt.Sprintf(`(() => {
  const f = [...document.querySelectorAll('main form')].find(f => new URL(f.action).pathname === %s);
  if (!f) return 'no form for ' + %s;
  for (const [k, v] of Object.entries(%s || {})) {
    const els = [...f.querySelectorAll('[name="' + k + '"]')];
    if (!els.length) return 'no field ' + k;
    for (const el of els) {
      if (el.type === 'radio' || el.type === 'checkbox') { el.checked = el.value === v; } else { el.value = v; }
    }
  }
  document.querySelectorAll('[data-journey]').forEach(x => x.removeAttribute('data-journey'));
  f.setAttribute('data-journey', '1');
  return '';
})()`, a, a, v)
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil || msg != "" {
		j.t.Fatalf("fill %s: %v %s", action, err, msg)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[data-journey] button[type=submit]`))); err != nil {
		j.t.Fatalf("submit %s: %v", action, err)
	}
	st := j.Check("POST " + action)
	if st.Errors != wantErrors {
		j.t.Fatalf("POST %s: error summary shown %v, want %v\n%s", action, st.Errors, wantErrors, st.Text)
	}
	j.Contains("POST "+action, st, want...)
	return st
}

// Eval runs a JavaScript expression on the open page and returns its value.
func Eval[T any](j *Journey, expr string) T {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		j.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// SignIn signs in through the sign-in form.
func (j *Journey) SignIn(login, password string) {
	j.t.Helper()
	j.Visit("/sign-in")
	j.Submit("/sign-in", map[string]string{"login": login, "password": password}, false)
}

// SignOut presses the sign-out button in the header.
func (j *Journey) SignOut() {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`))); err != nil {
		j.t.Fatalf("sign out: %v", err)
	}
}

// Elsewhere runs chromedp actions in the browser without checking the page with axe, for
// steps on another site's pages (an identity provider's login page) that Visit and Submit
// would hold to Roundtable's standards.
func (j *Journey) Elsewhere(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		j.t.Fatalf("%s: %v", what, err)
	}
}
