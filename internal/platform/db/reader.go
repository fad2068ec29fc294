package db

import (
	"context"
	"database/sql"
	"sync"
)

// Reader is the pool pages read through: an *sql.DB whose queries, on SQLite, reuse
// statements already prepared. SQLite's driver otherwise parses and plans every query afresh,
// which was a fifth of the CPU of a signed-in page at national scale (issue 15). A query's
// text is prepared once as an *sql.Stmt, which database/sql prepares again on each connection
// it runs on and keeps there. On PostgreSQL, pgx keeps prepared statements per connection
// itself, so queries go straight to the pool.
type Reader struct {
	*sql.DB
	stmts *stmtCache // nil on PostgreSQL
}

// maxStatements bounds the statements kept: queries built with a varying number of
// parameters (an IN list) have many texts.
const maxStatements = 512

type stmtCache struct {
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newReader(pool *sql.DB, reuse bool) *Reader {
	r := &Reader{DB: pool}
	if reuse {
		r.stmts = &stmtCache{stmts: map[string]*sql.Stmt{}}
	}
	return r
}

// stmt is the statement prepared for query, prepared now if it is new; nil when statements
// are not kept or it could not be prepared (the query then runs as it is, and reports its own
// error).
func (r *Reader) stmt(ctx context.Context, query string) *sql.Stmt {
	if r.stmts == nil {
		return nil
	}
	c := r.stmts
	c.mu.RLock()
	s := c.stmts[query]
	c.mu.RUnlock()
	if s != nil {
		return s
	}
	s, err := r.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept := c.stmts[query]; kept != nil {
		// Prepared meanwhile by another request.
		go s.Close()
		return kept
	}
	for q, old := range c.stmts {
		if len(c.stmts) < maxStatements {
			break
		}
		delete(c.stmts, q)
		// Close waits for queries still reading through it.
		go old.Close()
	}
	c.stmts[query] = s
	return s
}

// QueryContext runs a query through its kept statement.
func (r *Reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query expected to return at most one row through its kept statement.
func (r *Reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the kept statements and the pool.
func (r *Reader) Close() error {
	if r.stmts != nil {
		r.stmts.mu.Lock()
		for q, s := range r.stmts.stmts {
			_ = s.Close()
			delete(r.stmts.stmts, q)
		}
		r.stmts.mu.Unlock()
	}
	return r.DB.Close()
}
