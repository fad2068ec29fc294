// Command bench measures Roundtable's main pages on the national-scale dataset with Debian's
// hey (apt-get install -y hey), beside Debian's nginx serving the same bytes as static files.
// It generates the dataset once into a cached data folder (or a PostgreSQL database of its
// own), starts the server on it, saves each page as Roundtable sends it (gzip-compressed) for
// nginx, then runs hey against one page at a time, Roundtable and nginx in turn for a few
// rounds, and prints for each page both servers' requests per second, the ratio, each server
// process's CPU time per request (from /proc), and Roundtable's p50 and p99.
//
//	go run ./tools/bench --bin bin/roundtable --data bench-data/sqlite
//	go run ./tools/bench --bin bin/roundtable --data bench-data/postgres --database-url postgres://.../roundtable_bench
//
// The dataset is reused while the marker file beside it names the same generation; delete the
// data folder (or the marker) to generate it again.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"roundtable/internal/platform/db"
	"roundtable/tools/internal/loadtest"
)

// nginxPath is the nginx binary that serves the static copies.
var nginxPath string

// generation names the dataset the cache holds; change it when the generator changes.
const generation = "national-2"

func main() {
	bin := flag.String("bin", "bin/roundtable", "the roundtable binary to run")
	authorities := flag.String("authorities", "../shared/data/uk_local_authorities.csv", "the council register")
	data := flag.String("data", "bench-data/sqlite", "where the SQLite dataset is cached, or where the PostgreSQL marker is kept")
	dbURL := flag.String("database-url", "", "a PostgreSQL database for the dataset instead of SQLite; it is dropped and created again when the cache is stale")
	factor := flag.Float64("factor", 1, "a fraction of the national sizes")
	clients := flag.Int("clients", 8, "concurrent clients on each page")
	duration := flag.Duration("duration", 4*time.Second, "how long each round measures a page on each server")
	rounds := flag.Int("rounds", 2, "rounds on each page, Roundtable and nginx in turn")
	flag.StringVar(&nginxPath, "nginx", "/usr/sbin/nginx", "Debian's nginx (apt-get install -y nginx-light), which serves the same bytes as static files")
	flag.Parse()
	if err := loadtest.NeedHey(); err != nil {
		fail("%v", err)
	}
	if _, err := exec.LookPath(nginxPath); err != nil {
		fail("nginx is not installed at %s (apt-get install -y nginx-light, or --nginx PATH): %v", nginxPath, err)
	}
	if err := os.MkdirAll(*data, 0o750); err != nil {
		fail("%v", err)
	}
	where := "SQLite in " + *data
	if *dbURL != "" {
		where = "PostgreSQL"
	}
	marker := filepath.Join(*data, "dataset")
	want := strings.TrimSpace(fmt.Sprintf("%s factor %g %s", generation, *factor, *dbURL))
	if got, _ := os.ReadFile(marker); strings.TrimSpace(string(got)) != want {
		// No marker while generating, so that a generation cut short is never taken for a
		// whole one.
		_ = os.Remove(marker)
		generate(*bin, *authorities, *data, *dbURL, *factor)
		if err := os.WriteFile(marker, []byte(want+"\n"), 0o640); err != nil {
			fail("%v", err)
		}
	} else {
		fmt.Printf("Using the national dataset cached on %s (delete %s to generate it again).\n", where, marker)
	}
	s := start(*bin, *data, *dbURL)
	defer s.Stop()
	measure(s, newestBid(*data, *dbURL), *clients, *duration, max(1, *rounds), where)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

// generate makes the dataset afresh: a new SQLite file, or a dropped and re-created database.
func generate(bin, authorities, data, dbURL string, factor float64) {
	args := []string{"demo", "--scale", "national", "--factor", strconv.FormatFloat(factor, 'f', -1, 64), "--authorities", authorities}
	if dbURL == "" {
		for _, f := range []string{"roundtable.db", "roundtable.db-wal", "roundtable.db-shm"} {
			_ = os.Remove(filepath.Join(data, f))
		}
		args = append(args, "--data", data)
	} else {
		recreate(dbURL)
		args = append(args, "--database-url", dbURL)
	}
	fmt.Println("Generating the national dataset (this takes minutes; it is cached for the next run):")
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fail("generate: %v", err)
	}
}

// recreate drops and creates the benchmark's PostgreSQL database, connecting to the server's
// postgres database to do it.
func recreate(dbURL string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		fail("--database-url: %v", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(name) || name == "postgres" {
		fail("--database-url must name a database of its own for the benchmark, such as roundtable_bench, not %q", name)
	}
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		fail("%v", err)
	}
	defer admin.Close()
	ctx := context.Background()
	// The name is checked above; identifiers cannot be bound as parameters.
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			fail("%s: %v", q, err)
		}
	}
}

// newestBid is the id of the newest submitted bid, one of the generated ones.
func newestBid(data, dbURL string) int64 {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{URL: dbURL, DataDir: data})
	if err != nil {
		fail("%v", err)
	}
	defer d.Close()
	var id int64
	if err := d.Read.QueryRowContext(ctx, "SELECT max(id) FROM funding_bids WHERE submitted_at IS NOT NULL").Scan(&id); err != nil {
		fail("find a bid: %v", err)
	}
	return id
}

func start(bin, data, dbURL string) *loadtest.Server {
	args := []string{"--data", data}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	s, err := loadtest.Start(bin, args...)
	if err != nil {
		fail("%v", err)
	}
	return s
}

// etag is the ETag a server gives a page, asked for gzip-compressed as a browser would.
func etag(url string) string {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := loadtest.NoRedirects.Do(req)
	if err != nil {
		return ""
	}
	res.Body.Close()
	return res.Header.Get("ETag")
}

func signIn(s *loadtest.Server, login string) string {
	cookie, err := s.SignIn(login, "roundtable-demo")
	if err != nil {
		s.Stop()
		fail("%v", err)
	}
	return cookie
}

// get answers a page's status, to leave out pages this build does not have. The first request
// to a national figures page waits for them to be worked out, which on a crowded machine can
// outlast the client's 30 s: it is asked three times before being left out.
func get(s *loadtest.Server, path, cookie string) int {
	for range 3 {
		req, _ := http.NewRequest("GET", s.Base+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res, err := loadtest.NoRedirects.Do(req)
		if err != nil {
			continue
		}
		res.Body.Close()
		return res.StatusCode
	}
	return 0
}

// page is a page to measure. revalidate sends each server the ETag it gave, as a browser
// asking again, and expects 304 Not Modified.
type page struct {
	name, path, cookie string
	revalidate         bool
}

// side is one server's figures for a page, summed over the rounds.
type side struct {
	requests, bad int
	elapsed, cpu  time.Duration
	p50, p99      []time.Duration
}

func (s side) rps() float64 { return float64(s.requests) / s.elapsed.Seconds() }

// cpuPerRequest is the server's CPU time over the requests it answered.
func (s side) cpuPerRequest() string {
	if s.requests == 0 {
		return ""
	}
	return fmt.Sprintf("%.3f ms", float64(s.cpu)/float64(s.requests)/float64(time.Millisecond))
}

// run puts one server under hey for d and adds what it did to s: requests, failures, and the
// CPU time the server process used meanwhile (hey runs on the same machine, so the server's
// CPU time per request is the steadiest figure when the machine is shared).
func (s *side) run(pid int, url, cookie, etag string, clients int, d time.Duration) error {
	args := []string{"-z", d.String(), "-c", strconv.Itoa(clients), "-disable-redirects", "-t", "30", "-H", "Accept-Encoding: gzip"}
	if cookie != "" {
		args = append(args, "-H", "Cookie: "+cookie)
	}
	want := 200
	if etag != "" {
		args = append(args, "-H", "If-None-Match: "+etag)
		want = 304
	}
	before, err := cpuTime(pid)
	if err != nil {
		return err
	}
	r, err := loadtest.Hey(append(args, url)...)
	if err != nil {
		return err
	}
	after, err := cpuTime(pid)
	if err != nil {
		return err
	}
	// The time hey measured, so that rounds add up to hey's own requests per second.
	s.requests += r.Requests
	s.bad += r.Requests - r.Statuses[want] + r.TransportErrors
	s.elapsed += time.Duration(float64(r.Requests) / r.RPS * float64(time.Second))
	s.cpu += after - before
	s.p50, s.p99 = append(s.p50, r.P50), append(s.p99, r.P99)
	return nil
}

func measure(s *loadtest.Server, bidID int64, clients int, d time.Duration, rounds int, where string) {
	member, funder := signIn(s, "sam"), signIn(s, "funder@roundtable.example")
	pages := []page{
		{"home", "/", "", false},
		{"councils", "/councils", "", false},
		{"a council (Luton)", "/councils/E06000032", "", false},
		{"a big council (Birmingham)", "/councils/E08000025", "", false},
		{"panels", "/panels", "", false},
		{"recommendations register", "/recommendations", "", false},
		{"standards", "/standards", "", false},
		{"national data", "/data", "", false},
		{"council rough sleeping", "/councils/E06000032/rough-sleeping", "", false},
		{"national dashboard", "/data/co-production", "", false},
		{"dashboard: each council", "/data/co-production/councils", "", false},
		{"dashboard: outcomes", "/data/co-production/outcomes", "", false},
		// The public pages above come from the page cache; these show what is behind it: the
		// register rendered for each request (any cookie bypasses the cache), and a browser
		// asking again with the ETag it was given.
		{"register, not cached (a cookie)", "/recommendations", "visitor=1", false},
		{"register, asked again (304)", "/recommendations", "", true},
		{"a panel as a member", "/panels/luton", member, false},
		{"funding (funder)", "/funding", funder, false},
		{"a bid (funder)", fmt.Sprintf("/funding/bids/%d", bidID), funder, false},
	}
	// Each page's bytes, as Roundtable sends them, become nginx's static file for that page.
	var kept []page
	var bodies [][]byte
	var left []string
	for _, p := range pages {
		if code := get(s, p.path, p.cookie); code != 200 {
			left = append(left, fmt.Sprintf("%s (%s): status %d, left out", p.name, p.path, code))
			continue
		}
		gz, err := fetchRaw(s.Base+p.path, p.cookie)
		if err != nil {
			s.Stop()
			fail("%v", err)
		}
		kept, bodies = append(kept, p), append(bodies, gz)
	}
	ngx, err := startStatic(nginxPath, bodies)
	if err != nil {
		s.Stop()
		fail("%v", err)
	}

	fmt.Printf("\n== %s: %d clients, %d rounds of %s on each page, Roundtable and nginx (the same bytes as static files) in turn ==\n", where, clients, rounds, d)
	// Each server's ETag for a page measured as asked again.
	rtTags, nxTags := make([]string, len(kept)), make([]string, len(kept))
	for i, p := range kept {
		if !p.revalidate {
			continue
		}
		rtTags[i], nxTags[i] = etag(s.Base+p.path), etag(fmt.Sprintf("%s/p%d.html", ngx.Base, i))
		if rtTags[i] == "" || nxTags[i] == "" {
			ngx.Stop()
			s.Stop()
			fail("%s: no ETag (Roundtable %q, nginx %q)", p.path, rtTags[i], nxTags[i])
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\tpath\tgzip bytes\tRoundtable req/s\tnginx req/s\tratio\tRoundtable CPU/req\tnginx CPU/req\tp50\tp99\tnot 200\t")
	failed := false
	for i, p := range kept {
		var rt, nx side
		for range rounds {
			err := rt.run(s.PID(), s.Base+p.path, p.cookie, rtTags[i], clients, d)
			if err == nil {
				err = nx.run(ngx.PID(), fmt.Sprintf("%s/p%d.html", ngx.Base, i), "", nxTags[i], clients, d)
			}
			if err != nil {
				ngx.Stop()
				s.Stop()
				fail("%v", err)
			}
		}
		failed = failed || rt.bad > 0 || nx.bad > 0
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%.1f %%\t%s\t%s\t%s\t%s\t%d\t\n", p.name, p.path, len(bodies[i]), rt.rps(), nx.rps(),
			100*rt.rps()/nx.rps(), rt.cpuPerRequest(), nx.cpuPerRequest(), loadtest.MS(slices.Max(rt.p50)), loadtest.MS(slices.Max(rt.p99)), rt.bad+nx.bad)
	}
	tw.Flush()
	ngx.Stop()
	for _, l := range left {
		fmt.Println(l)
	}
	fmt.Println("ratio: Roundtable's requests per second as a share of nginx's; CPU/req: the server process's user and system time per request; p50 and p99 are Roundtable's, the worst round's.")
	fmt.Println("Public pages are served to visitors without a cookie from the page cache; \"not cached\" sends a cookie, \"asked again\" the page's ETag (a 304 from both servers).")
	if failed {
		s.Stop()
		fail("some requests were not answered 200")
	}
}
