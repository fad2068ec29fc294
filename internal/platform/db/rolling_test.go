package db

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeUnderOldCode(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		safe bool
	}{
		{"-- a table\nCREATE TABLE a (\n id {{id}},\n name TEXT NOT NULL\n);\nCREATE INDEX a_name ON a(name);", true},
		{"CREATE UNIQUE INDEX IF NOT EXISTS a_x ON a(x) WHERE x IS NOT NULL;", true},
		{"ALTER TABLE a ADD COLUMN b {{time}};", true},
		{"ALTER TABLE a ADD COLUMN b TEXT NOT NULL DEFAULT '';", true},
		{"INSERT INTO rates (name) VALUES ('hour');", true},
		{"ALTER TABLE a ADD COLUMN b TEXT NOT NULL;", false},
		{"ALTER TABLE a DROP COLUMN b;", false},
		{"ALTER TABLE a RENAME COLUMN b TO c;", false},
		{"UPDATE a SET b = 1;", false},
		{"DELETE FROM a;", false},
		{"DROP TABLE a;", false},
		{"CREATE TABLE a AS SELECT * FROM b;", false},
		{"CREATE TABLE a (x TEXT);\nDROP INDEX b;", false},
		{"CREATE TRIGGER a_v AFTER INSERT ON a BEGIN UPDATE v SET n = n + 1; END;", true},
		{"CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';", true},
		{"CREATE OR REPLACE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';", false},
		{"DROP TRIGGER a_v;", false},
	} {
		ok, why := SafeUnderOldCode(Migration{Component: "t", Version: 1, SQL: tc.sql})
		if ok != tc.safe || (!ok && why == "") {
			t.Errorf("%q: safe %v (%s), want %v", tc.sql, ok, why, tc.safe)
		}
	}
	if ok, _ := SafeUnderOldCode(Migration{SQL: "CREATE TABLE a (x TEXT);", PostgresSQL: "DROP TABLE b;"}); ok {
		t.Error("the PostgreSQL statements of a migration are not checked")
	}
	ok, why := SafeUnderOldCode(Migration{SQL: "CREATE TABLE a (x TEXT);", NotSafeUnderOldCode: "old servers read the table it replaces"})
	if ok || why != "old servers read the table it replaces" {
		t.Errorf("a migration that says it is unsafe: %v %q", ok, why)
	}
}

func TestPendingListsWhatMigrateWouldRun(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	first := []Migration{{Component: "t", Version: 1, Name: "one", SQL: "CREATE TABLE one (x TEXT);"}}
	both := append(first, Migration{Component: "t", Version: 2, Name: "two", SQL: "ALTER TABLE one ADD COLUMN y TEXT;"})
	if p, err := d.Pending(ctx, both); err != nil || len(p) != 2 {
		t.Fatalf("before any migration: %v %v", p, err)
	}
	if _, err := d.Migrate(ctx, first); err != nil {
		t.Fatal(err)
	}
	p, err := d.Pending(ctx, both)
	if err != nil || len(p) != 1 || p[0].Name != "two" {
		t.Fatalf("after the first: %+v %v", p, err)
	}
	if _, err := d.Migrate(ctx, both); err != nil {
		t.Fatal(err)
	}
	if p, err := d.Pending(ctx, both); err != nil || len(p) != 0 {
		t.Fatalf("after both: %+v %v", p, err)
	}
	if _, why := SafeUnderOldCode(Migration{SQL: "UPDATE one SET x = 'a';"}); !strings.Contains(why, "UPDATE one") {
		t.Errorf("the reason does not quote the statement: %q", why)
	}
}
