// Package personaldata is the machinery behind "Download my data", "Delete my account" and the
// retention job. Each capability that keeps data about people implements a Source for its own
// tables; internal/app lists the sources, so this package knows no capability.
//
// A Source claims every column of its tables that refers to people(id) (Claims); a test reads
// the schema and fails when a column is claimed by no source, so a new table cannot be
// forgotten by the download or the erasure.
package personaldata

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"roundtable/internal/platform/db"
)

// FormerMember is the name an erased person's account keeps, so that what they took part in
// still adds up and reads sensibly.
const FormerMember = "A former member"

// Removed replaces the text of what a person said or wrote when they ask for their
// contributions to go too; the row stays, so counts stay right.
const Removed = "Removed at the person’s request."

// Column is a table's column that refers to people(id).
type Column struct{ Table, Column string }

func (c Column) String() string { return c.Table + "." + c.Column }

// Table is a set of rows about one person, for their download: one CSV file each.
type Table struct {
	// Name is the file name without extension, such as "funding_contributions".
	Name    string
	Columns []string
	Rows    [][]string
}

// Erasure is one person's erasure, handed to every source inside one transaction.
type Erasure struct {
	PersonID int64
	// RemoveContributions is set when the person asked for what they said and wrote to go
	// too; otherwise it stays, shown as said by "a former member".
	RemoveContributions bool
	At                  time.Time
	// Names are the person's name, login and email as they were before the erasure, for
	// sources that copied a name into a record without the person's id.
	Names []string
}

// Source is one capability's personal data.
type Source interface {
	// Name names the capability, as "funding".
	Name() string
	// Claims lists the columns of the capability's tables that refer to people(id).
	Claims() []Column
	// Export returns every row about the person in the capability's tables.
	Export(ctx context.Context, d *db.DB, personID int64) ([]Table, error)
	// Erase removes the person's personal data from the capability's tables inside tx. Rows
	// that other things count (attendance, scores, contributions) stay, pointing at the
	// person's tombstone, so totals stay right.
	Erase(ctx context.Context, tx *sql.Tx, e Erasure) error
}

// Expirer is a source that also deletes data past its retention period; the retention job
// runs every one it is given. It returns how many rows (or files) it deleted.
type Expirer interface {
	Expire(ctx context.Context, d *db.DB, now time.Time) (int, error)
}

// Query runs a query and returns its rows as a Table of text, for Export. Times are written
// in UTC, RFC 3339; NULL is empty.
func Query(ctx context.Context, q db.Queryer, name, query string, args ...any) (Table, error) {
	t := Table{Name: name}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return t, fmt.Errorf("export %s: %w", name, err)
	}
	defer rows.Close()
	if t.Columns, err = rows.Columns(); err != nil {
		return t, err
	}
	for rows.Next() {
		vals := make([]any, len(t.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return t, fmt.Errorf("export %s: %w", name, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = text(v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, rows.Err()
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

// Step is one statement of an erasure.
type Step struct {
	SQL  string
	Args []any
}

// Exec runs the steps in order inside tx, for Erase: a list of statements reads more plainly
// than a ladder of error checks.
func Exec(ctx context.Context, tx *sql.Tx, steps ...Step) error {
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			return fmt.Errorf("erase: %s: %w", s.SQL, err)
		}
	}
	return nil
}
