package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"roundtable/internal/platform/db/dbtest"
)

// TestReadsThroughKeptStatements checks the reader pool's kept statements on SQLite: a query
// is prepared once and gives the right rows each time, with other values, from many requests
// at once, and after the schema changes under it; a query that does not parse reports its
// error; and the statements kept stay bounded whatever queries are made.
func TestReadsThroughKeptStatements(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t, testMigrations)
	for i := range 20 {
		if _, err := d.Write.ExecContext(ctx, "INSERT INTO things (name, made_at) VALUES ($1, $2)", fmt.Sprint("thing ", i), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	name := func(id int) string {
		t.Helper()
		var n string
		if err := d.Read.QueryRowContext(ctx, "SELECT name FROM things WHERE id = $1", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := d.Read.KeptStatements()
	if name(1) != "thing 0" || name(5) != "thing 4" {
		t.Fatal("wrong rows")
	}
	if got := d.Read.KeptStatements() - before; got != 1 {
		t.Errorf("one query asked twice keeps %d statements, want 1", got)
	}

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				id := (g*50+i)%20 + 1
				var n string
				if err := d.Read.QueryRowContext(ctx, "SELECT name FROM things WHERE id = $1", id).Scan(&n); err != nil || n != fmt.Sprint("thing ", id-1) {
					t.Errorf("id %d: %q, %v", id, n, err)
					return
				}
				rows, err := d.Read.QueryContext(ctx, "SELECT id FROM things WHERE id <= $1 ORDER BY id", id)
				if err != nil {
					t.Error(err)
					return
				}
				count := 0
				for rows.Next() {
					count++
				}
				rows.Close()
				if count != id {
					t.Errorf("%d rows up to %d", count, id)
					return
				}
			}
		})
	}
	wg.Wait()

	// A column added after the statement was kept: SQLite prepares it again by itself.
	var all string
	if err := d.Read.QueryRowContext(ctx, "SELECT * FROM things WHERE id = 1").Scan(new(int), &all, new(string), new(bool), new([]byte)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.ExecContext(ctx, "ALTER TABLE things ADD COLUMN colour TEXT NOT NULL DEFAULT 'red'"); err != nil {
		t.Fatal(err)
	}
	var colour string
	if err := d.Read.QueryRowContext(ctx, "SELECT * FROM things WHERE id = 1").Scan(new(int), &all, new(string), new(bool), new([]byte), &colour); err != nil || colour != "red" {
		t.Fatalf("after the schema changed: %q, %v", colour, err)
	}

	if err := d.Read.QueryRowContext(ctx, "SELECT nothing FROM nowhere").Scan(new(int)); err == nil {
		t.Error("a query on a missing table gave no error")
	}

	for i := range 600 {
		if err := d.Read.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(new(int)); err != nil {
			t.Fatal(err)
		}
	}
	if n := d.Read.KeptStatements(); n > 512 || n < 500 {
		t.Errorf("%d statements kept after 600 queries, want the cap of 512", n)
	}
	if name(3) != "thing 2" {
		t.Error("wrong row after the cap")
	}
}

// TestPostgresReadsGoStraightToThePool: pgx keeps its own prepared statements.
func TestPostgresReadsGoStraightToThePool(t *testing.T) {
	d := dbtest.Postgres(t, testMigrations)
	var one int
	if err := d.Read.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatal(one, err)
	}
	if n := d.Read.KeptStatements(); n != 0 {
		t.Errorf("%d statements kept on PostgreSQL", n)
	}
}
