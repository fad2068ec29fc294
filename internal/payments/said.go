package payments

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
)

// Said is something a person said, and what happened to it: the "you said, we did" answer.
// Payments reads it from funding's co-production log and panels' recommendations and consent
// rounds, read-only.
type Said struct {
	Where    string
	Link     string
	When     time.Time
	What     string
	Outcome  string
	Reason   string
	Answered bool // someone answered it
	ActedOn  bool // it was adopted, adapted, accepted or resolved
}

// WhatTheySaid lists everything the person said across bids and panels, newest first.
func WhatTheySaid(ctx context.Context, d *db.DB, personID int64) ([]Said, error) {
	out, _, err := WhatTheySaidPage(ctx, d, personID, 0, 0)
	return out, err
}

// WhatTheySaidPage reads one page of what the person said, newest first: limit of them after
// offset (every one when limit is 0), and whether more follow. Each kind of thing said is
// read newest first up to the end of the page, through the person's index, then merged.
func WhatTheySaidPage(ctx context.Context, d *db.DB, personID int64, limit, offset int) ([]Said, bool, error) {
	// upTo orders one kind newest first (ties by id, so pages agree) to the page's end.
	upTo := func(order string) string {
		if limit == 0 {
			return " ORDER BY " + order
		}
		return fmt.Sprintf(" ORDER BY %s LIMIT %d", order, offset+limit+1)
	}
	var out []Said
	// In a council's co-production log. A page takes its contributions' ids from the person's
	// index and the activities' dates first, then reads only those contributions' words.
	which := ` WHERE c.person_id = $1 ORDER BY a.held_on DESC, c.id DESC`
	if limit != 0 {
		which = fmt.Sprintf(` WHERE c.id IN (SELECT c2.id FROM funding_contributions c2 JOIN funding_activities a2 ON a2.id = c2.activity_id
			WHERE c2.person_id = $1 ORDER BY a2.held_on DESC, c2.id DESC LIMIT %d) ORDER BY a.held_on DESC, c.id DESC`, offset+limit+1)
	}
	log, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Said, error) {
		var x Said
		var response, activity, council string
		err := s.Scan(&x.What, &response, &x.Reason, &activity, &x.When, &council)
		x.Where = council + ": " + activity
		x.Outcome = funding.Contribution{Response: response}.ResponseLabel()
		x.Answered = response != ""
		x.ActedOn = response == "adopted" || response == "adapted"
		return x, err
	}, `SELECT c.said, c.response, c.reason, a.title, a.held_on, o.name FROM funding_contributions c
		JOIN funding_activities a ON a.id = c.activity_id JOIN organisations o ON o.id = a.council_id `+which, personID)
	if err != nil {
		return nil, false, fmt.Errorf("read contributions: %w", err)
	}
	out = append(out, log...)
	// Recommendations they drafted.
	recs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Said, error) {
		var x Said
		var id int64
		var title, status, answer, panel string
		err := s.Scan(&id, &title, &status, &answer, &x.Reason, &x.When, &panel)
		x.Where, x.What, x.Link = panel+": a recommendation", title, fmt.Sprintf("/recommendations/%d", id)
		x.Answered, x.ActedOn, x.Outcome = recommendationOutcome(status, answer)
		return x, err
	}, `SELECT r.id, r.title, r.status, r.answer, r.answer_reasons, r.drafted_at, p.name FROM recommendations r
		JOIN panels p ON p.id = r.panel_id WHERE r.drafted_by = $1`+upTo("r.drafted_at DESC, r.id DESC"), personID)
	if err != nil {
		return nil, false, fmt.Errorf("read recommendations: %w", err)
	}
	out = append(out, recs...)
	// Concerns and objections they raised while a panel decided a recommendation: the round's
	// subject names the recommendation, read by its key from the person's responses.
	raised, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Said, error) {
		var x Said
		var kind, resolution, title, status, panel string
		var id int64
		var resolved sql.NullTime
		err := s.Scan(&kind, &x.What, &resolution, &resolved, &id, &title, &status, &panel, &x.When)
		word := "concern"
		if kind == "object" {
			word = "objection"
		}
		x.Where, x.Link = fmt.Sprintf("%s: your %s about %q", panel, word, title), fmt.Sprintf("/recommendations/%d", id)
		switch {
		case resolved.Valid:
			x.Outcome, x.Reason, x.Answered, x.ActedOn = "Resolved", resolution, true, true
		case status != panels.StatusConsent:
			x.Outcome, x.Answered = "The panel decided: "+panels.StatusLabel(status), true
		default:
			x.Outcome = "Waiting for an answer"
		}
		return x, err
	}, `SELECT cr.kind, cr.reason, cr.resolution, cr.resolved_at, r.id, r.title, r.status, p.name, cr.responded_at
		FROM consent_responses cr JOIN consent_rounds ro ON ro.id = cr.round_id
		JOIN recommendations r ON r.id = CASE WHEN ro.subject LIKE 'recommendation:%' THEN CAST(substr(ro.subject, 16) AS BIGINT) END
		JOIN panels p ON p.id = r.panel_id
		WHERE cr.person_id = $1 AND cr.kind IN ('concern', 'object') AND cr.reason <> ''`+upTo("cr.responded_at DESC, cr.id DESC"), personID)
	if err != nil {
		return nil, false, fmt.Errorf("read concerns: %w", err)
	}
	out = append(out, raised...)
	// Proposals they made to a co-production standard, and comments on proposals.
	proposed, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Said, error) {
		var x Said
		var standardID, id int64
		var kind, title, reason, state, standard string
		err := s.Scan(&standardID, &id, &kind, &title, &reason, &state, &x.Reason, &x.When, &standard)
		what := map[string]string{"add": "a new clause", "amend": "a change to a clause", "remove": "removing a clause"}[kind]
		x.Where, x.Link = fmt.Sprintf("%s: you proposed %s", standard, what), fmt.Sprintf("/standards/%d/proposals/%d", standardID, id)
		x.What = reason
		if title != "" {
			x.What = title + ": " + reason
		}
		x.Outcome, x.Answered, x.ActedOn = proposalOutcome(state)
		return x, err
	}, `SELECT p.standard_id, p.id, p.kind, p.title, p.reason, p.state, p.statement, p.created_at, s.title
		FROM standard_proposals p JOIN standards s ON s.id = p.standard_id WHERE p.proposed_by = $1`+upTo("p.created_at DESC, p.id DESC"), personID)
	if err != nil {
		return nil, false, fmt.Errorf("read proposals: %w", err)
	}
	out = append(out, proposed...)
	commented, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Said, error) {
		var x Said
		var standardID, id int64
		var state, standard string
		err := s.Scan(&standardID, &id, &x.What, &state, &x.Reason, &x.When, &standard)
		x.Where, x.Link = standard+": your comment on a proposal", fmt.Sprintf("/standards/%d/proposals/%d", standardID, id)
		x.Outcome, x.Answered, x.ActedOn = proposalOutcome(state)
		return x, err
	}, `SELECT p.standard_id, p.id, c.body, p.state, p.statement, c.created_at, s.title
		FROM standard_comments c JOIN standard_proposals p ON p.id = c.proposal_id JOIN standards s ON s.id = p.standard_id
		WHERE c.person_id = $1`+upTo("c.created_at DESC, c.id DESC"), personID)
	if err != nil {
		return nil, false, fmt.Errorf("read comments: %w", err)
	}
	out = append(out, commented...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].When.After(out[j].When) })
	if limit == 0 {
		return out, false, nil
	}
	more := len(out) > offset+limit
	return out[min(offset, len(out)):min(offset+limit, len(out))], more, nil
}

// proposalOutcome says what the drafting group decided about a proposal to a standard.
func proposalOutcome(state string) (outcome string, answered, actedOn bool) {
	switch state {
	case "accepted":
		return "Agreed by consent: the draft standard changed", true, true
	case "not_agreed":
		return "Not agreed by the group", true, false
	case "conflict":
		return "Agreed, but not applied: the clause had changed since; it needs a new proposal", true, false
	}
	return "The group is still deciding", false, false
}

// recommendationOutcome says whether a recommendation has an answer, whether it was acted on,
// and what happened, in plain English.
func recommendationOutcome(status, answer string) (answered, actedOn bool, outcome string) {
	switch {
	case answer != "":
		return true, answer == panels.Accepted || answer == panels.PartlyAccepted, panels.AnswerLabel(answer)
	case status == panels.StatusNotAgreed:
		return true, false, "The panel did not agree it"
	}
	return false, false, panels.StatusLabel(status)
}

// Thanks is a council's thanks for taking part in a bid.
type Thanks struct {
	BidID   int64
	Bid     string
	Council string
	At      time.Time
}

// ThanksFor lists the thanks a person received, newest first.
func ThanksFor(ctx context.Context, d *db.DB, personID int64) ([]Thanks, error) {
	return db.Collect(ctx, d.Read, func(s db.Scanner) (Thanks, error) {
		var t Thanks
		err := s.Scan(&t.BidID, &t.Bid, &t.Council, &t.At)
		return t, err
	}, `SELECT b.id, b.title, o.name, t.thanked_at FROM funding_thanks t JOIN funding_bids b ON b.id = t.bid_id
		JOIN organisations o ON o.id = b.council_id WHERE t.person_id = $1 ORDER BY t.thanked_at DESC`, personID)
}
