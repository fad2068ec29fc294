package pagecache

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"sync"
)

// On SQLite the counters are a read of a local file, but reading them for each request was
// still a third of a cached page's work. SQLite says more cheaply whether anything has changed:
// PRAGMA data_version, asked on one connection, changes whenever another connection (in this
// process or any other, such as a command run beside the server) has committed since that
// connection last asked. So a connection of the cache's own asks it for each request, and
// reads the counters again only when it changed: a page still sees every write committed
// before it was asked for.
//
// Asking still took a connection, a statement and SQLite's read locks: half of a cached
// page's work. Before asking, the probe reads the WAL-index header at the start of the
// database's -shm file (https://www.sqlite.org/walformat.html, "The WAL-Index Header"). A
// writer copies the header into it twice on every commit, the second copy first, and the
// header holds a counter of transactions, the number of frames in the log and the log's salts,
// so it changes with every commit and every restart of the log. When both copies agree and
// are as they were when the counters were last read, nothing has been committed since; when
// they differ, or cannot be read, the probe asks as above. (Reading the header before asking,
// and keeping that header, means a commit in between is read again next time, never missed.)
type probe struct {
	mu       sync.Mutex
	db       *sql.DB   // one connection, outside the pages' pool
	asked    *sql.Stmt // PRAGMA data_version, prepared once: parsing it was a fifth of the probe
	seen     int64
	versions map[string]int64 // nil until read
	shm      *os.File         // the -shm file, or nil when it could not be opened
	header   [walHeader]byte  // the header as it was before the counters were last read
	buf      [2 * walHeader]byte
	asks     int // times SQLite was asked, for the tests
}

// walHeader is the size of one copy of the WAL-index header.
const walHeader = 48

// unchanged reads the header and says whether it is as it was when the counters were last
// read, and returns it.
func (pr *probe) unchanged() (bool, [walHeader]byte) {
	var h [walHeader]byte
	if pr.shm == nil {
		return false, h
	}
	if n, err := pr.shm.ReadAt(pr.buf[:], 0); err != nil || n != len(pr.buf) {
		return false, h
	}
	// The copies differ while a commit is writing them; byte 12 (isInit) is zero before the
	// index is built.
	if !bytes.Equal(pr.buf[:walHeader], pr.buf[walHeader:]) || pr.buf[12] == 0 {
		return false, h
	}
	copy(h[:], pr.buf[:walHeader])
	return pr.versions != nil && h == pr.header, h
}

// sum is the page's counters, read again when anyone has committed since the last time.
func (c *Cache) probeSum(ctx context.Context, p *policy) (int64, error) {
	pr := &c.probe
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.db == nil {
		r, err := c.db.OpenReader()
		if err != nil {
			return 0, err
		}
		s, err := r.PrepareContext(context.WithoutCancel(ctx), "PRAGMA data_version")
		if err != nil {
			r.Close()
			return 0, err
		}
		pr.db, pr.asked = r, s
		// The file exists while a connection is open, as this one now is; without it (an
		// unusual build or file system) the probe only asks.
		if f, err := c.db.OpenWALIndex(); err == nil {
			pr.shm = f
		}
	}
	same, header := pr.unchanged()
	if same {
		return p.sum(pr.versions), nil
	}
	// Not the request's context: a request that gave up must not leave the connection
	// half-way through a statement for the next.
	ctx = context.WithoutCancel(ctx)
	var v int64
	pr.asks++
	if err := pr.asked.QueryRowContext(ctx).Scan(&v); err != nil {
		pr.versions = nil
		return 0, err
	}
	if pr.versions == nil || v != pr.seen {
		rows, err := pr.db.QueryContext(ctx, "SELECT kind, version FROM data_versions")
		if err != nil {
			pr.versions = nil
			return 0, err
		}
		vs, err := collectVersions(sqlRows{rows})
		if err != nil {
			pr.versions = nil
			return 0, err
		}
		pr.versions, pr.seen = vs, v
	}
	pr.header = header
	return p.sum(pr.versions), nil
}
