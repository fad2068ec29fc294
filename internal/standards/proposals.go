package standards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/consent"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Kind is what a proposal does to the draft.
type Kind string

const (
	AddClause    Kind = "add"
	AmendClause  Kind = "amend"
	RemoveClause Kind = "remove"
)

// Label is the kind in plain English.
func (k Kind) Label() string {
	switch k {
	case AddClause:
		return "New clause"
	case AmendClause:
		return "Amendment"
	case RemoveClause:
		return "Remove a clause"
	}
	return string(k)
}

// State is where a proposal stands.
type State string

const (
	Open      State = "open"
	Accepted  State = "accepted"
	NotAgreed State = "not_agreed"
	// Conflicted means the group agreed, but the clause had changed since the proposal was
	// made, so it was not applied: someone must propose again against the current wording.
	Conflicted State = "conflict"
)

// Label is the state in plain English.
func (s State) Label() string {
	switch s {
	case Open:
		return "Deciding"
	case Accepted:
		return "Accepted"
	case NotAgreed:
		return "Not agreed"
	case Conflicted:
		return "Not applied: the clause had changed"
	}
	return string(s)
}

// Tag is the GOV.UK tag colour for the state.
func (s State) Tag() string {
	switch s {
	case Accepted:
		return "govuk-tag--green"
	case NotAgreed:
		return "govuk-tag--red"
	case Conflicted:
		return "govuk-tag--orange"
	}
	return "govuk-tag--blue"
}

// IndicatorDraft is an indicator a new clause brings with it.
type IndicatorDraft struct {
	Text   string
	Levels map[ladder.Level]string
}

// NewProposal is a proposal as a member makes it. CloseDate ("2026-03-14", a London date)
// and Quorum are as typed.
type NewProposal struct {
	Kind         Kind
	ClauseNumber int // the clause amended or removed
	PanelID      int64
	Title        string
	Wording      string
	Reason       string
	Indicators   []IndicatorDraft // a new clause's
	CloseDate    string
	Quorum       string
}

// Proposal is a proposal with its round and discussion.
type Proposal struct {
	ID           int64
	StandardID   int64
	Kind         Kind
	ClauseID     int64
	ClauseNumber int
	BaseRevision int
	PanelID      int64
	PanelName    string
	ProposedBy   int64
	ProposerName string
	Title        string
	Wording      string
	Reason       string
	Indicators   []IndicatorDraft
	CreatedAt    time.Time
	State        State
	Statement    string
	DecidedAt    time.Time
	DeciderName  string
	Round        consent.Round
	Comments     []Comment
}

// Subject names the proposal's consent round.
func (p Proposal) Subject() string { return subjectOf(p.ID) }

func subjectOf(id int64) string { return fmt.Sprintf("standard-proposal:%d", id) }

// Path is the proposal's page.
func (p Proposal) Path() string { return fmt.Sprintf("/standards/%d/proposals/%d", p.StandardID, p.ID) }

// Comment is a remark on a proposal.
type Comment struct {
	PersonName string
	Body       string
	At         time.Time
}

// Propose records a proposal from a member of the drafting group and opens its consent round.
func Propose(ctx context.Context, d *db.DB, s Standard, n NewProposal, by *auth.Identity, now time.Time) (int64, error) {
	if !s.Drafter(by) {
		return 0, errs.New(errs.Forbidden, "Only the drafting group can propose changes.")
	}
	var v errs.Validation
	var target Clause
	switch n.Kind {
	case AddClause, AmendClause, RemoveClause:
	default:
		v.Add("kind", "Choose what you propose")
	}
	if n.Kind == AmendClause || n.Kind == RemoveClause {
		c, err := ClauseByNumber(ctx, d, s.ID, n.ClauseNumber)
		if err != nil || c.Removed {
			v.Add("clause", "Choose a clause of the current draft")
		}
		target = c
	}
	if n.Kind == AddClause || n.Kind == AmendClause {
		checkText(&v, "title", "the clause's title", n.Title, maxTitle)
		checkText(&v, "wording", "the clause's wording", n.Wording, maxText)
	}
	for i, ind := range n.Indicators {
		field := fmt.Sprintf("indicator-%d", i+1)
		checkText(&v, field, "the indicator", ind.Text, maxTitle*2)
		for l, text := range ind.Levels {
			v.Check(l.Valid(), field, "Levels must be on the ladder of co-production")
			v.Check(utf8.RuneCountInString(text) <= maxText, field, "A level description must be 4,000 characters or fewer")
		}
	}
	checkText(&v, "reason", "why you propose this", n.Reason, maxText)
	var panelOK bool
	for _, p := range s.PanelsOf(by) {
		panelOK = panelOK || p.ID == n.PanelID
	}
	v.Check(panelOK, "panel", "Choose the panel you propose this from")
	closes, quorum := parseRound(&v, n.CloseDate, n.Quorum, now)
	if err := v.Err(); err != nil {
		return 0, err
	}
	if n.Kind == AddClause {
		n.Indicators = cleanIndicators(n.Indicators)
	} else {
		n.Indicators = nil
	}
	indicators, err := marshalIndicators(n.Indicators)
	if err != nil {
		return 0, err
	}
	var id int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO standard_proposals (standard_id, kind, clause_id, base_revision, panel_id,
			proposed_by, title, wording, indicators, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			s.ID, string(n.Kind), nullID(target.ID), target.Revision, n.PanelID, by.PersonID,
			strings.TrimSpace(n.Title), strings.TrimSpace(n.Wording), indicators, strings.TrimSpace(n.Reason), utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert proposal: %w", err)
		}
		if _, err := consent.Open(ctx, tx, subjectOf(id), closes, quorum, now); err != nil {
			return err
		}
		// Everyone in the drafting group is asked to respond.
		what := map[Kind]string{AddClause: "a new clause", AmendClause: "a change to a clause", RemoveClause: "removing a clause"}[n.Kind]
		for _, p := range s.Panels {
			if err := panels.NotifyPanel(ctx, tx, p.ID, "Please respond: "+what+" to "+s.Title,
				"Someone in the drafting group proposed "+what+". Read it, comment, and say whether you consent by "+web.FormatDateTime(consent.LastMoment(closes))+".",
				fmt.Sprintf("/standards/%d/proposals/%d", s.ID, id), now); err != nil {
				return err
			}
		}
		return record(ctx, tx, by, "standard.proposed", subjectOf(id), now, nil, map[string]any{
			"standard_id": s.ID, "kind": n.Kind, "clause": n.ClauseNumber, "base_revision": target.Revision, "panel_id": n.PanelID,
			"title": n.Title, "wording": n.Wording, "reason": n.Reason, "indicators": n.Indicators, "closes_at": closes, "quorum": quorum})
	})
	if err == nil {
		panels.WakeOutbox()
	}
	return id, err
}

// parseRound reads a close date (a London date, the round closing at the end of it) and a
// quorum, as typed.
func parseRound(v *errs.Validation, closeDate, quorumText string, now time.Time) (time.Time, int) {
	var closes time.Time
	if day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(closeDate), web.London); err != nil {
		v.Add("close_date", "Enter the close date, for example 2026-03-14")
	} else {
		closes = consent.EndOfDay(day)
		v.Check(closes.After(now), "close_date", "The close date must be today or in the future")
	}
	quorum, err := strconv.Atoi(strings.TrimSpace(quorumText))
	v.Check(err == nil && quorum >= 1 && quorum <= 1000, "quorum", "Enter how many people must take part, as a number from 1 to 1000")
	return closes, quorum
}

// cleanIndicators trims texts and drops empty level descriptions.
func cleanIndicators(in []IndicatorDraft) []IndicatorDraft {
	out := make([]IndicatorDraft, 0, len(in))
	for _, i := range in {
		levels := map[ladder.Level]string{}
		for l, t := range i.Levels {
			if t = strings.TrimSpace(t); t != "" {
				levels[l] = t
			}
		}
		out = append(out, IndicatorDraft{Text: strings.TrimSpace(i.Text), Levels: levels})
	}
	return out
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const proposalColumns = `p.id, p.standard_id, p.kind, COALESCE(p.clause_id, 0), COALESCE(c.number, 0), p.base_revision,
	p.panel_id, pa.name, p.proposed_by, pe.display_name, p.title, p.wording, p.indicators, p.reason, p.created_at,
	p.state, p.statement, p.decided_at, COALESCE(de.display_name, '')
	FROM standard_proposals p
	LEFT JOIN standard_clauses c ON c.id = p.clause_id
	JOIN panels pa ON pa.id = p.panel_id
	JOIN people pe ON pe.id = p.proposed_by
	LEFT JOIN people de ON de.id = p.decided_by`

func scanProposal(r db.Scanner) (Proposal, error) {
	var p Proposal
	var indicators string
	var decided sql.NullTime
	err := r.Scan(&p.ID, &p.StandardID, &p.Kind, &p.ClauseID, &p.ClauseNumber, &p.BaseRevision, &p.PanelID, &p.PanelName,
		&p.ProposedBy, &p.ProposerName, &p.Title, &p.Wording, &indicators, &p.Reason, &p.CreatedAt,
		&p.State, &p.Statement, &decided, &p.DeciderName)
	if err != nil {
		return p, err
	}
	if decided.Valid {
		p.DecidedAt = decided.Time
	}
	p.Indicators, err = unmarshalIndicators(indicators)
	return p, err
}

// ListProposals lists a standard's proposals, those being decided first, newest first.
func ListProposals(ctx context.Context, d *db.DB, standardID int64) ([]Proposal, error) {
	out, err := db.Collect(ctx, d.Read, scanProposal, `SELECT `+proposalColumns+`
		WHERE p.standard_id = $1 ORDER BY CASE p.state WHEN 'open' THEN 0 ELSE 1 END, p.id DESC`, standardID)
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	return out, nil
}

// GetProposal reads one of a standard's proposals with its round and comments.
func GetProposal(ctx context.Context, d *db.DB, standardID, id int64) (Proposal, error) {
	p, err := scanProposal(d.Read.QueryRowContext(ctx, `SELECT `+proposalColumns+` WHERE p.standard_id = $1 AND p.id = $2`, standardID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.New(errs.NotFound, "There is no such proposal.")
	}
	if err != nil {
		return p, fmt.Errorf("read proposal: %w", err)
	}
	if p.Round, err = consent.Get(ctx, d.Read, p.Subject()); err != nil {
		return p, err
	}
	p.Comments, err = db.Collect(ctx, d.Read, func(r db.Scanner) (Comment, error) {
		var c Comment
		return c, r.Scan(&c.PersonName, &c.Body, &c.At)
	}, `SELECT pe.display_name, c.body, c.created_at FROM standard_comments c JOIN people pe ON pe.id = c.person_id
		WHERE c.proposal_id = $1 ORDER BY c.id`, id)
	if err != nil {
		return p, fmt.Errorf("read comments: %w", err)
	}
	return p, nil
}

// AddComment adds a drafter's comment to an open proposal.
func AddComment(ctx context.Context, d *db.DB, s Standard, p Proposal, by *auth.Identity, body string, now time.Time) error {
	if !s.Drafter(by) {
		return errs.New(errs.Forbidden, "Only the drafting group can comment.")
	}
	var v errs.Validation
	checkText(&v, "comment", "your comment", body, maxText)
	if err := v.Err(); err != nil {
		return err
	}
	if p.State != Open {
		return errs.New(errs.Conflict, "This proposal has been decided.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO standard_comments (proposal_id, person_id, body, created_at) VALUES ($1, $2, $3, $4)`,
			p.ID, by.PersonID, strings.TrimSpace(body), utc(now)); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		return record(ctx, tx, by, "standard.commented", p.Subject(), now, nil, map[string]string{"comment": strings.TrimSpace(body)})
	})
}

// Respond records a drafter's consent, concern or objection (with a reason).
func Respond(ctx context.Context, d *db.DB, s Standard, p Proposal, by *auth.Identity, kind consent.Kind, reason string, now time.Time) error {
	if !s.Drafter(by) {
		return errs.New(errs.Forbidden, "Only the drafting group can respond.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error { return consent.Respond(ctx, tx, p.Subject(), by, kind, reason, now) })
}

// ResolveObjection records how a facilitator resolved someone's objection.
func ResolveObjection(ctx context.Context, d *db.DB, s Standard, p Proposal, personID int64, by *auth.Identity, note string, now time.Time) error {
	if !s.Facilitates(by) {
		return errs.New(errs.Forbidden, "Only a facilitator of the drafting group can resolve an objection.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error { return consent.Resolve(ctx, tx, p.Subject(), personID, by, note, now) })
}

// Decide closes the proposal's round (after its close time) and records the outcome with the
// facilitator's statement. An agreed proposal changes the draft, unless the clause changed
// since the proposal was made: then it is marked as a conflict and the draft is left alone.
func Decide(ctx context.Context, d *db.DB, s Standard, p Proposal, by *auth.Identity, statement string, now time.Time) (State, error) {
	if !s.Facilitates(by) {
		return "", errs.New(errs.Forbidden, "Only a facilitator of the drafting group can record the outcome.")
	}
	var v errs.Validation
	checkText(&v, "statement", "a short statement of the outcome", statement, maxText)
	if err := v.Err(); err != nil {
		return "", err
	}
	statement = strings.TrimSpace(statement)
	var state State
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		out, err := consent.Close(ctx, tx, p.Subject(), by, now)
		if err != nil {
			return err
		}
		state = NotAgreed
		if out == consent.Agreed {
			if state, err = apply(ctx, tx, s, p, now); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE standard_proposals SET state = $1, statement = $2, decided_at = $3, decided_by = $4
			WHERE id = $5 AND state = 'open'`, string(state), statement, utc(now), by.PersonID, p.ID)
		if err != nil {
			return fmt.Errorf("record outcome: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "This proposal has already been decided.")
		}
		return record(ctx, tx, by, "standard.decided", p.Subject(), now, map[string]string{"state": string(Open)},
			map[string]string{"state": string(state), "statement": statement})
	})
	return state, err
}

// apply changes the draft as an agreed proposal says, recording where the change came from.
func apply(ctx context.Context, tx *sql.Tx, s Standard, p Proposal, now time.Time) (State, error) {
	var c Clause
	if p.Kind == AddClause {
		if err := tx.QueryRowContext(ctx, `INSERT INTO standard_clauses (standard_id, number, title, wording)
			VALUES ($1, (SELECT COALESCE(MAX(number), 0) + 1 FROM standard_clauses WHERE standard_id = $1), $2, $3)
			RETURNING id, number, revision`, s.ID, p.Title, p.Wording).Scan(&c.ID, &c.Number, &c.Revision); err != nil {
			return "", fmt.Errorf("add clause: %w", err)
		}
		for n, ind := range p.Indicators {
			if err := addIndicator(ctx, tx, c.ID, n+1, ind); err != nil {
				return "", err
			}
		}
		c.Title, c.Wording = p.Title, p.Wording
	} else {
		var removed sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT id, number, title, wording, revision, removed_at FROM standard_clauses WHERE id = $1`, p.ClauseID).
			Scan(&c.ID, &c.Number, &c.Title, &c.Wording, &c.Revision, &removed); err != nil {
			return "", fmt.Errorf("read clause: %w", err)
		}
		if removed.Valid || c.Revision != p.BaseRevision {
			return Conflicted, nil
		}
		c.Revision++
		var err error
		if p.Kind == AmendClause {
			c.Title, c.Wording = p.Title, p.Wording
			_, err = tx.ExecContext(ctx, `UPDATE standard_clauses SET title = $1, wording = $2, revision = $3 WHERE id = $4`,
				c.Title, c.Wording, c.Revision, c.ID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE standard_clauses SET removed_at = $1, revision = $2 WHERE id = $3`, utc(now), c.Revision, c.ID)
		}
		if err != nil {
			return "", fmt.Errorf("change clause: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO standard_clause_changes (clause_id, proposal_id, panel_id, kind, revision, title, wording, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, p.ID, p.PanelID, string(p.Kind), c.Revision, c.Title, c.Wording, utc(now)); err != nil {
		return "", fmt.Errorf("record clause change: %w", err)
	}
	return Accepted, nil
}

func addIndicator(ctx context.Context, tx *sql.Tx, clauseID int64, position int, ind IndicatorDraft) error {
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO standard_indicators (clause_id, position, text) VALUES ($1, $2, $3) RETURNING id`,
		clauseID, position, ind.Text).Scan(&id); err != nil {
		return fmt.Errorf("add indicator: %w", err)
	}
	for _, l := range ladder.Levels {
		if text := ind.Levels[l]; text != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO standard_indicator_levels (indicator_id, level, description) VALUES ($1, $2, $3)`,
				id, int(l), text); err != nil {
				return fmt.Errorf("add level description: %w", err)
			}
		}
	}
	return nil
}

// Change is one accepted change to a clause: its provenance.
type Change struct {
	ProposalID   int64
	Kind         Kind
	Revision     int
	Title        string
	Wording      string
	PanelName    string
	ProposerName string
	Statement    string
	At           time.Time
	// Diff is the wording's change from the revision before, word by word.
	Diff []Span
}

// ClauseHistory lists the changes to a clause, oldest first, each with its diff from the one
// before.
func ClauseHistory(ctx context.Context, d *db.DB, standardID int64, number int) ([]Change, error) {
	out, err := db.Collect(ctx, d.Read, func(r db.Scanner) (Change, error) {
		var c Change
		return c, r.Scan(&c.ProposalID, &c.Kind, &c.Revision, &c.Title, &c.Wording, &c.PanelName, &c.ProposerName, &c.Statement, &c.At)
	}, `SELECT h.proposal_id, h.kind, h.revision, h.title, h.wording, pa.name, pe.display_name, p.statement, h.changed_at
		FROM standard_clause_changes h
		JOIN standard_clauses c ON c.id = h.clause_id
		JOIN standard_proposals p ON p.id = h.proposal_id
		JOIN panels pa ON pa.id = h.panel_id
		JOIN people pe ON pe.id = p.proposed_by
		WHERE c.standard_id = $1 AND c.number = $2 ORDER BY h.id`, standardID, number)
	if err != nil {
		return nil, fmt.Errorf("read clause history: %w", err)
	}
	before := ""
	for n := range out {
		out[n].Diff = Diff(before, out[n].Wording)
		before = out[n].Wording
	}
	return out, nil
}

// Authors maps each clause number to the panels whose accepted proposals wrote it, up to at
// (a version's publication), in the order they first changed it.
func Authors(ctx context.Context, d *db.DB, standardID int64, at time.Time) (map[int][]string, error) {
	type row struct {
		number int
		panel  string
	}
	rows, err := db.Collect(ctx, d.Read, func(r db.Scanner) (row, error) {
		var x row
		return x, r.Scan(&x.number, &x.panel)
	}, `SELECT c.number, pa.name FROM standard_clause_changes h
		JOIN standard_clauses c ON c.id = h.clause_id JOIN panels pa ON pa.id = h.panel_id
		WHERE c.standard_id = $1 AND h.changed_at <= $2 ORDER BY c.number, h.id`, standardID, utc(at))
	if err != nil {
		return nil, fmt.Errorf("read authors: %w", err)
	}
	out := map[int][]string{}
	for _, x := range rows {
		if !slices.Contains(out[x.number], x.panel) {
			out[x.number] = append(out[x.number], x.panel)
		}
	}
	return out, nil
}
