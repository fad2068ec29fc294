package funding

import (
	"context"
	"fmt"
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
// programmes by opening date, in one query.
func ScoredBids(ctx context.Context, d *db.DB) ([]ScoredBid, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (b ScoredBid, err error) {
		var score *int64
		err = s.Scan(&b.ProgrammeID, &b.ProgrammeName, &b.OpensAt, &b.CouncilGSS, &score)
		if score != nil {
			b.Score, b.Scored = int(*score), true
		}
		b.OpensAt = b.OpensAt.UTC()
		return b, err
	}, `SELECT p.id, p.name, p.opens_at, c.gss_code, o.score
FROM funding_bids b JOIN funding_programmes p ON p.id = b.programme_id JOIN councils c ON c.organisation_id = b.council_id
	LEFT JOIN funding_outcomes o ON o.bid_id = b.id
WHERE p.published_at IS NOT NULL AND b.submitted_at IS NOT NULL
ORDER BY p.opens_at, p.id, c.gss_code`)
	if err != nil {
		return nil, fmt.Errorf("scored bids: %w", err)
	}
	return out, nil
}
