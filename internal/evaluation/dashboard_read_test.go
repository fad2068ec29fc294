package evaluation_test

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/evaluation"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/standards"
)

// publishedLevelsCounted counts every published team's ratings by level from the ratings
// themselves, as the dashboard did before the running totals.
func publishedLevelsCounted(t *testing.T, d *db.DB) []evaluation.TeamLevels {
	t.Helper()
	type row struct {
		t           evaluation.TeamLevels
		starts      string
		independent bool
		level, n    int
	}
	rows, err := db.Collect(context.Background(), d.Read, func(s db.Scanner) (r row, err error) {
		err = s.Scan(&r.t.TeamID, &r.t.CycleID, &r.t.CycleTitle, &r.starts, &r.t.CouncilGSS, &r.t.CouncilName, &r.t.RegionName,
			&r.independent, &r.level, &r.n)
		return r, err
	}, `SELECT t.id, c.id, c.title, c.starts_on, t.council_gss, t.council_name, t.region_name, x.independent, x.level, x.n
FROM (SELECT team_id, FALSE AS independent, level, COUNT(*) AS n FROM evaluation_agreed GROUP BY team_id, level
	UNION ALL
	SELECT team_id, TRUE, level, COUNT(*) FROM evaluation_independent GROUP BY team_id, level) x
JOIN evaluation_teams t ON t.id = x.team_id JOIN evaluation_cycles c ON c.id = t.cycle_id
WHERE t.published_at IS NOT NULL
ORDER BY 4, 2, 7, 6, 1, 8`)
	if err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	var out []evaluation.TeamLevels
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].TeamID != r.t.TeamID {
			r.t.CycleStarts, _ = time.ParseInLocation(time.DateOnly, r.starts, london)
			out = append(out, r.t)
		}
		if r.independent {
			out[len(out)-1].Independent[r.level] += r.n
		} else {
			out[len(out)-1].Agreed[r.level] += r.n
		}
	}
	return out
}

// need is what the support list says of one council, for comparing two ways of working it out.
type need struct {
	Team            int64
	Council, Cycle  string
	Weak            []string
	Booked, Attends int
}

func needs(ns []evaluation.SupportNeed) []need {
	var out []need
	for _, n := range ns {
		x := need{Team: n.Team.ID, Council: n.Team.CouncilGSS, Cycle: n.Team.CycleTitle, Booked: n.Booked, Attends: n.Attends}
		for _, w := range n.Weak {
			x.Weak = append(x.Weak, fmt.Sprintf("%d %s %d %v %.1f %s", w.ID, w.Label(), w.Level, w.Compared, w.RegionMedian, w.Weak))
		}
		slices.Sort(x.Weak)
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b need) int { return int(a.Team - b.Team) })
	return out
}

// dashboardReadsRight checks the dashboard's reads of the ratings (from the running totals, and
// the latest evaluations picked in Go) against the same worked out from scratch, and every
// running total; it returns the published levels.
func dashboardReadsRight(t *testing.T, d *db.DB) []evaluation.TeamLevels {
	t.Helper()
	ctx := context.Background()
	levels, err := evaluation.PublishedLevels(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if counted := publishedLevelsCounted(t, d); !reflect.DeepEqual(levels, counted) {
		t.Errorf("published levels from the running totals:\n%+v\ncounted from the ratings:\n%+v", levels, counted)
	}
	support, err := evaluation.SupportNeeds(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	scratch, err := evaluation.CouncilsNeedingSupport(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := needs(support), needs(scratch); !reflect.DeepEqual(got, want) {
		t.Errorf("councils needing support for the dashboard:\n%+v\nfrom each council's evaluation:\n%+v", got, want)
	}
	apptest.TotalsRight(t, d)
	return levels
}

func histogram(levels map[int]int) evaluation.Histogram {
	var h evaluation.Histogram
	for l, n := range levels {
		h[l] = n
	}
	return h
}

// TestDashboardReadsFollowTheRatings agrees, publishes and independently assesses evaluations
// over HTTP, in two cycles, and checks after each change that the dashboard's figures (read
// from running totals) are those worked out from the ratings, on both databases.
func TestDashboardReadsFollowTheRatings(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
		w := newWorld(t, d, now)
		ctx := context.Background()
		inds, err := standards.VersionIndicators(ctx, d, w.version.ID)
		if err != nil || len(inds) != 4 {
			t.Fatalf("indicators: %v %d", err, len(inds))
		}
		var ids []int64
		for _, i := range inds {
			ids = append(ids, i.ID)
		}
		for _, who := range []string{"sam", "lee"} {
			w.expect("POST", "/evaluation/researchers/training", "facilitator", url.Values{"person": {fmt.Sprint(w.ids[who])}, "course": {"Peer research"},
				"completed-day": {"2"}, "completed-month": {"6"}, "completed-year": {"2026"}}, 303)
		}
		cycle := func(title, year string, councils ...string) map[string]string {
			c := w.expect("POST", "/evaluation/cycles", "funder", url.Values{"title": {title}, "version": {fmt.Sprint(w.version.ID)},
				"assessor": {fmt.Sprint(w.ids["review"])}, "starts-day": {"1"}, "starts-month": {"9"}, "starts-year": {year},
				"ends-day": {"31"}, "ends-month": {"12"}, "ends-year": {year}, "panels": {fmt.Sprint(w.ids["panel-luton"])}}, 303).Header().Get("Location")
			teams := map[string]string{}
			for _, gss := range councils {
				w.expect("POST", c+"/councils", "funder", url.Values{"council": {gss}, "panel": {fmt.Sprint(w.ids["panel-luton"])}}, 303)
				var id int64
				if err := d.Read.QueryRowContext(ctx, `SELECT t.id FROM evaluation_teams t JOIN evaluation_cycles c ON c.id = t.cycle_id
					WHERE t.council_gss = $1 AND c.title = $2`, gss, title).Scan(&id); err != nil {
					t.Fatal(err)
				}
				team := fmt.Sprintf("/evaluation/teams/%d", id)
				for _, who := range []string{"sam", "lee"} {
					w.expect("POST", team+"/members", "facilitator", url.Values{"person": {fmt.Sprint(w.ids[who])}}, 303)
				}
				teams[gss] = team
			}
			return teams
		}
		// agree rates and agrees a team's units (the indicators, then relationships) at levels.
		agree := func(team string, levels ...int) {
			for _, who := range []string{"sam", "lee"} {
				w.expect("POST", team+"/rate", who, ratings(ids, levels...), 303)
			}
			a := url.Values{}
			for i, id := range append(slices.Clone(ids), 0) {
				a.Set(fmt.Sprintf("level-%d", id), fmt.Sprint(levels[i%len(levels)]))
			}
			w.expect("POST", team+"/moderate", "facilitator", a, 303)
		}
		publish := func(team string) {
			w.expect("POST", team+"/findings", "facilitator", url.Values{"findings": {"Findings."}, "recommendations": {"Recommendations."}}, 303)
		}

		first := cycle("Evaluation 2026", "2026", lutonCode, bedfordCode)
		if got := dashboardReadsRight(t, d); len(got) != 0 {
			t.Fatalf("levels before any rating: %+v", got)
		}
		agree(first[lutonCode], 5, 3, 5, 3, 5)
		if got := dashboardReadsRight(t, d); len(got) != 0 {
			t.Errorf("ratings shown before the findings are published: %+v", got)
		}
		publish(first[lutonCode])
		got := dashboardReadsRight(t, d)
		if len(got) != 1 || got[0].CouncilGSS != lutonCode || got[0].Agreed != histogram(map[int]int{5: 3, 3: 2}) || got[0].Independent != (evaluation.Histogram{}) {
			t.Errorf("after Luton's findings: %+v", got)
		}
		w.expect("POST", first[lutonCode]+"/assess", "assessor", ratings(ids, 4), 303)
		got = dashboardReadsRight(t, d)
		if len(got) != 1 || got[0].Independent != histogram(map[int]int{4: 5}) {
			t.Errorf("after the independent assessment: %+v", got)
		}
		// Bedford, in the same region and cycle, is at or below consultation or below the
		// region's median on every unit; Luton's two ratings at consultation stay weak.
		agree(first[bedfordCode], 2, 2, 4, 2, 4)
		publish(first[bedfordCode])
		got = dashboardReadsRight(t, d)
		if len(got) != 2 || got[0].CouncilGSS != bedfordCode || got[0].Agreed != histogram(map[int]int{2: 3, 4: 2}) {
			t.Errorf("after Bedford's findings: %+v", got)
		}
		if support, _ := evaluation.SupportNeeds(ctx, d); len(support) != 2 || support[0].Team.CouncilGSS != bedfordCode || len(support[0].Weak) != 5 ||
			!support[0].Weak[0].Compared || support[1].Team.CouncilGSS != lutonCode || len(support[1].Weak) != 2 {
			t.Errorf("support after the first cycle: %+v", support)
		}
		// A later cycle's published evaluation is Luton's latest, with no other council of the
		// region to compare with.
		second := cycle("Evaluation 2027", "2027", lutonCode)
		agree(second[lutonCode], 1, 5)
		publish(second[lutonCode])
		got = dashboardReadsRight(t, d)
		if len(got) != 3 || got[2].CycleTitle != "Evaluation 2027" || got[2].Agreed != histogram(map[int]int{1: 3, 5: 2}) {
			t.Errorf("after the second cycle: %+v", got)
		}
		support, _ := evaluation.SupportNeeds(ctx, d)
		if len(support) != 2 || support[1].Team.CycleTitle != "Evaluation 2027" || len(support[1].Weak) != 3 || support[1].Weak[0].Level != ladder.Level(1) ||
			support[1].Weak[0].Compared {
			t.Errorf("support after the second cycle: %+v", support)
		}
	})
}
