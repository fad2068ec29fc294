package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
)

// buildBinary builds roundtable once per test into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "roundtable")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startServe runs `roundtable serve` on a free port and returns its address once it listens.
func startServe(t *testing.T, bin string, args ...string) (addr string, cmd *exec.Cmd) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := bufio.NewScanner(stderr)
	var seen strings.Builder
	for logs.Scan() {
		line := logs.Text()
		seen.WriteString(line + "\n")
		if i := strings.Index(line, `"listen":"`); i >= 0 {
			addr = strings.SplitN(line[i+len(`"listen":"`):], `"`, 2)[0]
			break
		}
	}
	if addr == "" {
		t.Fatalf("server did not report its address:\n%s", seen.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	return addr, cmd
}

// TestEveryAnsweredWriteSurvivesSIGKILL kills the server with SIGKILL in the middle of a burst
// of writes. Every write the server answered as done must be in the database afterwards, the
// database must pass its integrity check, and the audit chain must verify.
func TestEveryAnsweredWriteSurvivesSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "demo", "--data", data, "--authorities", shareddata.Path(t, shareddata.Authorities)).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	addr, cmd := startServe(t, bin, "--data", data)
	base := "http://" + addr
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	res, err := client.PostForm(base+"/sign-in", url.Values{"login": {"admin@roundtable.example"}, "password": {"roundtable-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Value != "" && strings.Contains(c.Name, "session") {
			session = c
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("sign in: %d, cookies %v", res.StatusCode, res.Cookies())
	}

	var mu sync.Mutex
	answered := map[string]string{} // person path -> display name
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("Crash test %d-%d", w, i)
				req, _ := http.NewRequest("POST", base+"/people/new", strings.NewReader(url.Values{
					"display_name": {name}, "role": {"admin"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(session)
				res, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/people/") {
					t.Errorf("write %s answered %d %s", name, res.StatusCode, res.Header.Get("Location"))
					return
				}
				mu.Lock()
				answered[res.Header.Get("Location")] = name
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_ = cmd.Wait()
	if len(answered) < 10 {
		t.Fatalf("only %d writes were answered before the kill; the burst did not run", len(answered))
	}

	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var check string
	if err := d.Read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after SIGKILL: %q %v", check, err)
	}
	for path, name := range answered {
		var got string
		id := strings.TrimPrefix(path, "/people/")
		if err := d.Read.QueryRowContext(ctx, "SELECT display_name FROM people WHERE id = $1", id).Scan(&got); err != nil || got != name {
			t.Errorf("answered write %s (%s) lost after SIGKILL: %q %v", path, name, got, err)
		}
	}
	if n, problems, err := audit.Verify(ctx, d); err != nil || len(problems) != 0 {
		t.Fatalf("audit chain after SIGKILL: %d records, %v, %v", n, problems, err)
	}
	t.Logf("%d answered writes, all present after SIGKILL", len(answered))
}
