package insight

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/payments"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

// The national dashboard of co-production: maturity by region and over the cycles,
// recommendations answered on time, payments and feedback closure, exemplars; and, for the
// funder, which councils need support and why. Every number is aggregated in SQL by the
// capability that owns it, so the page costs the same few queries at any scale.
//
// What is public and what is the funder's: the public page names councils and panels but no
// person, and shows counts of people under 5 as [c]. The list of councils needing support,
// with the weak ratings behind it, is the funder's alone, as it is on the evaluation pages:
// it is a working list for offering help, and a council should hear about it from the funder,
// not find itself named on a public page. The public page gives how many councils in each
// region need support.

// DashboardPath is the public dashboard; FunderPath the funder's.
const (
	DashboardPath = "/data/co-production"
	FunderPath    = DashboardPath + "/funder"
)

// noRegion names the rows of organisations the register gives no region.
const noRegion = "No region"

// Dashboard is the national picture.
type Dashboard struct {
	Figures []Figure
	// Evaluated counts the councils with a published evaluation.
	Evaluated int
	Examples  []evaluation.Example
	// Support is the funder's list, empty on the public page.
	Support []evaluation.SupportNeed
	// SupportFigure is the support list as a table and download, for the funder.
	SupportFigure *Figure
	// Councils is each council's latest maturity, the table behind /data/co-production/councils.
	Councils Figure
}

// Figure finds a figure by its ID.
func (d Dashboard) Figure(id string) (Figure, bool) {
	for _, f := range append([]Figure{d.Councils}, d.Figures...) {
		if f.ID == id {
			return f, true
		}
	}
	if d.SupportFigure != nil && d.SupportFigure.ID == id {
		return *d.SupportFigure, true
	}
	return Figure{}, false
}

// BuildDashboard reads and works out the national picture as at now; funder adds what only the
// funder sees.
func (h *Handlers) BuildDashboard(ctx context.Context, now time.Time, funder bool) (Dashboard, error) {
	var out Dashboard
	regions, err := directory.Regions(ctx, h.db)
	if err != nil {
		return out, err
	}
	names := make([]string, 0, len(regions)+1)
	for _, r := range regions {
		names = append(names, r.Name)
	}
	levels, err := evaluation.PublishedLevels(ctx, h.db)
	if err != nil {
		return out, err
	}
	support, err := evaluation.SupportNeeds(ctx, h.db)
	if err != nil {
		return out, err
	}
	recs, err := panels.RecommendationTimeliness(ctx, h.db, now)
	if err != nil {
		return out, err
	}
	pays, err := payments.PaymentTimesByRegion(ctx, h.db)
	if err != nil {
		return out, err
	}
	closure, err := funding.FeedbackClosure(ctx, h.db)
	if err != nil {
		return out, err
	}
	if out.Examples, err = evaluation.PublishedExamples(ctx, h.db); err != nil {
		return out, err
	}
	latest := latestByCouncil(levels)
	out.Evaluated = len(latest)
	out.Councils = councilsFigure(latest)
	out.Figures = []Figure{
		maturityByRegion(names, latest, support),
		maturityTrend(levels),
		recommendationsFigure(names, recs),
		paymentsFigure(names, pays),
		closureFigure(names, closure),
	}
	if funder {
		out.Support = support
		f := supportFigure(support)
		out.SupportFigure = &f
	}
	return out, nil
}

// latestByCouncil keeps each council's latest published evaluation, in region and name order.
func latestByCouncil(levels []evaluation.TeamLevels) []evaluation.TeamLevels {
	at := map[string]int{}
	var out []evaluation.TeamLevels
	for _, l := range levels { // oldest cycle first, so a later one replaces an earlier
		if i, ok := at[l.CouncilGSS]; ok {
			out[i] = l
			continue
		}
		at[l.CouncilGSS] = len(out)
		out = append(out, l)
	}
	sortByRegionAndName(out)
	return out
}

func sortByRegionAndName(ls []evaluation.TeamLevels) {
	key := func(l evaluation.TeamLevels) string { return l.RegionName + "\x00" + l.CouncilName }
	for i := 1; i < len(ls); i++ { // insertion sort: the list is nearly sorted already
		for j := i; j > 0 && key(ls[j]) < key(ls[j-1]); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

func regionOf(name string) string {
	if name == "" {
		return noRegion
	}
	return name
}

// orderRows puts rows keyed by region in the register's order, then any others.
func orderRows(names []string, keys []string) []string {
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	var out []string
	for _, n := range append(append([]string{}, names...), noRegion) {
		if seen[n] {
			out = append(out, n)
			delete(seen, n)
		}
	}
	for _, k := range keys {
		if seen[k] {
			out = append(out, k)
			delete(seen, k)
		}
	}
	return out
}

func maturityByRegion(names []string, latest []evaluation.TeamLevels, support []evaluation.SupportNeed) Figure {
	type acc struct {
		agreed, independent []float64
		councils, weak      int64
	}
	by := map[string]*acc{}
	var keys []string
	get := func(r string) *acc {
		if by[r] == nil {
			by[r] = &acc{}
			keys = append(keys, r)
		}
		return by[r]
	}
	all := &acc{}
	for _, l := range latest {
		for _, a := range []*acc{get(regionOf(l.RegionName)), all} {
			a.councils++
			if m, ok := l.Agreed.Median(); ok {
				a.agreed = append(a.agreed, m)
			}
			if m, ok := l.Independent.Median(); ok {
				a.independent = append(a.independent, m)
			}
		}
	}
	for _, s := range support {
		get(regionOf(s.Team.RegionName)).weak++
		all.weak++
	}
	f := Figure{ID: "maturity-by-region", Heading: "Co-production maturity by region",
		Table: Table{Caption: "Median level on the ladder of co-production of each council's latest evaluation, by region",
			Columns: []Column{{Name: "Region"}, {Name: "Councils evaluated", Numeric: true}, {Name: "Median agreed peer rating", Numeric: true},
				{Name: "Median independent rating", Numeric: true}, {Name: "Councils needing support", Numeric: true}}},
		Notes: []string{"Each council's level is the median of its ratings across the standard's indicators and the quality of relationships, in its latest published evaluation. A region's level is the median of its councils' levels. Levels run from 0 (coercion) to 6 (co-production).",
			"The agreed peer rating is the one the lived-experience evaluators agreed together; the independent rating is the independent assessor's."}}
	var groups []BarGroup
	row := func(name string, a *acc) {
		ag, okA := median(a.agreed)
		in, okI := median(a.independent)
		f.Table.Rows = append(f.Table.Rows, []Cell{text(name), whole(a.councils), levelCell(ag, okA), levelCell(in, okI), whole(a.weak)})
		groups = append(groups, BarGroup{Label: name, Bars: []Bar{levelBar("Peer", ag, okA), levelBar("Independent", in, okI)}})
	}
	for _, k := range orderRows(names, keys) {
		row(k, by[k])
	}
	row("England", all)
	if all.councils == 0 {
		f.Summary = []string{"No evaluation has been published yet."}
		return f
	}
	ag, _ := median(all.agreed)
	s := fmt.Sprintf("%s %s a published evaluation. Across England the median agreed peer rating is %s (%s).",
		web.FormatNumber(all.councils), plural(all.councils, "council has", "councils have"), levelNumber(ag), levelName(ag))
	if in, ok := median(all.independent); ok {
		s += fmt.Sprintf(" The median independent rating is %s (%s).", levelNumber(in), levelName(in))
	}
	f.Summary = []string{s, fmt.Sprintf("%s of them %s support.", web.FormatNumber(all.weak), plural(all.weak, "needs", "need"))}
	f.Chart = HBarChart(f.ID+"-chart", f.Heading, strings.Join(f.Summary, " ")+" The table below gives every figure.", groups, 6)
	return f
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func maturityTrend(levels []evaluation.TeamLevels) Figure {
	f := Figure{ID: "maturity-trend", Heading: "Co-production maturity across the evaluation cycles",
		Table: Table{Caption: "Median level on the ladder of co-production of the councils evaluated in each cycle",
			Columns: []Column{{Name: "Cycle"}, {Name: "Starts"}, {Name: "Councils evaluated", Numeric: true},
				{Name: "Median agreed peer rating", Numeric: true}, {Name: "Median independent rating", Numeric: true}}}}
	var groups []BarGroup
	var first, last float64
	for i := 0; i < len(levels); {
		j := i
		var agreed, independent []float64
		for ; j < len(levels) && levels[j].CycleID == levels[i].CycleID; j++ {
			if m, ok := levels[j].Agreed.Median(); ok {
				agreed = append(agreed, m)
			}
			if m, ok := levels[j].Independent.Median(); ok {
				independent = append(independent, m)
			}
		}
		c := levels[i]
		ag, okA := median(agreed)
		in, okI := median(independent)
		starts := c.CycleStarts.Format("2 January 2006")
		f.Table.Rows = append(f.Table.Rows, []Cell{text(c.CycleTitle), {Text: starts, Data: c.CycleStarts.Format(time.DateOnly)},
			whole(int64(j - i)), levelCell(ag, okA), levelCell(in, okI)})
		groups = append(groups, BarGroup{Label: c.CycleTitle, Bars: []Bar{levelBar("Peer", ag, okA), levelBar("Independent", in, okI)}})
		if i == 0 {
			first = ag
		}
		last = ag
		i = j
	}
	switch n := len(f.Table.Rows); {
	case n == 0:
		f.Summary = []string{"No evaluation has been published yet."}
		return f
	case n == 1:
		f.Summary = []string{fmt.Sprintf("One cycle has published evaluations so far: its median agreed peer rating is %s (%s).", levelNumber(last), levelName(last))}
	default:
		move := "the same as"
		if last > first {
			move = "up from"
		} else if last < first {
			move = "down from"
		}
		f.Summary = []string{fmt.Sprintf("Over %d cycles, the median agreed peer rating went to %s (%s) in the latest, %s %s in the first.",
			n, levelNumber(last), levelName(last), move, levelNumber(first))}
	}
	f.Chart = HBarChart(f.ID+"-chart", f.Heading, f.Summary[0]+" The table below gives every figure.", groups, 6)
	return f
}

func councilsFigure(latest []evaluation.TeamLevels) Figure {
	f := Figure{ID: "councils", Heading: "Each council's latest evaluation",
		Table: Table{Caption: "Each council's latest published evaluation: median levels on the ladder of co-production",
			Columns: []Column{{Name: "Council"}, {Name: "GSS code"}, {Name: "Region"}, {Name: "Cycle"},
				{Name: "Median agreed peer rating", Numeric: true}, {Name: "Median independent rating", Numeric: true}}}}
	for _, l := range latest {
		ag, okA := l.Agreed.Median()
		in, okI := l.Independent.Median()
		f.Table.Rows = append(f.Table.Rows, []Cell{text(l.CouncilName), text(l.CouncilGSS), text(regionOf(l.RegionName)), text(l.CycleTitle),
			levelCell(ag, okA), levelCell(in, okI)})
	}
	return f
}

func recommendationsFigure(names []string, ts []panels.Timeliness) Figure {
	f := Figure{ID: "recommendations", Heading: "Recommendations answered on time",
		Table: Table{Caption: "Panels' recommendations by who they were sent to: answered by the due date, late, or overdue now",
			Columns: []Column{{Name: "Sent to"}, {Name: "Sent", Numeric: true}, {Name: "Answered on time", Numeric: true},
				{Name: "Answered late", Numeric: true}, {Name: "Overdue now", Numeric: true}, {Name: "Share answered on time", Numeric: true}}},
		Notes: []string{"The share answered on time is of the recommendations whose due date has passed or that have been answered. Recommendations to councils are shown by the council's region."}}
	by := map[string]panels.Timeliness{}
	var keys []string
	for _, t := range ts {
		k := "Councils in " + regionOf(t.Region)
		if t.Region == "" {
			k = "The funder"
		}
		by[k] = t
		keys = append(keys, k)
	}
	var all panels.Timeliness
	var groups []BarGroup
	row := func(name string, t panels.Timeliness) {
		c, b := ratio(int64(t.OnTime), int64(t.OnTime+t.Late+t.Overdue))
		b.Text = "on time: " + b.Text
		f.Table.Rows = append(f.Table.Rows, []Cell{text(name), whole(int64(t.Sent)), whole(int64(t.OnTime)), whole(int64(t.Late)), whole(int64(t.Overdue)), c})
		groups = append(groups, BarGroup{Label: name, Bars: []Bar{b}})
	}
	var order []string
	if _, ok := by["The funder"]; ok {
		order = append(order, "The funder")
	}
	for _, n := range orderRows(prefixed(names), keys) {
		if n != "The funder" {
			order = append(order, n)
		}
	}
	for _, k := range order {
		t := by[k]
		row(k, t)
		all.Sent, all.OnTime, all.Late, all.Overdue = all.Sent+t.Sent, all.OnTime+t.OnTime, all.Late+t.Late, all.Overdue+t.Overdue
	}
	row("All", all)
	if all.Sent == 0 {
		f.Summary = []string{"No recommendation has been sent yet."}
		return f
	}
	due := all.OnTime + all.Late + all.Overdue
	c, _ := ratio(int64(all.OnTime), int64(due))
	f.Summary = []string{fmt.Sprintf("Panels have sent %s %s. Of the %s due or answered, %s were answered by the due date (%s); %s %s overdue now.",
		web.FormatNumber(int64(all.Sent)), plural(int64(all.Sent), "recommendation", "recommendations"), web.FormatNumber(int64(due)),
		web.FormatNumber(int64(all.OnTime)), c.Text, web.FormatNumber(int64(all.Overdue)), plural(int64(all.Overdue), "is", "are"))}
	f.Chart = HBarChart(f.ID+"-chart", f.Heading, f.Summary[0]+" The table below gives every figure.", groups, 100)
	return f
}

func prefixed(names []string) []string {
	out := make([]string, 0, len(names)+1)
	for _, n := range append(append([]string{}, names...), noRegion) {
		out = append(out, "Councils in "+n)
	}
	return out
}

func paymentsFigure(names []string, ps []payments.PaymentTimes) Figure {
	f := Figure{ID: "payments", Heading: "Paying people for their time",
		Table: Table{Caption: "Claims for people's time by the paying organisation's region: how many are paid and how long payment took",
			Columns: []Column{{Name: "Region"}, {Name: "Claims", Numeric: true}, {Name: "Paid", Numeric: true},
				{Name: "Share paid", Numeric: true}, {Name: "Average days to payment", Numeric: true}}},
		Notes: []string{"A claim is one person's time at one meeting or activity. Claims a person declined are left out. Days run from the meeting or activity to the payment."}}
	by := map[string]payments.PaymentTimes{}
	var keys []string
	var all payments.PaymentTimes
	for _, p := range ps {
		k := regionOf(p.Region)
		by[k] = p
		keys = append(keys, k)
		all.Claims, all.Paid, all.DaysToPay = all.Claims+p.Claims, all.Paid+p.Paid, all.DaysToPay+p.DaysToPay
	}
	order := orderRows(names, keys)
	claims, paid := make([]int64, len(order)), make([]int64, len(order))
	for i, k := range order {
		claims[i], paid[i] = by[k].Claims, by[k].Paid
	}
	cs, allClaims := peopleCounts(claims, all.Claims)
	pd, allPaid := peopleCounts(paid, all.Paid)
	var groups []BarGroup
	row := func(name string, p payments.PaymentTimes, claims, paid Count) {
		c, b := share(paid, claims)
		days := Cell{Text: "none paid", Data: ""}
		if avg, ok := p.AverageDays(); paid.Hidden {
			days = Cell{Text: "[c]", Data: "[c]"} // an average of a few payments is theirs
		} else if ok {
			days = Cell{Text: fmt.Sprintf("%.1f", avg), Data: fmt.Sprintf("%.1f", avg)}
		}
		f.Table.Rows = append(f.Table.Rows, []Cell{text(name), countCell(claims), countCell(paid), c, days})
		b.Text = "paid: " + b.Text
		groups = append(groups, BarGroup{Label: name, Bars: []Bar{b}})
	}
	for i, k := range order {
		row(k, by[k], cs[i], pd[i])
	}
	row("England", all, allClaims, allPaid)
	if all.Claims == 0 {
		f.Summary = []string{"No claim for people's time has been made yet."}
		return f
	}
	c, _ := share(allPaid, allClaims)
	s := fmt.Sprintf("People have claimed for their time %s times; %s of the claims are paid", allClaims, c.Text)
	if avg, ok := all.AverageDays(); ok && !allPaid.Hidden {
		s += fmt.Sprintf(", on average %.1f days after the meeting or activity", avg)
	}
	f.Summary = []string{s + "."}
	f.Chart = HBarChart(f.ID+"-chart", "Share of claims paid, by region", f.Summary[0]+" The table below gives every figure.", groups, 100)
	return f
}

func closureFigure(names []string, cs []funding.Closure) Figure {
	f := Figure{ID: "feedback", Heading: "Telling people what happened to what they said",
		Table: Table{Caption: "What people said in councils' co-production, by region: how much the council answered and acted on",
			Columns: []Column{{Name: "Region"}, {Name: "Things said", Numeric: true}, {Name: "Answered", Numeric: true},
				{Name: "Share answered", Numeric: true}, {Name: "Acted on", Numeric: true}, {Name: "Share acted on", Numeric: true}}},
		Notes: []string{"Each thing said is one person's contribution in a council's co-production log. Answered means the council recorded what it did with it; acted on means adopted or adapted."}}
	by := map[string]funding.Closure{}
	var keys []string
	var all funding.Closure
	for _, c := range cs {
		k := regionOf(c.Region)
		by[k] = c
		keys = append(keys, k)
		all.Contributions, all.Answered, all.ActedOn = all.Contributions+c.Contributions, all.Answered+c.Answered, all.ActedOn+c.ActedOn
	}
	order := orderRows(names, keys)
	said, answered, acted := make([]int64, len(order)), make([]int64, len(order)), make([]int64, len(order))
	for i, k := range order {
		said[i], answered[i], acted[i] = by[k].Contributions, by[k].Answered, by[k].ActedOn
	}
	sd, allSaid := peopleCounts(said, all.Contributions)
	an, allAnswered := peopleCounts(answered, all.Answered)
	ac, allActed := peopleCounts(acted, all.ActedOn)
	var groups []BarGroup
	row := func(name string, said, answered, acted Count) {
		c1, b1 := share(answered, said)
		c2, b2 := share(acted, said)
		b1.Text, b2.Text = "answered: "+b1.Text, "acted on: "+b2.Text
		f.Table.Rows = append(f.Table.Rows, []Cell{text(name), countCell(said), countCell(answered), c1, countCell(acted), c2})
		groups = append(groups, BarGroup{Label: name, Bars: []Bar{b1, b2}})
	}
	for i, k := range order {
		row(k, sd[i], an[i], ac[i])
	}
	row("England", allSaid, allAnswered, allActed)
	if all.Contributions == 0 {
		f.Summary = []string{"Nothing said in co-production has been logged yet."}
		return f
	}
	c1, _ := share(allAnswered, allSaid)
	c2, _ := share(allActed, allSaid)
	f.Summary = []string{fmt.Sprintf("Councils have logged %s things people said. They answered %s of them and acted on %s.", allSaid, c1.Text, c2.Text)}
	f.Chart = HBarChart(f.ID+"-chart", f.Heading, f.Summary[0]+" The table below gives every figure.", groups, 100)
	return f
}

func supportFigure(support []evaluation.SupportNeed) Figure {
	f := Figure{ID: "support", Heading: "Councils needing support",
		Table: Table{Caption: "Councils whose latest evaluation has weak agreed ratings, with the reasons",
			Columns: []Column{{Name: "Council"}, {Name: "GSS code"}, {Name: "Region"}, {Name: "Cycle"}, {Name: "Weak ratings", Numeric: true},
				{Name: "Reasons"}, {Name: "Training places booked", Numeric: true}, {Name: "Attended", Numeric: true}}}}
	for _, s := range support {
		var why []string
		for _, w := range s.Weak {
			why = append(why, fmt.Sprintf("%s: %s, %s", w.Label(), w.Level.Name(), w.Weak))
		}
		f.Table.Rows = append(f.Table.Rows, []Cell{text(s.Team.CouncilName), text(s.Team.CouncilGSS), text(regionOf(s.Team.RegionName)),
			text(s.Team.CycleTitle), whole(int64(len(s.Weak))), text(strings.Join(why, "; ")), whole(int64(s.Booked)), whole(int64(s.Attends))})
	}
	return f
}

// DashboardView is the co-production pages' view: the dashboard, the councils' table or the
// outcomes, as Kind says. One template serves all three, so a figure is drawn one way.
type DashboardView struct {
	web.Page
	Credits
	Kind string
	Dashboard
	Outcomes Outcomes
	Funder   bool
	// FunderLink shows the way to the funder's view, on the public dashboard for those who may
	// see it.
	FunderLink bool
	// Base is where the page's downloads are.
	Base string
	// SuppressionNote explains [c].
	SuppressionNote string
	// BuiltAt is when the figures were worked out.
	BuiltAt time.Time
}

// renderShared writes a co-production page, its main content rendered once from the figures
// (view) until the data changes (keptFigures.pages), under key: the page, and whom it is for.
func (h *Handlers) renderShared(w http.ResponseWriter, r *http.Request, rd *web.Renderer, key string, view func(context.Context) (*DashboardView, error)) error {
	return rd.RenderKept(w, r, h.figures.pages, key, "insight/dashboard", func(ctx context.Context) (any, error) {
		v, err := view(ctx)
		if err != nil {
			return nil, err
		}
		v.SuppressionNote = SuppressionNote
		return v, nil
	})
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request, rd *web.Renderer, funder bool) error {
	// The public dashboard shows the funder and administrators the way to the funder's view:
	// two versions of it are kept, one for them and one for everyone else.
	id := auth.From(r.Context())
	link := !funder && id.HasAny(auth.Funder, auth.Admin)
	key := fmt.Sprint("dashboard funder:", funder, " link:", link)
	return h.renderShared(w, r, rd, key, func(ctx context.Context) (*DashboardView, error) {
		d, at, err := h.dashboardNow(ctx, funder)
		if err != nil {
			return nil, err
		}
		v := &DashboardView{BuiltAt: at, Page: web.Page{Title: "Co-production across England", Wide: true}, Kind: "dashboard", Dashboard: d,
			Funder: funder, FunderLink: link, Base: DashboardPath}
		if funder {
			v.Title, v.Base, v.Back = "Co-production across England: the funder’s view", FunderPath, DashboardPath
		}
		return v, nil
	})
}

func (h *Handlers) councilsTable(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.renderShared(w, r, rd, "councils", func(ctx context.Context) (*DashboardView, error) {
		f, at, err := h.councilsNow(ctx)
		if err != nil {
			return nil, err
		}
		v := &DashboardView{Page: web.Page{Title: "Each council’s latest evaluation", Back: DashboardPath, Wide: true}, Kind: "councils", BuiltAt: at}
		v.Councils = f
		return v, nil
	})
}

// figureCSV serves a figure's table as CSV: name is "ID.csv".
func (h *Handlers) figureCSV(w http.ResponseWriter, r *http.Request, funder bool) error {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok {
		return errs.New(errs.NotFound, "")
	}
	ctx := r.Context()
	var f Figure
	switch {
	case id == "councils" && !funder:
		c, _, err := h.councilsNow(ctx)
		if err != nil {
			return err
		}
		f, ok = c, true
	case strings.HasPrefix(id, "outcomes-") && !funder:
		o, _, err := h.outcomesNow(ctx)
		if err != nil {
			return err
		}
		f, ok = o.Figure(id)
	default:
		d, _, err := h.dashboardNow(ctx, funder)
		if err != nil {
			return err
		}
		f, ok = d.Figure(id)
		ok = ok && (funder == (id == "support"))
	}
	if !ok {
		return errs.New(errs.NotFound, "There is no such download.")
	}
	download(w, "text/csv; charset=utf-8", "co-production-"+id+".csv")
	return f.Table.WriteCSV(w)
}

// registerDashboard adds the co-production pages: public, except the funder's view.
func (h *Handlers) registerDashboard(rt *web.Router) {
	rd := rt.Renderer()
	h.figures = newKeptFigures(rt.PageCache())
	funder := web.Roles(auth.Funder, auth.Admin)
	rt.Handle("GET "+DashboardPath, web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.dashboard(w, r, rd, false) })
	rt.Handle("GET "+FunderPath, funder, func(w http.ResponseWriter, r *http.Request) error { return h.dashboard(w, r, rd, true) })
	rt.Handle("GET "+DashboardPath+"/councils", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.councilsTable(w, r, rd) })
	rt.Handle("GET "+OutcomesPath, web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.outcomes(w, r, rd) })
	rt.Handle("GET "+DashboardPath+"/{file}", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.figureCSV(w, r, false) })
	rt.Handle("GET "+FunderPath+"/{file}", funder, func(w http.ResponseWriter, r *http.Request) error { return h.figureCSV(w, r, true) })
	// The figures read every kind of data and the clock (recommendations overdue now), and
	// are worked out for each request: a page is rendered again when the data changes, or a
	// minute on.
	for _, p := range []string{DashboardPath, DashboardPath + "/councils", OutcomesPath, DashboardPath + "/{file}"} {
		rt.Cache("GET "+p, pagecache.Page{All: true, Every: time.Minute})
	}
}
