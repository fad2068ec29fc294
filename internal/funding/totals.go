package funding

import (
	"context"
	"database/sql"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/totals"
)

// Running totals of "who was at the table" for each programme, over the activities its
// submitted bids use as evidence (an activity that several bids use counts for each, as on
// each bid's own page). A submitted bid's activities are fixed, so they change when a bid is
// submitted or when people are added to, or say something at, one of those activities.

// ProgrammeSaidTotals count what was said at the activities behind each programme's submitted
// bids, and how much of it was answered and acted on, by the speaker's stakeholder type.
var ProgrammeSaidTotals = totals.Totals{
	Name: "what was said behind each programme's submitted bids, by stakeholder type", Table: "funding_programme_said_totals",
	Key: "programme_id", Group: []string{"stakeholder_type"}, Columns: []string{"contributions", "answered", "acted_on"}, KeyOf: "b.programme_id",
	Count: func(db.Dialect) string {
		return `SELECT b.programme_id, c.stakeholder_type, COUNT(*), SUM(CASE WHEN c.response <> '' THEN 1 ELSE 0 END),
	SUM(CASE WHEN c.response IN ('adopted', 'adapted') THEN 1 ELSE 0 END)
FROM funding_bids b JOIN funding_bid_activities ba ON ba.bid_id = b.id JOIN funding_contributions c ON c.activity_id = ba.activity_id
WHERE b.submitted_at IS NOT NULL AND {{only}} GROUP BY b.programme_id, c.stakeholder_type`
	},
}

// ProgrammePeopleTotals count the people who took part in the activities behind each
// programme's submitted bids, by stakeholder type: each named person once per activity, and
// the number given for people not named.
var ProgrammePeopleTotals = totals.Totals{
	Name: "who took part behind each programme's submitted bids, by stakeholder type", Table: "funding_programme_people_totals",
	Key: "programme_id", Group: []string{"stakeholder_type"}, Columns: []string{"people"}, KeyOf: "b.programme_id",
	Count: func(db.Dialect) string {
		return `SELECT b.programme_id, fp.stakeholder_type, SUM(CASE WHEN fp.person_id IS NULL THEN fp.anonymous_count ELSE 1 END)
FROM funding_bids b JOIN funding_bid_activities ba ON ba.bid_id = b.id JOIN funding_participants fp ON fp.activity_id = ba.activity_id
WHERE b.submitted_at IS NOT NULL AND {{only}} GROUP BY b.programme_id, fp.stakeholder_type`
	},
}

// ProgrammeScores keep each council's submitted bid to each programme with its moderated
// score (scored is 0 until moderation, then 1): one narrow row per bid, so the national
// outcomes figures read them without joining every bid to its outcome. A programme's rows are
// recounted when one of its bids is submitted or moderated.
var ProgrammeScores = totals.Totals{
	Name: "the moderated scores of each programme's submitted bids, by council", Table: "funding_programme_scores",
	Key: "programme_id", Group: []string{"council_id"}, Columns: []string{"scored", "score"}, KeyOf: "b.programme_id",
	Count: func(db.Dialect) string {
		return `SELECT b.programme_id, b.council_id, CASE WHEN o.score IS NULL THEN 0 ELSE 1 END, COALESCE(o.score, 0)
FROM funding_bids b LEFT JOIN funding_outcomes o ON o.bid_id = b.id
WHERE b.submitted_at IS NOT NULL AND {{only}}`
	},
}

// submittedTotals are other capabilities' running totals keyed by programme over its submitted
// bids' activities (payments' claims paid and quick answers), which funding cannot name:
// submitting a bid recounts them with its own.
var submittedTotals []totals.Totals

// RecountOnSubmit has Submit recount t for the bid's programme too, inside its transaction.
// Call it from the package that owns t, at init.
func RecountOnSubmit(t totals.Totals) { submittedTotals = append(submittedTotals, t) }

// recountProgramme writes a programme's totals afresh inside tx.
func recountProgramme(ctx context.Context, tx *sql.Tx, d db.Dialect, programmeID int64) error {
	for _, t := range []totals.Totals{ProgrammeSaidTotals, ProgrammePeopleTotals, ProgrammeScores, ReportBidTotals, ReportTypeTotals} {
		if err := t.Recount(ctx, tx, d, programmeID); err != nil {
			return err
		}
	}
	return nil
}

// recountActivity writes afresh the totals of every programme with a submitted bid that uses
// the activity, after a change to who took part in it or what was said there.
func recountActivity(ctx context.Context, tx *sql.Tx, d db.Dialect, activityID int64) error {
	programmes, err := db.Collect(ctx, tx, func(s db.Scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, `SELECT DISTINCT b.programme_id FROM funding_bid_activities ba JOIN funding_bids b ON b.id = ba.bid_id
		WHERE ba.activity_id = $1 AND b.submitted_at IS NOT NULL`, activityID)
	if err != nil {
		return err
	}
	for _, p := range programmes {
		if err := recountProgramme(ctx, tx, d, p); err != nil {
			return err
		}
	}
	return nil
}

// recountContributions writes afresh every total that counts what was said at the council's
// activity: the council's, and those of the programmes whose submitted bids use it.
func recountContributions(ctx context.Context, tx *sql.Tx, d db.Dialect, councilID, activityID int64) error {
	if err := FeedbackTotals.Recount(ctx, tx, d, councilID); err != nil {
		return err
	}
	return recountActivity(ctx, tx, d, activityID)
}

// The programme report's running totals ("Is the co-production requirement working?"), over
// each submitted bid's evidence as BuildEvidence reads it: the activities the bid links from
// its own council's log, and who took part in them.

// reportEvidence joins a bid b to the activities it links from its own council's log, then
// to who took part in them; people is Participant.People in SQL.
const (
	reportEvidence = ` FROM funding_bid_activities ba JOIN funding_activities a ON a.id = ba.activity_id AND a.council_id = b.council_id
	JOIN funding_participants fp ON fp.activity_id = a.id WHERE ba.bid_id = b.id`
	reportPeople = `CASE WHEN COALESCE(fp.person_id, 0) <> 0 THEN 1 ELSE fp.anonymous_count END`
)

// ReportBidTotals keep one row per submitted bid of a programme: how many activities its
// evidence has, the people with lived experience and their person-minutes, and how many of
// the programme's required types had someone take part (a participant counting one or more
// people), recounted with the programme's other totals.
var ReportBidTotals = totals.Totals{
	Name: "each submitted bid's evidence for the programme report", Table: "funding_report_bids",
	Key: "programme_id", Group: []string{"bid_id"}, Columns: []string{"activities", "lived_people", "lived_minutes", "required_present"}, KeyOf: "b.programme_id",
	Count: func(d db.Dialect) string {
		// Whether the participant's type is one the programme requires, from its list.
		required := `instr(',' || p.required_types || ',', ',' || fp.stakeholder_type || ',') > 0`
		if d == db.Postgres {
			required = `strpos(',' || p.required_types || ',', ',' || fp.stakeholder_type || ',') > 0`
		}
		return `SELECT b.programme_id, b.id,
	(SELECT COUNT(*) FROM funding_bid_activities ba JOIN funding_activities a ON a.id = ba.activity_id AND a.council_id = b.council_id WHERE ba.bid_id = b.id),
	COALESCE((SELECT SUM(` + reportPeople + `)` + reportEvidence + ` AND fp.stakeholder_type = 'lived_experience'), 0),
	COALESCE((SELECT SUM((` + reportPeople + `) * a.minutes)` + reportEvidence + ` AND fp.stakeholder_type = 'lived_experience'), 0),
	(SELECT COUNT(DISTINCT fp.stakeholder_type)` + reportEvidence + ` AND (` + reportPeople + `) > 0 AND ` + required + `)
FROM funding_bids b JOIN funding_programmes p ON p.id = b.programme_id
WHERE b.submitted_at IS NOT NULL AND {{only}}`
	},
}

// ReportTypeTotals count, for each programme and stakeholder type, the submitted bids whose
// evidence lists someone of that type.
var ReportTypeTotals = totals.Totals{
	Name: "the submitted bids each stakeholder type took part in, for the programme report", Table: "funding_report_types",
	Key: "programme_id", Group: []string{"stakeholder_type"}, Columns: []string{"bids"}, KeyOf: "b.programme_id",
	Count: func(db.Dialect) string {
		return `SELECT b.programme_id, fp.stakeholder_type, COUNT(DISTINCT b.id)
FROM funding_bids b JOIN funding_bid_activities ba ON ba.bid_id = b.id
	JOIN funding_activities a ON a.id = ba.activity_id AND a.council_id = b.council_id JOIN funding_participants fp ON fp.activity_id = a.id
WHERE b.submitted_at IS NOT NULL AND {{only}} GROUP BY b.programme_id, fp.stakeholder_type`
	},
}
