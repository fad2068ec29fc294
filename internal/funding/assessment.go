package funding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/totals"
)

// Assessor is a person asked to assess a programme's bids.
type Assessor struct {
	PersonID int64
	Name     string
}

// Score is one assessor's score for a bid.
type Score struct {
	PersonID int64
	Name     string
	Score    int
	Notes    string
	ScoredAt time.Time
}

// Conflict is an assessor's declaration of interest for a bid.
type Conflict struct {
	PersonID   int64
	Name       string
	Conflicted bool
	Note       string
}

// Outcome is the moderated decision on a bid.
type Outcome struct {
	Score     int
	Notes     string
	Funded    bool
	DecidedAt time.Time
	Awards    map[int64]int64 // pot id to pence
}

// AwardFor shows the award from a pot.
func (o Outcome) AwardFor(potID int64) string { return Money(o.Awards[potID]) }

// TotalMoney shows the whole award.
func (o Outcome) TotalMoney() string {
	var t int64
	for _, a := range o.Awards {
		t += a
	}
	return Money(t)
}

// Assessment is everything about a bid's assessment.
type Assessment struct {
	Conflicts []Conflict
	Scores    []Score
	Outcome   *Outcome
}

// Mine returns the person's declaration and score, if any.
func (a Assessment) Mine(personID int64) (*Conflict, *Score) {
	var c *Conflict
	var s *Score
	for i := range a.Conflicts {
		if a.Conflicts[i].PersonID == personID {
			c = &a.Conflicts[i]
		}
	}
	for i := range a.Scores {
		if a.Scores[i].PersonID == personID {
			s = &a.Scores[i]
		}
	}
	return c, s
}

// MinScores is how many assessors must score a bid before it is moderated.
const MinScores = 2

// AddAssessor asks a person to assess a programme's bids.
func AddAssessor(ctx context.Context, d *db.DB, by *auth.Identity, programmeID, personID int64, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_programmes WHERE id = $1", programmeID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.New(errs.NotFound, "No such programme.")
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM people p JOIN memberships m ON m.person_id = p.id
			WHERE p.id = $1 AND m.role IN ('assessor', 'member', 'funder') AND p.disabled_at IS NULL`, personID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fieldErr("assessor", "Choose an assessor from the list")
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_assessors WHERE programme_id = $1 AND person_id = $2", programmeID, personID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO funding_assessors (programme_id, person_id, added_at) VALUES ($1, $2, $3)", programmeID, personID, utc(now)); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "assessor.added",
			Subject: fmt.Sprintf("programme:%d", programmeID), After: map[string]int64{"person_id": personID}, At: now})
	})
}

// Assessors lists a programme's assessors.
func Assessors(ctx context.Context, d *db.DB, programmeID int64) ([]Assessor, error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT p.id, p.display_name FROM funding_assessors a JOIN people p ON p.id = a.person_id
		WHERE a.programme_id = $1 ORDER BY p.display_name, p.id`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assessor
	for rows.Next() {
		var a Assessor
		if err := rows.Scan(&a.PersonID, &a.Name); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// IsAssessor reports whether the person assesses the programme.
func IsAssessor(ctx context.Context, q querier, programmeID, personID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM funding_assessors WHERE programme_id = $1 AND person_id = $2", programmeID, personID).Scan(&n)
	return n > 0, err
}

// AssessRow is one bid to assess and where the assessor is with it.
type AssessRow struct {
	Bid    Bid
	Status string
}

// assessPageSQL is a page of bids to assess ($1 the assessor, $2 and $3 the limit and offset).
// The inner query finds the page's bids alone: the person's programmes through
// funding_assessors_person_programme and each one's submitted bids through the covering
// funding_bids_programme_submitted, newest programme first (SQLite sorts one programme's bids at
// a time, never every bid). Only then are the page's rows read and where the person is with
// each looked up, so a deep page costs index entries, not lookups. CROSS JOIN fixes SQLite's
// join order: with the national statistics its planner otherwise scanned every council's bids.
// TestBidsToAssessReadThroughTheIndexes checks the plan.
const assessPageSQL = `SELECT b.id, b.programme_id, b.council_id, o.name, b.title,
		(SELECT c.conflicted FROM funding_conflicts c WHERE c.bid_id = b.id AND c.person_id = $1),
		EXISTS (SELECT 1 FROM funding_scores s WHERE s.bid_id = b.id AND s.person_id = $1),
		EXISTS (SELECT 1 FROM funding_outcomes fo WHERE fo.bid_id = b.id)
		FROM (SELECT b.id FROM funding_assessors a CROSS JOIN funding_bids b
			WHERE a.person_id = $1 AND b.programme_id = a.programme_id AND b.submitted_at IS NOT NULL
			ORDER BY a.programme_id DESC, b.id LIMIT $2 OFFSET $3) page
		CROSS JOIN funding_bids b CROSS JOIN organisations o
		WHERE b.id = page.id AND o.id = b.council_id
		ORDER BY b.programme_id DESC, b.id`

// BidsToAssessPage reads one page of the submitted bids in the programmes the person assesses,
// newest programme first, with where the person is with each, in one query (assessPageSQL).
func BidsToAssessPage(ctx context.Context, d *db.DB, personID int64, limit, offset int) ([]AssessRow, error) {
	return db.Collect(ctx, d.Read, func(rows db.Scanner) (AssessRow, error) {
		var r AssessRow
		var conflicted sql.NullInt64
		var scored, decided bool
		if err := rows.Scan(&r.Bid.ID, &r.Bid.ProgrammeID, &r.Bid.CouncilID, &r.Bid.CouncilName, &r.Bid.Title, &conflicted, &scored, &decided); err != nil {
			return r, err
		}
		r.Status = "Declare interests"
		switch {
		case decided:
			r.Status = "Decided"
		case conflicted.Valid && conflicted.Int64 == 1:
			r.Status = "Conflict of interest: not scoring"
		case scored:
			r.Status = "Scored"
		case conflicted.Valid:
			r.Status = "Ready to score"
		}
		return r, nil
	}, assessPageSQL, personID, limit, offset)
}

// ProgrammeBidTotals count each programme's submitted bids, recounted when a bid is
// submitted, so an assessor's count of bids to assess adds up one row per programme.
var ProgrammeBidTotals = totals.Totals{
	Name: "submitted bids of each programme", Table: "funding_programme_bid_totals",
	Key: "programme_id", Columns: []string{"submitted"}, KeyOf: "b.programme_id",
	Count: func(db.Dialect) string {
		return `SELECT b.programme_id, COUNT(*) FROM funding_bids b WHERE b.submitted_at IS NOT NULL AND {{only}} GROUP BY b.programme_id`
	},
}

// CountBidsToAssess counts the submitted bids in the programmes the person assesses, from the
// programmes' running totals.
func CountBidsToAssess(ctx context.Context, d *db.DB, personID int64) (int, error) {
	var n int
	err := d.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(t.submitted), 0) FROM funding_assessors a
		JOIN funding_programme_bid_totals t ON t.programme_id = a.programme_id WHERE a.person_id = $1`, personID).Scan(&n)
	return n, err
}

// GetAssessment loads a bid's declarations, scores and outcome.
func GetAssessment(ctx context.Context, d *db.DB, bidID int64) (Assessment, error) {
	var a Assessment
	rows, err := d.Read.QueryContext(ctx, `SELECT c.person_id, p.display_name, c.conflicted, c.note FROM funding_conflicts c
		JOIN people p ON p.id = c.person_id WHERE c.bid_id = $1 ORDER BY p.display_name, p.id`, bidID)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Conflict
		var conflicted int
		if err := rows.Scan(&c.PersonID, &c.Name, &conflicted, &c.Note); err != nil {
			return a, err
		}
		c.Conflicted = conflicted == 1
		a.Conflicts = append(a.Conflicts, c)
	}
	if err := rows.Err(); err != nil {
		return a, err
	}
	srows, err := d.Read.QueryContext(ctx, `SELECT s.person_id, p.display_name, s.score, s.notes, s.scored_at FROM funding_scores s
		JOIN people p ON p.id = s.person_id WHERE s.bid_id = $1 ORDER BY p.display_name, p.id`, bidID)
	if err != nil {
		return a, err
	}
	defer srows.Close()
	for srows.Next() {
		var s Score
		if err := srows.Scan(&s.PersonID, &s.Name, &s.Score, &s.Notes, &s.ScoredAt); err != nil {
			return a, err
		}
		a.Scores = append(a.Scores, s)
	}
	if err := srows.Err(); err != nil {
		return a, err
	}
	outcomes, err := outcomesOf(ctx, d, []int64{bidID})
	a.Outcome = outcomes[bidID]
	return a, err
}

// outcomesOf reads the outcomes of the bids, with their awards, by bid id; a bid not yet
// decided is absent. The ids are numbers read from the database.
func outcomesOf(ctx context.Context, d *db.DB, ids []int64) (map[int64]*Outcome, error) {
	out := map[int64]*Outcome{}
	if len(ids) == 0 {
		return out, nil
	}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = strconv.FormatInt(id, 10)
	}
	list := strings.Join(in, ", ")
	rows, err := d.Read.QueryContext(ctx, "SELECT bid_id, score, notes, funded, decided_at FROM funding_outcomes WHERE bid_id IN ("+list+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var bid int64
		var o Outcome
		var funded int
		if err := rows.Scan(&bid, &o.Score, &o.Notes, &funded, &o.DecidedAt); err != nil {
			return nil, err
		}
		o.Funded = funded == 1
		o.Awards = map[int64]int64{}
		out[bid] = &o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	arows, err := d.Read.QueryContext(ctx, "SELECT bid_id, pot_id, amount_pence FROM funding_awards WHERE bid_id IN ("+list+")")
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var bid, pot, amt int64
		if err := arows.Scan(&bid, &pot, &amt); err != nil {
			return nil, err
		}
		if o := out[bid]; o != nil {
			o.Awards[pot] = amt
		}
	}
	return out, arows.Err()
}

// assessable checks, inside tx, that the bid is submitted and the person assesses its
// programme; anything else is not found.
func assessable(ctx context.Context, tx *sql.Tx, bidID, personID int64) (Bid, error) {
	b, err := getBid(ctx, tx, bidID)
	if err != nil {
		return b, err
	}
	ok, err := IsAssessor(ctx, tx, b.ProgrammeID, personID)
	if err != nil {
		return b, err
	}
	if !ok || !b.Submitted() {
		return b, errs.New(errs.NotFound, "No such bid.")
	}
	return b, nil
}

// DeclareInterest records an assessor's declaration for a bid. A person with a conflict of
// interest does not score the bid. A declaration cannot be changed once the person has scored.
func DeclareInterest(ctx context.Context, d *db.DB, by *auth.Identity, bidID int64, conflicted bool, note string, now time.Time) error {
	var v errs.Validation
	if conflicted {
		v.Check(note != "", "note", "Say what the conflict of interest is")
	}
	v.Check(utf8.RuneCountInString(note) <= maxText, "note", fmt.Sprintf("Must be %d characters or fewer", maxText))
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := assessable(ctx, tx, bidID, by.PersonID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_conflicts WHERE bid_id = $1 AND person_id = $2", bidID, by.PersonID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "You have already declared your interests for this bid.")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO funding_conflicts (bid_id, person_id, conflicted, note, declared_at) VALUES ($1, $2, $3, $4, $5)",
			bidID, by.PersonID, b2i(conflicted), note, utc(now)); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "conflict.declared",
			Subject: fmt.Sprintf("bid:%d", bidID), After: map[string]any{"conflicted": conflicted, "note": note}, At: now})
	})
}

// ScoreBid records an assessor's co-production score for a bid, after they declared no
// conflict of interest. Scoring again replaces the score, and the audit keeps both.
func ScoreBid(ctx context.Context, d *db.DB, by *auth.Identity, bidID int64, score int, notes string, now time.Time) error {
	var v errs.Validation
	v.Check(score >= 0 && score <= 6, "score", "Choose a level from the rubric")
	checkText(&v, "notes", notes, "Explain your score: what in the evidence shows it", maxText)
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := assessable(ctx, tx, bidID, by.PersonID); err != nil {
			return err
		}
		var conflicted int
		err := tx.QueryRowContext(ctx, "SELECT conflicted FROM funding_conflicts WHERE bid_id = $1 AND person_id = $2", bidID, by.PersonID).Scan(&conflicted)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "Declare any conflict of interest before you score the bid.")
		}
		if err != nil {
			return err
		}
		if conflicted == 1 {
			return errs.New(errs.Conflict, "You declared a conflict of interest, so you cannot score this bid.")
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_outcomes WHERE bid_id = $1", bidID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "This bid has been moderated, so scores can no longer change.")
		}
		var before any
		var old Score
		if err := tx.QueryRowContext(ctx, "SELECT score, notes FROM funding_scores WHERE bid_id = $1 AND person_id = $2", bidID, by.PersonID).Scan(&old.Score, &old.Notes); err == nil {
			before = map[string]any{"score": old.Score, "notes": old.Notes}
			_, err = tx.ExecContext(ctx, "UPDATE funding_scores SET score = $1, notes = $2, scored_at = $3 WHERE bid_id = $4 AND person_id = $5",
				score, notes, utc(now), bidID, by.PersonID)
			if err != nil {
				return err
			}
		} else if errors.Is(err, sql.ErrNoRows) {
			if _, err := tx.ExecContext(ctx, "INSERT INTO funding_scores (bid_id, person_id, score, notes, scored_at) VALUES ($1, $2, $3, $4, $5)",
				bidID, by.PersonID, score, notes, utc(now)); err != nil {
				return err
			}
		} else {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.scored",
			Subject: fmt.Sprintf("bid:%d", bidID), Before: before, After: map[string]any{"score": score, "notes": notes}, At: now})
	})
}

// Decision is the funder's moderated outcome for a bid.
type Decision struct {
	Score  int
	Notes  string
	Funded bool
	Awards map[int64]int64 // pot id to pence
}

// ValidateDecision checks a decision against the pots' limits.
func ValidateDecision(dec Decision, pots []Pot, v *errs.Validation) {
	v.Check(dec.Score >= 0 && dec.Score <= 6, "score", "Choose the moderated level from the rubric")
	checkText(v, "notes", dec.Notes, "Explain the moderated score", maxText)
	if !dec.Funded {
		return
	}
	var total int64
	for _, pot := range pots {
		f := fmt.Sprintf("award-%d", pot.ID)
		a, ok := dec.Awards[pot.ID]
		if !ok {
			v.Add(f, fmt.Sprintf("Enter the award from %s, in whole pounds; enter 0 if none", pot.Name))
			continue
		}
		if a > pot.BidLimitPence {
			v.Add(f, fmt.Sprintf("The award from %s must be %s or less", pot.Name, Money(pot.BidLimitPence)))
		}
		total += a
	}
	if len(pots) > 0 && !v.Has(fmt.Sprintf("award-%d", pots[0].ID)) {
		v.Check(total > 0, fmt.Sprintf("award-%d", pots[0].ID), "A funded bid must be awarded more than £0")
	}
}

// Moderate records the funder's final score and outcome for a bid, once at least MinScores
// assessors without a conflict of interest have scored it. The outcome is final.
func Moderate(ctx context.Context, d *db.DB, by *auth.Identity, bidID int64, dec Decision, pots []Pot, now time.Time) error {
	var v errs.Validation
	ValidateDecision(dec, pots, &v)
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		b, err := getBid(ctx, tx, bidID)
		if err != nil {
			return err
		}
		if !b.Submitted() {
			return errs.New(errs.NotFound, "No such bid.")
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_scores WHERE bid_id = $1", bidID).Scan(&n); err != nil {
			return err
		}
		if n < MinScores {
			return errs.New(errs.Conflict, "At least %d assessors must score the bid before it is moderated; %d have.", MinScores, n)
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_outcomes WHERE bid_id = $1", bidID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "This bid already has an outcome.")
		}
		actorID, actorName := audit.By(by)
		if _, err := tx.ExecContext(ctx, "INSERT INTO funding_outcomes (bid_id, score, notes, funded, decided_at, decided_by) VALUES ($1, $2, $3, $4, $5, $6)",
			bidID, dec.Score, dec.Notes, b2i(dec.Funded), utc(now), nullID(actorID)); err != nil {
			return err
		}
		if err := ProgrammeScores.Recount(ctx, tx, d.Dialect, b.ProgrammeID); err != nil {
			return err
		}
		if dec.Funded {
			for _, pot := range pots {
				if _, err := tx.ExecContext(ctx, "INSERT INTO funding_awards (bid_id, pot_id, amount_pence) VALUES ($1, $2, $3)", bidID, pot.ID, dec.Awards[pot.ID]); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.decided",
			Subject: fmt.Sprintf("bid:%d", bidID), Scope: fmt.Sprintf("council:%d", b.CouncilID), After: dec, At: now})
	})
}
