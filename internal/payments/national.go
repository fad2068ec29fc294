package payments

import (
	"context"
	"fmt"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/db"
)

// ProgrammeFigures are "who was at the table" for every funding programme, over the
// activities of its submitted bids, in four grouped queries whatever the number of bids: the
// national view cannot afford a table per bid (20,000 bids at national scale). Who took part
// and what they said come from funding's running totals (a few rows per programme).
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
	// The activities behind each programme's submitted bids; an activity that several bids
	// use counts for each, as it does on each bid's own page.
	const linked = `FROM funding_bids b JOIN funding_programmes pr ON pr.id = b.programme_id
		JOIN funding_bid_activities ba ON ba.bid_id = b.id`
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
	// Days to payment are calendar days in London, worked out here rather than in two SQL
	// dialects.
	type paid struct {
		id       int64
		held, on time.Time
	}
	pays, err := db.Collect(ctx, d.Read, func(s db.Scanner) (paid, error) {
		var x paid
		return x, s.Scan(&x.id, &x.held, &x.on)
	}, `SELECT b.programme_id, pc.held_at, pc.paid_on `+linked+`
		JOIN payment_claims pc ON pc.source = 'activity' AND pc.source_id = ba.activity_id AND pc.status = 'paid'
		WHERE b.submitted_at IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("payments by programme: %w", err)
	}
	for _, p := range pays {
		if r, ok := rows[p.id]; ok {
			r.Figures.PaidClaims++
			r.Figures.DaysToPay += daysBetween(p.held, p.on)
		}
	}
	type heard struct {
		id                       int64
		answers, listened, again int
	}
	hs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (heard, error) {
		var x heard
		return x, s.Scan(&x.id, &x.answers, &x.listened, &x.again)
	}, `SELECT b.programme_id, COUNT(*), SUM(CASE WHEN pf.listened = 'yes' THEN 1 ELSE 0 END), SUM(CASE WHEN pf.again = 'yes' THEN 1 ELSE 0 END)
		`+linked+` JOIN payment_feedback pf ON pf.source = 'activity' AND pf.source_id = ba.activity_id
		WHERE b.submitted_at IS NOT NULL GROUP BY b.programme_id`)
	if err != nil {
		return nil, fmt.Errorf("feedback by programme: %w", err)
	}
	for _, h := range hs {
		if r, ok := rows[h.id]; ok {
			r.Figures.Answers += h.answers
			r.Figures.Listened += h.listened
			r.Figures.Again += h.again
		}
	}
	out := make([]NationalRow, 0, len(order))
	for _, id := range order {
		out = append(out, *rows[id])
	}
	return out, nil
}
