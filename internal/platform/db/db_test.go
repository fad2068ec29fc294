package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

var testMigrations = []db.Migration{
	{Component: "things", Version: 1, Name: "things", SQL: `
CREATE TABLE things (
	id {{id}},
	name TEXT NOT NULL UNIQUE,
	made_at {{time}} NOT NULL,
	ok BOOLEAN NOT NULL DEFAULT FALSE,
	blob {{bytes}}
);`},
	{Component: "things", Version: 2, Name: "thing parts", SQL: `
CREATE TABLE parts (
	id {{id}},
	thing_id BIGINT NOT NULL REFERENCES things(id)
);
CREATE INDEX parts_thing ON parts(thing_id);`},
}

func TestMigrateIsIdempotentAndGivesTheSameSchema(t *testing.T) {
	dbtest.Each(t, testMigrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n, err := d.Migrate(ctx, testMigrations)
		if err != nil || n != 0 {
			t.Fatalf("second migrate: applied %d, err %v; want 0, nil", n, err)
		}
		var count int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&count); err != nil || count != 2 {
			t.Fatalf("schema_migrations rows = %d (%v), want 2", count, err)
		}
		// Foreign keys are enforced on both.
		_, err = d.Write.ExecContext(ctx, "INSERT INTO parts (thing_id) VALUES ($1)", 999)
		if err == nil {
			t.Fatal("a part of a missing thing was accepted: foreign keys are off")
		}
	})
}

func TestValuesRoundTripOnBothDatabases(t *testing.T) {
	dbtest.Each(t, testMigrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// A BST instant: stored as UTC, it must come back as the same instant.
		at := time.Date(2020, 8, 20, 23, 59, 0, 123456000, time.FixedZone("BST", 3600))
		var id int64
		err := d.Write.QueryRowContext(ctx, "INSERT INTO things (name, made_at, ok, blob) VALUES ($1, $2, $3, $4) RETURNING id",
			"a", at.UTC(), true, []byte{0, 1, 2}).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		var name string
		var got time.Time
		var ok bool
		var blob []byte
		if err := d.Read.QueryRowContext(ctx, "SELECT name, made_at, ok, blob FROM things WHERE id = $1 AND made_at > $2", id, at.Add(-time.Second)).
			Scan(&name, &got, &ok, &blob); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) || !ok || name != "a" || string(blob) != "\x00\x01\x02" {
			t.Fatalf("got %v %v %q %v, want %v true a [0 1 2]", got, ok, name, blob, at)
		}
		_, err = d.Write.ExecContext(ctx, "INSERT INTO things (name, made_at) VALUES ($1, $2)", "a", at)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate name: err %v, want a unique violation", err)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	dbtest.Each(t, testMigrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO things (name, made_at) VALUES ('x', $1)", time.Now().UTC()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM things").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows after rollback = %d (%v), want 0", n, err)
		}
	})
}

func TestFailedMigrationLeavesNothingHalfDone(t *testing.T) {
	bad := append(append([]db.Migration{}, testMigrations...), db.Migration{Component: "things", Version: 3, Name: "broken",
		SQL: "CREATE TABLE extra (id BIGINT);\nTHIS IS NOT SQL;"})
	dbtest.Each(t, testMigrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := d.Migrate(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "things/3") || !strings.Contains(err.Error(), "rolled back") {
			t.Fatalf("err = %v, want a failure naming things/3 that was rolled back", err)
		}
		if _, err := d.Read.ExecContext(ctx, "SELECT count(*) FROM extra"); err == nil {
			t.Fatal("table extra exists: the failed migration was half applied")
		}
		var n int
		_ = d.Read.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = 3").Scan(&n)
		if n != 0 {
			t.Fatal("the failed migration was recorded as applied")
		}
	})
}

func TestMigrateRefusesANewerDatabase(t *testing.T) {
	dbtest.Each(t, testMigrations, func(t *testing.T, d *db.DB) {
		_, err := d.Migrate(context.Background(), testMigrations[:1])
		if err == nil || !strings.Contains(err.Error(), "newer version") {
			t.Fatalf("err = %v, want a refusal naming a newer version", err)
		}
	})
}

func TestMigrationsMustBeInOrder(t *testing.T) {
	d := dbtest.SQLite(t, nil)
	_, err := d.Migrate(context.Background(), []db.Migration{{Component: "a", Version: 2, SQL: "SELECT 1"}})
	if err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Fatalf("err = %v, want out of order", err)
	}
}

func TestOpenGivesClearErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := db.Open(ctx, db.Options{URL: "mysql://x"}); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("mysql URL: err = %v", err)
	}
	if _, err := db.Open(ctx, db.Options{URL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}); err == nil ||
		!strings.Contains(err.Error(), "cannot connect to the PostgreSQL database") {
		t.Errorf("unreachable postgres: err = %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Open(ctx, db.Options{DataDir: file}); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Errorf("data directory that is a file: err = %v", err)
	}
	// A file that is not a database is refused when it is used, before any migration.
	notDB := filepath.Join(t.TempDir(), "roundtable.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, db.Options{DataDir: filepath.Dir(notDB)})
	if err == nil {
		_, err = d.Migrate(ctx, testMigrations)
		d.Close()
	}
	if err == nil {
		t.Error("a file that is not a database was opened and migrated")
	}
}

func TestBackupIsAConsistentCopyWhileWritesGoOn(t *testing.T) {
	d := dbtest.SQLite(t, testMigrations)
	ctx := context.Background()
	insert := func(name string) error {
		_, err := d.Write.ExecContext(ctx, "INSERT INTO things (name, made_at) VALUES ($1, $2)", name, time.Now().UTC())
		return err
	}
	for i := range 500 {
		if err := insert(fmt.Sprint("before-", i)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := insert(fmt.Sprint("during-", i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	path := filepath.Join(t.TempDir(), "copy.db")
	err := d.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, path); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: err = %v", err)
	}
	c, err := db.OpenSQLiteFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var before int
	var check string
	if err := c.Read.QueryRowContext(ctx, "SELECT count(*) FROM things WHERE name LIKE 'before-%'").Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := c.Read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		t.Fatal(err)
	}
	if before != 500 || check != "ok" {
		t.Fatalf("copy has %d of 500 rows, integrity %q", before, check)
	}
	if _, err := c.Migrate(ctx, testMigrations); err != nil {
		t.Fatalf("the copy's schema is not current: %v", err)
	}
}

func TestSQLiteWritersQueueInsteadOfFailing(t *testing.T) {
	d := dbtest.SQLite(t, testMigrations)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO things (name, made_at) VALUES ($1, $2)", fmt.Sprint("w", i), time.Now().UTC())
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write failed: %v", err)
		}
	}
	var n int
	if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM things").Scan(&n); err != nil || n != 200 {
		t.Fatalf("rows = %d (%v), want 200", n, err)
	}
}
