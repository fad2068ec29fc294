package evaluation

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
	"roundtable/internal/standards"
)

var london = web.London

// RelationshipsKey is the key of the unit every evaluation rates besides the standard's
// indicators: the quality of relationships between the council and people with lived
// experience. Its indicator id is 0.
const RelationshipsKey = "relationships"

// Unit is one thing rated: an indicator of the cycle's standard version, or relationships.
type Unit struct {
	ID     int64
	Key    string
	Clause string
	Text   string
	Levels map[ladder.Level]string
}

// Label names the unit in lists: "1.2 Sharing power".
func (u Unit) Label() string {
	if u.ID == 0 {
		return "Quality of relationships"
	}
	return u.Key + " " + u.Clause
}

// UnitsOf lists what a cycle on the version rates: its indicators, then relationships.
func UnitsOf(ctx context.Context, d *db.DB, versionID int64) ([]Unit, error) {
	is, err := standards.VersionIndicators(ctx, d, versionID)
	if err != nil {
		return nil, err
	}
	out := make([]Unit, 0, len(is)+1)
	for _, i := range is {
		out = append(out, Unit{ID: i.ID, Key: i.Key, Clause: i.ClauseTitle, Text: i.Text, Levels: i.Levels})
	}
	return append(out, Unit{Key: RelationshipsKey, Text: "How good are the relationships between the council and people with lived experience: trust, respect, honesty and follow-through?"}), nil
}

// RatingInput is one unit's rating as submitted by an evaluator or the assessor.
type RatingInput struct {
	IndicatorID int64
	Level       string // as posted; must be one of the ladder's levels
	Evidence    string
	Notes       string
}

// Field names of a unit's inputs on the rating forms.
func levelField(id int64) string    { return fmt.Sprintf("level-%d", id) }
func evidenceField(id int64) string { return fmt.Sprintf("evidence-%d", id) }
func notesField(id int64) string    { return fmt.Sprintf("notes-%d", id) }
func reasonField(id int64) string   { return fmt.Sprintf("reason-%d", id) }

// checkRatings validates a full set of ratings: every unit rated on the ladder, and evidence
// for the top and bottom levels, which are the claims that most need it.
func checkRatings(units []Unit, in map[int64]RatingInput) (map[int64]ladder.Level, error) {
	var v errs.Validation
	levels := map[int64]ladder.Level{}
	for _, u := range units {
		r := in[u.ID]
		l, ok := ladder.Parse(r.Level)
		if !ok {
			v.Add(levelField(u.ID), "Choose a level for "+u.Label())
			continue
		}
		levels[u.ID] = l
		if (l == ladder.Coercion || l == ladder.Top) && strings.TrimSpace(r.Evidence) == "" {
			v.Add(evidenceField(u.ID), "Enter the evidence for rating "+u.Label()+" as "+l.Name())
		}
		tooLong(&v, evidenceField(u.ID), "The evidence", r.Evidence)
		tooLong(&v, notesField(u.ID), "The notes", r.Notes)
	}
	return levels, v.Err()
}

// Rating is one evaluator's rating of one unit.
type Rating struct {
	IndicatorID int64
	PersonID    int64
	Level       ladder.Level
	Evidence    string
	Notes       string
}

// SubmitRatings saves an evaluator's ratings of every unit, replacing any earlier ones. Only
// the team's evaluators rate, and only until the team's ratings are agreed.
func SubmitRatings(ctx context.Context, d *db.DB, t Team, by *auth.Identity, in map[int64]RatingInput, now time.Time) error {
	if !t.Evaluates(by) {
		return errs.New(errs.NotFound, "")
	}
	units, err := UnitsOf(ctx, d, t.VersionID)
	if err != nil {
		return err
	}
	levels, err := checkRatings(units, in)
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if err := notModerated(ctx, tx, t.ID); err != nil {
			return err
		}
		for _, u := range units {
			r := in[u.ID]
			if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_ratings WHERE team_id = $1 AND indicator_id = $2 AND person_id = $3`, t.ID, u.ID, by.PersonID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_ratings (team_id, indicator_id, person_id, level, evidence, notes, rated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, u.ID, by.PersonID, int(levels[u.ID]), strings.TrimSpace(r.Evidence), strings.TrimSpace(r.Notes), utc(now)); err != nil {
				return fmt.Errorf("insert rating: %w", err)
			}
		}
		return record(ctx, tx, by, "evaluation.rated", t.Subject(), t.Scope(), levelsByKey(units, levels), now)
	})
}

func levelsByKey(units []Unit, levels map[int64]ladder.Level) map[string]int {
	out := map[string]int{}
	for _, u := range units {
		out[u.Key] = int(levels[u.ID])
	}
	return out
}

func notModerated(ctx context.Context, tx *sql.Tx, teamID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM evaluation_agreed WHERE team_id = $1`, teamID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.New(errs.Conflict, "The team's ratings have been agreed, so individual ratings can no longer change.")
	}
	return nil
}

// Ratings lists every individual rating on a team, by unit then evaluator. Only moderation and
// the agreement measure read them: the council never sees them.
func Ratings(ctx context.Context, d *db.DB, teamID int64) ([]Rating, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r Rating, err error) {
		err = s.Scan(&r.IndicatorID, &r.PersonID, &r.Level, &r.Evidence, &r.Notes)
		return r, err
	}, `SELECT indicator_id, person_id, level, evidence, notes FROM evaluation_ratings WHERE team_id = $1 ORDER BY indicator_id, rated_at, person_id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("list ratings: %w", err)
	}
	return out, nil
}

// AgreedInput is the facilitator's agreed level for one unit, with the reason.
type AgreedInput struct {
	IndicatorID int64
	Level       string
	Reason      string
}

// Moderate saves the team's agreed rating for every unit. Each unit needs at least two
// individual ratings first; an agreed level that differs from every individual rating needs a
// reason.
func Moderate(ctx context.Context, d *db.DB, t Team, by *auth.Identity, in map[int64]AgreedInput, now time.Time) error {
	if !t.Facilitates(by) {
		return errs.New(errs.NotFound, "")
	}
	if t.Published() {
		return errs.New(errs.Conflict, "The findings are published, so the agreed ratings cannot change.")
	}
	units, err := UnitsOf(ctx, d, t.VersionID)
	if err != nil {
		return err
	}
	rs, err := Ratings(ctx, d, t.ID)
	if err != nil {
		return err
	}
	given := map[int64][]ladder.Level{}
	for _, r := range rs {
		given[r.IndicatorID] = append(given[r.IndicatorID], r.Level)
	}
	for _, u := range units {
		if len(given[u.ID]) < 2 {
			return errs.New(errs.Conflict, "At least two evaluators must rate every indicator before the team's ratings are agreed.")
		}
	}
	var v errs.Validation
	levels := map[int64]ladder.Level{}
	for _, u := range units {
		a := in[u.ID]
		l, ok := ladder.Parse(a.Level)
		if !ok {
			v.Add(levelField(u.ID), "Choose the agreed level for "+u.Label())
			continue
		}
		levels[u.ID] = l
		if !slices.Contains(given[u.ID], l) && strings.TrimSpace(a.Reason) == "" {
			v.Add(reasonField(u.ID), "Enter why the agreed level for "+u.Label()+" differs from every evaluator's rating")
		}
		tooLong(&v, reasonField(u.ID), "The reason", a.Reason)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_agreed WHERE team_id = $1`, t.ID); err != nil {
			return err
		}
		for _, u := range units {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_agreed (team_id, indicator_id, level, reason, agreed_by, agreed_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, u.ID, int(levels[u.ID]), strings.TrimSpace(in[u.ID].Reason), actor(by), utc(now)); err != nil {
				return fmt.Errorf("insert agreed rating: %w", err)
			}
		}
		if err := LevelTotals.Recount(ctx, tx, d.Dialect, t.ID); err != nil {
			return err
		}
		return record(ctx, tx, by, "evaluation.moderated", t.Subject(), t.Scope(), levelsByKey(units, levels), now)
	})
}

// Agreed is a team's agreed rating of a unit, or the independent assessor's.
type Agreed struct {
	IndicatorID int64
	Level       ladder.Level
	// Reason is the moderation's reason; the assessor's evidence for an independent rating.
	Reason string
}

func agreedRows(ctx context.Context, d *db.DB, table string, teamID int64) (map[int64]Agreed, error) {
	col := "reason"
	if table == "evaluation_independent" {
		col = "evidence"
	}
	rows, err := db.Collect(ctx, d.Read, func(s db.Scanner) (a Agreed, err error) {
		err = s.Scan(&a.IndicatorID, &a.Level, &a.Reason)
		return a, err
	}, `SELECT indicator_id, level, `+col+` FROM `+table+` WHERE team_id = $1`, teamID)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	out := map[int64]Agreed{}
	for _, a := range rows {
		out[a.IndicatorID] = a
	}
	return out, nil
}

// AgreedOf returns the team's agreed ratings by indicator id (0 for relationships).
func AgreedOf(ctx context.Context, d *db.DB, teamID int64) (map[int64]Agreed, error) {
	return agreedRows(ctx, d, "evaluation_agreed", teamID)
}

// IndependentOf returns the independent assessor's ratings by indicator id.
func IndependentOf(ctx context.Context, d *db.DB, teamID int64) (map[int64]Agreed, error) {
	return agreedRows(ctx, d, "evaluation_independent", teamID)
}

// SubmitIndependent saves the independent assessor's ratings of every unit, replacing any
// earlier ones; the same rules as evaluators' ratings apply.
func SubmitIndependent(ctx context.Context, d *db.DB, t Team, by *auth.Identity, in map[int64]RatingInput, now time.Time) error {
	if !t.Assesses(by) {
		return errs.New(errs.NotFound, "")
	}
	units, err := UnitsOf(ctx, d, t.VersionID)
	if err != nil {
		return err
	}
	levels, err := checkRatings(units, in)
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_independent WHERE team_id = $1`, t.ID); err != nil {
			return err
		}
		for _, u := range units {
			r := in[u.ID]
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_independent (team_id, indicator_id, level, evidence, notes, rated_by, rated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, u.ID, int(levels[u.ID]), strings.TrimSpace(r.Evidence), strings.TrimSpace(r.Notes), actor(by), utc(now)); err != nil {
				return fmt.Errorf("insert independent rating: %w", err)
			}
		}
		if err := LevelTotals.Recount(ctx, tx, d.Dialect, t.ID); err != nil {
			return err
		}
		return record(ctx, tx, by, "evaluation.independently_assessed", t.Subject(), t.Scope(), levelsByKey(units, levels), now)
	})
}

// TeamAgreement is Krippendorff's ordinal alpha over the team's individual ratings: units are
// the indicators, raters the evaluators.
func TeamAgreement(ctx context.Context, d *db.DB, teamID int64) (Agreement, error) {
	rs, err := Ratings(ctx, d, teamID)
	if err != nil {
		return Agreement{}, err
	}
	return agreementOf(unitsOfRatings(rs, func(r Rating) int64 { return r.IndicatorID })), nil
}

// CycleAgreement is the ordinal alpha across a whole cycle: each council's indicator is a
// unit, rated by that council's evaluators.
func CycleAgreement(ctx context.Context, d *db.DB, cycleID int64) (Agreement, error) {
	type row struct {
		team int64
		Rating
	}
	rs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r row, err error) {
		err = s.Scan(&r.team, &r.IndicatorID, &r.Level)
		return r, err
	}, `SELECT r.team_id, r.indicator_id, r.level FROM evaluation_ratings r JOIN evaluation_teams t ON t.id = r.team_id
		WHERE t.cycle_id = $1 ORDER BY r.team_id, r.indicator_id`, cycleID)
	if err != nil {
		return Agreement{}, fmt.Errorf("cycle ratings: %w", err)
	}
	units := map[[2]int64][]int{}
	var keys [][2]int64
	for _, r := range rs {
		k := [2]int64{r.team, r.IndicatorID}
		if _, ok := units[k]; !ok {
			keys = append(keys, k)
		}
		units[k] = append(units[k], int(r.Level))
	}
	all := make([][]int, 0, len(keys))
	for _, k := range keys {
		all = append(all, units[k])
	}
	return agreementOf(all), nil
}

func unitsOfRatings(rs []Rating, unit func(Rating) int64) [][]int {
	byUnit := map[int64][]int{}
	var order []int64
	for _, r := range rs {
		u := unit(r)
		if _, ok := byUnit[u]; !ok {
			order = append(order, u)
		}
		byUnit[u] = append(byUnit[u], int(r.Level))
	}
	out := make([][]int, 0, len(order))
	for _, u := range order {
		out = append(out, byUnit[u])
	}
	return out
}

// PublishFindings publishes the team's findings and recommendations to the council, once every
// unit has an agreed rating. From then on the council sees the agreed ratings.
func PublishFindings(ctx context.Context, d *db.DB, t Team, by *auth.Identity, findings, recommendations string, now time.Time) error {
	if !t.Facilitates(by) {
		return errs.New(errs.NotFound, "")
	}
	var v errs.Validation
	findings, recommendations = strings.TrimSpace(findings), strings.TrimSpace(recommendations)
	v.Check(findings != "", "findings", "Enter the findings")
	tooLong(&v, "findings", "The findings", findings)
	v.Check(recommendations != "", "recommendations", "Enter the recommendations to the council")
	tooLong(&v, "recommendations", "The recommendations", recommendations)
	if err := v.Err(); err != nil {
		return err
	}
	if t.Published() {
		return errs.New(errs.Conflict, "The findings are already published.")
	}
	units, err := UnitsOf(ctx, d, t.VersionID)
	if err != nil {
		return err
	}
	agreed, err := AgreedOf(ctx, d, t.ID)
	if err != nil {
		return err
	}
	if len(agreed) < len(units) {
		return errs.New(errs.Conflict, "Agree the team's rating for every indicator before publishing the findings.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evaluation_teams SET findings = $1, recommendations = $2, published_at = $3 WHERE id = $4 AND published_at IS NULL`,
			findings, recommendations, utc(now), t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "The findings are already published.")
		}
		return record(ctx, tx, by, "evaluation.findings_published", t.Subject(), t.Scope(),
			map[string]string{"findings": findings, "recommendations": recommendations}, now)
	})
}

// AgreedRating is a council's agreed peer rating of one unit in a published cycle, with why it
// counts as needing support, if it does.
type AgreedRating struct {
	TeamID int64
	Unit
	Level ladder.Level
	// RegionMedian is the median agreed level for the same unit among the region's councils in
	// the same cycle; Compared is false when the region has no other council to compare with.
	RegionMedian float64
	Compared     bool
	// Weak says why the rating needs support: at or below consultation, or below the region's
	// median. Empty when it does not.
	Weak string
}

// AgreedRatings returns the agreed ratings of a team whose findings are published, each marked
// weak when at or below consultation on the ladder or below its region's median in the cycle.
func AgreedRatings(ctx context.Context, d *db.DB, t Team) ([]AgreedRating, error) {
	if !t.Published() {
		return nil, nil
	}
	units, err := UnitsOf(ctx, d, t.VersionID)
	if err != nil {
		return nil, err
	}
	type row struct {
		team, indicator int64
		level           ladder.Level
	}
	peers, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r row, err error) {
		err = s.Scan(&r.team, &r.indicator, &r.level)
		return r, err
	}, `SELECT a.team_id, a.indicator_id, a.level FROM evaluation_agreed a JOIN evaluation_teams t ON t.id = a.team_id
		WHERE t.cycle_id = $1 AND t.region_name = $2 AND t.published_at IS NOT NULL`, t.CycleID, t.RegionName)
	if err != nil {
		return nil, fmt.Errorf("region ratings: %w", err)
	}
	regional := map[int64][]ladder.Level{}
	own := map[int64]ladder.Level{}
	for _, p := range peers {
		regional[p.indicator] = append(regional[p.indicator], p.level)
		if p.team == t.ID {
			own[p.indicator] = p.level
		}
	}
	var out []AgreedRating
	for _, u := range units {
		l, ok := own[u.ID]
		if !ok {
			continue
		}
		a := AgreedRating{TeamID: t.ID, Unit: u, Level: l}
		if len(regional[u.ID]) > 1 {
			a.RegionMedian, a.Compared = median(regional[u.ID]), true
		}
		switch {
		case l <= ladder.Consultation:
			a.Weak = "at or below consultation on the ladder"
		case a.Compared && float64(l) < a.RegionMedian:
			a.Weak = fmt.Sprintf("below the %s median (%s)", t.RegionName, medianName(a.RegionMedian))
		}
		out = append(out, a)
	}
	return out, nil
}

func median(ls []ladder.Level) float64 {
	s := slices.Clone(ls)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// medianName names a median level; a half-way median names both levels.
func medianName(m float64) string {
	lo := ladder.Level(int(m))
	if float64(lo) == m {
		return lo.Name()
	}
	return lo.Name() + " to " + (lo + 1).Name()
}

// SupportNeed is a council whose latest published evaluation has weak ratings, for the
// funder's national list.
type SupportNeed struct {
	Team    Team
	Weak    []AgreedRating
	Booked  int // training places booked by the council's staff
	Attends int // of which attended
}

// CouncilsNeedingSupport lists, for each council's latest published evaluation, those with
// at least one weak rating, most weak ratings first, with the training their staff booked.
func CouncilsNeedingSupport(ctx context.Context, d *db.DB) ([]SupportNeed, error) {
	ts, err := ListTeams(ctx, d, TeamFilter{PublishedOnly: true})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []SupportNeed
	for _, t := range ts { // newest cycle first, so the first seen is the latest
		if seen[t.CouncilGSS] {
			continue
		}
		seen[t.CouncilGSS] = true
		rs, err := AgreedRatings(ctx, d, t)
		if err != nil {
			return nil, err
		}
		n := SupportNeed{Team: t}
		for _, r := range rs {
			if r.Weak != "" {
				n.Weak = append(n.Weak, r)
			}
		}
		if len(n.Weak) == 0 {
			continue
		}
		if n.Booked, n.Attends, err = trainingTaken(ctx, d, t.CouncilGSS); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Weak) > len(out[j].Weak) })
	return out, nil
}
