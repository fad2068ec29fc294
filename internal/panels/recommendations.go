package panels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Recommendation statuses.
const (
	StatusConsent   = "consent"    // the panel is deciding it by consent
	StatusNotAgreed = "not_agreed" // the consent round ended without agreement
	StatusAwaiting  = "awaiting"   // sent; waiting for the answer
	StatusAnswered  = "answered"   // answered; progress is being tracked
	StatusDone      = "done"       // done
	// StatusOverdue is a register filter, not a stored status: awaiting past its due date.
	StatusOverdue = "overdue"
)

// Answers the addressee can give.
const (
	Accepted       = "accepted"
	PartlyAccepted = "partly_accepted"
	NotAccepted    = "not_accepted"
)

// AnswerOptions are the answers, for forms.
var AnswerOptions = []web.Option{{Value: Accepted, Text: "Accepted"}, {Value: PartlyAccepted, Text: "Partly accepted"}, {Value: NotAccepted, Text: "Not accepted"}}

// AnswerLabel is an answer in plain English.
func AnswerLabel(a string) string {
	for _, o := range AnswerOptions {
		if o.Value == a {
			return o.Text
		}
	}
	return a
}

// DefaultResponseWeeks is how long an addressee has to answer unless the panel says otherwise.
const DefaultResponseWeeks = 8

// Recommendation is a panel's recommendation and where it has got to.
type Recommendation struct {
	ID            int64
	PanelID       int64
	PanelName     string
	PanelSlug     string
	PanelOrgID    int64
	RegionName    string
	Title         string
	Body          string
	CouncilGSS    string // empty: addressed to the funder
	CouncilName   string
	ResponseWeeks int
	Status        string
	DraftedAt     time.Time
	SentAt        time.Time
	DueAt         time.Time // the instant the answer becomes overdue: the end of the due day in London
	Answer        string
	AnswerReasons string
	AnsweredBy    string
	AnsweredAt    time.Time
	DoneAt        time.Time
	Updates       []Update
}

// Update is one entry in a recommendation's progress.
type Update struct {
	At     time.Time
	Note   string
	Done   bool
	ByName string
}

// Subject names the recommendation for the audit log and its consent round.
func (r Recommendation) Subject() string { return fmt.Sprintf("recommendation:%d", r.ID) }

// Addressee names who must answer.
func (r Recommendation) Addressee() string {
	if r.CouncilGSS == "" {
		return "The funder (Ministry of Housing, Communities and Local Government)"
	}
	return r.CouncilName
}

// Public reports whether the recommendation appears in the public register: once agreed and
// sent.
func (r Recommendation) Public() bool {
	return r.Status == StatusAwaiting || r.Status == StatusAnswered || r.Status == StatusDone
}

// Overdue reports whether the answer is late at now.
func (r Recommendation) Overdue(now time.Time) bool {
	return r.Status == StatusAwaiting && !r.DueAt.IsZero() && !now.Before(r.DueAt)
}

// DueDay is the last day to answer, for showing: the day before DueAt in London.
func (r Recommendation) DueDay() time.Time { return r.DueAt.Add(-time.Hour * 12) }

// StatusLabel is the status in plain English.
func (r Recommendation) StatusLabel(now time.Time) string {
	if r.Overdue(now) {
		return "Answer overdue"
	}
	return StatusLabel(r.Status)
}

// StatusLabel names a status.
func StatusLabel(s string) string {
	switch s {
	case StatusConsent:
		return "Being decided"
	case StatusNotAgreed:
		return "Not agreed"
	case StatusAwaiting:
		return "Waiting for an answer"
	case StatusAnswered:
		return "Answered, in progress"
	case StatusDone:
		return "Done"
	case StatusOverdue:
		return "Answer overdue"
	}
	return s
}

// TagClass is the GOV.UK tag colour for the status.
func (r Recommendation) TagClass(now time.Time) string {
	switch {
	case r.Overdue(now):
		return "govuk-tag--red"
	case r.Status == StatusDone:
		return "govuk-tag--green"
	case r.Status == StatusAnswered:
		return "govuk-tag--blue"
	case r.Status == StatusNotAgreed:
		return "govuk-tag--grey"
	case r.Status == StatusConsent:
		return "govuk-tag--purple"
	}
	return "govuk-tag--yellow"
}

// NewRecommendation is a draft as the form gives it.
type NewRecommendation struct {
	Title, Body string
	// Addressee is "funder" or a council's GSS code.
	Addressee     string
	CloseDate     string // YYYY-MM-DD, London
	Quorum        string
	ResponseWeeks string
}

// CreateRecommendation drafts a recommendation in a panel and opens its consent round, which
// closes at the end of the close date in London.
func CreateRecommendation(ctx context.Context, d *db.DB, panelID int64, n NewRecommendation, by *auth.Identity, now time.Time) (int64, error) {
	var v errs.Validation
	checkText(&v, "title", "a title", n.Title, true)
	v.Check(utf8.RuneCountInString(n.Title) <= 200, "title", "Title must be 200 characters or fewer")
	checkText(&v, "body", "what the panel recommends and why", n.Body, true)
	gss := ""
	if n.Addressee == "" {
		v.Add("addressee", "Choose who the recommendation is for")
	} else if n.Addressee != "funder" {
		c, err := directory.CouncilByCode(ctx, d, n.Addressee)
		if err != nil || !c.Current {
			v.Add("addressee", "Choose a council from the list")
		}
		gss = n.Addressee
	}
	var closes time.Time
	if day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(n.CloseDate), web.London); err != nil {
		v.Add("close_date", "Enter the close date, for example 2026-03-14")
	} else {
		closes = consent.EndOfDay(day)
		v.Check(closes.After(now), "close_date", "The close date must be today or in the future")
	}
	quorum, err := strconv.Atoi(strings.TrimSpace(n.Quorum))
	v.Check(err == nil && quorum >= 1 && quorum <= 1000, "quorum", "Enter how many members must take part, as a number from 1 to 1000")
	weeks := DefaultResponseWeeks
	if s := strings.TrimSpace(n.ResponseWeeks); s != "" {
		weeks, err = strconv.Atoi(s)
		v.Check(err == nil && weeks >= 1 && weeks <= 52, "response_weeks", "Enter the response time in weeks, as a number from 1 to 52")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	var sent []outgoing
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO recommendations (panel_id, title, body, council_gss, response_weeks, status, drafted_by, drafted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, panelID, strings.TrimSpace(n.Title), strings.TrimSpace(n.Body),
			gss, weeks, StatusConsent, nullID(by.PersonID), utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert recommendation: %w", err)
		}
		subject := fmt.Sprintf("recommendation:%d", id)
		if _, err := consent.Open(ctx, tx, subject, closes, quorum, now); err != nil {
			return err
		}
		members, err := panelPeople(ctx, tx, panelID, auth.Member)
		if err != nil {
			return err
		}
		if sent, err = notify(ctx, tx, panelID, members, "Please respond: "+strings.TrimSpace(n.Title),
			"The panel is deciding a recommendation by consent. Respond by "+web.FormatDateTime(consent.LastMoment(closes))+".",
			fmt.Sprintf("/recommendations/%d", id), now); err != nil {
			return err
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "recommendation.drafted",
			Subject: subject, Scope: fmt.Sprintf("panel:%d", panelID), At: now,
			After: map[string]any{"title": n.Title, "body": n.Body, "addressee": n.Addressee, "closes_at": closes, "quorum": quorum, "response_weeks": weeks}})
	})
	if err == nil {
		deliver(sent)
	}
	return id, err
}

const recColumns = `r.id, r.panel_id, p.name, p.slug, p.organisation_id, COALESCE(rg.name, ''), r.title, r.body, r.council_gss, COALESCE(c.name, ''),
	r.response_weeks, r.status, r.drafted_at, r.sent_at, r.due_at, r.answer, r.answer_reasons, r.answered_by_name, r.answered_at, r.done_at
FROM recommendations r
JOIN panels p ON p.id = r.panel_id
LEFT JOIN regions rg ON rg.id = p.region_id
LEFT JOIN councils c ON c.gss_code = r.council_gss AND r.council_gss <> ''`

func scanRec(s interface{ Scan(...any) error }) (Recommendation, error) {
	var r Recommendation
	var sent, due, answered, done sql.NullTime
	err := s.Scan(&r.ID, &r.PanelID, &r.PanelName, &r.PanelSlug, &r.PanelOrgID, &r.RegionName, &r.Title, &r.Body, &r.CouncilGSS, &r.CouncilName,
		&r.ResponseWeeks, &r.Status, &r.DraftedAt, &sent, &due, &r.Answer, &r.AnswerReasons, &r.AnsweredBy, &answered, &done)
	r.SentAt, r.DueAt, r.AnsweredAt, r.DoneAt = sent.Time, due.Time, answered.Time, done.Time
	return r, err
}

// GetRecommendation reads a recommendation with its updates. Whether the reader may see it
// (a draft is for the panel only) is the caller's check, against the panel it names.
func GetRecommendation(ctx context.Context, d *db.DB, id int64) (Recommendation, error) {
	r, err := scanRec(d.Read.QueryRowContext(ctx, `SELECT `+recColumns+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.New(errs.NotFound, "There is no such recommendation.")
	}
	if err != nil {
		return r, fmt.Errorf("read recommendation: %w", err)
	}
	rows, err := d.Read.QueryContext(ctx, `SELECT at, note, done, by_name FROM recommendation_updates WHERE recommendation_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var u Update
		if err := rows.Scan(&u.At, &u.Note, &u.Done, &u.ByName); err != nil {
			return r, err
		}
		r.Updates = append(r.Updates, u)
	}
	return r, rows.Err()
}

// Filter narrows a list of recommendations.
type Filter struct {
	PanelID  int64
	RegionID int64
	// CouncilGSS keeps those addressed to the council; Funder those addressed to the funder.
	CouncilGSS string
	Funder     bool
	// Status is a stored status or StatusOverdue; empty for all.
	Status string
	// PublicOnly keeps those in the public register (sent).
	PublicOnly bool
	// Limit caps the list (at most, and by default, 500); Offset skips the first ones.
	Limit, Offset int
}

// ListRecommendations lists recommendations, newest first. now decides what is overdue.
func ListRecommendations(ctx context.Context, d *db.DB, f Filter, now time.Time) ([]Recommendation, error) {
	q, args := listQuery(f, now)
	out, err := db.Collect(ctx, d.Read, scanRec, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list recommendations: %w", err)
	}
	return out, nil
}

// listQuery is ListRecommendations' query. Its order is the index recommendations_newest, so a
// page of the register reads only that page's rows (a test checks the plan on SQLite).
func listQuery(f Filter, now time.Time) (string, []any) {
	q, args := f.where(now)
	q = `SELECT ` + recColumns + q
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q += fmt.Sprintf(" ORDER BY COALESCE(r.sent_at, r.drafted_at) DESC, r.id DESC LIMIT %d OFFSET %d", limit, max(0, f.Offset))
	return q, args
}

// CountRecommendations counts the recommendations the filter keeps (its Limit and Offset
// aside), so that a page listing some of them can say how many are overdue in all.
func CountRecommendations(ctx context.Context, d *db.DB, f Filter, now time.Time) (int, error) {
	q, args := f.where(now)
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM recommendations r JOIN panels p ON p.id = r.panel_id`+q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count recommendations: %w", err)
	}
	return n, nil
}

// where is the filter as SQL for the recommendations r of the panels p.
func (f Filter) where(now time.Time) (string, []any) {
	q := ` WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.PanelID != 0 {
		add("r.panel_id = $%d", f.PanelID)
	}
	if f.RegionID != 0 {
		add("p.region_id = $%d", f.RegionID)
	}
	if f.CouncilGSS != "" {
		add("r.council_gss = $%d", f.CouncilGSS)
	}
	if f.Funder {
		add("r.council_gss = $%d", "")
	}
	if f.PublicOnly {
		// Most recommendations are public, so reading the date index and skipping the few
		// others beats sorting every public one; "|| ''" keeps the planner off the status index
		// when it has no statistics to tell (SQLite before ANALYZE).
		q += " AND r.status || '' IN ('awaiting', 'answered', 'done')"
	}
	switch f.Status {
	case "":
	case StatusOverdue:
		add("r.status = 'awaiting' AND r.due_at <= $%d", utc(now))
	default:
		add("r.status = $%d", f.Status)
	}
	return q, args
}

// Respond records a panel member's consent response. The caller has checked the person is a
// member of the recommendation's panel.
func Respond(ctx context.Context, d *db.DB, r Recommendation, by *auth.Identity, kind consent.Kind, reason string, now time.Time) error {
	if r.Status != StatusConsent {
		return errs.New(errs.Conflict, "The panel has already decided this recommendation.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error { return consent.Respond(ctx, tx, r.Subject(), by, kind, reason, now) })
}

// ResolveObjection records how a facilitator resolved a member's objection.
func ResolveObjection(ctx context.Context, d *db.DB, r Recommendation, personID int64, by *auth.Identity, note string, now time.Time) error {
	if r.Status != StatusConsent {
		return errs.New(errs.Conflict, "The panel has already decided this recommendation.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error { return consent.Resolve(ctx, tx, r.Subject(), personID, by, note, now) })
}

// DueAt is when an answer to a recommendation sent at sent becomes overdue: the end, in
// London, of the day the response time runs out.
func DueAt(sent time.Time, weeks int) time.Time {
	return consent.EndOfDay(sent.In(web.London).AddDate(0, 0, 7*weeks))
}

// CloseRound closes the consent round after its close date: agreed, the recommendation is sent
// to its addressee with the answer due within the response time; otherwise it is not agreed.
func CloseRound(ctx context.Context, d *db.DB, r Recommendation, by *auth.Identity, now time.Time) (consent.Outcome, error) {
	if r.Status != StatusConsent {
		return "", errs.New(errs.Conflict, "The panel has already decided this recommendation.")
	}
	var out consent.Outcome
	var sent []outgoing
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = consent.Close(ctx, tx, r.Subject(), by, now); err != nil {
			return err
		}
		actor, name := audit.By(by)
		e := audit.Entry{ActorID: actor, ActorName: name, Subject: r.Subject(), Scope: fmt.Sprintf("panel:%d", r.PanelID), At: now,
			Before: map[string]any{"status": r.Status}}
		var res sql.Result
		if out == consent.Agreed {
			due := DueAt(now, r.ResponseWeeks)
			res, err = tx.ExecContext(ctx, `UPDATE recommendations SET status = $1, sent_at = $2, due_at = $3 WHERE id = $4 AND status = $5`,
				StatusAwaiting, utc(now), utc(due), r.ID, StatusConsent)
			e.Action, e.After = "recommendation.sent", map[string]any{"status": StatusAwaiting, "due_at": utc(due)}
			if err == nil {
				var to []int64
				if to, err = addresseePeople(ctx, tx, r.CouncilGSS); err != nil {
					return err
				}
				if sent, err = notify(ctx, tx, r.PanelID, to, "A recommendation for you to answer: "+r.Title,
					r.PanelName+" agreed a recommendation addressed to you. Please answer it, with reasons, by "+
						web.FormatDateTime(consent.LastMoment(due))+".", fmt.Sprintf("/recommendations/%d", r.ID), now); err != nil {
					return err
				}
			}
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE recommendations SET status = $1 WHERE id = $2 AND status = $3`, StatusNotAgreed, r.ID, StatusConsent)
			e.Action, e.After = "recommendation.not_agreed", map[string]any{"status": StatusNotAgreed}
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "The panel has already decided this recommendation.")
		}
		return audit.Record(ctx, tx, e)
	})
	if err == nil {
		deliver(sent)
	}
	return out, err
}

// Addressee is who a person may answer for: a council (by GSS code) or the funder.
type Addressee struct {
	CouncilGSS string
	Funder     bool
}

// MayAnswer reports whether the addressee is the one the recommendation is for.
func (a Addressee) MayAnswer(r Recommendation) bool {
	if r.CouncilGSS == "" {
		return a.Funder
	}
	return a.CouncilGSS == r.CouncilGSS
}

// AnswerRecommendation records the addressee's answer, always with reasons. Only the council
// or funder it is addressed to may answer, once.
func AnswerRecommendation(ctx context.Context, d *db.DB, as Addressee, id int64, answer, reasons string, by *auth.Identity, now time.Time) error {
	var v errs.Validation
	v.Check(answer == Accepted || answer == PartlyAccepted || answer == NotAccepted, "answer", "Choose your answer")
	checkText(&v, "reasons", "your reasons", reasons, true)
	if err := v.Err(); err != nil {
		return err
	}
	r, err := GetRecommendation(ctx, d, id)
	if err != nil {
		return err
	}
	if !as.MayAnswer(r) {
		return errs.New(errs.Forbidden, "Only the council or funder a recommendation is addressed to can answer it.")
	}
	if r.Status != StatusAwaiting {
		return errs.New(errs.Conflict, "This recommendation is not waiting for an answer.")
	}
	actor, name := audit.By(by)
	var sent []outgoing
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE recommendations SET status = $1, answer = $2, answer_reasons = $3, answered_by_name = $4, answered_at = $5
			WHERE id = $6 AND status = $7`, StatusAnswered, answer, strings.TrimSpace(reasons), name, utc(now), id, StatusAwaiting)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "This recommendation is not waiting for an answer.")
		}
		people, err := panelPeople(ctx, tx, r.PanelID, auth.Member)
		if err != nil {
			return err
		}
		facs, err := panelPeople(ctx, tx, r.PanelID, auth.Facilitator)
		if err != nil {
			return err
		}
		if sent, err = notify(ctx, tx, r.PanelID, append(people, facs...), "Answered: "+r.Title,
			r.Addressee()+" answered the panel's recommendation: "+AnswerLabel(answer)+".", fmt.Sprintf("/recommendations/%d", r.ID), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "recommendation.answered",
			Subject: r.Subject(), Scope: scopeOf(r), At: now, Before: map[string]any{"status": r.Status},
			After: map[string]any{"status": StatusAnswered, "answer": answer, "reasons": reasons, "late": r.Overdue(now)}})
	})
	if err == nil {
		deliver(sent)
	}
	return err
}

func scopeOf(r Recommendation) string {
	if r.CouncilGSS == "" {
		return "funder"
	}
	return "council:" + r.CouncilGSS
}

// AddUpdate adds a dated note to an answered recommendation's progress; done marks it done.
// The addressee or a facilitator of the panel may add one; the caller checks which.
func AddUpdate(ctx context.Context, d *db.DB, id int64, note string, done bool, by *auth.Identity, now time.Time) error {
	var v errs.Validation
	checkText(&v, "note", "what has happened", note, true)
	if err := v.Err(); err != nil {
		return err
	}
	r, err := GetRecommendation(ctx, d, id)
	if err != nil {
		return err
	}
	if r.Status != StatusAnswered {
		return errs.New(errs.Conflict, "Progress can be added once the recommendation is answered, until it is done.")
	}
	actor, name := audit.By(by)
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recommendation_updates (recommendation_id, at, note, done, by_id, by_name) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, utc(now), strings.TrimSpace(note), done, nullID(actor), name); err != nil {
			return err
		}
		after := map[string]any{"note": note, "done": done}
		if done {
			if _, err := tx.ExecContext(ctx, `UPDATE recommendations SET status = $1, done_at = $2 WHERE id = $3`, StatusDone, utc(now), id); err != nil {
				return err
			}
			after["status"] = StatusDone
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "recommendation.updated",
			Subject: r.Subject(), Scope: scopeOf(r), At: now, Before: map[string]any{"status": r.Status}, After: after})
	})
}

// AddressedCouncils lists the councils that public recommendations are addressed to, by name,
// for the register's filter.
func AddressedCouncils(ctx context.Context, d *db.DB) ([]web.Option, error) {
	// Each council is looked up in the index recommendations_council, rather than every
	// recommendation read and the councils made distinct.
	rows, err := d.Read.QueryContext(ctx, `SELECT c.gss_code, c.name FROM councils c
		WHERE EXISTS (SELECT 1 FROM recommendations r WHERE r.council_gss = c.gss_code AND r.status IN ('awaiting', 'answered', 'done'))
		ORDER BY c.name`)
	if err != nil {
		return nil, fmt.Errorf("list addressed councils: %w", err)
	}
	defer rows.Close()
	var out []web.Option
	for rows.Next() {
		var o web.Option
		if err := rows.Scan(&o.Value, &o.Text); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
