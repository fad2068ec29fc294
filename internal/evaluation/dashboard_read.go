package evaluation

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/db"
)

// Reads for the national dashboard (internal/insight). Each is a fixed number of aggregate
// queries, however many councils and cycles there are, so the dashboard stays fast at
// national scale.

// Histogram counts a team's rated units at each level of the ladder.
type Histogram [ladder.Top + 1]int

// Median is the median level of the units counted; ok is false when none were rated. An even
// count gives the mid-point of the two middle levels.
func (h Histogram) Median() (m float64, ok bool) {
	n := 0
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return 0, false
	}
	at := func(k int) int { // the level of the k-th smallest rating, from 0
		for l, c := range h {
			if k < c {
				return l
			}
			k -= c
		}
		return len(h) - 1
	}
	if n%2 == 1 {
		return float64(at(n / 2)), true
	}
	return float64(at(n/2-1)+at(n/2)) / 2, true
}

// TeamLevels is one council's published evaluation in one cycle: its agreed peer ratings and
// the independent ratings, counted by level.
type TeamLevels struct {
	TeamID, CycleID                     int64
	CycleTitle                          string
	CycleStarts                         time.Time
	CouncilGSS, CouncilName, RegionName string
	Agreed, Independent                 Histogram
}

// PublishedLevels returns every published evaluation's ratings counted by level, oldest cycle
// first, then by region and council name: one row per team, from LevelTotals.
func PublishedLevels(ctx context.Context, d *db.DB) ([]TeamLevels, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (t TeamLevels, err error) {
		var starts string
		dest := []any{&t.TeamID, &t.CycleID, &t.CycleTitle, &starts, &t.CouncilGSS, &t.CouncilName, &t.RegionName}
		for l := range t.Agreed {
			dest = append(dest, &t.Agreed[l])
		}
		for l := range t.Independent {
			dest = append(dest, &t.Independent[l])
		}
		if err = s.Scan(dest...); err != nil {
			return t, err
		}
		t.CycleStarts, _ = time.ParseInLocation(time.DateOnly, starts, london)
		return t, nil
	}, `SELECT t.id, c.id, c.title, c.starts_on, t.council_gss, t.council_name, t.region_name, x.`+strings.Join(LevelTotals.Columns, ", x.")+`
FROM evaluation_level_totals x JOIN evaluation_teams t ON t.id = x.team_id JOIN evaluation_cycles c ON c.id = t.cycle_id
WHERE t.published_at IS NOT NULL
ORDER BY c.starts_on, c.id, t.region_name, t.council_name, t.id`)
	if err != nil {
		return nil, fmt.Errorf("published levels: %w", err)
	}
	return out, nil
}

// weakness says why an agreed level needs support, or "" when it does not: the rule of
// AgreedRatings, applied to many councils at once.
func weakness(l ladder.Level, regional []ladder.Level, region string) (why string, regionMedian float64, compared bool) {
	if len(regional) > 1 {
		regionMedian, compared = median(regional), true
	}
	switch {
	case l <= ladder.Consultation:
		why = "at or below consultation on the ladder"
	case compared && float64(l) < regionMedian:
		why = fmt.Sprintf("below the %s median (%s)", region, medianName(regionMedian))
	}
	return why, regionMedian, compared
}

// SupportNeeds lists the councils whose latest published evaluation has weak agreed ratings,
// most weak ratings first, with the reasons and the training their staff booked: the same
// answer as CouncilsNeedingSupport in three queries and one per standard version.
func SupportNeeds(ctx context.Context, d *db.DB) ([]SupportNeed, error) {
	type team struct {
		Team
		starts string // YYYY-MM-DD, so later dates sort later
	}
	teams, err := db.Collect(ctx, d.Read, func(s db.Scanner) (t team, err error) {
		err = s.Scan(&t.ID, &t.CycleID, &t.CycleTitle, &t.VersionID, &t.starts, &t.CouncilID, &t.CouncilGSS, &t.CouncilName, &t.RegionName)
		return t, err
	}, `SELECT t.id, c.id, c.title, c.version_id, c.starts_on, t.council_id, t.council_gss, t.council_name, t.region_name
FROM evaluation_teams t JOIN evaluation_cycles c ON c.id = t.cycle_id WHERE t.published_at IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("support needs: %w", err)
	}
	// A council's latest evaluation is in the published cycle that starts last (then the one
	// created last); its team there is the one whose ratings count.
	later := func(a, b team) bool { return a.starts > b.starts || a.starts == b.starts && a.CycleID > b.CycleID }
	newest := map[string]team{}
	for _, t := range teams {
		if n, ok := newest[t.CouncilGSS]; !ok || later(t, n) {
			newest[t.CouncilGSS] = t
		}
	}
	byID := make(map[int64]team, len(teams))
	latest := map[int64]bool{}
	for _, t := range teams {
		byID[t.ID] = t
		latest[t.ID] = !later(newest[t.CouncilGSS], t)
	}
	type rating struct {
		team, indicator int64
		level           ladder.Level
	}
	rows, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r rating, err error) {
		err = s.Scan(&r.team, &r.indicator, &r.level)
		return r, err
	}, `SELECT a.team_id, a.indicator_id, a.level FROM evaluation_agreed a JOIN evaluation_teams t ON t.id = a.team_id
WHERE t.published_at IS NOT NULL ORDER BY a.team_id, a.indicator_id`)
	if err != nil {
		return nil, fmt.Errorf("support needs: %w", err)
	}
	type key struct {
		cycle     int64
		region    string
		indicator int64
	}
	regional := map[key][]ladder.Level{}
	for _, r := range rows {
		t := byID[r.team]
		k := key{t.CycleID, t.RegionName, r.indicator}
		regional[k] = append(regional[k], r.level)
	}
	units := map[int64]map[int64]Unit{} // by version, then indicator
	var out []SupportNeed
	for _, r := range rows {
		if !latest[r.team] {
			continue
		}
		t := byID[r.team].Team
		if units[t.VersionID] == nil {
			us, err := UnitsOf(ctx, d, t.VersionID)
			if err != nil {
				return nil, err
			}
			units[t.VersionID] = map[int64]Unit{}
			for _, u := range us {
				units[t.VersionID][u.ID] = u
			}
		}
		why, m, compared := weakness(r.level, regional[key{t.CycleID, t.RegionName, r.indicator}], t.RegionName)
		if why == "" {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Team.ID != t.ID {
			out = append(out, SupportNeed{Team: t})
		}
		n := &out[len(out)-1]
		u := units[t.VersionID][r.indicator]
		u.ID = r.indicator
		n.Weak = append(n.Weak, AgreedRating{TeamID: t.ID, Unit: u, Level: r.level, RegionMedian: m, Compared: compared, Weak: why})
	}
	type taken struct {
		gss              string
		booked, attended int
	}
	ts, err := db.Collect(ctx, d.Read, func(s db.Scanner) (t taken, err error) { err = s.Scan(&t.gss, &t.booked, &t.attended); return t, err },
		`SELECT council_gss, COUNT(*), COALESCE(SUM(CASE WHEN attended THEN 1 ELSE 0 END), 0) FROM training_bookings GROUP BY council_gss`)
	if err != nil {
		return nil, fmt.Errorf("training taken: %w", err)
	}
	byCouncil := map[string]taken{}
	for _, t := range ts {
		byCouncil[t.gss] = t
	}
	for i := range out {
		t := byCouncil[out[i].Team.CouncilGSS]
		out[i].Booked, out[i].Attends = t.booked, t.attended
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Weak) != len(out[j].Weak) {
			return len(out[i].Weak) > len(out[j].Weak)
		}
		return out[i].Team.CouncilName < out[j].Team.CouncilName
	})
	return out, nil
}
