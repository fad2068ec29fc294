package insight

import (
	"context"
	"time"

	"roundtable/internal/evaluation"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

// The national figures read running totals kept in the writers' transactions (each team's
// ratings by level, each programme's bid scores, claims and contributions by council) and a
// few hundred rows besides, so working them out takes tens of milliseconds at national scale,
// with no copy kept that could be stale. The page cache (platform/pagecache) keeps the rendered
// public pages, and keptFigures (below) the figures themselves, until their data changes.

// keptFigures are the national figures kept between requests, each under the versions of the data
// it was worked out from (pagecache.Memo): the public pages are cached whole for visitors, and
// these serve the signed-in, who are shown the same figures, so the funder on results day costs
// a render. They read every kind of data and the clock (recommendations overdue now), so they
// are worked out again when anything changes, or a minute on. Nil without the page cache: then
// every request works them out.
type keptFigures struct {
	dashboard *pagecache.Memo[builtDashboard]
	councils  *pagecache.Memo[builtFigure]
	outcomes  *pagecache.Memo[builtOutcomes]
	// pages are the pages' main content rendered from them, by path, for the pages the same
	// for everyone who may see them (all but the public dashboard, which shows the funder a
	// link to their view).
	pages *pagecache.Memo[web.SharedMain]
}

type builtDashboard struct {
	Dashboard
	at time.Time
}

type builtFigure struct {
	Figure
	at time.Time
}

type builtOutcomes struct {
	Outcomes
	at time.Time
}

func newKeptFigures(c *pagecache.Cache) keptFigures {
	p := pagecache.Page{All: true, Every: time.Minute}
	return keptFigures{dashboard: pagecache.NewMemo[builtDashboard](c, "the national dashboard", p),
		councils: pagecache.NewMemo[builtFigure](c, "each council's latest evaluation", p),
		outcomes: pagecache.NewMemo[builtOutcomes](c, "the outcomes", p),
		pages:    pagecache.NewMemo[web.SharedMain](c, "the co-production pages", p)}
}

// dashboardNow is the dashboard as at now, and when it was worked out; funder adds what only
// the funder sees. What it returns is shared between requests: not to be changed.
func (h *Handlers) dashboardNow(ctx context.Context, funder bool) (Dashboard, time.Time, error) {
	key := "public"
	if funder {
		key = "funder"
	}
	b, err := h.figures.dashboard.Get(ctx, key, func(ctx context.Context) (builtDashboard, error) {
		now := h.opt.Now()
		d, err := h.BuildDashboard(ctx, now, funder)
		// Both views show the same figures, so they link to the public downloads; only the
		// support list is the funder's own.
		for i := range d.Figures {
			d.Figures[i].CSV = DashboardPath + "/" + d.Figures[i].ID + ".csv"
		}
		if d.SupportFigure != nil {
			d.SupportFigure.CSV = FunderPath + "/support.csv"
		}
		return builtDashboard{d, now}, err
	})
	return b.Dashboard, b.at, err
}

// councilsNow is the table of each council's latest evaluation, and when it was worked out.
func (h *Handlers) councilsNow(ctx context.Context) (Figure, time.Time, error) {
	b, err := h.figures.councils.Get(ctx, "", func(ctx context.Context) (builtFigure, error) {
		now := h.opt.Now()
		levels, err := evaluation.PublishedLevels(ctx, h.db)
		if err != nil {
			return builtFigure{}, err
		}
		f := councilsFigure(latestByCouncil(levels))
		f.CSV = DashboardPath + "/councils.csv"
		return builtFigure{f, now}, nil
	})
	return b.Figure, b.at, err
}

// outcomesNow is both comparisons of co-production against outcomes, and when they were
// worked out.
func (h *Handlers) outcomesNow(ctx context.Context) (Outcomes, time.Time, error) {
	b, err := h.figures.outcomes.Get(ctx, "", func(ctx context.Context) (builtOutcomes, error) {
		now := h.opt.Now()
		o, err := h.BuildOutcomes(ctx)
		o.Programmes.CSV = DashboardPath + "/" + o.Programmes.ID + ".csv"
		o.Cycles.CSV = DashboardPath + "/" + o.Cycles.ID + ".csv"
		return builtOutcomes{o, now}, err
	})
	return b.Outcomes, b.at, err
}
