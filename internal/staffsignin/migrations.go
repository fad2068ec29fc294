package staffsignin

import "roundtable/internal/platform/db"

// Migrations create the links between people and provider accounts, the sign-ins in
// progress, and the organisations that require provider sign-in.
var Migrations = []db.Migration{{
	Component: "staffsignin", Version: 1, Name: "provider accounts, sign-ins in progress, required provider sign-in",
	SQL: `
-- A person's account at an OpenID Connect provider, matched by the provider's subject (never
-- by email). refresh_token lets Roundtable ask the provider, at least daily, whether the
-- account is still active.
CREATE TABLE staff_identities (
	id {{id}},
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	provider TEXT NOT NULL,
	subject TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	refresh_token TEXT NOT NULL DEFAULT '',
	linked_at {{time}} NOT NULL,
	checked_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX staff_identities_subject ON staff_identities(provider, subject);
CREATE UNIQUE INDEX staff_identities_person ON staff_identities(person_id, provider);

-- A sign-in sent to a provider and not yet back: the state's hash, the nonce and the PKCE
-- verifier. used_at is set when the provider's answer comes back, so a state works once.
CREATE TABLE staff_signin_starts (
	state_hash TEXT PRIMARY KEY,
	provider TEXT NOT NULL,
	nonce TEXT NOT NULL,
	verifier TEXT NOT NULL,
	link_person_id BIGINT REFERENCES people(id) ON DELETE CASCADE,
	next TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	used_at {{time}}
);
CREATE INDEX staff_signin_starts_created ON staff_signin_starts(created_at);

-- Sessions started through a provider, with the ID token to send back at sign-out
-- (RP-initiated logout); they go with their session.
CREATE TABLE staff_sessions (
	token_hash TEXT PRIMARY KEY REFERENCES sessions(token_hash) ON DELETE CASCADE,
	provider TEXT NOT NULL,
	id_token TEXT NOT NULL
);

-- Organisations whose people must sign in with their provider: their passwords stop working.
CREATE TABLE staff_provider_required (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
	set_by BIGINT REFERENCES people(id) ON DELETE SET NULL,
	set_at {{time}} NOT NULL
);
`,
}}
