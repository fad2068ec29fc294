// Package loadtest holds what the load tools share: starting a roundtable server on a free
// port, signing in to it, and running Debian's hey (apt-get install -y hey) and reading its
// summary, so that the figures come from a real load generator.
package loadtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// NeedHey fails with how to install hey when it is missing.
func NeedHey() error {
	if _, err := exec.LookPath("hey"); err != nil {
		return errors.New("hey is not installed: apt-get install -y hey")
	}
	return nil
}

// Server is a roundtable server a tool started.
type Server struct {
	Base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	once sync.Once
}

// Start runs `bin serve` with args on a free port of 127.0.0.1 and waits until it says where
// it listens.
func Start(bin string, args ...string) (*Server, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	s := &Server{cmd: cmd}
	logs := bufio.NewScanner(stderr)
	for logs.Scan() {
		if i := strings.Index(logs.Text(), `"listen":"`); i >= 0 {
			s.Base = "http://" + strings.SplitN(logs.Text()[i+len(`"listen":"`):], `"`, 2)[0]
			break
		}
	}
	if s.Base == "" {
		s.Stop()
		return nil, errors.New("the server did not say where it listens")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	return s, nil
}

// Stop asks the server to finish (SIGINT), and kills it if it has not after 40 s.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	})
}

// PID is the server's process id, to read the CPU time it used.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// NoRedirects is a client that reports redirects rather than following them.
var NoRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// SignIn signs in and returns the session as a Cookie header value.
func (s *Server) SignIn(login, password string) (string, error) {
	res, err := NoRedirects.PostForm(s.Base+"/sign-in", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		return "", fmt.Errorf("sign in as %s: %w", login, err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if strings.HasSuffix(c.Name, "roundtable_session") && c.Value != "" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("sign in as %s: status %d, no session", login, res.StatusCode)
}

// Result is hey's summary of one run.
type Result struct {
	Requests        int
	RPS             float64
	P50, P99        time.Duration
	Slowest         time.Duration
	Statuses        map[int]int
	TransportErrors int
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reSlowest = regexp.MustCompile(`Slowest:\s+([0-9.]+) secs`)
	rePct     = regexp.MustCompile(`(\d+)% in ([0-9.]+) secs`)
	reStatus  = regexp.MustCompile(`\[(\d{3})\]\s+(\d+) responses`)
	reErrors  = regexp.MustCompile(`\[(\d+)\]`)
)

// Hey runs hey with args and reads its summary.
func Hey(args ...string) (Result, error) {
	out, err := exec.Command("hey", args...).CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("hey %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return Parse(string(out)), nil
}

// Parse reads hey's text summary.
func Parse(out string) Result {
	r := Result{Statuses: map[int]int{}}
	secs := func(s string) time.Duration {
		f, _ := strconv.ParseFloat(s, 64)
		return time.Duration(f * float64(time.Second))
	}
	if m := reRPS.FindStringSubmatch(out); m != nil {
		r.RPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reSlowest.FindStringSubmatch(out); m != nil {
		r.Slowest = secs(m[1])
	}
	for _, m := range rePct.FindAllStringSubmatch(out, -1) {
		switch m[1] {
		case "50":
			r.P50 = secs(m[2])
		case "99":
			r.P99 = secs(m[2])
		}
	}
	if r.P99 == 0 {
		r.P99 = r.Slowest // too few requests for hey to give a 99th percentile
	}
	for _, m := range reStatus.FindAllStringSubmatch(out, -1) {
		code, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		r.Statuses[code] += n
		r.Requests += n
	}
	if _, errorsPart, ok := strings.Cut(out, "Error distribution:"); ok {
		for _, m := range reErrors.FindAllStringSubmatch(errorsPart, -1) {
			n, _ := strconv.Atoi(m[1])
			r.TransportErrors += n
		}
	}
	return r
}

// MS formats a latency in milliseconds.
func MS(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// CreateDatabase makes a PostgreSQL database of its own (named prefix and the time) on the
// server adminURL names, and returns its URL and a function that drops it.
func CreateDatabase(adminURL, prefix string) (string, func()) {
	u, err := url.Parse(adminURL)
	if err != nil {
		panic(fmt.Sprintf("the PostgreSQL URL %q: %v", adminURL, err))
	}
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	psql := func(sqlText string) error {
		out, err := exec.Command("psql", "-q", adminURL, "-c", sqlText).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", sqlText, err, out)
		}
		return nil
	}
	if err := psql("CREATE DATABASE " + name); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	u.Path = "/" + name
	return u.String(), func() { _ = psql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") }
}
