// Command load runs Roundtable under load, overload and hostile requests, and prints what it
// measured. It starts its own demo server (a built binary, a temporary data folder, a free
// port on 127.0.0.1), signs in as the demo roles, and drives it with Debian's hey, one hey per
// page or form, all at once, so the per-page figures come from the load generator itself.
//
//	go run ./tools/load --bin bin/roundtable [--clients 500 --duration 60s --rate 0.5]
//	go run ./tools/load --bin bin/roundtable --servers 3 [--postgres postgres://...]
//
// With --servers above 1 it measures several servers as a funder would run them: the same
// load against one server on a PostgreSQL database of its own, then through Debian's nginx to
// that many servers on the same database, and prints the two side by side.
//
// Phases: load (the clients spread over the main pages and forms, each client sending rate
// requests a second, as people who read before they click), overload (far more clients with no
// pause: the server must answer 503 quickly rather than queue, and keep its health check up),
// recovery (right after, a light load must be served in full), and limits (a huge body, huge
// headers and slow clients holding connections open must not starve anyone else).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"roundtable/internal/platform/nginxtest"
	"roundtable/tools/internal/loadtest"
)

func main() {
	bin := flag.String("bin", "bin/roundtable", "the roundtable binary to run")
	authorities := flag.String("authorities", "../shared/data/uk_local_authorities.csv", "the council register for the demo data")
	clients := flag.Int("clients", 500, "concurrent clients in the load phase")
	duration := flag.Duration("duration", 60*time.Second, "length of the load phase")
	rate := flag.Float64("rate", 0.5, "requests a second each client sends in the load phase")
	overloadClients := flag.Int("overload-clients", 1500, "clients, with no pause, in the overload phase")
	overloadFor := flag.Duration("overload-duration", 20*time.Second, "length of the overload phase")
	servers := flag.Int("servers", 1, "above 1: the load through nginx to this many servers on PostgreSQL, beside one server")
	postgres := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "with --servers: a PostgreSQL database to create the load's own database from")
	flag.Parse()
	if _, err := exec.LookPath("hey"); err != nil {
		fail("hey is not installed: apt-get install -y hey")
	}
	if *servers > 1 {
		if severalServers(*bin, *authorities, *postgres, *servers, *clients, *duration, *rate) {
			fmt.Println("\nFAIL")
			os.Exit(1)
		}
		fmt.Println("\nPASS")
		return
	}
	s := startServer(*bin, *authorities, "--data", "")
	defer s.stop()
	failed := false
	failed = loadPhase(s, *clients, *duration, *rate) || failed
	failed = overloadPhase(s, *overloadClients, *overloadFor) || failed
	failed = limitsPhase(s) || failed
	if failed {
		fmt.Println("\nFAIL")
		s.stop()
		os.Exit(1)
	}
	fmt.Println("\nPASS")
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
	os.Exit(1)
}

// server is a demo server the tool started, in a data folder of its own.
type server struct {
	*loadtest.Server
	dir     string
	cookies map[string]string // role -> Cookie header
}

// startServer loads the demo into a new data folder (where = "--data", "") or into the named
// PostgreSQL database (where = "--database-url", URL) unless it is already there, and serves it.
func startServer(bin, authorities, flag, where string) *server {
	dir, err := os.MkdirTemp("", "roundtable-load-")
	if err != nil {
		fail("%v", err)
	}
	if where == "" {
		where = dir
	}
	if out, err := exec.Command(bin, "demo", flag, where, "--authorities", authorities).CombinedOutput(); err != nil {
		fail("demo data: %v\n%s", err, out)
	}
	ls, err := loadtest.Start(bin, flag, where)
	if err != nil {
		os.RemoveAll(dir)
		fail("%v", err)
	}
	s := &server{Server: ls, dir: dir, cookies: map[string]string{}}
	for role, login := range map[string]string{"member": "sam", "facilitator": "facilitator@roundtable.example",
		"officer": "officer@roundtable.example", "funder": "funder@roundtable.example"} {
		if s.cookies[role], err = s.SignIn(login, "roundtable-demo"); err != nil {
			s.stop()
			fail("%v", err)
		}
	}
	fmt.Printf("Demo server at %s (data in %s)\n", s.Base, dir)
	return s
}

func (s *server) stop() {
	s.Stop()
	os.RemoveAll(s.dir)
}

var noRedirects = loadtest.NoRedirects

// target is one page or form the load phase sends, as one role, with the status it must get.
type target struct {
	name, method, path, role, body string
	want                           int
}

var targets = []target{
	{"start page", "GET", "/", "", "", 200},
	{"councils", "GET", "/councils", "", "", 200},
	{"a council", "GET", "/councils/E06000032", "", "", 200},
	{"council rough sleeping", "GET", "/councils/E06000032/rough-sleeping", "", "", 200},
	{"panels", "GET", "/panels", "", "", 200},
	{"a panel", "GET", "/panels/luton", "", "", 200},
	{"recommendations", "GET", "/recommendations", "", "", 200},
	{"paid roles", "GET", "/opportunities", "", "", 200},
	{"national data", "GET", "/data", "", "", 200},
	{"sign-in page", "GET", "/sign-in", "", "", 200},
	{"account (member)", "GET", "/account", "member", "", 200},
	{"funding (member)", "GET", "/funding", "member", "", 200},
	{"funding (officer)", "GET", "/funding", "officer", "", 200},
	{"co-production log", "GET", "/funding/log", "officer", "", 200},
	{"to answer (officer)", "GET", "/recommendations/to-answer", "officer", "", 200},
	{"funding (funder)", "GET", "/funding", "funder", "", 200},
	{"people (facilitator)", "GET", "/people", "facilitator", "", 200},
	{"form: change name", "POST", "/account/name", "member", "display_name=Sam", 303},
	{"form: log activity, empty", "POST", "/funding/log/new", "officer", "title=", 422},
	{"form: add person, empty", "POST", "/people/new", "facilitator", "display_name=", 422},
	{"form: ask for support, empty", "POST", "/funding/support", "officer", "question=", 422},
}

type result = loadtest.Result

// hey runs hey against one target and reads its summary.
func (s *server) hey(t target, clients int, d time.Duration, rate float64) result {
	args := []string{"-z", d.String(), "-c", strconv.Itoa(clients), "-disable-redirects", "-t", "30", "-m", t.method}
	if rate > 0 {
		args = append(args, "-q", strconv.FormatFloat(rate, 'f', -1, 64))
	}
	if t.role != "" {
		args = append(args, "-H", "Cookie: "+s.cookies[t.role])
	}
	if t.method == "POST" {
		args = append(args, "-T", "application/x-www-form-urlencoded", "-d", t.body)
	}
	r, err := loadtest.Hey(append(args, s.Base+t.path)...)
	if err != nil {
		fail("%s: %v", t.name, err)
	}
	return r
}

var ms = loadtest.MS

// loadPhase spreads the clients over the targets, all at once, and fails on any answer that
// is not the one the target expects.
func loadPhase(s *server, clients int, d time.Duration, rate float64) (failed bool) {
	fmt.Printf("\n== Load: %d clients for %s, each sending %.2g requests a second, over %d pages and forms ==\n",
		clients, d, rate, len(targets))
	results := runLoad(s, clients, d, rate)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page or form\tmethod\trequests\treq/s\tp50\tp99\tslowest\terrors\t")
	var total, errors int
	var rps float64
	for i, t := range targets {
		r := results[i]
		bad := wrongAnswers(t, r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%s\t%s\t%s\t%d\t\n", t.name, t.method, r.Requests, r.RPS, ms(r.P50), ms(r.P99), ms(r.Slowest), bad)
		if bad > 0 {
			fmt.Fprintf(tw, "\t\t\t\t\t\t\tstatuses %v, want %d\t\n", r.Statuses, t.want)
		}
		total += r.Requests
		errors += bad
		rps += r.RPS
	}
	fmt.Fprintf(tw, "all\t\t%d\t%.1f\t\t\t\t%d\t\n", total, rps, errors)
	tw.Flush()
	return errors > 0
}

// runLoad runs one hey per target at once, the clients shared out between them.
func runLoad(s *server, clients int, d time.Duration, rate float64) []result {
	results := make([]result, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		n := clients / len(targets)
		if i < clients%len(targets) {
			n++
		}
		wg.Go(func() { results[i] = s.hey(t, n, d, rate) })
	}
	wg.Wait()
	return results
}

// wrongAnswers counts transport errors and answers other than the one the target expects.
func wrongAnswers(t target, r result) int {
	bad := r.TransportErrors
	for code, n := range r.Statuses {
		if code != t.want {
			bad += n
		}
	}
	return bad
}

// severalServers runs the load against one server on a PostgreSQL database of its own, then
// through nginx against n servers on the same database, and prints both side by side.
func severalServers(bin, authorities, adminURL string, n, clients int, d time.Duration, rate float64) (failed bool) {
	nginx, err := nginxtest.Find()
	if err != nil {
		fail("%v", err)
	}
	dbURL, drop := loadtest.CreateDatabase(adminURL, "roundtable_load")
	defer drop()
	first := startServer(bin, authorities, "--database-url", dbURL)
	defer first.stop()
	fmt.Printf("\n== Load: %d clients for %s, each sending %.2g requests a second, over %d pages and forms ==\n", clients, d, rate, len(targets))
	fmt.Println("   first one server on PostgreSQL, then the same through nginx to", n, "servers on the same database")
	one := runLoad(first, clients, d, rate)

	upstreams := []string{strings.TrimPrefix(first.Base, "http://")}
	for range n - 1 {
		ls, err := loadtest.Start(bin, "--database-url", dbURL)
		if err != nil {
			fail("%v", err)
		}
		defer ls.Stop()
		upstreams = append(upstreams, strings.TrimPrefix(ls.Base, "http://"))
	}
	proxy, err := nginxtest.Start(nginx, upstreams)
	if err != nil {
		fail("%v", err)
	}
	defer proxy.Stop()
	// Sessions are rows in the database: the cookies signed in on the first server work on all.
	viaProxy := &server{Server: &loadtest.Server{Base: "http://" + proxy.Addr}, cookies: first.cookies}
	several := runLoad(viaProxy, clients, d, rate)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t1 server\t\t\t\t%d servers behind nginx\t\t\t\t\n", n)
	fmt.Fprintln(tw, "page or form\treq/s\tp50\tp99\terrors\treq/s\tp50\tp99\terrors\t")
	var rps [2]float64
	var reqs, errs [2]int
	for i, t := range targets {
		row := t.name
		for k, r := range []result{one[i], several[i]} {
			bad := wrongAnswers(t, r)
			row += fmt.Sprintf("\t%.1f\t%s\t%s\t%d", r.RPS, ms(r.P50), ms(r.P99), bad)
			rps[k] += r.RPS
			reqs[k] += r.Requests
			errs[k] += bad
		}
		fmt.Fprintln(tw, row+"\t")
	}
	fmt.Fprintf(tw, "all (%d and %d requests)\t%.1f\t\t\t%d\t%.1f\t\t\t%d\t\n", reqs[0], reqs[1], rps[0], errs[0], rps[1], errs[1])
	tw.Flush()
	for k, rs := range [][]result{one, several} {
		for i, t := range targets {
			if bad := wrongAnswers(t, rs[i]); bad > 0 {
				fmt.Printf("  %s, %s: statuses %v, transport errors %d (want %d)\n", []string{"1 server", fmt.Sprint(n, " servers")}[k], t.name, rs[i].Statuses, rs[i].TransportErrors, t.want)
			}
		}
	}
	return errs[0]+errs[1] > 0
}

// overloadPhase sends far more clients than the server serves at once, with no pause, while a
// health check is asked every 200 ms. Then it checks the server recovers.
func overloadPhase(s *server, clients int, d time.Duration) (failed bool) {
	fmt.Printf("\n== Overload: %d clients with no pause for %s on a panel page and the councils list ==\n", clients, d)
	heavy := []target{{"a panel", "GET", "/panels/luton", "", "", 200}, {"councils", "GET", "/councils", "member", "", 200}}
	results := make([]result, len(heavy))
	var health result
	var wg sync.WaitGroup
	for i, t := range heavy {
		wg.Go(func() { results[i] = s.hey(t, clients/len(heavy), d, 0) })
	}
	wg.Go(func() { health = s.hey(target{"health", "GET", "/healthz", "", "", 200}, 1, d, 5) })
	wg.Wait()
	var served, shed, other int
	for i, r := range results {
		fmt.Printf("  %-10s %6d requests, %.0f/s: statuses %v, transport errors %d, p50 %s, p99 %s\n",
			heavy[i].name, r.Requests, r.RPS, r.Statuses, r.TransportErrors, ms(r.P50), ms(r.P99))
		served += r.Statuses[200]
		shed += r.Statuses[503]
		other += r.Requests - r.Statuses[200] - r.Statuses[503] + r.TransportErrors
	}
	fmt.Printf("  health check: %d asked, statuses %v, transport errors %d, p99 %s\n", health.Requests, health.Statuses, health.TransportErrors, ms(health.P99))
	if shed == 0 {
		fmt.Println("  FAIL: no request was shed with 503: the overload did not overload, or the server queued without end")
		failed = true
	}
	if other > 0 || health.Statuses[200] != health.Requests || health.Requests == 0 {
		fmt.Println("  FAIL: answers other than 200 and 503, transport errors, or a failing health check")
		failed = true
	}
	fmt.Printf("  served %d, shed %d with 503 (%.0f%%)\n", served, shed, 100*float64(shed)/float64(max(1, served+shed)))

	fmt.Println("\n== Recovery: straight after, 20 clients at 2 requests a second each for 10s ==")
	ok := true
	for _, t := range []target{targets[0], targets[5], targets[12]} {
		r := s.hey(t, 20/3+1, 10*time.Second, 2)
		fmt.Printf("  %-18s %4d requests: statuses %v, p50 %s, p99 %s\n", t.name, r.Requests, r.Statuses, ms(r.P50), ms(r.P99))
		if r.Statuses[t.want] != r.Requests || r.TransportErrors > 0 || r.Requests == 0 {
			ok = false
		}
	}
	if !ok {
		fmt.Println("  FAIL: the server did not recover")
	}
	return failed || !ok
}

// limitsPhase sends what should be refused cheaply, and holds connections open slowly, while
// checking that a normal request is still served at once.
func limitsPhase(s *server) (failed bool) {
	fmt.Println("\n== Limits: huge and slow requests ==")
	check := func(what string, ok bool, detail string) {
		mark := "ok  "
		if !ok {
			mark, failed = "FAIL", true
		}
		fmt.Printf("  %s %s: %s\n", mark, what, detail)
	}
	// A body over the 1 MiB limit.
	big := strings.Repeat("a", 2<<20)
	req, _ := http.NewRequest("POST", s.Base+"/account/name", strings.NewReader("display_name="+big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", s.cookies["member"])
	if res, err := noRedirects.Do(req); err != nil {
		check("2 MiB form", false, err.Error())
	} else {
		res.Body.Close()
		check("2 MiB form", res.StatusCode == 413, fmt.Sprintf("status %d, want 413", res.StatusCode))
	}
	// Headers over the 64 KiB limit.
	req, _ = http.NewRequest("GET", s.Base+"/", nil)
	req.Header.Set("X-Padding", strings.Repeat("b", 128<<10))
	if res, err := noRedirects.Do(req); err != nil {
		check("128 KiB of headers", false, err.Error())
	} else {
		res.Body.Close()
		check("128 KiB of headers", res.StatusCode == 431, fmt.Sprintf("status %d, want 431", res.StatusCode))
	}
	// Slow clients: 300 connections that send half a request line and stop.
	host := strings.TrimPrefix(s.Base, "http://")
	var conns []net.Conn
	for range 300 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			check("open slow connections", false, err.Error())
			break
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nX-Slow: ", host)
		conns = append(conns, c)
	}
	start := time.Now()
	res, err := noRedirects.Get(s.Base + "/panels/luton")
	if err == nil {
		res.Body.Close()
	}
	check("a page while 300 slow clients hold connections", err == nil && res.StatusCode == 200,
		fmt.Sprintf("served in %s", ms(time.Since(start))))
	// The server drops them once the header timeout (10 s) passes.
	closed := 0
	deadline := time.Now().Add(15 * time.Second)
	for _, c := range conns {
		_ = c.SetReadDeadline(deadline)
		buf := make([]byte, 512)
		// The server answering (408) or hanging up counts; our own deadline passing does not.
		n, err := c.Read(buf)
		if ne, ok := err.(net.Error); n > 0 || (err != nil && !(ok && ne.Timeout())) {
			closed++
		}
		c.Close()
	}
	waited := time.Since(start)
	check("slow connections dropped by the server", closed == len(conns) && waited < 15*time.Second,
		fmt.Sprintf("%d of %d closed after %s", closed, len(conns), waited.Round(time.Second)))
	return failed
}
