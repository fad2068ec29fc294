package insight

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Count is one published count as the public may see it.
type Count struct {
	Value int64
	// Hidden counts are shown as [c]: fewer than SuppressBelow people, or a count that would
	// let a hidden one be worked out.
	Hidden bool
	// Missing counts were not given in the file.
	Missing bool
}

// String shows the count on a page: "1,283", "[c]", or "not given".
func (c Count) String() string {
	switch {
	case c.Missing:
		return "not given"
	case c.Hidden:
		return "[c]"
	}
	return web.FormatNumber(c.Value)
}

// Data is the count in a download: "1283", "[c]", or empty.
func (c Count) Data() string {
	switch {
	case c.Missing:
		return ""
	case c.Hidden:
		return "[c]"
	}
	return fmt.Sprint(c.Value)
}

// Shown reports whether the number itself may be shown.
func (c Count) Shown() bool { return !c.Missing && !c.Hidden }

// YearFigures are an area's counts in one year's snapshot.
type YearFigures struct {
	Year                          int
	Female, Male, NotKnown, Total Count
}

// Series is one area's figures over the years, oldest first.
type Series struct {
	// Type is "england", "region" or "council".
	Type string
	// Key is the council's GSS code, or the summary area's name.
	Key    string
	Name   string
	Region string
	Years  []YearFigures
}

// Code is the area's GSS code, or "" for the rest of England, which has none.
func (s Series) Code() string {
	if s.Type == "council" {
		return s.Key
	}
	return regionCodes[s.Key]
}

// Latest is the most recent year's figures; ok is false when there are none.
func (s Series) Latest() (YearFigures, bool) {
	if len(s.Years) == 0 {
		return YearFigures{}, false
	}
	return s.Years[len(s.Years)-1], true
}

func count(n sql.NullInt64, hidden Hidden, m Measure) Count {
	if !n.Valid {
		return Count{Missing: true}
	}
	return Count{Value: n.Int64, Hidden: hidden.Has(m)}
}

type figureRow struct {
	typ, key, name, region string
	y                      YearFigures
}

func scanFigure(s db.Scanner) (figureRow, error) {
	var r figureRow
	var f, m, nk sql.NullInt64
	var total int64
	var h int
	if err := s.Scan(&r.typ, &r.key, &r.name, &r.region, &r.y.Year, &f, &m, &nk, &total, &h); err != nil {
		return r, err
	}
	hidden := Hidden(h)
	r.y.Female, r.y.Male, r.y.NotKnown = count(f, hidden, Female), count(m, hidden, Male), count(nk, hidden, NotKnown)
	r.y.Total = Count{Value: total, Hidden: hidden.Has(Total)}
	return r, nil
}

const figureColumns = `SELECT area_type, area_key, area_name, region, year, female, male, not_known, total, hidden FROM rough_sleeping_figures `

// series groups rows (ordered by area, then year) into series.
func series(rows []figureRow) []Series {
	var out []Series
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Type != r.typ || out[len(out)-1].Key != r.key {
			out = append(out, Series{Type: r.typ, Key: r.key, Name: r.name, Region: r.region})
		}
		s := &out[len(out)-1]
		s.Years = append(s.Years, r.y)
	}
	return out
}

// CouncilFigures returns a current council's figures over the years; the series has no
// years when none were imported for it.
func CouncilFigures(ctx context.Context, d *db.DB, councilCode string) (Series, error) {
	rows, err := db.Collect(ctx, d.Read, scanFigure, figureColumns+`WHERE area_type = 'council' AND area_key = $1 ORDER BY year`, councilCode)
	if err != nil {
		return Series{}, fmt.Errorf("figures of %s: %w", councilCode, err)
	}
	if len(rows) == 0 {
		return Series{Type: "council", Key: councilCode}, nil
	}
	return series(rows)[0], nil
}

// Source is an abolished council whose figures count towards a current one.
type Source struct {
	Code, Name          string
	FirstYear, LastYear int
}

// CouncilSources lists the abolished councils whose published figures were added to the
// council's, with the years.
func CouncilSources(ctx context.Context, d *db.DB, councilCode string) ([]Source, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Source, error) {
		var src Source
		return src, s.Scan(&src.Code, &src.Name, &src.FirstYear, &src.LastYear)
	}, `SELECT source_code, MIN(source_name), MIN(year), MAX(year) FROM rough_sleeping_sources
WHERE council_code = $1 GROUP BY source_code ORDER BY MIN(source_name)`, councilCode)
	if err != nil {
		return nil, fmt.Errorf("merged councils of %s: %w", councilCode, err)
	}
	return out, nil
}

// NationalFigures returns England's figures and its regions', England first, then London,
// the rest of England and the other regions in name order.
func NationalFigures(ctx context.Context, d *db.DB) ([]Series, error) {
	rows, err := db.Collect(ctx, d.Read, scanFigure, figureColumns+`WHERE area_type <> 'council' ORDER BY area_key, year`)
	if err != nil {
		return nil, fmt.Errorf("national figures: %w", err)
	}
	byKey := map[string]Series{}
	for _, s := range series(rows) {
		byKey[s.Key] = s
	}
	var out []Series
	for _, k := range summaryAreas {
		if s, ok := byKey[k]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// AllFigures returns every area's figures: England and the regions first, then the
// councils by region and name. It is what the open data downloads hold.
func AllFigures(ctx context.Context, d *db.DB) ([]Series, error) {
	out, err := NationalFigures(ctx, d)
	if err != nil {
		return nil, err
	}
	rows, err := db.Collect(ctx, d.Read, scanFigure, figureColumns+`WHERE area_type = 'council' ORDER BY region, area_name, area_key, year`)
	if err != nil {
		return nil, fmt.Errorf("council figures: %w", err)
	}
	return append(out, series(rows)...), nil
}

// Import is the record of one import of the snapshot.
type Import struct {
	At                  time.Time
	Source, Shape       string
	DataRows            int
	FirstYear, LastYear int
	Problems            int
}

// LastImport returns the latest import, or a not-found error when there has been none.
func LastImport(ctx context.Context, d *db.DB) (Import, error) {
	var i Import
	err := d.Read.QueryRowContext(ctx, `SELECT imported_at, source, shape, data_rows, first_year, last_year, problems
FROM rough_sleeping_imports ORDER BY id DESC LIMIT 1`).Scan(&i.At, &i.Source, &i.Shape, &i.DataRows, &i.FirstYear, &i.LastYear, &i.Problems)
	if errors.Is(err, sql.ErrNoRows) {
		return Import{}, errs.New(errs.NotFound, "No rough sleeping figures have been imported.")
	}
	if err != nil {
		return Import{}, fmt.Errorf("last import: %w", err)
	}
	return i, nil
}
