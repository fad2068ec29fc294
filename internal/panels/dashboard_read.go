package panels

import (
	"context"
	"fmt"
	"time"

	"roundtable/internal/platform/db"
)

// Timeliness counts the recommendations sent to one kind of addressee and whether they were
// answered by the due date, for the national dashboard (internal/insight).
type Timeliness struct {
	// Region is the addressed council's region, or "" for recommendations to the funder.
	Region string
	// Sent counts every recommendation sent; OnTime and Late were answered before or after the
	// due date; Overdue are still unanswered past it at now; the rest are not due yet.
	Sent, OnTime, Late, Overdue int
}

// RecommendationTimeliness counts, by the addressee's region, the recommendations sent and
// how they were answered, in one query.
func RecommendationTimeliness(ctx context.Context, d *db.DB, now time.Time) ([]Timeliness, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (t Timeliness, err error) {
		err = s.Scan(&t.Region, &t.Sent, &t.OnTime, &t.Late, &t.Overdue)
		return t, err
	}, `SELECT COALESCE(rg.name, ''), COUNT(*),
	SUM(CASE WHEN r.answered_at IS NOT NULL AND r.answered_at < r.due_at THEN 1 ELSE 0 END),
	SUM(CASE WHEN r.answered_at IS NOT NULL AND r.answered_at >= r.due_at THEN 1 ELSE 0 END),
	SUM(CASE WHEN r.answered_at IS NULL AND r.due_at <= $1 THEN 1 ELSE 0 END)
FROM recommendations r LEFT JOIN councils c ON c.gss_code = r.council_gss AND r.council_gss <> ''
	LEFT JOIN regions rg ON rg.id = c.region_id
WHERE r.sent_at IS NOT NULL
GROUP BY COALESCE(rg.name, '') ORDER BY COALESCE(rg.name, '')`, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("recommendation timeliness: %w", err)
	}
	return out, nil
}
