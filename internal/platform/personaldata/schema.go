package personaldata

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"roundtable/internal/platform/db"
)

// PersonColumns reads from the schema every column that refers to people(id), sorted.
func PersonColumns(ctx context.Context, d *db.DB) ([]Column, error) {
	var cols []Column
	var err error
	if d.Dialect == db.Postgres {
		cols, err = db.Collect(ctx, d.Read, scanColumn, `SELECT kcu.table_name, kcu.column_name
			FROM information_schema.referential_constraints rc
			JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema
			JOIN information_schema.key_column_usage ref ON ref.constraint_name = rc.unique_constraint_name AND ref.constraint_schema = rc.unique_constraint_schema
			WHERE rc.constraint_schema = current_schema() AND ref.table_name = 'people'`)
	} else {
		cols, err = db.Collect(ctx, d.Read, scanColumn, `SELECT m.name, f."from"
			FROM sqlite_master m, pragma_foreign_key_list(m.name) f
			WHERE m.type = 'table' AND f."table" = 'people'`)
	}
	if err != nil {
		return nil, fmt.Errorf("read the schema's references to people: %w", err)
	}
	slices.SortFunc(cols, func(a, b Column) int { return cmp.Compare(a.String(), b.String()) })
	return slices.Compact(cols), nil
}

// TextColumns reads from the schema every column that holds text, for tests that search the
// whole database for what an erasure should have removed.
func TextColumns(ctx context.Context, d *db.DB) ([]Column, error) {
	if d.Dialect == db.Postgres {
		return db.Collect(ctx, d.Read, scanColumn, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying') ORDER BY table_name, column_name`)
	}
	return db.Collect(ctx, d.Read, scanColumn, `SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND upper(c.type) IN ('TEXT', 'VARCHAR') ORDER BY m.name, c.name`)
}

func scanColumn(s db.Scanner) (Column, error) {
	var c Column
	return c, s.Scan(&c.Table, &c.Column)
}

// Unclaimed returns the columns referring to people(id) that no source claims.
func Unclaimed(ctx context.Context, d *db.DB, sources []Source) ([]Column, error) {
	all, err := PersonColumns(ctx, d)
	if err != nil {
		return nil, err
	}
	claimed := map[Column]bool{}
	for _, s := range sources {
		for _, c := range s.Claims() {
			claimed[c] = true
		}
	}
	var out []Column
	for _, c := range all {
		if !claimed[c] {
			out = append(out, c)
		}
	}
	return out, nil
}
