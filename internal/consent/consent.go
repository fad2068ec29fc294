// Package consent runs consent decision-making for any capability: a round about one subject
// (such as "recommendation:42") with a close time and a quorum. Each participant responds
// consent, concern, or objection with a reason; a second response replaces the first; no
// response is taken after the close; a facilitator resolves an objection with a note. The
// outcome is agreed when no objection stands at the close and enough people took part.
//
// Who may take part and who may resolve is the caller's to decide; this package keeps the
// round, the responses and the audit record of each, inside the caller's transaction.
package consent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Migrations create the rounds and their responses.
var Migrations = []db.Migration{{
	Component: "consent", Version: 1, Name: "consent rounds and responses",
	SQL: `
-- A consent round about one subject, such as "recommendation:42". closed_at and outcome are
-- set when the round is closed; outcome is "agreed" or "not_agreed".
CREATE TABLE consent_rounds (
	id {{id}},
	subject TEXT NOT NULL UNIQUE,
	opened_at {{time}} NOT NULL,
	closes_at {{time}} NOT NULL,
	quorum INTEGER NOT NULL,
	closed_at {{time}},
	outcome TEXT NOT NULL DEFAULT ''
);
-- One response per person per round; a second response replaces the first.
CREATE TABLE consent_responses (
	id {{id}},
	round_id BIGINT NOT NULL REFERENCES consent_rounds(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id),
	kind TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	responded_at {{time}} NOT NULL,
	resolved_by BIGINT REFERENCES people(id),
	resolved_at {{time}},
	resolution TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX consent_responses_person ON consent_responses(round_id, person_id);
`,
}, {
	Component: "consent", Version: 2, Name: "a person's responses",
	// Safe under old code: an index only.
	SQL: `
-- A member's own page lists the concerns and objections they raised without going through
-- every round (issue 15).
CREATE INDEX consent_responses_by_person ON consent_responses(person_id, round_id);
`,
}}

// Kind is a participant's response.
type Kind string

const (
	Consent Kind = "consent" // I can live with it
	Concern Kind = "concern" // I can live with it, but want this heard
	Object  Kind = "object"  // I cannot live with it, for this reason
)

// Kinds lists the responses in the order forms show them.
var Kinds = []Kind{Consent, Concern, Object}

// Label is the response in plain English.
func (k Kind) Label() string {
	switch k {
	case Consent:
		return "I consent"
	case Concern:
		return "I consent, with a concern"
	case Object:
		return "I object"
	}
	return string(k)
}

// Outcome is how a closed round ended.
type Outcome string

const (
	Agreed    Outcome = "agreed"
	NotAgreed Outcome = "not_agreed"
)

// MaxReason is the longest reason or note accepted, in characters.
const MaxReason = 2000

// Round is a consent round with its responses.
type Round struct {
	ID       int64
	Subject  string
	OpenedAt time.Time
	ClosesAt time.Time
	Quorum   int
	ClosedAt time.Time // zero while open
	Outcome  Outcome   // empty while open
	// Responses are ordered by when they were made.
	Responses []Response
}

// Response is one participant's current response.
type Response struct {
	ID          int64
	PersonID    int64
	Kind        Kind
	Reason      string
	RespondedAt time.Time
	ResolvedBy  int64
	ResolvedAt  time.Time
	Resolution  string
}

// Stands reports whether the response is an objection not yet resolved.
func (r Response) Stands() bool { return r.Kind == Object && r.ResolvedAt.IsZero() }

// LastMoment is the close time as people read it: a round closing at midnight in London is
// shown as closing at 11:59pm the day before, so "midnight on 2 December" cannot be misread.
func (r Round) LastMoment() time.Time { return LastMoment(r.ClosesAt) }

// LastMoment returns t, or a minute before it when t is midnight in London.
func LastMoment(t time.Time) time.Time {
	if l := t.In(web.London); l.Hour() == 0 && l.Minute() == 0 {
		return t.Add(-time.Minute)
	}
	return t
}

// Closed reports whether the round has been closed.
func (r Round) Closed() bool { return !r.ClosedAt.IsZero() }

// Accepting reports whether the round takes responses at now.
func (r Round) Accepting(now time.Time) bool { return !r.Closed() && now.Before(r.ClosesAt) }

// Tally counts the responses.
type Tally struct {
	Consents, Concerns, Objections, Standing, Total int
	Quorum                                          int
}

// Quorate reports whether enough people took part.
func (t Tally) Quorate() bool { return t.Total >= t.Quorum }

// Outcome is the outcome the round would have if it closed now.
func (t Tally) Outcome() Outcome {
	if t.Quorate() && t.Standing == 0 {
		return Agreed
	}
	return NotAgreed
}

// Tally counts the round's responses.
func (r Round) Tally() Tally {
	t := Tally{Quorum: r.Quorum}
	for _, x := range r.Responses {
		t.Total++
		switch x.Kind {
		case Consent:
			t.Consents++
		case Concern:
			t.Concerns++
		case Object:
			t.Objections++
			if x.Stands() {
				t.Standing++
			}
		}
	}
	return t
}

// ResponseOf returns a person's response, if they made one.
func (r Round) ResponseOf(personID int64) (Response, bool) {
	for _, x := range r.Responses {
		if x.PersonID == personID {
			return x, true
		}
	}
	return Response{}, false
}

// EndOfDay returns the instant a round closing on the London calendar date of day closes: the
// midnight that ends that day in London, so a close date means the whole of that day, in GMT
// or BST.
func EndOfDay(day time.Time) time.Time {
	l := day.In(web.London)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, web.London).UTC()
}

// Open starts a round about subject inside tx. A subject has at most one round.
func Open(ctx context.Context, tx *sql.Tx, subject string, closesAt time.Time, quorum int, now time.Time) (int64, error) {
	var v errs.Validation
	v.Check(strings.TrimSpace(subject) != "", "subject", "A consent round needs a subject")
	v.Check(closesAt.After(now), "closes", "The close date must be in the future")
	v.Check(quorum >= 1 && quorum <= 1000, "quorum", "Enter how many people must take part, from 1 to 1,000")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO consent_rounds (subject, opened_at, closes_at, quorum)
		VALUES ($1, $2, $3, $4) RETURNING id`, subject, utc(now), utc(closesAt), quorum).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, errs.New(errs.Conflict, "There is already a consent round about this.")
	}
	if err != nil {
		return 0, fmt.Errorf("open consent round: %w", err)
	}
	return id, nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Get reads the round about subject with its responses; q is d.Read or a transaction.
func Get(ctx context.Context, q querier, subject string) (Round, error) {
	var r Round
	var closed sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, subject, opened_at, closes_at, quorum, closed_at, outcome
		FROM consent_rounds WHERE subject = $1`, subject).
		Scan(&r.ID, &r.Subject, &r.OpenedAt, &r.ClosesAt, &r.Quorum, &closed, &r.Outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.New(errs.NotFound, "There is no consent round about this.")
	}
	if err != nil {
		return r, fmt.Errorf("read consent round: %w", err)
	}
	if closed.Valid {
		r.ClosedAt = closed.Time
	}
	rows, err := q.QueryContext(ctx, `SELECT id, person_id, kind, reason, responded_at, COALESCE(resolved_by, 0), resolved_at, resolution
		FROM consent_responses WHERE round_id = $1 ORDER BY responded_at, id`, r.ID)
	if err != nil {
		return r, fmt.Errorf("read consent responses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x Response
		var resolved sql.NullTime
		if err := rows.Scan(&x.ID, &x.PersonID, &x.Kind, &x.Reason, &x.RespondedAt, &x.ResolvedBy, &resolved, &x.Resolution); err != nil {
			return r, err
		}
		if resolved.Valid {
			x.ResolvedAt = resolved.Time
		}
		r.Responses = append(r.Responses, x)
	}
	return r, rows.Err()
}

// Respond records by's response inside tx, replacing any earlier one (and its resolution).
// An objection needs a reason. After the close, or once the round is closed, the response is
// refused as a conflict.
func Respond(ctx context.Context, tx *sql.Tx, subject string, by *auth.Identity, kind Kind, reason string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	var v errs.Validation
	switch kind {
	case Consent, Concern, Object:
	default:
		v.Add("kind", "Choose whether you consent, have a concern or object")
	}
	v.Check(kind != Object || reason != "", "reason", "Give a reason for your objection")
	v.Check(len([]rune(reason)) <= MaxReason, "reason", fmt.Sprintf("Your reason must be %d characters or fewer", MaxReason))
	if err := v.Err(); err != nil {
		return err
	}
	if by == nil {
		return errs.New(errs.Forbidden, "Sign in to respond.")
	}
	r, err := Get(ctx, tx, subject)
	if err != nil {
		return err
	}
	if !r.Accepting(now) {
		return errs.New(errs.Conflict, "This round closed at %s. Responses are no longer taken.", web.FormatDateTime(LastMoment(r.ClosesAt)))
	}
	before, had := r.ResponseOf(by.PersonID)
	if had {
		_, err = tx.ExecContext(ctx, `UPDATE consent_responses SET kind = $1, reason = $2, responded_at = $3,
			resolved_by = NULL, resolved_at = NULL, resolution = '' WHERE id = $4`, string(kind), reason, utc(now), before.ID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO consent_responses (round_id, person_id, kind, reason, responded_at)
			VALUES ($1, $2, $3, $4, $5)`, r.ID, by.PersonID, string(kind), reason, utc(now))
	}
	if err != nil {
		return fmt.Errorf("record consent response: %w", err)
	}
	actor, name := audit.By(by)
	e := audit.Entry{ActorID: actor, ActorName: name, Action: "consent.responded", Subject: subject, At: now,
		After: map[string]string{"kind": string(kind), "reason": reason}}
	if had {
		e.Before = map[string]string{"kind": string(before.Kind), "reason": before.Reason}
	}
	return audit.Record(ctx, tx, e)
}

// Resolve marks personID's objection resolved with a note, inside tx. Only a standing
// objection in an open round can be resolved.
func Resolve(ctx context.Context, tx *sql.Tx, subject string, personID int64, by *auth.Identity, note string, now time.Time) error {
	note = strings.TrimSpace(note)
	var v errs.Validation
	v.Check(note != "", "note", "Say how the objection was resolved")
	v.Check(len([]rune(note)) <= MaxReason, "note", fmt.Sprintf("The note must be %d characters or fewer", MaxReason))
	if err := v.Err(); err != nil {
		return err
	}
	if by == nil {
		return errs.New(errs.Forbidden, "Sign in to resolve an objection.")
	}
	r, err := Get(ctx, tx, subject)
	if err != nil {
		return err
	}
	if r.Closed() {
		return errs.New(errs.Conflict, "This round is closed.")
	}
	x, ok := r.ResponseOf(personID)
	if !ok || !x.Stands() {
		return errs.New(errs.Conflict, "There is no objection from that person waiting to be resolved.")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE consent_responses SET resolved_by = $1, resolved_at = $2, resolution = $3 WHERE id = $4`,
		by.PersonID, utc(now), note, x.ID); err != nil {
		return fmt.Errorf("resolve objection: %w", err)
	}
	actor, name := audit.By(by)
	return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "consent.objection_resolved",
		Subject: subject, At: now,
		Before: map[string]any{"person_id": personID, "kind": string(x.Kind), "reason": x.Reason},
		After:  map[string]any{"person_id": personID, "resolution": note}})
}

// Close ends the round inside tx and returns its outcome. A round cannot close before its
// close time, nor twice.
func Close(ctx context.Context, tx *sql.Tx, subject string, by *auth.Identity, now time.Time) (Outcome, error) {
	r, err := Get(ctx, tx, subject)
	if err != nil {
		return "", err
	}
	if r.Closed() {
		return "", errs.New(errs.Conflict, "This round is already closed.")
	}
	if now.Before(r.ClosesAt) {
		return "", errs.New(errs.Conflict, "This round is open until %s.", web.FormatDateTime(LastMoment(r.ClosesAt)))
	}
	t := r.Tally()
	out := t.Outcome()
	res, err := tx.ExecContext(ctx, `UPDATE consent_rounds SET closed_at = $1, outcome = $2 WHERE id = $3 AND closed_at IS NULL`,
		utc(now), string(out), r.ID)
	if err != nil {
		return "", fmt.Errorf("close consent round: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", errs.New(errs.Conflict, "This round is already closed.")
	}
	actor, name := audit.By(by)
	err = audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "consent.closed", Subject: subject, At: now,
		After: map[string]any{"outcome": string(out), "took_part": t.Total, "quorum": t.Quorum,
			"consents": t.Consents, "concerns": t.Concerns, "objections": t.Objections, "standing": t.Standing}})
	return out, err
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
