package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"roundtable/internal/platform/shareddata"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(context.Background(), args, &o, &e, func(k string) string { return env[k] })
	return o.String(), e.String(), err
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands {
		out, _, err := runCmd(t, nil, c.name, "--help")
		if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
			t.Errorf("%s --help: err %v", c.name, err)
		}
		if !strings.Contains(out, "Usage: roundtable "+c.name) {
			t.Errorf("%s --help printed:\n%s", c.name, out)
		}
	}
	out, _, err := runCmd(t, nil, "--help")
	if exitCode(err) != 0 || !strings.Contains(out, "backup") || !strings.Contains(out, "import") {
		t.Errorf("--help: %v\n%s", err, out)
	}
	_, stderr, err := runCmd(t, nil, "frobnicate")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `unknown command "frobnicate"`) || !strings.Contains(stderr, "Commands:") {
		t.Errorf("unknown command: %v %q", err, stderr)
	}
	out, _, err = runCmd(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "roundtable ") {
		t.Errorf("version: %v %q", err, out)
	}
}

func TestMigrateAndBackupOnSQLite(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ROUNDTABLE_DATA": dir}
	out, _, err := runCmd(t, env, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "roundtable.db")); err != nil {
		t.Fatalf("no database file in the data directory: %v", err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if out, _, err = runCmd(t, env, "backup", copyPath); err != nil || !strings.Contains(out, "Backed up") {
		t.Fatalf("backup: %v %q", err, out)
	}
	if _, _, err = runCmd(t, env, "backup"); exitCode(err) != 2 {
		t.Errorf("backup without a file: %v", err)
	}
	if _, _, err = runCmd(t, env, "import", "councils", "x.csv"); exitCode(err) != 2 {
		t.Errorf("import of an unknown kind: %v", err)
	}
	// Flags may follow the file.
	register := shareddata.Path(t, shareddata.Authorities)
	out, _, err = runCmd(t, nil, "import", "authorities", register, "--data", dir)
	if err != nil || !strings.Contains(out, "Imported 296 current councils") {
		t.Fatalf("import: %v %q", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("gss-code,official-name\nE06000001,Hartlepool\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err = runCmd(t, env, "import", "authorities", bad); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("import of a bad file: %v", err)
	}
}

func TestADatabaseThatCannotBeOpenedStopsWithAClearMessage(t *testing.T) {
	_, _, err := runCmd(t, map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, "migrate")
	if err == nil || !strings.Contains(err.Error(), "cannot connect to the PostgreSQL database") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = runCmd(t, map[string]string{"DATABASE_URL": "sqlite:///x"}, "migrate")
	if err == nil || !strings.Contains(err.Error(), "must start with postgres://") {
		t.Fatalf("err = %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roundtable.db"), bytes.Repeat([]byte("garbage!"), 512), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, map[string]string{"ROUNDTABLE_DATA": dir}, "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "cannot open the SQLite database") || !strings.Contains(err.Error(), "not a database") {
		t.Fatalf("serve on a corrupt database: err = %v", err)
	}
}

// TestServeFinishesRequestsInFlightOnSIGTERM runs the real binary, starts a request whose body
// is still arriving, sends SIGTERM, then finishes the body: the request must be answered and
// the server must exit cleanly.
func TestServeFinishesRequestsInFlightOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "roundtable")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", "json")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := bufio.NewScanner(stderr)
	var addr string
	var logText strings.Builder
	for logs.Scan() {
		line := logs.Text()
		logText.WriteString(line + "\n")
		if i := strings.Index(line, `"url":"http://`); i >= 0 {
			addr = strings.SplitN(line[i+len(`"url":"http://`):], `"`, 2)[0]
			break
		}
	}
	if addr == "" {
		t.Fatalf("server did not report its address:\n%s", logText.String())
	}
	go io.Copy(io.Discard, stderr)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "next=%2F&login=nobody&password=wrong-password"
	fmt.Fprintf(conn, "POST /sign-in HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:5])
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(conn, body[5:]); err != nil {
		t.Fatalf("server closed the connection of a request in flight: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 ") {
		t.Fatalf("request in flight got no answer: %q %v", status, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
}

func TestImportRoughSleeping(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ROUNDTABLE_DATA": dir}
	long := shareddata.Path(t, shareddata.RoughSleeping)
	// Without the register, there is nowhere for the figures to go.
	_, stderr, err := runCmd(t, env, "import", "rough-sleeping", long)
	if exitCode(err) != 1 || !strings.Contains(stderr, "import it first") {
		t.Fatalf("before the register: %v %q", err, stderr)
	}
	if _, _, err := runCmd(t, env, "import", "authorities", shareddata.Path(t, shareddata.Authorities)); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, env, "import", "rough-sleeping", long)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	for _, want := range []string{
		"Imported 7,680 rows (long shape): figures for England, its regions and 296 councils, 2017 to 2022.",
		"Allerdale (E07000026) counted in Cumberland (E06000063)",
		"2017: 4,751, matches the England row", "2018: 4,677, matches the England row", "2019: 4,266, matches the England row",
		"2020: 2,688, matches the England row", "2021: 2,443, matches the England row", "2022: 3,069, matches the England row",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A file whose councils do not add up to England: refused by default, with the line.
	b, err := os.ReadFile(long)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	spoilt := strings.Replace(string(b), "E00000000,No relevant LA,England,E92000001,total-2022,3069", "E00000000,No relevant LA,England,E92000001,total-2022,3070", 1)
	spoilt = strings.Replace(spoilt, "E00000000,No relevant LA,England,E92000001,male-2022,2539", "E00000000,No relevant LA,England,E92000001,male-2022,2540", 1)
	if err := os.WriteFile(bad, []byte(spoilt), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = runCmd(t, env, "import", "rough-sleeping", bad)
	if exitCode(err) != 1 || !strings.Contains(stderr, "nothing was changed") ||
		!strings.Contains(stderr, "the councils' totals for 2022 add up to 3069, but the England row says 3070") || !strings.Contains(stderr, "--strict=false") {
		t.Errorf("strict import of a bad file: %v\n%s", err, stderr)
	}
	out, _, err = runCmd(t, env, "import", "rough-sleeping", bad, "--strict=false")
	if err != nil || !strings.Contains(out, "2022: 3,069, does NOT match the England row (3,070)") || !strings.Contains(out, "Imported with 1 problem (figures that could not be read were left out; figures that do not add up were kept as published):\n  line 7362: the councils' totals for 2022") {
		t.Errorf("import with --strict=false: %v\n%s", err, out)
	}
	neither := filepath.Join(t.TempDir(), "neither.csv")
	if err := os.WriteFile(neither, []byte("name,count\nLuton,11\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err = runCmd(t, env, "import", "rough-sleeping", neither, "--strict=false"); exitCode(err) != 1 || !strings.Contains(stderr, "neither shape") {
		t.Errorf("a file in neither shape: %v %q", err, stderr)
	}
}

// A malformed --trusted-proxies (or its environment variable) stops the server at start with a
// message naming the setting, before any database is made.
func TestMalformedTrustedProxiesStopTheServer(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"--trusted-proxies", "10.0.0.0/33"}},
		{nil, []string{"--trusted-proxies", "127.0.0.1, nginx.internal"}},
		{map[string]string{"ROUNDTABLE_TRUSTED_PROXIES": "192.168.1.300"}, nil},
	} {
		dir := t.TempDir()
		env := map[string]string{"ROUNDTABLE_DATA": dir}
		for k, v := range tc.env {
			env[k] = v
		}
		_, _, err := runCmd(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), "--trusted-proxies (ROUNDTABLE_TRUSTED_PROXIES)") || !strings.Contains(err.Error(), "is not") {
			t.Errorf("%v %v: err = %v", tc.env, tc.args, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v %v: the data folder was touched: %v", tc.env, tc.args, entries)
		}
	}
}

// migrate --plan changes nothing and lists what would run, each with whether old servers
// survive it.
func TestMigratePlan(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ROUNDTABLE_DATA": dir}
	out, _, err := runCmd(t, env, "migrate", "--plan")
	// Most migrations only add; the running totals cannot be kept by old servers, so this
	// version's plan says to stop them all.
	if err != nil || !strings.Contains(out, "This version would run") || !strings.Contains(out, "jobs/1 job leases: only adds") ||
		!strings.Contains(out, "funding/7") || !strings.Contains(out, "old servers would add and answer contributions without updating") ||
		!strings.Contains(out, "Stop every server before starting this version") {
		t.Fatalf("plan on an empty database: %v\n%s", err, out)
	}
	if out2, _, err := runCmd(t, env, "migrate", "--plan"); err != nil || out2 != out {
		t.Fatalf("the plan changed the database: %v\n%s", err, out2)
	}
	if _, _, err := runCmd(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, env, "migrate", "--plan"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("plan after migrating: %v\n%s", err, out)
	}
}
