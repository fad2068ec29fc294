package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/nginxtest"
	"roundtable/internal/platform/notify/notifytest"
	"roundtable/internal/platform/shareddata"
)

// TestSeveralServersBehindNginx runs the service as a funder would: three `roundtable serve`
// processes on one PostgreSQL database behind Debian's nginx. Through nginx it drives page
// views and writes while 500 messages are emailed to a real SMTP server, SIGKILLs one server
// in the middle and starts it again. Then every answered write is in the database, every
// message arrived once (a message sent but not yet recorded when its server was killed may
// arrive twice: at most one per kill), the audit chain verifies, and sign-in throttling
// through nginx counts each client's own address. The same servers without --trusted-proxies
// then show forwarded headers ignored: every client looks like nginx.
func TestSeveralServersBehindNginx(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		admin := os.Getenv("ROUNDTABLE_TEST_POSTGRES")
		if admin == "" {
			t.Skip("ROUNDTABLE_TEST_POSTGRES is not set")
		}
		nginx := needNginx(t)
		ctx := context.Background()
		dbURL := freshPostgresDatabase(t, admin)
		bin := buildBinary(t)
		if out, err := exec.Command(bin, "demo", "--database-url", dbURL, "--authorities", shareddata.Path(t, shareddata.Authorities)).CombinedOutput(); err != nil {
			t.Fatalf("demo: %v\n%s", err, out)
		}
		inbox := notifytest.Start(t, "")

		fleet := newFleet(t, bin, 3, "--database-url", dbURL, "--smtp-addr", inbox.Addr, "--smtp-from", "roundtable@example.org",
			"--outbox-poll", "1s", "--outbox-lease", "5s", "--trusted-proxies", "127.0.0.1/32")
		front := startNginx(t, nginx, fleet.ports)
		base := "http://" + front

		d, err := db.Open(ctx, db.Options{URL: dbURL})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()

		// Clients come from two loopback addresses, as two people would from two places.
		alice, bob := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")
		session := signIn(t, alice, base, "admin@roundtable.example")

		// A fixed count of requests through nginx, a third of them writes.
		const requests = 600
		var next atomic.Int64
		var mu sync.Mutex
		answered := map[string]string{}
		var failed []string
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > requests {
						return
					}
					var req *http.Request
					name := fmt.Sprintf("Fleet person %d", i)
					if i%3 == 0 {
						req, _ = http.NewRequest("POST", base+"/people/new", strings.NewReader(url.Values{"display_name": {name}, "role": {"admin"}}.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					} else {
						req, _ = http.NewRequest("GET", base+[]string{"/", "/councils", "/recommendations", "/people", "/standards"}[i%5], nil)
					}
					req.AddCookie(session)
					res, err := alice.Do(req)
					if err != nil {
						mu.Lock()
						failed = append(failed, "transport error: "+err.Error())
						mu.Unlock()
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					mu.Lock()
					switch {
					case req.Method == "POST" && res.StatusCode == http.StatusSeeOther:
						answered[res.Header.Get("Location")] = name
					case req.Method == "GET" && res.StatusCode == http.StatusOK:
					default:
						failed = append(failed, fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path, res.StatusCode))
					}
					mu.Unlock()
				}
			}()
		}

		// Meanwhile 500 messages for 50 people with email addresses.
		queueMessages(t, d, 50, 10)
		waitFor(t, 30*time.Second, "some email to go", func() bool { return len(inbox.Emails()) >= 50 })
		fleet.kill(t, 1)
		wg.Wait()
		fleet.start(t, 1)

		waitFor(t, 60*time.Second, "all 500 messages", func() bool { return distinctMessages(inbox.Emails()) == 500 })
		time.Sleep(2 * time.Second) // a late duplicate would arrive by now
		got := inbox.Emails()
		ours, distinct := queuedMessages(got)
		twice := ours - distinct
		t.Logf("500 messages queued, %d distinct arrived, %d emails of them in all (%d sent again after the kill)", distinct, ours, twice)
		if twice > 1 {
			t.Errorf("%d messages arrived twice; at most the one in flight at the kill may", twice)
		}

		// Only the kill may cost answers: the requests in flight at that moment.
		// Only the kill may cost answers: requests in flight on the killed server, or sent on
		// nginx's kept-alive connections to it, which nginx answers 502 (it does not send a form
		// again once it may have arrived). Anything else (a 500, a 4xx) is a real failure.
		t.Logf("%d requests: %d writes answered, %d not answered because of the kill: %v", requests, len(answered), len(failed), failed)
		for _, f := range failed {
			if !strings.HasSuffix(f, ": 502") {
				t.Errorf("a request failed other than through the kill: %s", f)
			}
		}
		if len(failed) > requests/20 {
			t.Errorf("%d requests failed: more than the kill explains", len(failed))
		}
		for path, name := range answered {
			var got string
			if err := d.Read.QueryRowContext(ctx, "SELECT display_name FROM people WHERE id = $1", strings.TrimPrefix(path, "/people/")).Scan(&got); err != nil || got != name {
				t.Errorf("answered write %s (%s) missing: %q %v", path, name, got, err)
			}
		}
		if n, problems, err := audit.Verify(ctx, d); err != nil || len(problems) != 0 {
			t.Errorf("audit chain: %d records, %v, %v", n, problems, err)
		}

		// Alice, forging X-Forwarded-For to blame Bob, uses up her address's tries; Bob can
		// still sign in, and Alice cannot.
		lockOut(t, alice, base, "127.0.0.3")
		if code := trySignIn(t, alice, base, "funder@roundtable.example"); code == http.StatusSeeOther {
			t.Errorf("Alice's address is not throttled: %d", code)
		}
		if code := trySignIn(t, bob, base, "funder@roundtable.example"); code != http.StatusSeeOther {
			t.Errorf("Bob, from another address, was locked out by Alice's tries: %d", code)
		}

		// Without --trusted-proxies the servers ignore nginx's X-Forwarded-For: everybody is
		// 127.0.0.1, so Alice's tries lock Bob out too.
		if _, err := d.Write.ExecContext(ctx, "DELETE FROM signin_failures"); err != nil {
			t.Fatal(err)
		}
		fleet.restartWithout(t, "--trusted-proxies")
		lockOut(t, alice, base, "")
		if code := trySignIn(t, bob, base, "funder@roundtable.example"); code == http.StatusSeeOther {
			t.Errorf("with the setting off, Bob was not throttled: forwarded headers were believed")
		}
	})
}

// needNginx finds Debian's nginx; CI must have it (.ci/run installs it).
func needNginx(t *testing.T) string {
	t.Helper()
	path, err := nginxtest.Find()
	if err != nil && os.Getenv("CI") != "" {
		t.Fatalf("%v; CI must run this test", err)
	}
	if err != nil {
		t.Skip(err)
	}
	return path
}

// TestDeployGuideRehearsal runs deploy/rehearse.sh, which follows docs/deploy.md step by step
// with the files in deploy/ (the nginx site, the systemd unit, the environment file): one
// database, two servers, nginx with TLS, a pg_dump backup restored and checked, and an upgrade
// one server at a time while a reader sees every page served.
func TestDeployGuideRehearsal(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		admin := os.Getenv("ROUNDTABLE_TEST_POSTGRES")
		if admin == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("ROUNDTABLE_TEST_POSTGRES is not set; CI must run this test")
			}
			t.Skip("ROUNDTABLE_TEST_POSTGRES is not set")
		}
		needNginx(t)
		bin := buildBinary(t)
		cmd := exec.Command("bash", "../../deploy/rehearse.sh")
		cmd.Env = append(os.Environ(), "ROUNDTABLE_BIN="+bin, "PG_ADMIN_URL="+admin,
			"AUTHORITIES="+shareddata.Path(t, shareddata.Authorities))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "REHEARSAL PASSED") {
			t.Fatalf("deploy/rehearse.sh: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "a reader through nginx") || strings.HasPrefix(line, "backup of") {
				t.Log(line)
			}
		}
	})
}

// fleet is several `roundtable serve` processes on fixed ports, so one can be killed and
// started again where nginx expects it.
type fleet struct {
	bin   string
	args  []string
	ports []int
	cmds  []*exec.Cmd
}

func newFleet(t *testing.T, bin string, n int, args ...string) *fleet {
	f := &fleet{bin: bin, args: args, cmds: make([]*exec.Cmd, n)}
	for i := range n {
		f.ports = append(f.ports, freePort(t))
		f.start(t, i)
	}
	return f
}

func (f *fleet) start(t *testing.T, i int) {
	t.Helper()
	addr, cmd := startServe(t, f.bin, append([]string{"--addr", fmt.Sprintf("127.0.0.1:%d", f.ports[i])}, f.args...)...)
	if !strings.HasSuffix(addr, fmt.Sprint(f.ports[i])) {
		t.Fatalf("server %d listens on %s", i, addr)
	}
	f.cmds[i] = cmd
}

func (f *fleet) kill(t *testing.T, i int) {
	t.Helper()
	if err := f.cmds[i].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = f.cmds[i].Wait()
}

// restartWithout stops every server and starts them again without the named flag and its value.
func (f *fleet) restartWithout(t *testing.T, flag string) {
	t.Helper()
	for i, c := range f.cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
		_ = c.Wait()
		f.cmds[i] = nil
	}
	for i := 0; i < len(f.args); i++ {
		if f.args[i] == flag {
			f.args = append(f.args[:i], f.args[i+2:]...)
		}
	}
	for i := range f.cmds {
		f.start(t, i)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startNginx runs nginx in front of the servers until the test ends, and returns its address.
func startNginx(t *testing.T, nginx string, ports []int) string {
	t.Helper()
	var upstreams []string
	for _, p := range ports {
		upstreams = append(upstreams, fmt.Sprintf("127.0.0.1:%d", p))
	}
	p, err := nginxtest.Start(nginx, upstreams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p.Addr
}

// freshPostgresDatabase makes a database of the test's own and drops it afterwards.
func freshPostgresDatabase(t *testing.T, adminURL string) string {
	t.Helper()
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("roundtable_fleet_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE " + name + " WITH (FORCE)") })
	u.Path = "/" + name
	return u.String()
}

// clientFrom is an HTTP client whose connections come from the given loopback address and
// that does not follow redirects.
func clientFrom(t *testing.T, local string) *http.Client {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	return &http.Client{
		Transport:     &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}
}

func trySignIn(t *testing.T, c *http.Client, base, login string) int {
	t.Helper()
	res, err := c.PostForm(base+"/sign-in", url.Values{"login": {login}, "password": {"roundtable-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func signIn(t *testing.T, c *http.Client, base, login string) *http.Cookie {
	t.Helper()
	res, err := c.PostForm(base+"/sign-in", url.Values{"login": {login}, "password": {"roundtable-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Value != "" && strings.Contains(ck.Name, "session") {
			return ck
		}
	}
	t.Fatalf("sign in as %s: %d", login, res.StatusCode)
	return nil
}

// lockOut fails sign-in from the client's address until the address is throttled, each time
// with a different name so only the address's count rises; forged, when set, is sent as
// X-Forwarded-For to try to pin the failures on someone else.
func lockOut(t *testing.T, c *http.Client, base, forged string) {
	t.Helper()
	for i := range 55 {
		req, _ := http.NewRequest("POST", base+"/sign-in", strings.NewReader(url.Values{"login": {fmt.Sprintf("nobody-%d@example.org", i)}, "password": {"wrong"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if forged != "" {
			req.Header.Set("X-Forwarded-For", forged)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// queueMessages adds people with email addresses and queues perPerson messages for each, as
// the outbox's callers do: rows in panel_messages, committed.
func queueMessages(t *testing.T, d *db.DB, people, perPerson int) {
	t.Helper()
	now := time.Now().UTC()
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for p := range people {
			var id int64
			if err := tx.QueryRow(`INSERT INTO people (display_name, login, email, created_at) VALUES ($1, $2, $2, $3) RETURNING id`,
				fmt.Sprintf("Reader %d", p), fmt.Sprintf("reader%d@example.org", p), now).Scan(&id); err != nil {
				return err
			}
			for m := range perPerson {
				if _, err := tx.Exec(`INSERT INTO panel_messages (person_id, subject, body, created_at) VALUES ($1, $2, 'A message for you.', $3)`,
					id, fmt.Sprintf("Message %d-%d", p, m), now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// queuedMessages counts the emails of the queued messages (the demo's own recent messages go
// too, and are left out) and how many different messages they are, by subject.
func queuedMessages(emails []notifytest.Received) (ours, distinct int) {
	seen := map[string]bool{}
	for _, e := range emails {
		for _, line := range strings.Split(string(e.Data), "\n") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "Subject: Message "); ok {
				seen[s] = true
				ours++
			}
		}
	}
	return ours, len(seen)
}

func distinctMessages(emails []notifytest.Received) int {
	_, n := queuedMessages(emails)
	return n
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
