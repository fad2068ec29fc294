package funding

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/totals"
)

// Reads for the national dashboard (internal/insight), each one aggregate query.

// Closure counts what people said in the co-production logs of one region's councils and how
// much of it the council answered ("you said, we did").
type Closure struct {
	Region            string // "" for councils without a region
	Contributions     int64
	Answered, ActedOn int64 // ActedOn were adopted or adapted
}

// FeedbackTotals are the running totals behind FeedbackClosure: each council's contributions,
// answered and acted on, recounted in the transaction of each change to them.
var FeedbackTotals = totals.Totals{
	Name: "what people said in co-production logs and the answers, by council", Table: "funding_feedback_totals", Key: "council_id",
	Columns: []string{"contributions", "answered", "acted_on"}, KeyOf: "a.council_id",
	Count: func(db.Dialect) string {
		return `SELECT a.council_id, COUNT(*), SUM(CASE WHEN c.response <> '' THEN 1 ELSE 0 END),
	SUM(CASE WHEN c.response IN ('adopted', 'adapted') THEN 1 ELSE 0 END)
FROM funding_contributions c JOIN funding_activities a ON a.id = c.activity_id WHERE {{only}} GROUP BY a.council_id`
	},
}

// FeedbackClosure counts contributions and answers by the council's region, from the running
// totals: one row per council.
func FeedbackClosure(ctx context.Context, d *db.DB) ([]Closure, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (c Closure, err error) {
		err = s.Scan(&c.Region, &c.Contributions, &c.Answered, &c.ActedOn)
		return c, err
	}, `SELECT COALESCE(rg.name, ''), SUM(x.contributions), SUM(x.answered), SUM(x.acted_on)
FROM funding_feedback_totals x JOIN organisations o ON o.id = x.council_id LEFT JOIN regions rg ON rg.id = o.region_id
GROUP BY COALESCE(rg.name, '') ORDER BY COALESCE(rg.name, '')`)
	if err != nil {
		return nil, fmt.Errorf("feedback closure: %w", err)
	}
	return out, nil
}

// ScoredBid is a submitted bid to a published programme with its moderated co-production
// score, if it has one.
type ScoredBid struct {
	ProgrammeID   int64
	ProgrammeName string
	OpensAt       time.Time
	CouncilGSS    string
	// Score is the moderated score on the ladder (0 to 6); Scored is false until moderation.
	Score  int
	Scored bool
}

// ScoredBids lists the submitted bids of published programmes with their moderated scores,
// programmes by opening date, then by council code: from ProgrammeScores, with the programmes
// and councils read on their own and the few thousand rows put in order here, which costs less
// than joining and sorting them in the database.
func ScoredBids(ctx context.Context, d *db.DB) ([]ScoredBid, error) {
	type programme struct {
		id      int64
		name    string
		opensAt time.Time
	}
	programmes, err := db.Collect(ctx, d.Read, func(s db.Scanner) (p programme, err error) {
		err = s.Scan(&p.id, &p.name, &p.opensAt)
		p.opensAt = p.opensAt.UTC()
		return p, err
	}, `SELECT id, name, opens_at FROM funding_programmes WHERE published_at IS NOT NULL ORDER BY opens_at, id`)
	if err != nil {
		return nil, fmt.Errorf("scored bids: %w", err)
	}
	order := make(map[int64]int, len(programmes))
	for i, p := range programmes {
		order[p.id] = i
	}
	type council struct {
		id  int64
		gss string
	}
	councils, err := db.Collect(ctx, d.Read, func(s db.Scanner) (c council, err error) { err = s.Scan(&c.id, &c.gss); return c, err },
		`SELECT organisation_id, gss_code FROM councils WHERE organisation_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("scored bids: %w", err)
	}
	// Councils by code, so that the bids sort by two numbers rather than by strings.
	slices.SortFunc(councils, func(a, b council) int { return strings.Compare(a.gss, b.gss) })
	rank := make(map[int64]int, len(councils))
	for i, c := range councils {
		rank[c.id] = i
	}
	type score struct {
		programme, council int64
		score              int // -1 until moderated
	}
	scores, err := db.Collect(ctx, d.Read, func(s db.Scanner) (x score, err error) {
		err = s.Scan(&x.programme, &x.council, &x.score)
		return x, err
	}, `SELECT programme_id, council_id, CASE WHEN scored = 1 THEN score ELSE -1 END FROM funding_programme_scores`)
	if err != nil {
		return nil, fmt.Errorf("scored bids: %w", err)
	}
	type row struct {
		order int // the programme's place, then the council's
		score
	}
	rows := make([]row, 0, len(scores))
	for _, x := range scores {
		p, published := order[x.programme]
		c, council := rank[x.council]
		if published && council {
			rows = append(rows, row{p*len(councils) + c, x})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.order, b.order) })
	out := make([]ScoredBid, len(rows))
	for i, r := range rows {
		p := programmes[r.order/len(councils)]
		out[i] = ScoredBid{ProgrammeID: p.id, ProgrammeName: p.name, OpensAt: p.opensAt, CouncilGSS: councils[r.order%len(councils)].gss,
			Score: max(r.score.score, 0), Scored: r.score.score >= 0}
	}
	return out, nil
}
