package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

const (
	// maxPages caps one role's crawl, so a page that links to endless pages cannot run away.
	maxPages = 300
	// perPattern is how many pages of one route pattern (/councils/{code}) a role visits:
	// they share a template, so a few stand for all 296 councils.
	perPattern = 3
	// missingPage is visited by every role to check the 404 page.
	missingPage = "/e2e-no-such-page"
)

// TestSite runs the browser checks over the whole site; see the package comment.
func TestSite(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are slow; run without -short")
	}
	needFile(t, chromiumPath, "apt-get install chromium; a test never downloads a browser")
	needFile(t, axeFile, "run make assets to install web/node_modules")
	axe, err := os.ReadFile(axeFile)
	if err != nil {
		t.Fatal(err)
	}
	s := startSite(t)
	pages := &savedPages{dir: t.TempDir()}
	var signedOut []string // the pages a visitor sees, for the small-screen check

	t.Run("crawl", func(t *testing.T) {
		roles := append([]role{{Name: "signed out"}}, accountRoles(s)...)
		for _, r := range roles {
			t.Run(r.Name, func(t *testing.T) {
				t.Parallel()
				visited := crawl(t, s, r, string(axe), pages)
				if r.Login == "" {
					signedOut = visited
				}
			})
		}
	})
	t.Run("valid-html", func(t *testing.T) { validateHTML(t, pages) })
	t.Run("keyboard", func(t *testing.T) { testKeyboard(t, s) })
	t.Run("small-screen", func(t *testing.T) { testReflow(t, s, signedOut) })
	t.Run("no-javascript", func(t *testing.T) { testNoJavaScript(t, s) })
	s.checkServerLog(t)
}

// role is who the crawler browses as; an empty Login is signed out.
type role struct {
	Name            string
	Login, Password string
}

func accountRoles(s *testSite) []role {
	var rs []role
	for _, a := range s.Accounts {
		if a.Password == "" {
			continue // signs in with a one-time code, not the password form
		}
		rs = append(rs, role{Name: a.Role, Login: a.Login, Password: a.Password})
	}
	return rs
}

// link is a page to visit and why: from is the page that linked to it, empty for a seed.
type link struct {
	path string
	from string
	// okStatus lists the statuses the page may answer with: a route may be for other roles
	// only (403), but a link found on a page must answer 200, since a link to a page the
	// person cannot use is a broken link.
	okStatus []int
}

// crawler browses the site as one role, in one browser.
type crawler struct {
	s     *testSite
	b     *browser
	r     role
	axe   string
	pages *savedPages
	seen  map[string]bool // paths visited or queued, and where redirects landed
	// forms counts the forms submitted empty, by page pattern and action, so that a form
	// shared by 296 council pages is tried once.
	forms    map[string]bool
	patterns *patterns
	// html holds the visited paths that are pages, not downloads.
	html map[string]bool
}

// crawl visits every page the role can reach from the start page, and every GET route that
// needs no parameter, checking each page in the browser. It returns the paths of the pages
// it visited (downloads left out).
func crawl(t *testing.T, s *testSite, r role, axe string, pages *savedPages) []string {
	c := &crawler{s: s, b: newBrowser(t), r: r, axe: axe, pages: pages,
		seen: map[string]bool{}, forms: map[string]bool{}, patterns: newPatterns(s), html: map[string]bool{}}
	if r.Login != "" {
		ctx, cancel := c.b.timeout()
		err := c.b.signIn(ctx, s.URL, r.Login, r.Password)
		cancel()
		if err != nil {
			t.Fatalf("sign in as %s (%s): %v", r.Name, r.Login, err)
		}
		c.b.takeConsole()
	}
	queue := []link{{path: "/", okStatus: []int{200}}}
	for _, p := range seedPaths(s) {
		// A route may be for other roles only: then 403, or the sign-in page when signed out.
		queue = append(queue, link{path: p, okStatus: []int{200, 403}})
	}
	queue = append(queue, link{path: missingPage, okStatus: []int{404}})
	status := map[string]int{}        // what each visited path answered
	linkedFrom := map[string]string{} // the first page that linked to each path
	var visited []string
	for len(queue) > 0 && len(visited) < maxPages {
		l := queue[0]
		queue = queue[1:]
		if c.seen[l.path] || !c.patterns.take(l.path) {
			continue
		}
		c.seen[l.path] = true
		visited = append(visited, l.path)
		t.Run(l.path, func(t *testing.T) {
			var found []string
			status[l.path], found = c.checkPage(t, l)
			for _, p := range found {
				if _, ok := linkedFrom[p]; !ok && p != l.path {
					linkedFrom[p] = l.path
				}
				if !c.seen[p] {
					queue = append(queue, link{path: p, from: l.path, okStatus: []int{200}})
				}
			}
		})
	}
	// Nothing on the way (such as an empty sign-in form) may have signed the person out,
	// or the later pages were checked as a visitor sees them.
	if r.Login != "" {
		ctx, cancel := c.b.timeout()
		err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"))
		if err == nil {
			err = signedIn(ctx)
		}
		cancel()
		if err != nil {
			t.Errorf("after the crawl: %v", err)
		}
	}
	// A page visited as a seed may also be linked to: then it too must answer 200.
	for p, from := range linkedFrom {
		if st, ok := status[p]; ok && st != http.StatusOK {
			t.Errorf("%s links to %s, which answers %d", from, p, st)
		}
	}
	if len(visited) >= maxPages {
		t.Logf("stopped at %d pages; %d links left unvisited", maxPages, len(queue))
	}
	t.Logf("%s: visited %d pages", r.Name, len(visited))
	var pagesOnly []string
	for _, p := range visited {
		if c.html[p] {
			pagesOnly = append(pagesOnly, p)
		}
	}
	return pagesOnly
}

// seedPaths lists the GET routes that take no parameter: pages a capability registered,
// whether or not anything links to them yet.
func seedPaths(s *testSite) []string {
	var ps []string
	for _, rt := range s.App.Router.Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || (method != "GET" && method != "HEAD") || method == "HEAD" {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		if strings.Contains(path, "{") || skipPath(path) || (strings.HasSuffix(path, "/") && path != "/") {
			continue
		}
		ps = append(ps, path)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// skipPath leaves out what is not a page: assets, health checks, and signing out.
func skipPath(p string) bool {
	for _, prefix := range []string{"/static/", "/healthz", "/readyz", "/sign-out"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// pageReport is what the page tells about itself, read in the browser.
type pageReport struct {
	Title         string   `json:"title"`
	H1            int      `json:"h1"`
	Links         []string `json:"links"`
	MissingTarget []string `json:"missingTargets"`
}

const pageReportJS = `(() => ({
  title: document.title.trim(),
  h1: document.querySelectorAll('h1').length,
  links: [...document.querySelectorAll('a[href]:not([href^="#"])')].map(a => a.href),
  missingTargets: [...document.querySelectorAll('a[href^="#"]')]
    .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
    .filter(id => id && !document.getElementById(id)),
}))()`

// checkPage fetches the page with net/http (for its status and the HTML as sent), opens it
// in the browser, runs the checks, submits its forms empty, and returns the status and the
// same-site links it found.
func (c *crawler) checkPage(t *testing.T, l link) (int, []string) {
	ctx, cancel := c.b.timeout()
	defer cancel()
	from := ""
	if l.from != "" {
		from = " (linked from " + l.from + ")"
	}
	cookie, err := c.b.cookieHeader(ctx, c.s.URL)
	if err != nil {
		t.Fatalf("cookies: %v", err)
	}
	status, final, ctype, body, err := fetch(ctx, cookie, http.MethodGet, c.s.URL+l.path, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", l.path, err)
	}
	if !slices.Contains(l.okStatus, status) {
		t.Errorf("GET %s%s answered %d, want one of %v", l.path, from, status, l.okStatus)
	}
	fu, err := url.Parse(final)
	if err != nil {
		t.Fatal(err)
	}
	if finalPath := fu.RequestURI(); finalPath != l.path {
		// Redirected, as to the sign-in page: check where it lands, once.
		if c.seen[finalPath] {
			// Not t.Skip: in CI a skipped browser test counts as a failure.
			t.Logf("redirects to %s, checked already", finalPath)
			return status, nil
		}
		c.seen[finalPath] = true
	}
	if !strings.HasPrefix(ctype, "text/html") {
		return status, nil // a download, such as a CSV: its status is all there is to check
	}
	c.html[l.path] = true
	c.pages.save(t, c.r.Name, fu.RequestURI(), body)

	c.b.takeConsole() // drop what an earlier page left
	if err := chromedp.Do(ctx, chromedp.Navigate(final)); err != nil {
		t.Fatalf("open %s: %v", final, err)
	}
	links, problems, err := inspect(ctx, c.b, final, c.axe)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", l.path, p)
	}
	if status == http.StatusOK {
		c.checkForms(t, fu.RequestURI())
	}
	return status, sameSite(c.s.URL, links)
}

// inspect checks the page the tab shows, and returns its links and what is wrong with it:
// axe-core violations, not exactly one h1, no title, in-page links to nothing, and console
// errors since the last takeConsole (script errors, CSP violations, failed loads). pageURL
// is the address the page was loaded from.
func inspect(ctx context.Context, b *browser, pageURL, axe string) (links, problems []string, err error) {
	rep, err := chromedp.Run(ctx, chromedp.Evaluate[pageReport](pageReportJS))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", pageURL, err)
	}
	if rep.Title == "" {
		problems = append(problems, "the page has no title")
	}
	if rep.H1 != 1 {
		problems = append(problems, fmt.Sprintf("the page has %d h1 headings, want exactly 1", rep.H1))
	}
	for _, id := range rep.MissingTarget {
		problems = append(problems, fmt.Sprintf("a link goes to #%s, but no element has that id", id))
	}
	vs, err := runAxe(ctx, axe)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs {
		problems = append(problems, fmt.Sprintf("axe %s (%s): %s\n  %s\n  nodes: %s", v.ID, v.Impact, v.Help, v.HelpURL, v.nodes()))
	}
	for _, m := range b.takeConsole() {
		if m.documentStatus(pageURL) {
			continue // the page's own 403 or 404, which the fetch checked already
		}
		problems = append(problems, m.text)
	}
	return rep.Links, problems, nil
}

// sameSite keeps the links to this site's pages, as path and query with no fragment.
func sameSite(base string, links []string) []string {
	var out []string
	for _, h := range links {
		u, err := url.Parse(h)
		if err != nil || u.Scheme+"://"+u.Host != base {
			continue
		}
		p := u.EscapedPath()
		if !strings.HasPrefix(p, "/") || skipPath(p) {
			continue
		}
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		out = append(out, p)
	}
	return out
}

// patterns limits how many pages of one route pattern and query shape are visited. It
// matches paths against the router's own patterns, so it knows /councils/E07000223 and
// /councils/E09000033 are one page template without guessing from the path.
type patterns struct {
	mux   *http.ServeMux
	count map[string]int
}

func newPatterns(s *testSite) *patterns {
	mux := http.NewServeMux()
	for _, r := range s.App.Router.Routes() {
		mux.Handle(r.Pattern, http.NotFoundHandler())
	}
	return &patterns{mux: mux, count: map[string]int{}}
}

// take reports whether the path may be visited, counting it against its pattern.
func (p *patterns) take(path string) bool {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	_, pattern := p.mux.Handler(req)
	if pattern == "" {
		pattern = req.URL.Path // no route: a 404 page, each visited once
	}
	var keys []string
	for k := range req.URL.Query() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	key := pattern + "?" + strings.Join(keys, "&")
	if !strings.Contains(pattern, "{") && len(keys) == 0 {
		return true
	}
	p.count[key]++
	return p.count[key] <= perPattern
}

// savedPages keeps the HTML of every page visited, for the Nu checker.
type savedPages struct {
	dir   string
	mu    sync.Mutex
	files []string
	url   map[string]string // file -> role and URL, for messages
}

func (sp *savedPages) save(t *testing.T, roleName, pageURL string, body []byte) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.url == nil {
		sp.url = map[string]string{}
	}
	name := filepath.Join(sp.dir, fmt.Sprintf("page-%04d.html", len(sp.files)))
	if err := os.WriteFile(name, body, 0o644); err != nil {
		t.Fatal(err)
	}
	sp.files = append(sp.files, name)
	sp.url[name] = pageURL + " as " + roleName
}
