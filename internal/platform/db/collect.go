package db

import (
	"context"
	"database/sql"
)

// Queryer is a pool or a transaction.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Scanner is a row being read. It is an alias, so a scan function written against the bare
// interface also fits Collect.
type Scanner = interface{ Scan(dest ...any) error }

// Collect runs a query and scans every row with scan, so stores do not repeat the
// rows.Next/Scan/Close/Err loop.
func Collect[T any](ctx context.Context, q Queryer, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
