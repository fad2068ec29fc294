package db

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// During a rolling upgrade the new binary migrates the database while servers of the previous
// version still serve from it. That is safe when a migration only adds: a new table, index or
// column that old code neither reads nor writes, or seed rows. Anything else (dropping,
// renaming, changing a column, rewriting rows) must say so in NotSafeUnderOldCode, and the
// upgrade then stops every old server first.
var additive = []*regexp.Regexp{
	regexp.MustCompile(`(?is)^CREATE TABLE (IF NOT EXISTS )?\w+ \(`),
	regexp.MustCompile(`(?is)^CREATE (UNIQUE )?INDEX (IF NOT EXISTS )?\w+ ON \w+`),
	regexp.MustCompile(`(?is)^INSERT INTO \w+`),
	// A new trigger or function adds behaviour to writes that old code makes too, without
	// changing what it reads or writes (the page cache's version counters). CREATE OR REPLACE
	// is not additive: it changes a function old code may rely on.
	regexp.MustCompile(`(?is)^CREATE TRIGGER (IF NOT EXISTS )?\w+ (AFTER|BEFORE) `),
	regexp.MustCompile(`(?is)^CREATE FUNCTION \w+\(`),
}

// A new column is safe if old code's INSERTs, which do not name it, still work: nullable, or
// NOT NULL with a DEFAULT.
var addColumn = regexp.MustCompile(`(?is)^ALTER TABLE \w+ ADD COLUMN (IF NOT EXISTS )?\w+ (.*?);?$`)

// SafeUnderOldCode reports whether servers of the previous version keep working once m has
// run, and if not, why.
func SafeUnderOldCode(m Migration) (bool, string) {
	if m.NotSafeUnderOldCode != "" {
		return false, m.NotSafeUnderOldCode
	}
	for _, stmt := range splitStatements(stripComments(m.SQL + "\n" + m.PostgresSQL)) {
		stmt = strings.Join(strings.Fields(stmt), " ")
		if stmt == "" {
			continue
		}
		if c := addColumn.FindStringSubmatch(stmt); c != nil {
			def := strings.ToUpper(c[2])
			if strings.Contains(def, "NOT NULL") && !strings.Contains(def, "DEFAULT") {
				return false, "adds a NOT NULL column without a default, so old servers' inserts would fail: " + firstLine(stmt)
			}
			continue
		}
		ok := false
		for _, re := range additive {
			ok = ok || re.MatchString(stmt)
		}
		if !ok {
			return false, "does more than add (set NotSafeUnderOldCode to say why it is needed): " + firstLine(stmt)
		}
	}
	return true, ""
}

func stripComments(sqlText string) string {
	var b strings.Builder
	for _, line := range strings.Split(sqlText, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}

func firstLine(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// Pending lists the migrations not yet applied to the database, in the order they would run.
func (d *DB) Pending(ctx context.Context, migrations []Migration) ([]Migration, error) {
	var exists int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if d.Dialect == Postgres {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
	}
	if err := d.Read.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return nil, fmt.Errorf("look for schema_migrations: %w", err)
	}
	done := map[string]bool{}
	if exists > 0 {
		var err error
		if done, err = d.appliedMigrations(ctx); err != nil {
			return nil, err
		}
	}
	var out []Migration
	for _, m := range migrations {
		if !done[key(m.Component, m.Version)] {
			out = append(out, m)
		}
	}
	return out, nil
}
