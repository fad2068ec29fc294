package insight

import (
	"context"
	"strconv"
	"time"
)

// The national figures read every published rating, every payment claim and every
// contribution. At national scale that takes longer than a page should, and the figures change
// slowly (an evaluation is published, a claim is paid), so a running server keeps them for
// Options.FiguresMaxAge (platform/kept) and rebuilds them in the background; each page says
// when its figures were worked out. With FiguresMaxAge zero (tests) every request builds them
// afresh.

// nationalFigures is one build of everything the co-production pages show.
type nationalFigures struct {
	funder   Dashboard // the funder's view; the public one is it without the support list
	outcomes Outcomes
	builtAt  time.Time
}

// public is the dashboard without what only the funder sees.
func (f nationalFigures) public() Dashboard {
	d := f.funder
	d.Support, d.SupportFigure = nil, nil
	return d
}

// build works the figures out now.
func (h *Handlers) build(ctx context.Context) (nationalFigures, error) {
	now := h.opt.Now()
	d, err := h.BuildDashboard(ctx, now, true)
	if err != nil {
		return nationalFigures{}, err
	}
	o, err := h.BuildOutcomes(ctx)
	if err != nil {
		return nationalFigures{}, err
	}
	return nationalFigures{funder: d, outcomes: o, builtAt: now}, nil
}

// figures returns the kept figures while they are young enough, and otherwise builds them.
func (h *Handlers) figures(ctx context.Context) (nationalFigures, error) {
	f, _, err := h.cache.Get(ctx)
	return f, err
}

// figuresBuiltAt says which kept copy of the figures a page would show now (none when they
// are worked out for every request), for the page cache.
func (h *Handlers) figuresBuiltAt() string {
	return strconv.FormatInt(h.cache.BuiltAt().UnixNano(), 10)
}

// KeepFiguresFresh rebuilds the kept figures before they grow too old, until ctx ends, so that
// no visitor waits for a build. It does nothing when figures are not kept.
func (h *Handlers) KeepFiguresFresh(ctx context.Context) {
	h.cache.KeepFresh(ctx, func(err error) { h.opt.Log.Error("build the national figures", "err", err) })
}
