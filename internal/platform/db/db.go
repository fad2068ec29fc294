// Package db opens Roundtable's database, SQLite embedded by default or PostgreSQL when a
// URL names one, and runs the versioned migrations that give both the same schema.
//
// Every query is written once, with PostgreSQL-style $1 placeholders, which the SQLite driver
// also binds by position. Where the two dialects must differ (identity columns, time and
// binary types) migrations use the tokens that Rewrite replaces.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver, pure Go
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB holds a writer and a reader pool. On SQLite the writer is a single connection, so writes
// queue in Go rather than failing with "database is locked", and readers run in parallel under
// WAL. On PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	Write   *sql.DB
	Read    *Reader
	// Path is the SQLite file, empty on PostgreSQL.
	Path string
	// URL is the PostgreSQL connection string, empty on SQLite: for a connection of its own,
	// such as one that listens for notifications.
	URL string
	// readDSN opens more SQLite readers like Read's (OpenReader), closed with the rest.
	readDSN string
	mu      sync.Mutex
	more    []io.Closer // closed with the rest
}

// OpenReader opens a pool of one SQLite reader of its own, outside Read, for work that keeps
// a connection (such as asking whether anyone has committed since it last asked).
func (d *DB) OpenReader() (*sql.DB, error) {
	if d.readDSN == "" {
		return nil, errors.New("OpenReader is for SQLite")
	}
	r, err := sql.Open("sqlite", d.readDSN)
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(1)
	r.SetMaxIdleConns(1)
	r.SetConnMaxLifetime(0)
	d.mu.Lock()
	d.more = append(d.more, r)
	d.mu.Unlock()
	return r, nil
}

// OpenWALIndex opens the SQLite database's shared-memory file (the WAL index, NAME-shm) for
// reading, closed with the rest: its header says cheaply whether anyone has committed
// (pagecache). It exists while a connection is open.
func (d *DB) OpenWALIndex() (*os.File, error) {
	if d.Path == "" {
		return nil, errors.New("OpenWALIndex is for SQLite")
	}
	f, err := os.Open(d.Path + "-shm")
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.more = append(d.more, f)
	d.mu.Unlock()
	return f, nil
}

// Options says which database to open.
type Options struct {
	// URL, when it starts with postgres:// or postgresql://, selects PostgreSQL.
	URL string
	// DataDir holds the SQLite file roundtable.db when URL is empty.
	DataDir string
}

// Open connects and checks the connection; it does not migrate.
func Open(ctx context.Context, opt Options) (*DB, error) {
	if isPostgresURL(opt.URL) {
		return openPostgres(ctx, opt.URL)
	}
	if opt.URL != "" {
		return nil, fmt.Errorf("DATABASE_URL must start with postgres:// or postgresql:// (leave it empty for the embedded SQLite database)")
	}
	if opt.DataDir == "" {
		return nil, errors.New("no data directory given for the SQLite database")
	}
	if err := os.MkdirAll(opt.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create the data directory: %w", err)
	}
	return OpenSQLiteFile(ctx, filepath.Join(opt.DataDir, "roundtable.db"))
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// sqlitePragmas are set on every connection: foreign keys on, WAL so readers never block the
// writer, a busy timeout so a reader waiting on a checkpoint does not fail at once, and full
// sync so a write that was answered survives a crash. Times are written in UTC, in one text
// format, so that comparing them in SQL compares instants.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
	"&_pragma=synchronous(FULL)&_time_format=sqlite&_timezone=UTC"

// OpenSQLiteFile opens (creating if need be) the SQLite database at path.
func OpenSQLiteFile(ctx context.Context, path string) (*DB, error) {
	base := "file:" + filepath.ToSlash(path) + "?" + sqlitePragmas
	// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so two writers never
	// deadlock upgrading a read lock.
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	readDSN := base + "&_pragma=query_only(1)"
	r, err := sql.Open("sqlite", readDSN)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	return &DB{Dialect: SQLite, Write: w, Read: newReader(r, true), Path: path, readDSN: readDSN}, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	p, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("cannot open the PostgreSQL database: %w", err)
	}
	p.SetMaxOpenConns(max(8, runtime.NumCPU()*4))
	p.SetMaxIdleConns(max(8, runtime.NumCPU()*4))
	p.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pingCtx); err != nil {
		p.Close()
		return nil, fmt.Errorf("cannot connect to the PostgreSQL database: %w", err)
	}
	return &DB{Dialect: Postgres, Write: p, Read: newReader(p, false), URL: url}, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.Write.Close()
	if d.Read.DB != d.Write {
		err = errors.Join(err, d.Read.Close())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.more {
		err = errors.Join(err, r.Close())
	}
	return err
}

// Ping checks that the database answers; /readyz uses it.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.Read.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.Read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx runs fn in one write transaction: committed if fn returns nil, rolled back otherwise, so
// an action is saved whole or not at all.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of a running SQLite database to path. PostgreSQL has its own
// tools for this (pg_dump), which the README describes.
func (d *DB) Backup(ctx context.Context, path string) error {
	if d.Dialect != SQLite {
		return errors.New("backup copies the embedded SQLite database; for PostgreSQL use pg_dump (see the README)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", path)
	}
	// VACUUM INTO reads one snapshot, so the copy is consistent while writes go on. It runs on
	// a connection of its own: the readers are query-only, and the writer must stay free.
	c, err := sql.Open("sqlite", "file:"+filepath.ToSlash(d.Path)+"?"+sqlitePragmas)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO $1", abs); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on either database, so
// stores can turn it into a conflict the user can act on.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
