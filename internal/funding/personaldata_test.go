package funding_test

import (
	"context"
	"testing"

	"roundtable/internal/accounts"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata/personaldatatest"
)

// The funding source claims exactly its columns that refer to people, and its export queries
// run on both databases. Erasure across every source is tested in internal/privacy.
func TestFundingPersonalData(t *testing.T) {
	var schema []db.Migration
	for _, ms := range [][]db.Migration{audit.Migrations, directory.Migrations, accounts.Migrations, funding.Migrations} {
		schema = append(schema, ms...)
	}
	dbtest.Each(t, schema, func(t *testing.T, d *db.DB) {
		src := funding.PersonalData{}
		personaldatatest.ClaimsMatchSchema(t, d, src)
		tables, err := src.Export(context.Background(), d, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(tables) == 0 {
			t.Fatal("no tables exported")
		}
		for _, tb := range tables {
			if len(tb.Columns) == 0 || len(tb.Rows) != 0 {
				t.Errorf("%s: columns %v, %d rows in an empty database", tb.Name, tb.Columns, len(tb.Rows))
			}
		}
	})
}
