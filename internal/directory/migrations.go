package directory

import "roundtable/internal/platform/db"

// Migrations create the directory's tables: regions, organisations (every current council is
// one, so people can hold roles in it) and the council register.
var Migrations = []db.Migration{{
	Component: "directory", Version: 1, Name: "regions, organisations and councils",
	SQL: `
CREATE TABLE regions (
	id {{id}},
	name TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE
);

-- name_key is the name in lower case, so two organisations cannot share a name.
CREATE TABLE organisations (
	id {{id}},
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	stakeholder_type TEXT NOT NULL,
	region_id BIGINT REFERENCES regions(id),
	description TEXT NOT NULL DEFAULT '',
	website TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE INDEX organisations_type ON organisations(stakeholder_type, name);
CREATE UNIQUE INDEX organisations_name_key ON organisations(stakeholder_type, name_key);

-- The UK local authority register (mySociety's format), England's lower-tier and unitary
-- councils only. Past councils are kept, linked to their successor, so data keyed by an old
-- code maps forward. register_code is the register's local-authority-code; replaced_by holds
-- the register_code of the direct successor; successor_gss_code is the current council at the
-- end of that chain (the council's own code while it is current), worked out on import.
-- Dates are the register's YYYY-MM-DD text, empty when not known.
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
	successor_gss_code TEXT NOT NULL DEFAULT '',
	population BIGINT,
	organisation_id BIGINT UNIQUE REFERENCES organisations(id)
);
CREATE INDEX councils_region ON councils(region_id, name);
CREATE INDEX councils_successor ON councils(successor_gss_code);

-- GSS codes a council used before a boundary change (the register's former-gss-codes).
CREATE TABLE council_former_codes (
	former_gss_code TEXT PRIMARY KEY,
	gss_code TEXT NOT NULL REFERENCES councils(gss_code)
);
`,
}, {
	Component: "directory", Version: 2, Name: "current councils by region",
	// Safe under old code: an index only.
	SQL: `
-- Most pages count each region's current councils (directory.Regions); this index answers the
-- count without reading the councils' rows (issue 15).
CREATE INDEX councils_region_current ON councils(region_id, is_current);
`,
}}
