package standards

import "roundtable/internal/platform/db"

// Migrations create the standards tables: the working draft (clauses, indicators and their
// level descriptions), the proposals that change it with their comments and provenance, the
// frozen published versions, and councils' adoptions and self-assessments.
var Migrations = []db.Migration{{
	Component: "standards", Version: 1, Name: "standards, proposals, versions and adoptions",
	SQL: `
-- A co-production standard, drafted by one or more panels (its drafting group).
CREATE TABLE standards (
	id {{id}},
	title TEXT NOT NULL,
	purpose TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	created_by BIGINT REFERENCES people(id)
);
CREATE TABLE standard_panels (
	standard_id BIGINT NOT NULL REFERENCES standards(id),
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	PRIMARY KEY (standard_id, panel_id)
);

-- The working draft. A clause keeps its number for life, so indicator keys ("2.1") stay the
-- same across versions; revision counts accepted changes, so a proposal made against an older
-- revision is seen as a conflict. removed_at is set when a proposal removes the clause.
CREATE TABLE standard_clauses (
	id {{id}},
	standard_id BIGINT NOT NULL REFERENCES standards(id),
	number INTEGER NOT NULL,
	title TEXT NOT NULL,
	wording TEXT NOT NULL,
	revision INTEGER NOT NULL DEFAULT 1,
	removed_at {{time}},
	UNIQUE (standard_id, number)
);
CREATE TABLE standard_indicators (
	id {{id}},
	clause_id BIGINT NOT NULL REFERENCES standard_clauses(id),
	position INTEGER NOT NULL,
	text TEXT NOT NULL,
	UNIQUE (clause_id, position)
);
-- What practice looks like at each level of the ladder of co-production (0 to 6).
CREATE TABLE standard_indicator_levels (
	indicator_id BIGINT NOT NULL REFERENCES standard_indicators(id),
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
	description TEXT NOT NULL,
	PRIMARY KEY (indicator_id, level)
);

-- A proposal to add, amend or remove a clause, decided by the consent round
-- "standard-proposal:<id>". base_revision is the clause's revision when it was proposed.
-- indicators holds a new clause's indicators as JSON until the proposal is accepted.
CREATE TABLE standard_proposals (
	id {{id}},
	standard_id BIGINT NOT NULL REFERENCES standards(id),
	kind TEXT NOT NULL CHECK (kind IN ('add', 'amend', 'remove')),
	clause_id BIGINT REFERENCES standard_clauses(id),
	base_revision INTEGER NOT NULL DEFAULT 0,
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	proposed_by BIGINT NOT NULL REFERENCES people(id),
	title TEXT NOT NULL DEFAULT '',
	wording TEXT NOT NULL DEFAULT '',
	indicators TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'not_agreed', 'conflict')),
	statement TEXT NOT NULL DEFAULT '',
	decided_at {{time}},
	decided_by BIGINT REFERENCES people(id)
);
CREATE INDEX standard_proposals_standard ON standard_proposals(standard_id, state, id);
CREATE TABLE standard_comments (
	id {{id}},
	proposal_id BIGINT NOT NULL REFERENCES standard_proposals(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	body TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE INDEX standard_comments_proposal ON standard_comments(proposal_id, id);

-- Provenance: every change to a clause, with the proposal and panel it came from and the
-- clause's title and wording after it.
CREATE TABLE standard_clause_changes (
	id {{id}},
	clause_id BIGINT NOT NULL REFERENCES standard_clauses(id),
	proposal_id BIGINT NOT NULL REFERENCES standard_proposals(id),
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	kind TEXT NOT NULL,
	revision INTEGER NOT NULL,
	title TEXT NOT NULL,
	wording TEXT NOT NULL,
	changed_at {{time}} NOT NULL
);
CREATE INDEX standard_clause_changes_clause ON standard_clause_changes(clause_id, id);

-- A published version: a frozen copy of the draft. Nothing updates these rows.
CREATE TABLE standard_versions (
	id {{id}},
	standard_id BIGINT NOT NULL REFERENCES standards(id),
	major INTEGER NOT NULL,
	minor INTEGER NOT NULL,
	number TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	published_at {{time}} NOT NULL,
	published_by BIGINT REFERENCES people(id),
	UNIQUE (standard_id, major, minor)
);
CREATE TABLE standard_version_clauses (
	version_id BIGINT NOT NULL REFERENCES standard_versions(id),
	number INTEGER NOT NULL,
	title TEXT NOT NULL,
	wording TEXT NOT NULL,
	PRIMARY KEY (version_id, number)
);
CREATE TABLE standard_version_indicators (
	id {{id}},
	version_id BIGINT NOT NULL REFERENCES standard_versions(id),
	clause_number INTEGER NOT NULL,
	position INTEGER NOT NULL,
	key TEXT NOT NULL,
	text TEXT NOT NULL,
	UNIQUE (version_id, key)
);
CREATE TABLE standard_version_levels (
	indicator_id BIGINT NOT NULL REFERENCES standard_version_indicators(id),
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
	description TEXT NOT NULL,
	PRIMARY KEY (indicator_id, level)
);

-- A council adopting a published version; adopted_on is a calendar date (YYYY-MM-DD).
CREATE TABLE standard_adoptions (
	id {{id}},
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	version_id BIGINT NOT NULL REFERENCES standard_versions(id),
	adopted_on TEXT NOT NULL,
	signed_off_by TEXT NOT NULL,
	recorded_at {{time}} NOT NULL,
	recorded_by BIGINT REFERENCES people(id),
	UNIQUE (council_id, version_id)
);
CREATE INDEX standard_adoptions_version ON standard_adoptions(version_id);
-- A council's own rating against an indicator of a version it adopted.
CREATE TABLE standard_self_ratings (
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	indicator_id BIGINT NOT NULL REFERENCES standard_version_indicators(id),
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
	evidence TEXT NOT NULL,
	rated_at {{time}} NOT NULL,
	rated_by BIGINT REFERENCES people(id),
	PRIMARY KEY (council_id, indicator_id)
);
`,
}}
