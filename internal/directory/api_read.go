package directory

import (
	"context"
	"fmt"

	"roundtable/internal/platform/db"
)

// CouncilsPage lists up to limit current councils whose GSS code sorts after after (empty
// for the first page), in code order, in one region when regionID is not 0. It is one query
// per page, for the API's list, which pages by code so that a page never shifts as names do.
func CouncilsPage(ctx context.Context, d *db.DB, regionID int64, after string, limit int) ([]Council, error) {
	q := `SELECT ` + councilColumns + ` WHERE c.is_current = TRUE AND c.gss_code > $1`
	args := []any{after}
	if regionID != 0 {
		args = append(args, regionID)
		q += fmt.Sprintf(" AND c.region_id = $%d", len(args))
	}
	args = append(args, limit)
	q += fmt.Sprintf(" ORDER BY c.gss_code LIMIT $%d", len(args))
	return queryCouncils(ctx, d, q, args...)
}
