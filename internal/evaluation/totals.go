package evaluation

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/totals"
)

// LevelTotals count each team's agreed and independent ratings at each level of the ladder:
// one row per team, so the national dashboard reads a few hundred rows instead of every
// rating. A team's row is recounted in the transaction that saves its agreed or independent
// ratings; whether the team is published is read with it, not kept here.
var LevelTotals = totals.Totals{
	Name: "each evaluation team's agreed and independent ratings, by level", Table: "evaluation_level_totals",
	Key: "team_id", Columns: levelColumns(), KeyOf: "x.team_id",
	Count: func(db.Dialect) string {
		var sums []string
		for _, independent := range []int{0, 1} {
			for l := 0; l <= int(ladder.Top); l++ {
				sums = append(sums, fmt.Sprintf("SUM(CASE WHEN x.independent = %d AND x.level = %d THEN 1 ELSE 0 END)", independent, l))
			}
		}
		return `SELECT x.team_id, ` + strings.Join(sums, ", ") + `
FROM (SELECT team_id, 0 AS independent, level FROM evaluation_agreed
	UNION ALL SELECT team_id, 1, level FROM evaluation_independent) x
WHERE {{only}} GROUP BY x.team_id`
	},
}

// levelColumns are agreed_0 to agreed_6, then independent_0 to independent_6.
func levelColumns() []string {
	var out []string
	for _, kind := range []string{"agreed", "independent"} {
		for l := 0; l <= int(ladder.Top); l++ {
			out = append(out, fmt.Sprintf("%s_%d", kind, l))
		}
	}
	return out
}

// levelTotalsMigration adds LevelTotals' table (evaluation/2), filled from the ratings.
func levelTotalsMigration() db.Migration {
	var cols []string
	for _, c := range levelColumns() {
		cols = append(cols, "\t"+c+" BIGINT NOT NULL")
	}
	return db.Migration{
		Component: "evaluation", Version: 2, Name: "running totals of each team's ratings by level",
		NotSafeUnderOldCode: "old servers would save agreed and independent ratings without updating the totals; " +
			"stop them all, or run roundtable figures rebuild once they have stopped",
		SQL: `
-- Each team's ratings counted by level (LevelTotals), written in the same transaction as the
-- ratings, so the national dashboard reads one row per team instead of every rating.
CREATE TABLE evaluation_level_totals (
	team_id BIGINT PRIMARY KEY REFERENCES evaluation_teams(id),
` + strings.Join(cols, ",\n") + `
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error { return LevelTotals.Rebuild(ctx, tx, d) }}
}
