package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/site"
)

// Paths, relative to this package's folder (go test runs in it). In CI the repository is
// cloned with shared/ beside it, as here.
const (
	chromiumPath    = "/usr/bin/chromium"
	authoritiesFile = "../../../shared/data/uk_local_authorities.csv"
	axeFile         = "../../web/node_modules/axe-core/axe.min.js"
	vnuFile         = "../../web/node_modules/vnu-jar/build/dist/vnu.jar"
)

// need skips the test when a tool is missing, except in CI, where a skip would hide the
// untested pages: there it fails.
func need(t testing.TB, what, hint string) {
	t.Helper()
	msg := fmt.Sprintf("%s is missing (%s)", what, hint)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; in CI the browser tests must run, not skip")
	}
	t.Skip(msg)
}

func needFile(t testing.TB, path, hint string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		need(t, path, hint)
	}
}

func needJava(t testing.TB) string {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		need(t, "java", "apt-get install default-jre-headless")
	}
	return java
}

// testSite is the application under test on a local port, with the demo data loaded.
type testSite struct {
	URL      string
	App      *app.App
	Accounts []site.DemoAccount
	log      *logRecorder
}

func startSite(t *testing.T) *testSite {
	t.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(t, app.Migrations())
	file, err := filepath.Abs(authoritiesFile)
	if err != nil {
		t.Fatal(err)
	}
	needFile(t, file, "the shared data folder belongs beside the repository")
	if _, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: file}); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	rec := &logRecorder{store: &logStore{}}
	a, err := app.New(d, app.Config{Log: slog.New(rec), Demo: demo.Accounts})
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &testSite{URL: srv.URL, App: a, Accounts: demo.Accounts(), log: rec}
}

// hasRoute reports whether the application registered the pattern, so that a check of a
// page another capability has not built yet can wait for it.
func (s *testSite) hasRoute(pattern string) bool {
	for _, r := range s.App.Router.Routes() {
		if r.Pattern == pattern {
			return true
		}
	}
	return false
}

// checkServerLog fails the test for every error the server logged: a page that rendered
// but logged an error (a 500, a panic, a failed render) is a failure too.
func (s *testSite) checkServerLog(t *testing.T) {
	t.Helper()
	for _, line := range s.log.errors() {
		t.Errorf("server logged an error: %s", line)
	}
}

// logRecorder keeps the server's errors; request lines are dropped. It must not
// call t.Log: the server's goroutines may outlive a subtest.
type logRecorder struct {
	store *logStore
	attrs []slog.Attr
}

type logStore struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range l.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "stack" {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		}
		return true
	})
	l.store.mu.Lock()
	l.store.lines = append(l.store.lines, b.String())
	l.store.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logRecorder{store: l.store, attrs: append(append([]slog.Attr{}, l.attrs...), as...)}
}

func (l *logRecorder) WithGroup(string) slog.Handler { return l }

func (l *logRecorder) errors() []string {
	l.store.mu.Lock()
	defer l.store.mu.Unlock()
	return append([]string(nil), l.store.lines...)
}

// fetch gets a page as the server sends it (not the browser's DOM), with the browser's
// cookies, following redirects. The HTML validator checks this body. A form (for a POST) is
// sent URL-encoded.
func fetch(ctx context.Context, cookie, method, url string, form url.Values) (status int, final, contentType string, body []byte, err error) {
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, "", "", nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", "", nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.String(), resp.Header.Get("Content-Type"), body, err
}
