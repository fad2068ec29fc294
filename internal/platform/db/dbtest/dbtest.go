// Package dbtest gives each test a fresh, migrated database of its own: a new SQLite file in a
// temporary folder, and a new schema on the PostgreSQL server that ROUNDTABLE_TEST_POSTGRES
// names. Tests on separate databases run in parallel safely.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roundtable/internal/platform/db"
)

// PostgresEnv names the variable holding the URL of a PostgreSQL database for tests.
const PostgresEnv = "ROUNDTABLE_TEST_POSTGRES"

// Each runs fn once on SQLite and once on PostgreSQL, as subtests named after the dialect.
// PostgreSQL is skipped when ROUNDTABLE_TEST_POSTGRES is unset, except in CI (CI set), where a
// skip would hide untested code, so the test fails instead.
func Each(t *testing.T, migrations []db.Migration, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t, migrations))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t, migrations))
	})
}

// SQLite opens a migrated database in a new temporary file.
func SQLite(t testing.TB, migrations []db.Migration) *db.DB {
	t.Helper()
	d, err := db.OpenSQLiteFile(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d, migrations)
	return d
}

// PostgresURL returns the test server's URL, skipping the test where there is none (and
// failing it in CI).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set in CI: the PostgreSQL tests must run there, not skip", PostgresEnv)
		}
		t.Skipf("%s is not set; skipping the PostgreSQL run", PostgresEnv)
	}
	return u
}

// Postgres creates a schema of the test's own on the test server, opens a database whose
// search_path points at it, migrates it, and drops the schema when the test ends.
func Postgres(t testing.TB, migrations []db.Migration) *db.DB {
	t.Helper()
	return PostgresServers(t, migrations, 1)[0]
}

// PostgresServers is Postgres opened n times, as n servers would each open the one database:
// separate connection pools on the same schema.
func PostgresServers(t testing.TB, migrations []db.Migration, n int) []*db.DB {
	t.Helper()
	base := PostgresURL(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	schema := "test_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	var out []*db.DB
	for range n {
		d, err := db.Open(ctx, db.Options{URL: u.String()})
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		out = append(out, d)
	}
	migrate(t, out[0], migrations)
	return out
}

func migrate(t testing.TB, d *db.DB, migrations []db.Migration) {
	t.Helper()
	if _, err := d.Migrate(context.Background(), migrations); err != nil {
		t.Fatalf("migrate %s: %v", d.Dialect, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Plan is SQLite's plan for query with args (EXPLAIN QUERY PLAN), one step a line, for tests
// that check a query reads through the indexes it was written for.
func Plan(t testing.TB, d *db.DB, query string, args ...any) string {
	t.Helper()
	rows, err := d.Read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
