package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Regions lists the regions met in the register, by name, with their current councils counted.
// Each region's count reads only the index councils_region_current: Regions is on most pages.
func Regions(ctx context.Context, d *db.DB) ([]Region, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r Region, err error) {
		err = s.Scan(&r.ID, &r.Name, &r.Slug, &r.Councils)
		return r, err
	}, `
SELECT r.id, r.name, r.slug,
	(SELECT count(*) FROM councils c WHERE c.region_id = r.id AND c.is_current = TRUE)
FROM regions r
ORDER BY r.name`)
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	return out, nil
}

// RegionBySlug finds a region by its slug, such as "east-of-england".
func RegionBySlug(ctx context.Context, d *db.DB, slug string) (Region, error) {
	regions, err := Regions(ctx, d)
	if err != nil {
		return Region{}, err
	}
	for _, r := range regions {
		if r.Slug == slug {
			return r, nil
		}
	}
	return Region{}, errs.New(errs.NotFound, "There is no region %q.", slug)
}

const councilColumns = `c.gss_code, c.register_code, c.name, c.official_name, c.type_code, c.type_name,
	COALESCE(c.region_id, 0), COALESCE(r.name, ''), COALESCE(r.slug, ''), c.is_current, c.start_date,
	c.end_date, c.replaced_by, c.successor_gss_code, COALESCE(s.name, ''), COALESCE(c.population, 0),
	COALESCE(c.organisation_id, 0), COALESCE(o.slug, '')
FROM councils c
LEFT JOIN regions r ON r.id = c.region_id
LEFT JOIN councils s ON s.gss_code = c.successor_gss_code
LEFT JOIN organisations o ON o.id = c.organisation_id`

func scanCouncil(s db.Scanner) (Council, error) {
	var c Council
	var start, end string
	err := s.Scan(&c.GSSCode, &c.RegisterCode, &c.Name, &c.OfficialName, &c.TypeCode, &c.TypeName,
		&c.RegionID, &c.RegionName, &c.RegionSlug, &c.Current, &start, &end, &c.ReplacedBy,
		&c.SuccessorGSSCode, &c.SuccessorName, &c.Population, &c.OrganisationID, &c.OrganisationSlug)
	if err != nil {
		return c, err
	}
	c.StartDate, _ = parseDate(start)
	c.EndDate, _ = parseDate(end)
	return c, nil
}

// parseDate reads the register's YYYY-MM-DD; empty is the zero time.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// CouncilFilter narrows a list of councils. The zero filter lists every current council.
type CouncilFilter struct {
	RegionID int64
	// Query keeps councils whose name or official name contains it, ignoring case.
	Query string
	// Past lists past councils instead of current ones.
	Past bool
}

// ListCouncils lists councils by region name, then name.
func ListCouncils(ctx context.Context, d *db.DB, f CouncilFilter) ([]Council, error) {
	where, args := f.where()
	return queryCouncils(ctx, d, `SELECT `+councilColumns+where+" ORDER BY COALESCE(r.name, ''), c.name", args...)
}

// where is the filter as SQL for the councils c (with their regions r).
func (f CouncilFilter) where() (string, []any) {
	q := ` WHERE c.is_current = $1`
	args := []any{!f.Past}
	if f.RegionID != 0 {
		args = append(args, f.RegionID)
		q += fmt.Sprintf(" AND c.region_id = $%d", len(args))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(s))+"%")
		q += fmt.Sprintf(` AND (LOWER(c.name) LIKE $%[1]d ESCAPE '\' OR LOWER(c.official_name) LIKE $%[1]d ESCAPE '\')`, len(args))
	}
	return q, args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func queryCouncils(ctx context.Context, d *db.DB, q string, args ...any) ([]Council, error) {
	out, err := db.Collect(ctx, d.Read, scanCouncil, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list councils: %w", err)
	}
	return out, nil
}

// RegionCouncils is one region with its councils, as the councils page groups them.
type RegionCouncils struct {
	Region   Region
	Councils []Council
}

// CouncilsByRegion lists the councils the filter keeps, grouped by region in name order.
// Regions with no council kept are left out. The councils carry only what the list shows:
// code, name and region (reading every column of every council was most of the councils
// page's time at national scale).
func CouncilsByRegion(ctx context.Context, d *db.DB, f CouncilFilter) ([]RegionCouncils, error) {
	where, args := f.where()
	councils, err := db.Collect(ctx, d.Read, func(s db.Scanner) (c Council, err error) {
		err = s.Scan(&c.GSSCode, &c.Name, &c.RegionID, &c.RegionName, &c.RegionSlug)
		c.Current = !f.Past
		return c, err
	}, `SELECT c.gss_code, c.name, COALESCE(c.region_id, 0), COALESCE(r.name, ''), COALESCE(r.slug, '')
FROM councils c LEFT JOIN regions r ON r.id = c.region_id`+where+" ORDER BY COALESCE(r.name, ''), c.name", args...)
	if err != nil {
		return nil, fmt.Errorf("list councils by region: %w", err)
	}
	var out []RegionCouncils
	for _, c := range councils {
		if len(out) == 0 || out[len(out)-1].Region.ID != c.RegionID {
			out = append(out, RegionCouncils{Region: Region{ID: c.RegionID, Name: c.RegionName, Slug: c.RegionSlug}})
		}
		g := &out[len(out)-1]
		g.Councils = append(g.Councils, c)
		g.Region.Councils++
	}
	return out, nil
}

// CouncilByCode finds a council, current or past, by its GSS code. A code the register lists
// only as a council's former code is not found here; ResolveCouncil maps it.
func CouncilByCode(ctx context.Context, d *db.DB, gssCode string) (Council, error) {
	c, err := scanCouncil(d.Read.QueryRowContext(ctx, `SELECT `+councilColumns+` WHERE c.gss_code = $1`, gssCode))
	if errors.Is(err, sql.ErrNoRows) {
		return Council{}, errs.New(errs.NotFound, "There is no council with the code %s.", gssCode)
	}
	if err != nil {
		return Council{}, fmt.Errorf("council %s: %w", gssCode, err)
	}
	return c, nil
}

// CouncilByRegisterCode finds a council by the register's local-authority-code, such as "CBD".
func CouncilByRegisterCode(ctx context.Context, d *db.DB, code string) (Council, error) {
	c, err := scanCouncil(d.Read.QueryRowContext(ctx, `SELECT `+councilColumns+` WHERE c.register_code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Council{}, errs.New(errs.NotFound, "There is no council with the register code %s.", code)
	}
	if err != nil {
		return Council{}, fmt.Errorf("council %s: %w", code, err)
	}
	return c, nil
}

// ResolveCouncil returns the current council that a GSS code stands for today: the council
// itself while it is current, the end of its replaced-by chain when it was abolished, or the
// council that now uses the code's replacement when the code is a former one. It is not found
// when the code is unknown or its chain ends at no current council.
func ResolveCouncil(ctx context.Context, d *db.DB, gssCode string) (Council, error) {
	c, err := scanCouncil(d.Read.QueryRowContext(ctx, `SELECT `+councilColumns+`
WHERE c.is_current = TRUE AND c.gss_code = (
	SELECT successor_gss_code FROM councils WHERE gss_code = $1
	UNION ALL
	SELECT s.successor_gss_code FROM council_former_codes f JOIN councils s ON s.gss_code = f.gss_code
	WHERE f.former_gss_code = $1
	LIMIT 1)`, gssCode))
	if errors.Is(err, sql.ErrNoRows) {
		return Council{}, errs.New(errs.NotFound, "No current council stands for the code %s.", gssCode)
	}
	if err != nil {
		return Council{}, fmt.Errorf("resolve council %s: %w", gssCode, err)
	}
	return c, nil
}

// CouncilCodeMap maps every GSS code the register knows (current, past and former) to the
// code of the current council it stands for today, for importers of data keyed by old codes
// that would otherwise call ResolveCouncil once a row. Codes with no current council are left out.
func CouncilCodeMap(ctx context.Context, d *db.DB) (map[string]string, error) {
	rows, err := d.Read.QueryContext(ctx, `
SELECT gss_code, successor_gss_code FROM councils WHERE successor_gss_code <> ''
UNION ALL
SELECT f.former_gss_code, c.successor_gss_code FROM council_former_codes f
JOIN councils c ON c.gss_code = f.gss_code WHERE c.successor_gss_code <> ''`)
	if err != nil {
		return nil, fmt.Errorf("council code map: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			return nil, err
		}
		out[from] = to
	}
	return out, rows.Err()
}

// FormerCodeOwner returns the GSS code of the council that once used former as its code, or
// a not-found error.
func FormerCodeOwner(ctx context.Context, d *db.DB, former string) (string, error) {
	var code string
	err := d.Read.QueryRowContext(ctx, "SELECT gss_code FROM council_former_codes WHERE former_gss_code = $1", former).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.New(errs.NotFound, "No council used the code %s.", former)
	}
	return code, err
}

// Predecessors lists the past councils that a current council replaced, directly or through
// councils that were themselves replaced, by name.
func Predecessors(ctx context.Context, d *db.DB, gssCode string) ([]Council, error) {
	return queryCouncils(ctx, d, `SELECT `+councilColumns+`
WHERE c.is_current = FALSE AND c.successor_gss_code = $1 ORDER BY c.name`, gssCode)
}
