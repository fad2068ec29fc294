package insight

import (
	"context"
	"time"

	"roundtable/internal/evaluation"
)

// The national figures read running totals kept in the writers' transactions (each team's
// ratings by level, each programme's bid scores, claims and contributions by council) and a
// few hundred rows besides, so each page works them out for each request: tens of
// milliseconds at national scale, and never stale. The page cache (platform/pagecache) keeps
// the rendered public pages until their data changes.

// dashboardNow works out the dashboard as at now; funder adds what only the funder sees.
func (h *Handlers) dashboardNow(ctx context.Context, funder bool) (Dashboard, time.Time, error) {
	now := h.opt.Now()
	d, err := h.BuildDashboard(ctx, now, funder)
	return d, now, err
}

// councilsNow works out the table of each council's latest evaluation.
func (h *Handlers) councilsNow(ctx context.Context) (Figure, time.Time, error) {
	now := h.opt.Now()
	levels, err := evaluation.PublishedLevels(ctx, h.db)
	if err != nil {
		return Figure{}, now, err
	}
	return councilsFigure(latestByCouncil(levels)), now, nil
}
