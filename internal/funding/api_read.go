package funding

import (
	"context"
	"fmt"

	"roundtable/internal/platform/db"
)

// PublishedPots returns the pots of every published programme by programme id, in one query,
// so that a list of programmes with their pots does not read them programme by programme.
func PublishedPots(ctx context.Context, d *db.DB) (map[int64][]Pot, error) {
	pots, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Pot, error) {
		var p Pot
		return p, s.Scan(&p.ID, &p.ProgrammeID, &p.Name, &p.Kind, &p.AmountPence, &p.BidLimitPence)
	}, `SELECT p.id, p.programme_id, p.name, p.kind, p.amount_pence, p.bid_limit_pence
FROM funding_pots p JOIN funding_programmes g ON g.id = p.programme_id
WHERE g.published_at IS NOT NULL ORDER BY p.programme_id, p.id`)
	if err != nil {
		return nil, fmt.Errorf("published pots: %w", err)
	}
	out := map[int64][]Pot{}
	for _, p := range pots {
		out[p.ProgrammeID] = append(out[p.ProgrammeID], p)
	}
	return out, nil
}
