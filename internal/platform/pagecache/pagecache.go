// Package pagecache serves public pages to visitors who are not signed in from a copy rendered
// once per version of the data the page shows, so a journalist reading the register or a
// council officer at a deadline costs a lookup, not a render.
//
// The copy is never stale: each kind of data (a capability's tables) has a version counter in
// the database (table data_versions), bumped by triggers in the same transaction as any write
// to those tables, whoever makes it (a page, the API, the demo loader, an import). Every request
// reads the page's counters (one indexed read), so several servers on one PostgreSQL database
// see each other's writes at once (on PostgreSQL a server listening for notifications keeps
// them in memory instead: see Listen). A request carrying a cookie or credentials is never served
// from the cache, and its page is never stored.
package pagecache

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"roundtable/internal/platform/db"
)

// Page is how one public page is cached.
type Page struct {
	// Kinds are the kinds of data the page shows: it is rendered again when any of them
	// changes. None: it changes only with a new release (the about page).
	Kinds []string
	// All: the page shows every kind of data (the national dashboard).
	All bool
	// Every is set for a page that depends on the clock ("overdue"): it is rendered again at
	// least this often, at the turn of each period.
	Every time.Duration
	// Also is more the page depends on that is not in the database, such as when the national
	// figures a server keeps were worked out; the page is rendered again when it changes.
	Also func() string
	// MaxAge is how long browsers may show the page without asking again, for pages that change
	// only with a release; zero (every page showing data) makes them ask each time, answered
	// 304 while the page is unchanged.
	MaxAge time.Duration
}

// Cache holds rendered pages in memory, each under the versions it was rendered at.
type Cache struct {
	db       *db.DB
	now      func() time.Time
	log      *slog.Logger
	kinds    map[string]bool
	mux      *http.ServeMux
	maxBytes int
	recheck  time.Duration

	readers map[string]*reader // by query: pages showing the same kinds share one
	kept    kept               // the counters from notifications, on PostgreSQL (Listen)
	probe   probe              // asks SQLite whether anything changed (probe.go)

	mu      sync.RWMutex
	entries map[string]*entry
	bytes   int
}

// Options configure a cache.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// Kinds are the kinds of data pages may name (the same list the migrations made counters
	// for).
	Kinds []Kind
	// MaxBytes caps the memory the pages take (64 MiB when zero); beyond it, pages are dropped.
	MaxBytes int
	// Recheck is how often a listener reads every counter again (Listen; ten seconds when
	// zero).
	Recheck time.Duration
}

// New makes a cache reading the version counters from d.
func New(d *db.DB, o Options) *Cache {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
	if o.Recheck <= 0 {
		o.Recheck = 10 * time.Second
	}
	c := &Cache{db: d, now: o.Now, log: o.Log, kinds: map[string]bool{}, mux: http.NewServeMux(), maxBytes: o.MaxBytes, recheck: o.Recheck,
		entries: map[string]*entry{}, readers: map[string]*reader{}, kept: kept{versions: map[string]int64{}}}
	for _, k := range o.Kinds {
		c.kinds[k.Name] = true
	}
	return c
}

// policy is a registered page: its Page and the reader of its version.
type policy struct {
	Page
	version *reader
}

// ServeHTTP is never called: the mux is used only to find a request's policy.
func (p *policy) ServeHTTP(http.ResponseWriter, *http.Request) {}

// Page caches the GET route pattern (as the router registered it) under p. It panics on a kind
// no migration made a counter for, so a misspelt kind fails at start, not as a stale page.
func (c *Cache) Page(pattern string, p Page) {
	c.mux.Handle(pattern, c.policy(pattern, p))
}

// policy makes the policy for p, sharing the reader of its counters with every other page and
// memo showing the same kinds. what names the page or memo in a panic.
func (c *Cache) policy(what string, p Page) *policy {
	pol := &policy{Page: p}
	var query string
	var args []any
	if p.All {
		query = "SELECT COALESCE(SUM(version), 0) FROM data_versions"
	} else if len(p.Kinds) > 0 {
		marks := make([]string, len(p.Kinds))
		for i, k := range p.Kinds {
			if !c.kinds[k] {
				panic(fmt.Sprintf("pagecache: %s names the kind %q, which has no version counter", what, k))
			}
			marks[i] = "$" + strconv.Itoa(i+1)
			args = append(args, k)
		}
		// The counters only grow, so their sum changes whenever any of them does.
		query = "SELECT COALESCE(SUM(version), 0) FROM data_versions WHERE kind IN (" + strings.Join(marks, ", ") + ")"
	}
	if query != "" {
		key := fmt.Sprint(query, args)
		if c.readers[key] == nil {
			c.readers[key] = &reader{db: c.db, query: query, args: args}
		}
		pol.version = c.readers[key]
	}
	return pol
}

// stamp is what a rendered page depends on; a page is served only under the same stamp.
type stamp struct {
	version int64
	period  int64
	also    string
}

func (c *Cache) stamp(ctx context.Context, p *policy) (stamp, error) {
	var s stamp
	if p.version != nil {
		var ok bool
		if c.db.Dialect == db.SQLite {
			var err error
			if s.version, err = c.probeSum(ctx, p); err != nil {
				return s, err
			}
		} else if s.version, ok = c.kept.sum(p); !ok {
			var err error
			if s.version, err = p.version.read(ctx); err != nil {
				return s, err
			}
		}
	}
	if p.Every > 0 {
		s.period = c.now().UnixNano() / int64(p.Every)
	}
	if p.Also != nil {
		s.also = p.Also()
	}
	return s, nil
}

// reader reads one set of version counters, sharing each read among the requests that arrived
// before it started. A request must see every write committed before it arrived, so it never
// uses a read already under way: it waits for the next, which starts when the one under way
// ends. Under load, one read (an fcntl lock or a round trip) then serves many requests.
type reader struct {
	db    *db.DB
	query string
	args  []any

	once sync.Once
	stmt *sql.Stmt
	err  error

	mu       sync.Mutex
	inflight *round // the read under way, if any
	next     *round // the read that starts when it ends, gathering requests meanwhile
}

type round struct {
	done    chan struct{}
	version int64
	err     error
}

func (rd *reader) read(ctx context.Context) (int64, error) {
	rd.once.Do(func() { rd.stmt, rd.err = rd.db.Read.PrepareContext(context.Background(), rd.query) })
	if rd.err != nil {
		return 0, rd.err
	}
	rd.mu.Lock()
	if rd.inflight == nil {
		r := &round{done: make(chan struct{})}
		rd.inflight = r
		rd.mu.Unlock()
		rd.run(ctx, r)
		return r.version, r.err
	}
	if r := rd.next; r != nil {
		rd.mu.Unlock()
		select {
		case <-r.done:
			return r.version, r.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	// This request leads the next read: it starts once the one under way ends, and whoever
	// arrives until then joins it.
	r := &round{done: make(chan struct{})}
	rd.next = r
	under := rd.inflight
	rd.mu.Unlock()
	<-under.done
	rd.mu.Lock()
	rd.next = nil
	rd.inflight = r
	rd.mu.Unlock()
	rd.run(ctx, r)
	return r.version, r.err
}

// run reads the counters for round r, then lets its requests go. The read does not take the
// leader's context: a leader that gave up must not fail the others.
func (rd *reader) run(ctx context.Context, r *round) {
	r.err = rd.stmt.QueryRowContext(context.WithoutCancel(ctx), rd.args...).Scan(&r.version)
	rd.mu.Lock()
	if rd.inflight == r {
		rd.inflight = nil
	}
	rd.mu.Unlock()
	close(r.done)
}

// entry is one rendered page: its bytes as they are and gzip-compressed once.
type entry struct {
	stamp        stamp
	plain, gz    []byte
	etag, gzEtag string
	header       http.Header
	cacheControl string
}

func (e *entry) size() int { return len(e.plain) + len(e.gz) + 256 }

// Middleware serves the cached pages. It goes before gzip (it serves pages already compressed)
// and before the session, which a visitor without a cookie does not need.
func (c *Cache) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only visitors who are not signed in share pages: any cookie (a session, a flash
		// message) or credentials, and the page is rendered for this request alone.
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			if c.kept.isLive() {
				c.afterWrite(r.Context())
			}
			return
		}
		if r.Method != http.MethodGet || r.Header["Cookie"] != nil || r.Header["Authorization"] != nil {
			next.ServeHTTP(w, r)
			return
		}
		h, _ := c.mux.Handler(r)
		p, ok := h.(*policy)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		s, err := c.stamp(r.Context(), p)
		if err != nil {
			c.log.Warn("page cache: read the data versions", "err", err)
			next.ServeHTTP(w, r)
			return
		}
		key := r.URL.RequestURI()
		c.mu.RLock()
		e := c.entries[key]
		c.mu.RUnlock()
		if e == nil || e.stamp != s {
			if e = c.fill(w, r, next, p, key, s); e == nil {
				return
			}
		}
		e.serve(w, r)
	})
}

// fill renders the page for a visitor who is not signed in and keeps it when it may be shared:
// a 200 that sets no cookie. Anything else is passed on as it was rendered, and not kept.
func (c *Cache) fill(w http.ResponseWriter, r *http.Request, next http.Handler, p *policy, key string, s stamp) *entry {
	r2 := r.Clone(r.Context())
	// The page as it is, whatever this client asked, so that it can be served to any other.
	for _, h := range []string{"Accept-Encoding", "If-None-Match", "If-Modified-Since", "Range", "If-Range"} {
		r2.Header.Del(h)
	}
	rec := &recorder{header: http.Header{}}
	next.ServeHTTP(rec, r2)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status != http.StatusOK || rec.header["Set-Cookie"] != nil || rec.header.Get("Content-Encoding") != "" {
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		return nil
	}
	plain := bytes.Clone(rec.body.Bytes())
	sum := fnv.New64a()
	_, _ = sum.Write(plain)
	tag := strconv.FormatUint(sum.Sum64(), 36)
	// The page's own headers (its type, a download's file name); the cache sets the rest.
	header := rec.header.Clone()
	for _, h := range []string{"Cache-Control", "Vary", "Content-Length", "Etag", "Last-Modified", "Expires"} {
		header.Del(h)
	}
	e := &entry{stamp: s, plain: plain, gz: gzipped(plain), etag: `"` + tag + `"`, gzEtag: `"` + tag + `-gz"`,
		header: header, cacheControl: "public, no-cache"}
	if p.MaxAge > 0 {
		e.cacheControl = "public, max-age=" + strconv.Itoa(int(p.MaxAge/time.Second))
	}
	c.put(key, e)
	return e
}

func (c *Cache) put(key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		c.bytes -= old.size()
	}
	// Over the cap, pages are dropped in the map's own random order: cheap, and a page asked
	// for often is soon rendered again.
	for k, old := range c.entries {
		if c.bytes+e.size() <= c.maxBytes {
			break
		}
		delete(c.entries, k)
		c.bytes -= old.size()
	}
	c.entries[key] = e
	c.bytes += e.size()
}

// Bytes is the memory the kept pages take, about.
func (c *Cache) Bytes() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}

// gzipped compresses a page once, when it is rendered, at the default level: it is served
// many times, so the smaller size is worth the extra time that BestSpeed saves per response.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	z, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = z.Write(b)
	_ = z.Close()
	return buf.Bytes()
}

func (e *entry) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	body, tag := e.plain, e.etag
	gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	if gz {
		body, tag = e.gz, e.gzEtag
	}
	h["Etag"] = []string{tag}
	h["Cache-Control"] = []string{e.cacheControl}
	// A shared cache must not give a signed-in person the page of someone signed out.
	h["Vary"] = []string{"Accept-Encoding, Cookie"}
	if inm := r.Header.Get("If-None-Match"); inm != "" && e.matches(inm) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gz {
		h["Content-Encoding"] = []string{"gzip"}
	}
	for k, v := range e.header {
		h[k] = v
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// matches is If-None-Match's weak comparison against either encoding's tag: both are the
// same page.
func (e *entry) matches(inm string) bool {
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == e.etag || t == e.gzEtag {
			return true
		}
	}
	return false
}

// recorder keeps the response a page's handler writes.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
