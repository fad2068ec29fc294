package pagecache

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"roundtable/internal/platform/db"
)

// On PostgreSQL, reading the counters for each request costs a round trip to the database,
// about half a cached page's work. Listen keeps them in memory instead: a trigger on
// data_versions sends a notification for each bump when its transaction commits, and the
// listener applies them in commit order. What that changes:
//
//   - A write made through this server (any request that is not a GET) is read back into the
//     kept counters before its response leaves, so whoever made it, and anyone they tell, sees
//     it at once.
//   - A write made elsewhere (another server, a command, a background job) reaches the kept
//     counters when its notification arrives: a fraction of a millisecond on one network,
//     against a round trip for every page before.
//   - Whenever the listener is not connected, or has not yet read every counter since it
//     connected, pages read the counters from the database for each request, as on SQLite.
//     Every ten seconds (Options.Recheck) it reads them again over its own connection, which also proves the
//     connection alive.

// ListenMigration adds the trigger that sends those notifications (PostgreSQL only). Its
// payload names the schema, so that servers on other schemas of one database (tests) ignore it.
var ListenMigration = db.Migration{Component: Component + "-listen", Version: 1, Name: "notify each version bump",
	SQL: "-- SQLite has no notifications: nothing to add.\n",
	PostgresSQL: "CREATE FUNCTION data_versions_notify() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN PERFORM pg_notify(''data_versions'', TG_TABLE_SCHEMA || '' '' || NEW.kind || '' '' || NEW.version); RETURN NULL; END';\n" +
		"CREATE TRIGGER data_versions_notify AFTER UPDATE ON data_versions FOR EACH ROW EXECUTE FUNCTION data_versions_notify();\n"}

// kept is the counters as the listener knows them.
type kept struct {
	mu       sync.RWMutex
	live     bool
	versions map[string]int64
}

// sum is the counters' total for a page, and whether the kept counters may be used.
func (k *kept) sum(p *policy) (int64, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if !k.live {
		return 0, false
	}
	return p.sum(k.versions), true
}

// sum adds up the page's counters (every one for a page of All).
func (p *policy) sum(versions map[string]int64) int64 {
	var n int64
	if p.All {
		for _, v := range versions {
			n += v
		}
		return n
	}
	for _, kind := range p.Kinds {
		n += versions[kind]
	}
	return n
}

// merge takes counters read or notified. They only grow, so the larger value is the newer,
// whichever arrived first.
func (k *kept) merge(kind string, v int64) {
	k.mu.Lock()
	if v > k.versions[kind] {
		k.versions[kind] = v
	}
	k.mu.Unlock()
}

// Listening says whether pages use the counters kept from notifications.
func (c *Cache) Listening() bool { return c.kept.isLive() }

func (k *kept) isLive() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.live
}

func (k *kept) setLive(live bool) {
	k.mu.Lock()
	k.live = live
	k.mu.Unlock()
}

// readAll reads every counter into the kept ones.
func (k *kept) readAll(ctx context.Context, query func(ctx context.Context) (map[string]int64, error)) error {
	vs, err := query(ctx)
	if err != nil {
		return err
	}
	for kind, v := range vs {
		k.merge(kind, v)
	}
	return nil
}

// Listen keeps the counters in memory from PostgreSQL's notifications until ctx ends,
// reconnecting after a failure. On SQLite it returns at once: reading the counters there is a
// read of a local file, and a command run beside the server could write without telling it.
func (c *Cache) Listen(ctx context.Context) {
	if c.db.Dialect != db.Postgres || c.db.URL == "" {
		return
	}
	for ctx.Err() == nil {
		err := c.listen(ctx)
		c.kept.setLive(false)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("page cache: listening for data changes stopped; pages read the versions for each request until it is back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (c *Cache) listen(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.db.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	// Named, so that it can be told apart among the database's connections.
	if _, err := conn.Exec(ctx, "SELECT set_config('application_name', 'roundtable page cache '||$1, false)", schema); err != nil {
		return err
	}
	// Listening first, then reading: a bump committed in between is in the read or in a
	// notification, and merging keeps the larger.
	if _, err := conn.Exec(ctx, "LISTEN data_versions"); err != nil {
		return err
	}
	readAll := func(ctx context.Context) (map[string]int64, error) {
		rows, err := conn.Query(ctx, "SELECT kind, version FROM data_versions")
		if err != nil {
			return nil, err
		}
		return collectVersions(rows)
	}
	if err := c.kept.readAll(ctx, readAll); err != nil {
		return err
	}
	c.kept.setLive(true)
	for {
		wait, cancel := context.WithTimeout(ctx, c.recheck)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			// "schema kind version"
			f := strings.Fields(n.Payload)
			if len(f) != 3 || f[0] != schema {
				continue
			}
			if v, err := strconv.ParseInt(f[2], 10, 64); err == nil {
				c.kept.merge(f[1], v)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			if err := c.kept.readAll(ctx, readAll); err != nil {
				return err
			}
			// Live again after a failed read following a write (afterWrite).
			c.kept.setLive(true)
		default:
			return err
		}
	}
}

type versionRows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close()
}

func collectVersions(rows versionRows) (map[string]int64, error) {
	defer rows.Close()
	vs := map[string]int64{}
	for rows.Next() {
		var kind string
		var v int64
		if err := rows.Scan(&kind, &v); err != nil {
			return nil, err
		}
		vs[kind] = v
	}
	return vs, rows.Err()
}

// afterWrite reads every counter back once a request that may have written has been handled,
// before its response is sent, so this server's own writes are never waiting on their
// notification. A failed read stops the kept counters being used until the listener reads
// them again.
func (c *Cache) afterWrite(ctx context.Context) {
	err := c.kept.readAll(context.WithoutCancel(ctx), func(ctx context.Context) (map[string]int64, error) {
		rows, err := c.db.Read.QueryContext(ctx, "SELECT kind, version FROM data_versions")
		if err != nil {
			return nil, err
		}
		return collectVersions(sqlRows{rows})
	})
	if err != nil {
		c.kept.setLive(false)
		c.log.Warn("page cache: read the data versions after a write", "err", err)
	}
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
