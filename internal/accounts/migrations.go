package accounts

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
)

// Migrations create people, their roles, sessions, sign-in codes and the record of failed
// sign-ins used for throttling.
var Migrations = []db.Migration{{
	Component: "accounts", Version: 1, Name: "people, roles, sessions and sign-in codes",
	SQL: `
-- A person. login is an email address or, for people without one, a sign-in name; both are
-- stored in lower case. display_name is the name they choose to go by.
CREATE TABLE people (
	id {{id}},
	display_name TEXT NOT NULL,
	login TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	created_by BIGINT REFERENCES people(id),
	disabled_at {{time}}
);
-- Lists of people are ordered by name.
CREATE INDEX people_name ON people(lower(display_name), id);

-- A role held in an organisation; an administrator's role belongs to no organisation.
CREATE TABLE memberships (
	id {{id}},
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	organisation_id BIGINT REFERENCES organisations(id),
	role TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX memberships_unique ON memberships(person_id, role, COALESCE(organisation_id, 0));
CREATE INDEX memberships_organisation ON memberships(organisation_id, role);
-- Whether a person is in an organisation: the check behind every facilitator's view.
CREATE INDEX memberships_person ON memberships(person_id, organisation_id);

-- Server-side sessions; the cookie holds a secret, the table its SHA-256.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	last_seen_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);

-- One-time sign-in codes issued by a facilitator or an administrator to a person with no
-- email or phone; used once, then the person chooses a passphrase.
CREATE TABLE signin_codes (
	code_hash TEXT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	issued_by BIGINT REFERENCES people(id),
	issued_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	-- set when the person redeems the code, in the same transaction that sets their passphrase
	used_at {{time}},
	-- set when a newer code replaces this one before it was used
	voided_at {{time}}
);
CREATE INDEX signin_codes_person ON signin_codes(person_id);

-- Failed sign-ins, for throttling. subject is "login:" plus the name tried, or "addr:" plus
-- the client address; rows older than the throttling window are pruned.
CREATE TABLE signin_failures (
	id {{id}},
	subject TEXT NOT NULL,
	at {{time}} NOT NULL
);
CREATE INDEX signin_failures_subject ON signin_failures(subject, at);
CREATE INDEX signin_failures_at ON signin_failures(at);
`,
}, {
	Component: "accounts", Version: 2, Name: "switched-off people, for counting members",
	// Safe under old code: an index only.
	SQL: `
-- The few people switched off, so that counting a group's active members subtracts them
-- rather than reading every member's row (issue 15).
CREATE INDEX people_disabled ON people(id) WHERE disabled_at IS NOT NULL;
`,
}, {
	Component: "accounts", Version: 3, Name: "contact choice and mobile number",
	SQL: `
-- How the person wants to be told things: email, text, both or facilitator (only through
-- their facilitator). NULL is the choice made before there was one: email when they have an
-- address.
ALTER TABLE people ADD COLUMN contact_by TEXT;
-- A UK mobile number in E.164 (+447...), or NULL. The person may remove it at any time.
ALTER TABLE people ADD COLUMN mobile TEXT;
`,
}, {
	Component: "accounts", Version: 4, Name: "people by role",
	// Safe under old code: an index only.
	SQL: `
-- The few people of a role (the assessors, the funder's staff), and a page of the many, read
-- without going through every membership (issue 15).
CREATE INDEX memberships_role ON memberships(role, person_id);
`,
}, {
	Component: "accounts", Version: 5, Name: "memberships read from their indexes alone",
	// Safe under old code: indexes only.
	SQL: `
-- Whether a person has a role in an organisation (asked for each person on a panel's table),
-- and the people of a role in an organisation (a panel's members), answered from the index
-- without reading each membership's row.
CREATE INDEX memberships_person_role ON memberships(person_id, organisation_id, role);
CREATE INDEX memberships_organisation_person ON memberships(organisation_id, role, person_id);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
		return db.AnalyzeIndexes(ctx, tx, d, "memberships_person_role", "memberships_organisation_person")
	},
}}
