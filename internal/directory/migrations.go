package directory

import "roundtable/internal/platform/db"

// Migrations create the directory's tables: regions, organisations (every council is one, so
// people can hold roles in it) and the council register.
var Migrations = []db.Migration{{
	Component: "directory", Version: 1, Name: "regions, organisations and councils",
	SQL: `
CREATE TABLE regions (
	id {{id}},
	name TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE
);

CREATE TABLE organisations (
	id {{id}},
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	stakeholder_type TEXT NOT NULL,
	region_id BIGINT REFERENCES regions(id),
	description TEXT NOT NULL DEFAULT '',
	website TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE INDEX organisations_type ON organisations(stakeholder_type, name);

-- The UK local authority register (mySociety's format). Current councils are organisations;
-- past councils are kept, linked to their successor, so data keyed by an old code maps forward.
CREATE TABLE councils (
	gss_code TEXT PRIMARY KEY,
	register_code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	official_name TEXT NOT NULL,
	type_code TEXT NOT NULL,
	type_name TEXT NOT NULL,
	region_id BIGINT REFERENCES regions(id),
	is_current BOOLEAN NOT NULL,
	start_date TEXT NOT NULL DEFAULT '',
	end_date TEXT NOT NULL DEFAULT '',
	replaced_by TEXT NOT NULL DEFAULT '',
	population BIGINT,
	organisation_id BIGINT UNIQUE REFERENCES organisations(id)
);
CREATE INDEX councils_region ON councils(region_id, name);
CREATE INDEX councils_replaced_by ON councils(replaced_by);
`,
}}
