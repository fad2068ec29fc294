package pagecache

import (
	"context"
	"database/sql"
	"sync"
)

// On SQLite the counters are a read of a local file, but reading them for each request was
// still a third of a cached page's work. SQLite says more cheaply whether anything has changed:
// PRAGMA data_version, asked on one connection, changes whenever another connection (in this
// process or any other, such as a command run beside the server) has committed since that
// connection last asked. So a connection of the cache's own asks it for each request, and
// reads the counters again only when it changed: a page still sees every write committed
// before it was asked for.
type probe struct {
	mu       sync.Mutex
	db       *sql.DB // one connection, outside the pages' pool
	seen     int64
	versions map[string]int64 // nil until read
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
		pr.db = r
	}
	// Not the request's context: a request that gave up must not leave the connection
	// half-way through a statement for the next.
	ctx = context.WithoutCancel(ctx)
	var v int64
	if err := pr.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
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
	return p.sum(pr.versions), nil
}
