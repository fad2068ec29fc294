package insight

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// Does co-production go with better outcomes? For each funding programme, councils grouped
// by the moderated co-production score of their bid; for each evaluation cycle, councils
// grouped by their agreed maturity; and for each group, rough sleeping in the last count
// before the programme opened (or the cycle started) and in the latest count since. It shows
// association, not cause: the page says so, with the group sizes.

// OutcomesPath is the page.
const OutcomesPath = DashboardPath + "/outcomes"

// bands group councils by a level on the ladder.
var bands = []string{"Consultation or below (0 to 3)", "Engagement (4 to 4.5)", "Co-design or co-production (5 to 6)", "Not scored yet"}

const notScored = 3

func bandOf(level float64) int {
	switch {
	case level < 4:
		return 0
	case level < 5:
		return 1
	}
	return 2
}

// study is one programme or cycle: when it started and each council's band.
type study struct {
	name   string
	starts time.Time
	// councils are current GSS codes with their band, each once.
	councils []string
	band     map[string]int
}

func (s *study) add(gss string, band int) {
	if s.band == nil {
		s.band = map[string]int{}
	}
	if _, ok := s.band[gss]; ok {
		return // two councils since merged into one count once, in the first one's group
	}
	s.band[gss] = band
	s.councils = append(s.councils, gss)
}

// Outcomes are the two comparisons.
type Outcomes struct {
	Programmes, Cycles Figure
}

// Figure finds one of the two by ID.
func (o Outcomes) Figure(id string) (Figure, bool) {
	for _, f := range []Figure{o.Programmes, o.Cycles} {
		if f.ID == id {
			return f, true
		}
	}
	return Figure{}, false
}

// councilTotals returns each council's published totals by year, and the years there are.
func councilTotals(ctx context.Context, d *db.DB) (map[string]map[int]Count, []int, error) {
	type total struct {
		key          string
		year, hidden int
		total        int64
	}
	rows, err := db.Collect(ctx, d.Read, func(s db.Scanner) (t total, err error) {
		err = s.Scan(&t.key, &t.year, &t.total, &t.hidden)
		return t, err
	}, `SELECT area_key, year, total, hidden FROM rough_sleeping_figures WHERE area_type = 'council'`)
	if err != nil {
		return nil, nil, fmt.Errorf("council totals: %w", err)
	}
	out := map[string]map[int]Count{}
	var years []int
	for _, r := range rows {
		if out[r.key] == nil {
			out[r.key] = map[int]Count{}
		}
		out[r.key][r.year] = Count{Value: r.total, Hidden: Hidden(r.hidden).Has(Total)}
		if !slices.Contains(years, r.year) {
			years = append(years, r.year)
		}
	}
	slices.Sort(years)
	return out, years, nil
}

// BuildOutcomes works out both comparisons.
func (h *Handlers) BuildOutcomes(ctx context.Context) (Outcomes, error) {
	var o Outcomes
	totals, years, err := councilTotals(ctx, h.db)
	if err != nil {
		return o, err
	}
	codes, err := directory.CouncilCodeMap(ctx, h.db)
	if err != nil {
		return o, err
	}
	current := func(gss string) string {
		if c, ok := codes[gss]; ok {
			return c
		}
		return gss
	}
	bids, err := funding.ScoredBids(ctx, h.db)
	if err != nil {
		return o, err
	}
	var programmes []study
	for i, b := range bids {
		if i == 0 || bids[i-1].ProgrammeID != b.ProgrammeID {
			programmes = append(programmes, study{name: b.ProgrammeName, starts: b.OpensAt})
		}
		band := notScored
		if b.Scored {
			band = bandOf(float64(b.Score))
		}
		programmes[len(programmes)-1].add(current(b.CouncilGSS), band)
	}
	levels, err := evaluation.PublishedLevels(ctx, h.db)
	if err != nil {
		return o, err
	}
	var cycles []study
	for i, l := range levels {
		if i == 0 || levels[i-1].CycleID != l.CycleID {
			cycles = append(cycles, study{name: l.CycleTitle, starts: l.CycleStarts})
		}
		if m, ok := l.Agreed.Median(); ok {
			cycles[len(cycles)-1].add(current(l.CouncilGSS), bandOf(m))
		}
	}
	o.Programmes = outcomeFigure("outcomes-programmes", "Funding programmes: co-production score and rough sleeping", "Programme",
		"the council's bid to the programme, as moderated", programmes, totals, years)
	o.Cycles = outcomeFigure("outcomes-cycles", "Evaluation cycles: co-production maturity and rough sleeping", "Cycle",
		"the median of the council's agreed peer ratings in the cycle", cycles, totals, years)
	return o, nil
}

// groupFigures are one group's numbers.
type groupFigures struct {
	councils, withFigures    int
	before, after            int64
	befores, afters, changes []float64
}

// beforeAndAfter picks the last count in a year before the start, and the latest count in the
// start's year or after; ok is false for either when there is none.
func beforeAndAfter(starts time.Time, years []int) (before, after int, okBefore, okAfter bool) {
	y := starts.In(web.London).Year()
	for _, yr := range years {
		if yr < y {
			before, okBefore = yr, true
		} else {
			after, okAfter = yr, true
		}
	}
	return
}

func outcomeFigure(id, heading, what, scoredBy string, studies []study, totals map[string]map[int]Count, years []int) Figure {
	f := Figure{ID: id, Heading: heading,
		Table: Table{Caption: heading + ": people seen sleeping rough on one night in autumn, before and after, by group",
			Columns: []Column{{Name: what}, {Name: "Group"}, {Name: "Councils", Numeric: true}, {Name: "Councils with figures", Numeric: true},
				{Name: "Count before"}, {Name: "Total before", Numeric: true}, {Name: "Count after"}, {Name: "Total after", Numeric: true},
				{Name: "Change", Numeric: true}, {Name: "Median per council before", Numeric: true},
				{Name: "Median per council after", Numeric: true}, {Name: "Median change per council", Numeric: true}}},
		Notes: []string{"Councils are grouped by " + scoredBy + ", on the ladder of co-production.",
			"Before is the last autumn count in a year before the start; after is the latest count since. Only councils with a published figure in both years count in the totals and medians: figures kept private ([c]) and councils with no figures are left out, and the table says how many are left.",
			"Councils that were abolished and merged are counted in the council that serves their area now."}}
	var chartStudy string
	var groups []BarGroup
	for _, s := range studies {
		before, after, okB, okA := beforeAndAfter(s.starts, years)
		var gs [4]groupFigures
		for _, c := range s.councils {
			g := &gs[s.band[c]]
			g.councils++
			b, hasB := totals[c][before]
			a, hasA := totals[c][after]
			if !okB || !okA || !hasB || !hasA || !b.Shown() || !a.Shown() {
				continue
			}
			g.withFigures++
			g.before += b.Value
			g.after += a.Value
			g.befores = append(g.befores, float64(b.Value))
			g.afters = append(g.afters, float64(a.Value))
			g.changes = append(g.changes, float64(a.Value-b.Value))
		}
		yearCell := func(y int, ok bool) Cell {
			if !ok {
				return Cell{Text: "no count yet", Data: ""}
			}
			return Cell{Text: fmt.Sprint(y), Data: fmt.Sprint(y)}
		}
		var bars []BarGroup
		for i, g := range gs {
			if g.councils == 0 {
				continue
			}
			row := []Cell{text(s.name), text(bands[i]), whole(int64(g.councils)), whole(int64(g.withFigures)), yearCell(before, okB)}
			if g.withFigures == 0 {
				none := Cell{Text: "no figures", Data: ""}
				row = append(row, none, yearCell(after, okA), none, none, none, none, none)
			} else {
				mb, _ := median(g.befores)
				ma, _ := median(g.afters)
				mc, _ := median(g.changes)
				row = append(row, whole(g.before), yearCell(after, okA), whole(g.after), changeCell(g.before, g.after),
					number(mb), number(ma), signed(mc))
				bars = append(bars, BarGroup{Label: bands[i], Bars: []Bar{
					{Value: mb, Text: fmt.Sprintf("median before (%d): %s", before, number(mb).Text)},
					{Value: ma, Text: fmt.Sprintf("median after (%d): %s", after, number(ma).Text)}}})
			}
			f.Table.Rows = append(f.Table.Rows, row)
		}
		if len(bars) > 0 {
			chartStudy, groups = s.name, bars // the latest study with figures is charted
		}
	}
	if len(f.Table.Rows) == 0 {
		f.Summary = []string{"There is nothing to compare yet."}
		return f
	}
	var sizes []string
	var top float64
	for _, g := range groups {
		for _, b := range g.Bars {
			top = max(top, b.Value)
		}
	}
	for _, r := range f.Table.Rows {
		if r[0].Text == chartStudy {
			sizes = append(sizes, fmt.Sprintf("%s: %s of %s councils with figures", r[1].Text, r[3].Text, r[2].Text))
		}
	}
	if chartStudy == "" {
		f.Summary = []string{"No group has rough sleeping counts both before and after its start yet."}
		return f
	}
	f.Summary = []string{fmt.Sprintf("The chart shows %s: the median number of people seen sleeping rough per council, before and after, in each group (%s).",
		chartStudy, strings.Join(sizes, "; "))}
	top, _ = niceMaxFloat(top)
	f.Chart = HBarChart(id+"-chart", heading+": "+chartStudy, f.Summary[0]+" The table below gives every figure.", groups, top)
	return f
}

func niceMaxFloat(v float64) (float64, bool) {
	t, _ := niceMax(int64(v + 0.999))
	return float64(t), true
}

func number(v float64) Cell {
	s := fmt.Sprintf("%.1f", v)
	if v == float64(int64(v)) {
		s = web.FormatNumber(int64(v))
		return Cell{Text: s, Data: fmt.Sprint(int64(v))}
	}
	return Cell{Text: s, Data: s}
}

func signed(v float64) Cell {
	c := number(v)
	if v > 0 {
		c.Text = "+" + c.Text
	}
	return c
}

// changeCell shows a change in a total: "+12 (+8%)".
func changeCell(before, after int64) Cell {
	d := after - before
	t := fmt.Sprintf("%+d", d)
	if before > 0 {
		t += fmt.Sprintf(" (%+.0f%%)", float64(d)*100/float64(before))
	}
	return Cell{Text: t, Data: fmt.Sprint(d)}
}

func (h *Handlers) outcomes(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.renderShared(w, r, rd, "outcomes", func(ctx context.Context) (*DashboardView, error) {
		o, at, err := h.outcomesNow(ctx)
		if err != nil {
			return nil, err
		}
		return &DashboardView{Page: web.Page{Title: "Does co-production go with less rough sleeping?", Back: DashboardPath, Wide: true},
			Kind: "outcomes", Outcomes: o, BuiltAt: at}, nil
	})
}
