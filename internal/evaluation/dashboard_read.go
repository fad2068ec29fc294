package evaluation

import (
	"context"
	"fmt"
	"sort"
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
// first, then by region and council name.
func PublishedLevels(ctx context.Context, d *db.DB) ([]TeamLevels, error) {
	type row struct {
		t           TeamLevels
		starts      string
		independent bool
		level, n    int
	}
	rows, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r row, err error) {
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
		return nil, fmt.Errorf("published levels: %w", err)
	}
	var out []TeamLevels
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].TeamID != r.t.TeamID {
			r.t.CycleStarts, _ = time.ParseInLocation(time.DateOnly, r.starts, london)
			out = append(out, r.t)
		}
		t := &out[len(out)-1]
		if r.level < 0 || r.level > int(ladder.Top) {
			continue
		}
		if r.independent {
			t.Independent[r.level] += r.n
		} else {
			t.Agreed[r.level] += r.n
		}
	}
	return out, nil
}

// latestTeams picks each council's latest published evaluation: no later cycle (by start,
// then id) has published findings for the same council.
const latestTeams = `SELECT t.id FROM evaluation_teams t JOIN evaluation_cycles c ON c.id = t.cycle_id
WHERE t.published_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM evaluation_teams t2 JOIN evaluation_cycles c2 ON c2.id = t2.cycle_id
	WHERE t2.council_gss = t.council_gss AND t2.published_at IS NOT NULL
	AND (c2.starts_on > c.starts_on OR c2.starts_on = c.starts_on AND c2.id > c.id))`

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
// answer as CouncilsNeedingSupport in four queries and one per standard version.
func SupportNeeds(ctx context.Context, d *db.DB) ([]SupportNeed, error) {
	type rating struct {
		team      Team
		indicator int64
		level     ladder.Level
		latest    bool
	}
	rows, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r rating, err error) {
		err = s.Scan(&r.team.ID, &r.team.CycleID, &r.team.CycleTitle, &r.team.VersionID, &r.team.CouncilID, &r.team.CouncilGSS,
			&r.team.CouncilName, &r.team.RegionName, &r.indicator, &r.level, &r.latest)
		return r, err
	}, `WITH latest AS (`+latestTeams+`)
SELECT t.id, c.id, c.title, c.version_id, t.council_id, t.council_gss, t.council_name, t.region_name, a.indicator_id, a.level,
	t.id IN (SELECT id FROM latest)
FROM evaluation_agreed a JOIN evaluation_teams t ON t.id = a.team_id JOIN evaluation_cycles c ON c.id = t.cycle_id
WHERE t.published_at IS NOT NULL AND t.cycle_id IN (SELECT t3.cycle_id FROM evaluation_teams t3 WHERE t3.id IN (SELECT id FROM latest))
ORDER BY t.id, a.indicator_id`)
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
		k := key{r.team.CycleID, r.team.RegionName, r.indicator}
		regional[k] = append(regional[k], r.level)
	}
	units := map[int64]map[int64]Unit{} // by version, then indicator
	var out []SupportNeed
	for _, r := range rows {
		if !r.latest {
			continue
		}
		if units[r.team.VersionID] == nil {
			us, err := UnitsOf(ctx, d, r.team.VersionID)
			if err != nil {
				return nil, err
			}
			units[r.team.VersionID] = map[int64]Unit{}
			for _, u := range us {
				units[r.team.VersionID][u.ID] = u
			}
		}
		why, m, compared := weakness(r.level, regional[key{r.team.CycleID, r.team.RegionName, r.indicator}], r.team.RegionName)
		if why == "" {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Team.ID != r.team.ID {
			out = append(out, SupportNeed{Team: r.team})
		}
		n := &out[len(out)-1]
		u := units[r.team.VersionID][r.indicator]
		u.ID = r.indicator
		n.Weak = append(n.Weak, AgreedRating{TeamID: r.team.ID, Unit: u, Level: r.level, RegionMedian: m, Compared: compared, Weak: why})
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
