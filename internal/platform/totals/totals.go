// Package totals keeps running totals: a small table of counts per key (a council, an
// organisation) that a capability writes in the same transaction as each change to what it
// counts, so that national figures read a few hundred rows instead of a million.
//
// Each change counts its key again from the source rows (Recount) rather than adding and
// taking away, so a total is exact whatever the change was; one key's rows are few. Verify
// counts every key from scratch and names any total that differs (`roundtable figures
// verify`); Rebuild writes them all afresh, after a bulk load or an upgrade.
package totals

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"roundtable/internal/platform/db"
)

// Totals describes one table of running totals.
type Totals struct {
	// Name says what they count, in words for the person running the check.
	Name string
	// Table holds the totals: the key column, then Group, then Columns; one row per key (and
	// group) with any. A change recounts every row of its key.
	Table, Key string
	Group      []string // more columns that tell a key's rows apart, such as a stakeholder type
	Columns    []string
	// Count counts from the source rows: it selects the key, then Group, then Columns in
	// order, grouped by the key and Group, with {{only}} where a WHERE condition goes.
	// Dialect-specific when the two databases spell a piece differently.
	Count func(db.Dialect) string
	// KeyOf is the expression in Count that gives the key, for counting one key.
	KeyOf string
}

func (t Totals) count(d db.Dialect, only string) string {
	return strings.ReplaceAll(t.Count(d), "{{only}}", only)
}

// columns lists the table's columns in the order Count selects them.
func (t Totals) columns() string {
	return strings.Join(append(append([]string{t.Key}, t.Group...), t.Columns...), ", ")
}

// Recount writes key's totals afresh inside tx, from the source rows as tx sees them.
func (t Totals) Recount(ctx context.Context, tx *sql.Tx, d db.Dialect, key int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Table+` WHERE `+t.Key+` = $1`, key); err != nil {
		return fmt.Errorf("recount %s: %w", t.Table, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.Table+` (`+t.columns()+`) `+t.count(d, t.KeyOf+` = $1`), key); err != nil {
		return fmt.Errorf("recount %s: %w", t.Table, err)
	}
	return nil
}

// Rebuild writes every total afresh inside tx.
func (t Totals) Rebuild(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Table); err != nil {
		return fmt.Errorf("rebuild %s: %w", t.Table, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.Table+` (`+t.columns()+`) `+t.count(d, `1 = 1`)); err != nil {
		return fmt.Errorf("rebuild %s: %w", t.Table, err)
	}
	return nil
}

// Verify counts every key from scratch and compares the kept totals with it, naming each
// difference, such as "council 12: answered is 40, counted 41". None means the totals are
// right.
func (t Totals) Verify(ctx context.Context, d *db.DB) ([]string, error) {
	counted, err := t.read(ctx, d, t.count(d.Dialect, `1 = 1`))
	if err != nil {
		return nil, fmt.Errorf("count %s: %w", t.Name, err)
	}
	kept, err := t.read(ctx, d, `SELECT `+t.columns()+` FROM `+t.Table)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Table, err)
	}
	keys := make([]string, 0, len(counted)+len(kept))
	for k := range counted {
		keys = append(keys, k)
	}
	for k := range kept {
		if _, ok := counted[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		c, k2 := counted[k], kept[k]
		for i, col := range t.Columns {
			var cv, kv float64
			if c != nil {
				cv = c[i]
			}
			if k2 != nil {
				kv = k2[i]
			}
			// Sums of days are fractional and may be added in another order.
			if math.Abs(cv-kv) > 1e-6*max(1, math.Abs(cv)) {
				out = append(out, fmt.Sprintf("%s %s: %s is %s, counted %s", t.Key, k, col, number(kv), number(cv)))
			}
		}
	}
	return out, nil
}

// read reads rows of totals by their key and group, written "12" or "12 lived_experience".
func (t Totals) read(ctx context.Context, d *db.DB, q string) (map[string][]float64, error) {
	rows, err := d.Read.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]float64{}
	for rows.Next() {
		var key int64
		group := make([]sql.NullString, len(t.Group))
		vals := make([]sql.NullFloat64, len(t.Columns))
		dest := []any{&key}
		for i := range group {
			dest = append(dest, &group[i])
		}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row := make([]float64, len(vals))
		for i, v := range vals {
			row[i] = v.Float64
		}
		name := fmt.Sprint(key)
		for _, g := range group {
			name += " " + g.String
		}
		out[name] = row
	}
	return out, rows.Err()
}

func number(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.4f", v)
}
