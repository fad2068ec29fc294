package funding

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
)

// Migrations create the funding tables: programmes with their pots and rubric, bids with their
// amounts, and each council's co-production log (activities, who took part, what they said and
// what the council did with it).
var Migrations = []db.Migration{{
	Component: "funding", Version: 1, Name: "programmes, bids and the co-production log",
	SQL: `
-- A funding programme. It is a draft until the funder publishes it; councils see it then.
-- required_types lists the stakeholder types that must take part, separated by commas;
-- questions holds the evidence questions, one a line.
CREATE TABLE funding_programmes (
	id {{id}},
	name TEXT NOT NULL,
	purpose TEXT NOT NULL,
	homes_target INTEGER NOT NULL,
	opens_at {{time}} NOT NULL,
	closes_at {{time}} NOT NULL,
	required_types TEXT NOT NULL,
	questions TEXT NOT NULL,
	published_at {{time}},
	created_at {{time}} NOT NULL,
	created_by BIGINT REFERENCES people(id)
);

-- A pot of money in a programme: capital or revenue, with a limit for any one bid.
CREATE TABLE funding_pots (
	id {{id}},
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('capital', 'revenue')),
	amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
	bid_limit_pence BIGINT NOT NULL CHECK (bid_limit_pence > 0)
);
CREATE INDEX funding_pots_programme ON funding_pots(programme_id, id);

-- The co-production scoring rubric of a programme: levels of the ladder of co-production.
CREATE TABLE funding_rubric_levels (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	score INTEGER NOT NULL,
	name TEXT NOT NULL,
	description TEXT NOT NULL,
	PRIMARY KEY (programme_id, score)
);

-- A council's bid to a programme; one per council and programme. Each section is done (1)
-- when the council says it has completed it.
CREATE TABLE funding_bids (
	id {{id}},
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	title TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	homes INTEGER NOT NULL DEFAULT 0,
	support TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL DEFAULT '',
	declared_by TEXT NOT NULL DEFAULT '',
	declared INTEGER NOT NULL DEFAULT 0,
	about_done INTEGER NOT NULL DEFAULT 0,
	amounts_done INTEGER NOT NULL DEFAULT 0,
	support_done INTEGER NOT NULL DEFAULT 0,
	evidence_done INTEGER NOT NULL DEFAULT 0,
	declarations_done INTEGER NOT NULL DEFAULT 0,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	submitted_at {{time}},
	UNIQUE (programme_id, council_id)
);
CREATE INDEX funding_bids_council ON funding_bids(council_id, id);

-- What a bid asks for from each pot, in pence (whole pounds).
CREATE TABLE funding_bid_amounts (
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	pot_id BIGINT NOT NULL REFERENCES funding_pots(id),
	amount_pence BIGINT NOT NULL CHECK (amount_pence >= 0),
	PRIMARY KEY (bid_id, pot_id)
);

-- An activity in a council's co-production log.
CREATE TABLE funding_activities (
	id {{id}},
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	title TEXT NOT NULL,
	held_on {{time}} NOT NULL,
	format TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	access TEXT NOT NULL DEFAULT '',
	minutes INTEGER NOT NULL CHECK (minutes > 0),
	created_at {{time}} NOT NULL,
	created_by BIGINT REFERENCES people(id)
);
CREATE INDEX funding_activities_council ON funding_activities(council_id, held_on);

-- Who took part: a person from the directory, or a count of people who stay anonymous.
CREATE TABLE funding_participants (
	id {{id}},
	activity_id BIGINT NOT NULL REFERENCES funding_activities(id),
	stakeholder_type TEXT NOT NULL,
	person_id BIGINT REFERENCES people(id),
	organisation_id BIGINT REFERENCES organisations(id),
	anonymous_count INTEGER NOT NULL DEFAULT 0 CHECK (anonymous_count >= 0)
);
CREATE INDEX funding_participants_activity ON funding_participants(activity_id);
CREATE INDEX funding_participants_person ON funding_participants(person_id);

-- What someone said, and what the council did with it ("you said, we did").
CREATE TABLE funding_contributions (
	id {{id}},
	activity_id BIGINT NOT NULL REFERENCES funding_activities(id),
	stakeholder_type TEXT NOT NULL,
	person_id BIGINT REFERENCES people(id),
	said TEXT NOT NULL,
	may_quote INTEGER NOT NULL DEFAULT 0,
	response TEXT NOT NULL DEFAULT '' CHECK (response IN ('', 'adopted', 'adapted', 'not_taken_forward')),
	reason TEXT NOT NULL DEFAULT '',
	responded_at {{time}},
	created_at {{time}} NOT NULL
);
CREATE INDEX funding_contributions_activity ON funding_contributions(activity_id, id);

-- The log's activities a bid uses as its evidence.
CREATE TABLE funding_bid_activities (
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	activity_id BIGINT NOT NULL REFERENCES funding_activities(id),
	PRIMARY KEY (bid_id, activity_id)
);
CREATE INDEX funding_bid_activities_activity ON funding_bid_activities(activity_id);
`,
}}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 2, Name: "assessment: assessors, conflicts of interest, scores, moderation and outcomes",
		SQL: `
-- The people the funder asks to assess a programme's bids; they may be members with lived
-- experience.
CREATE TABLE funding_assessors (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	added_at {{time}} NOT NULL,
	PRIMARY KEY (programme_id, person_id)
);
CREATE INDEX funding_assessors_person ON funding_assessors(person_id);

-- An assessor's declaration of interest for one bid, made before scoring it.
CREATE TABLE funding_conflicts (
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	conflicted INTEGER NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	declared_at {{time}} NOT NULL,
	PRIMARY KEY (bid_id, person_id)
);

-- An assessor's co-production score for a bid, a level of the programme's rubric.
CREATE TABLE funding_scores (
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 6),
	notes TEXT NOT NULL,
	scored_at {{time}} NOT NULL,
	PRIMARY KEY (bid_id, person_id)
);

-- The moderated outcome of a bid: the final score and the decision.
CREATE TABLE funding_outcomes (
	bid_id BIGINT PRIMARY KEY REFERENCES funding_bids(id),
	score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 6),
	notes TEXT NOT NULL,
	funded INTEGER NOT NULL,
	decided_at {{time}} NOT NULL,
	decided_by BIGINT REFERENCES people(id)
);

-- What a funded bid is awarded from each pot, in pence.
CREATE TABLE funding_awards (
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	pot_id BIGINT NOT NULL REFERENCES funding_pots(id),
	amount_pence BIGINT NOT NULL CHECK (amount_pence >= 0),
	PRIMARY KEY (bid_id, pot_id)
);
`})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 3, Name: "thanks for taking part in a bid",
		SQL: `
-- That the council thanked a person who took part in a bid's co-production and shared the
-- final bid with them.
CREATE TABLE funding_thanks (
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	thanked_at {{time}} NOT NULL,
	thanked_by BIGINT REFERENCES people(id),
	PRIMARY KEY (bid_id, person_id)
);
`})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 4, Name: "councils ask the funder for support with co-production",
		SQL: `
-- A council's request for support to meet the co-production requirement, and the funder's
-- adviser's answer.
CREATE TABLE funding_support_requests (
	id {{id}},
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	question TEXT NOT NULL,
	asked_at {{time}} NOT NULL,
	asked_by BIGINT REFERENCES people(id),
	answer TEXT NOT NULL DEFAULT '',
	answered_at {{time}},
	answered_by BIGINT REFERENCES people(id)
);
CREATE INDEX funding_support_council ON funding_support_requests(council_id, id);
`})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 5, Name: "eligible councils of a programme",
		SQL: `
-- The GSS codes of the councils that may bid, separated by commas; empty for every council.
ALTER TABLE funding_programmes ADD COLUMN eligible TEXT NOT NULL DEFAULT '';
`})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 6, Name: "contributors choose whether they are named",
		SQL: `
-- The contributor's own choice: named (1) or anonymous (0) wherever the contribution is shown,
-- and when they last chose (NULL while the council's record of it stands).
ALTER TABLE funding_contributions ADD COLUMN named INTEGER NOT NULL DEFAULT 1;
ALTER TABLE funding_contributions ADD COLUMN chosen_at {{time}};
`})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 7, Name: "running totals of what people said and the answers, by council",
		NotSafeUnderOldCode: "old servers would add and answer contributions without updating funding_feedback_totals; " +
			"stop them all, or run roundtable figures rebuild once they have stopped",
		SQL: `
-- What people said in each council's co-production log and how much of it the council
-- answered and acted on, written in the same transaction as each change (FeedbackTotals), so
-- the national dashboard reads one row per council. A council with none has no row.
CREATE TABLE funding_feedback_totals (
	council_id BIGINT PRIMARY KEY REFERENCES organisations(id),
	contributions BIGINT NOT NULL,
	answered BIGINT NOT NULL,
	acted_on BIGINT NOT NULL
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error { return FeedbackTotals.Rebuild(ctx, tx, d) }})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 8, Name: "scored bids read from indexes alone",
		SQL: `
-- The national outcomes figures list every submitted bid with its moderated score: these
-- answer it without reading the bids' long text (issue 15: 2.1 of 3.1 seconds of the
-- figures' build went on those rows at national scale).
CREATE INDEX funding_bids_council_submitted ON funding_bids(council_id, submitted_at, programme_id);
CREATE INDEX funding_outcomes_score ON funding_outcomes(bid_id, score);
`})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 9, Name: "running totals of who was at the table, by programme",
		NotSafeUnderOldCode: "old servers would submit bids and add to their activities without updating the programme totals; " +
			"stop them all, or run roundtable figures rebuild once they have stopped",
		SQL: `
-- "Who was at the table" for each programme, over the activities of its submitted bids:
-- written in the same transaction as each change (ProgrammeSaidTotals, ProgrammePeopleTotals),
-- so the national view reads a few rows per programme instead of every contribution.
CREATE TABLE funding_programme_said_totals (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	stakeholder_type TEXT NOT NULL,
	contributions BIGINT NOT NULL,
	answered BIGINT NOT NULL,
	acted_on BIGINT NOT NULL,
	PRIMARY KEY (programme_id, stakeholder_type)
);
CREATE TABLE funding_programme_people_totals (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	stakeholder_type TEXT NOT NULL,
	people BIGINT NOT NULL,
	PRIMARY KEY (programme_id, stakeholder_type)
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
			if err := ProgrammeSaidTotals.Rebuild(ctx, tx, d); err != nil {
				return err
			}
			return ProgrammePeopleTotals.Rebuild(ctx, tx, d)
		}})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 10, Name: "running totals of the moderated scores of each programme's bids",
		NotSafeUnderOldCode: "old servers would submit and moderate bids without updating the programme's scores; " +
			"stop them all, or run roundtable figures rebuild once they have stopped",
		SQL: `
-- Each submitted bid's moderated score by programme and council (ProgrammeScores), written in
-- the same transaction as the submission or the decision, so the national outcomes figures
-- read one narrow row per bid instead of joining every bid to its outcome.
CREATE TABLE funding_programme_scores (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	scored INTEGER NOT NULL,
	score INTEGER NOT NULL,
	PRIMARY KEY (programme_id, council_id)
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error { return ProgrammeScores.Rebuild(ctx, tx, d) }},
		db.Migration{
			Component: "funding", Version: 11, Name: "bids to assess read a page at a time, and counted per programme",
			NotSafeUnderOldCode: "old servers would submit bids without updating the count of each programme's submitted bids; " +
				"stop them all, or run roundtable figures rebuild once they have stopped",
			SQL: `
-- An assessor's list walks their programmes in order and each one's submitted bids in order,
-- so a page of it reads its own rows; how many there are is the sum of a few running totals
-- (ProgrammeBidTotals), not a count over thousands of bids (issue 15).
CREATE INDEX funding_assessors_person_programme ON funding_assessors(person_id, programme_id);
CREATE INDEX funding_bids_programme_submitted ON funding_bids(programme_id, id) WHERE submitted_at IS NOT NULL;
-- A member's own page lists what they said without reading every contribution.
CREATE INDEX funding_contributions_person ON funding_contributions(person_id, activity_id);
CREATE TABLE funding_programme_bid_totals (
	programme_id BIGINT PRIMARY KEY REFERENCES funding_programmes(id),
	submitted BIGINT NOT NULL
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
				return ProgrammeBidTotals.Rebuild(ctx, tx, d)
			}})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 12, Name: "running totals of each submitted bid's evidence for the programme report",
		NotSafeUnderOldCode: "old servers would submit bids and add people to their activities without updating the programme report's totals; " +
			"stop them all, or run roundtable figures rebuild once they have stopped",
		SQL: `
-- The programme report reads one narrow row per submitted bid (ReportBidTotals) and one per
-- stakeholder type (ReportTypeTotals), written in the same transaction as the submission or
-- the change to who took part, instead of every bid's activities and participants (issue 15).
CREATE TABLE funding_report_bids (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	bid_id BIGINT NOT NULL REFERENCES funding_bids(id),
	activities BIGINT NOT NULL,
	lived_people BIGINT NOT NULL,
	lived_minutes BIGINT NOT NULL,
	required_present BIGINT NOT NULL,
	PRIMARY KEY (programme_id, bid_id)
);
CREATE TABLE funding_report_types (
	programme_id BIGINT NOT NULL REFERENCES funding_programmes(id),
	stakeholder_type TEXT NOT NULL,
	bids BIGINT NOT NULL,
	PRIMARY KEY (programme_id, stakeholder_type)
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
			if err := ReportBidTotals.Rebuild(ctx, tx, d); err != nil {
				return err
			}
			return ReportTypeTotals.Rebuild(ctx, tx, d)
		}})
}

func init() {
	Migrations = append(Migrations, db.Migration{
		Component: "funding", Version: 13, Name: "the bids a person helped shape found through the indexes alone",
		// Safe under old code: indexes only.
		SQL: `
-- A member's own page finds the bids whose activities they took part in: person to activity to
-- bid, each step read from an index that holds the next key, not from every row it names.
CREATE INDEX funding_participants_person_activity ON funding_participants(person_id, activity_id);
CREATE INDEX funding_bid_activities_activity_bid ON funding_bid_activities(activity_id, bid_id);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
			return db.AnalyzeIndexes(ctx, tx, d, "funding_participants_person_activity", "funding_bid_activities_activity_bid")
		}})
}
