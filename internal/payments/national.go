package payments

import (
	"context"
	"fmt"

	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
)

// ProgrammeFigures are "who was at the table" for every funding programme, over the
// activities of its submitted bids, as each bid's own table counts them, from running totals
// (a few rows per programme, whatever the number of bids): who took part and what they said
// from funding's, claims paid and quick answers from payments' ProgrammeTotals.
func ProgrammeFigures(ctx context.Context, d *db.DB) ([]NationalRow, error) {
	rows := map[int64]*NationalRow{}
	var order []int64
	row := func(id int64, name string) *NationalRow {
		if r, ok := rows[id]; ok {
			return r
		}
		r := &NationalRow{Name: name, Link: fmt.Sprintf("/funding/programmes/%d", id)}
		rows[id], order = r, append(order, id)
		return r
	}
	type people struct {
		id          int64
		name, stype string
		n           int64
	}
	ps, err := db.Collect(ctx, d.Read, func(s db.Scanner) (people, error) {
		var x people
		return x, s.Scan(&x.id, &x.name, &x.stype, &x.n)
	}, `SELECT pr.id, pr.name, t.stakeholder_type, t.people FROM funding_programme_people_totals t
		JOIN funding_programmes pr ON pr.id = t.programme_id ORDER BY pr.id, t.stakeholder_type`)
	if err != nil {
		return nil, fmt.Errorf("people by programme: %w", err)
	}
	for _, p := range ps {
		row(p.id, p.name).Figures.row(funding.TypeLabel(directory.StakeholderType(p.stype))).People += p.n
	}
	type said struct {
		id                   int64
		name, stype          string
		n, answered, actedOn int
	}
	ss, err := db.Collect(ctx, d.Read, func(s db.Scanner) (said, error) {
		var x said
		return x, s.Scan(&x.id, &x.name, &x.stype, &x.n, &x.answered, &x.actedOn)
	}, `SELECT pr.id, pr.name, t.stakeholder_type, t.contributions, t.answered, t.acted_on FROM funding_programme_said_totals t
		JOIN funding_programmes pr ON pr.id = t.programme_id ORDER BY pr.id, t.stakeholder_type`)
	if err != nil {
		return nil, fmt.Errorf("contributions by programme: %w", err)
	}
	for _, s := range ss {
		f := &row(s.id, s.name).Figures
		t := f.row(funding.TypeLabel(directory.StakeholderType(s.stype)))
		t.Contributions += s.n
		t.Answered += s.answered
		t.ActedOn += s.actedOn
		f.Contributions += s.n
		f.Answered += s.answered
		f.ActedOn += s.actedOn
	}
	// Paid claims with their days to payment, and quick answers: payments' own running totals.
	type paid struct {
		id                                   int64
		paid, days, answers, listened, again int
	}
	pays, err := db.Collect(ctx, d.Read, func(s db.Scanner) (paid, error) {
		var x paid
		return x, s.Scan(&x.id, &x.paid, &x.days, &x.answers, &x.listened, &x.again)
	}, `SELECT programme_id, paid, days_to_pay, answers, listened, again FROM payment_programme_totals`)
	if err != nil {
		return nil, fmt.Errorf("payments by programme: %w", err)
	}
	for _, p := range pays {
		if r, ok := rows[p.id]; ok {
			r.Figures.PaidClaims += p.paid
			r.Figures.DaysToPay += p.days
			r.Figures.Answers += p.answers
			r.Figures.Listened += p.listened
			r.Figures.Again += p.again
		}
	}
	out := make([]NationalRow, 0, len(order))
	for _, id := range order {
		out = append(out, *rows[id])
	}
	return out, nil
}

// PanelFigures are "who was at the table" for every panel over its recorded meetings, as
// PanelTable counts them, in four grouped queries whatever the number of meetings: places
// taken and claims paid from running totals, what was said from the panels' recommendations
// and the concerns raised on them (a few thousand rows at national scale).
func PanelFigures(ctx context.Context, d *db.DB) ([]NationalRow, error) {
	ps, err := panels.ListPanels(ctx, d)
	if err != nil {
		return nil, err
	}
	return panelFigures(ctx, d, ps)
}

// panelFigures are PanelFigures for the panels ps: every panel, or one (its own page).
func panelFigures(ctx context.Context, d *db.DB, ps []panels.Panel) ([]NationalRow, error) {
	// One panel's rows only, by the panel_id each table of totals leads its key with.
	var args []any
	if len(ps) == 1 {
		args = []any{ps[0].ID}
	}
	where := func(col string) string {
		if args == nil {
			return ""
		}
		return " WHERE " + col + " = $1"
	}
	and := func(col string) string {
		if args == nil {
			return ""
		}
		return " AND " + col + " = $1"
	}
	out := make([]NationalRow, len(ps))
	of := make(map[int64]*Figures, len(ps))
	for i, p := range ps {
		out[i] = NationalRow{Name: p.Name, Link: "/panels/" + p.Slug + "/table"}
		of[p.ID] = &out[i].Figures
	}
	// Whether a person counts as a member is their role in the panel's organisation now.
	type seats struct {
		panel  int64
		member bool
		n      int64
	}
	ss, err := db.Collect(ctx, d.Read, func(s db.Scanner) (seats, error) {
		var x seats
		return x, s.Scan(&x.panel, &x.member, &x.n)
	}, `SELECT panel_id, member, SUM(seats) FROM (SELECT t.panel_id, t.seats, EXISTS (SELECT 1 FROM memberships ms
			WHERE ms.person_id = t.person_id AND ms.organisation_id = p.organisation_id AND ms.role = 'member') AS member
		FROM payment_seat_totals t JOIN panels p ON p.id = t.panel_id`+where("t.panel_id")+`) x GROUP BY panel_id, member`, args...)
	if err != nil {
		return nil, fmt.Errorf("places by panel: %w", err)
	}
	for _, s := range ss {
		if f := of[s.panel]; f != nil {
			f.row(seatLabel(s.member)).People += s.n
		}
	}
	type rec struct {
		panel          int64
		status, answer string
		member         bool
		n              int
	}
	recs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (rec, error) {
		var x rec
		return x, s.Scan(&x.panel, &x.status, &x.answer, &x.member, &x.n)
	}, `SELECT panel_id, status, answer, member, COUNT(*) FROM (SELECT r.panel_id, r.status, r.answer, EXISTS (SELECT 1 FROM memberships ms
			WHERE ms.person_id = r.drafted_by AND ms.organisation_id = p.organisation_id AND ms.role = 'member') AS member
		FROM recommendations r JOIN panels p ON p.id = r.panel_id`+where("r.panel_id")+`) x GROUP BY panel_id, status, answer, member`, args...)
	if err != nil {
		return nil, fmt.Errorf("recommendations by panel: %w", err)
	}
	for _, r := range recs {
		if f := of[r.panel]; f != nil {
			answered, acted, _ := recommendationOutcome(r.status, r.answer)
			f.saidN(seatLabel(r.member), r.n, answered, acted)
		}
	}
	type raised struct {
		panel    int64
		status   string
		resolved bool
		n        int
	}
	rs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (raised, error) {
		var x raised
		return x, s.Scan(&x.panel, &x.status, &x.resolved, &x.n)
	}, `SELECT r.panel_id, r.status, cr.resolved_at IS NOT NULL, COUNT(*) FROM consent_responses cr JOIN consent_rounds ro ON ro.id = cr.round_id
		JOIN recommendations r ON ro.subject = 'recommendation:' || r.id
		WHERE cr.kind IN ('concern', 'object') AND cr.reason <> ''`+and("r.panel_id")+` GROUP BY r.panel_id, r.status, cr.resolved_at IS NOT NULL`, args...)
	if err != nil {
		return nil, fmt.Errorf("concerns by panel: %w", err)
	}
	for _, r := range rs {
		if f := of[r.panel]; f != nil {
			f.saidN(livedLabel, r.n, r.resolved || r.status != panels.StatusConsent, r.resolved)
		}
	}
	type paid struct {
		panel                                int64
		paid, days, answers, listened, again int
	}
	pays, err := db.Collect(ctx, d.Read, func(s db.Scanner) (paid, error) {
		var x paid
		return x, s.Scan(&x.panel, &x.paid, &x.days, &x.answers, &x.listened, &x.again)
	}, `SELECT panel_id, paid, days_to_pay, answers, listened, again FROM payment_panel_totals`+where("panel_id"), args...)
	if err != nil {
		return nil, fmt.Errorf("payments by panel: %w", err)
	}
	for _, p := range pays {
		if f := of[p.panel]; f != nil {
			f.PaidClaims += p.paid
			f.DaysToPay += p.days
			f.Answers += p.answers
			f.Listened += p.listened
			f.Again += p.again
		}
	}
	return out, nil
}
