package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"roundtable/internal/platform/db"
)

// bulk inserts rows into one table through one prepared statement, inside the caller's
// transaction. On PostgreSQL each statement carries many rows, to save round trips; on SQLite,
// in the same process, one row each is fastest: the driver binds each value in time that grows
// with the statement's number of values, so 500 rows of 20 columns take 30 times as long a row
// as one.
type bulk struct {
	ctx     context.Context
	tx      *sql.Tx
	table   string
	cols    []string
	perStmt int
	args    []any
	rows    int
	total   int
	stmt    *sql.Stmt // the prepared statement for a full batch
	parents []*bulk   // written first, so that this table's references find their rows
}

// after makes b write the rows queued in parents before its own.
func (b *bulk) after(parents ...*bulk) *bulk {
	b.parents = parents
	return b
}

func newBulk(ctx context.Context, d db.Dialect, tx *sql.Tx, table string, cols ...string) *bulk {
	perStmt := 1
	if d == db.Postgres {
		perStmt = max(1, min(batchRows, 30000/len(cols)))
	}
	return &bulk{ctx: ctx, tx: tx, table: table, cols: cols, perStmt: perStmt}
}

// batchRows is the most rows one INSERT writes on PostgreSQL; the tests make it small, so that
// a small dataset crosses many batch boundaries.
var batchRows = 500

// add queues one row, whose values are in the order of the columns.
func (b *bulk) add(vals ...any) error {
	if len(vals) != len(b.cols) {
		return fmt.Errorf("%s: %d values for %d columns", b.table, len(vals), len(b.cols))
	}
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows == b.perStmt {
		return b.flush()
	}
	return nil
}

// flush writes the rows queued; call it once more when the last row is added.
func (b *bulk) flush() error {
	if b.rows == 0 {
		return nil
	}
	for _, p := range b.parents {
		if err := p.flush(); err != nil {
			return err
		}
	}
	var err error
	if b.rows == b.perStmt {
		if b.stmt == nil {
			if b.stmt, err = b.tx.PrepareContext(b.ctx, b.query(b.rows)); err != nil {
				return fmt.Errorf("%s: %w", b.table, err)
			}
		}
		_, err = b.stmt.ExecContext(b.ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(b.ctx, b.query(b.rows), b.args...)
	}
	if err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	b.total += b.rows
	b.rows, b.args = 0, b.args[:0]
	return nil
}

// close flushes the last rows and frees the prepared statement.
func (b *bulk) close() error {
	err := b.flush()
	if b.stmt != nil {
		b.stmt.Close()
	}
	return err
}

func (b *bulk) query(rows int) string {
	var q strings.Builder
	q.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
	n := 1
	for r := range rows {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				q.WriteByte(',')
			}
			q.WriteString("$" + strconv.Itoa(n))
			n++
		}
		q.WriteByte(')')
	}
	return q.String()
}

// nextID is the first free id of a table whose rows the generator numbers itself, so that
// rows can refer to each other before they are written.
func nextID(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var n sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	return n.Int64 + 1, nil
}

// resetIdentity moves PostgreSQL's identity sequence past the ids the generator chose, so the
// application's next insert gets a free id. SQLite's AUTOINCREMENT follows on its own.
func resetIdentity(ctx context.Context, d *db.DB, tables ...string) error {
	if d.Dialect != db.Postgres {
		return nil
	}
	for _, t := range tables {
		if _, err := d.Write.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT COALESCE(max(id), 0) + 1 FROM "+t+"), false)", t); err != nil {
			return fmt.Errorf("identity of %s: %w", t, err)
		}
	}
	return nil
}
