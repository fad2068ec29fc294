package pagecache

import (
	"fmt"
	"strings"

	"roundtable/internal/platform/db"
)

// Kind is a kind of data public pages show (usually one capability's), and the tables that
// hold it: any write to them bumps the kind's version.
type Kind struct {
	Name   string
	Tables []string
}

// Component names the cache's migrations.
const Component = "pagecache"

// Migration adds the version counters of kinds and the triggers that bump them. Version 1 also
// makes the counters' table and, on PostgreSQL, the trigger functions. A table added later
// gets its triggers in a migration of its own (a later version, naming only the new tables);
// a migration that has run is never edited.
//
// The triggers are the surest way that no write is missed: they fire for the pages, the API,
// the demo loader and imports alike, in the writer's own transaction, so a page never sees new
// data under an old version. On PostgreSQL they fire once per statement that changed rows (a
// bulk insert bumps once); SQLite has only row triggers.
func Migration(version int, name string, kinds []Kind) db.Migration {
	var lite, pg strings.Builder
	if version == 1 {
		table := "CREATE TABLE data_versions (\n  kind TEXT PRIMARY KEY,\n  version BIGINT NOT NULL DEFAULT 0\n);\n"
		lite.WriteString(table)
		pg.WriteString(table)
		// One line each: migrations split statements at a semicolon that ends a line. The
		// transition table says whether the statement changed any row, so an UPDATE that
		// matched nothing (a background job finding no work) leaves the pages alone.
		pg.WriteString("CREATE FUNCTION data_versions_bump_changed() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN IF EXISTS (SELECT 1 FROM changed) THEN UPDATE data_versions SET version = version + 1 WHERE kind = TG_ARGV[0]; END IF; RETURN NULL; END';\n")
		pg.WriteString("CREATE FUNCTION data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN UPDATE data_versions SET version = version + 1 WHERE kind = TG_ARGV[0]; RETURN NULL; END';\n")
	}
	for _, k := range kinds {
		seed := fmt.Sprintf("INSERT INTO data_versions (kind, version) VALUES ('%s', 0) ON CONFLICT (kind) DO NOTHING;\n", k.Name)
		lite.WriteString(seed)
		pg.WriteString(seed)
		for _, t := range k.Tables {
			bump := fmt.Sprintf("UPDATE data_versions SET version = version + 1 WHERE kind = '%s';", k.Name)
			for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
				fmt.Fprintf(&lite, "CREATE TRIGGER %s_version_%s AFTER %s ON %s BEGIN %s END;\n", t, strings.ToLower(op), op, t, bump)
				rows := "NEW"
				if op == "DELETE" {
					rows = "OLD"
				}
				fmt.Fprintf(&pg, "CREATE TRIGGER data_version_%s AFTER %s ON %s REFERENCING %s TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump_changed('%s');\n",
					strings.ToLower(op), op, t, rows, k.Name)
			}
			fmt.Fprintf(&pg, "CREATE TRIGGER data_version_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump('%s');\n", t, k.Name)
		}
	}
	return db.Migration{Component: Component, Version: version, Name: name, SQL: lite.String(), PostgresSQL: pg.String()}
}
