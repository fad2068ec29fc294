// Package personaldatatest checks a capability's personaldata.Source against the real schema.
package personaldatatest

import (
	"context"
	"slices"
	"testing"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// ClaimsMatchSchema fails the test when the source claims a column that does not refer to
// people, or leaves out a column of one of its own tables (the tables it claims any column
// of) that does; the app-wide test in internal/privacy catches whole tables left out.
func ClaimsMatchSchema(t *testing.T, d *db.DB, src personaldata.Source) {
	t.Helper()
	all, err := personaldata.PersonColumns(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	claims := src.Claims()
	own := map[string]bool{}
	for _, c := range claims {
		own[c.Table] = true
		if !slices.Contains(all, c) {
			t.Errorf("%s claims %s, which does not refer to people", src.Name(), c)
		}
	}
	for _, c := range all {
		if own[c.Table] && !slices.Contains(claims, c) {
			t.Errorf("%s does not claim %s, which refers to people", src.Name(), c)
		}
	}
}

// Rows returns the rows of the named table in an export, failing when there is no such table.
func Rows(t *testing.T, tables []personaldata.Table, name string) []map[string]string {
	t.Helper()
	for _, tb := range tables {
		if tb.Name == name {
			out := make([]map[string]string, 0, len(tb.Rows))
			for _, r := range tb.Rows {
				m := map[string]string{}
				for i, c := range tb.Columns {
					m[c] = r[i]
				}
				out = append(out, m)
			}
			return out
		}
	}
	t.Fatalf("the export has no table %q", name)
	return nil
}
