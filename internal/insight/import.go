package insight

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// Measure is one of the four counts the snapshot gives for each area and year.
type Measure int

const (
	Female Measure = iota
	Male
	NotKnown
	Total
)

var measureLabels = [4]string{"female", "male", "not known", "total"}

// Shapes the snapshot is published in.
const (
	// LongShape is csvcubed's: one row per area and Period (female-2017 ... total-2022).
	LongShape = "long"
	// WideShape is the published table: one row per area, Female/Male/Not known/Total YYYY.
	WideShape = "wide"
)

// Summary areas: England and the rows published for groups of councils.
const (
	England       = "England"
	RestOfEngland = "Rest of England"
)

// summaryAreas are the summary rows an import accepts, in the order pages show them.
var summaryAreas = append([]string{England, "London", RestOfEngland}, nonLondonRegions()...)

func nonLondonRegions() []string {
	var out []string
	for _, r := range directory.EnglishRegions {
		if r != "London" {
			out = append(out, r)
		}
	}
	return out
}

// regionCodes are the GSS codes of England and its regions, for the open data.
var regionCodes = map[string]string{
	England: "E92000001", "North East": "E12000001", "North West": "E12000002",
	"Yorkshire and The Humber": "E12000003", "East Midlands": "E12000004", "West Midlands": "E12000005",
	"East of England": "E12000006", "London": "E12000007", "South East": "E12000008", "South West": "E12000009",
}

// noLACode is the long shape's code for rows that are not one council's.
const noLACode = "E00000000"

// ImportOptions say how to import.
type ImportOptions struct {
	// Strict refuses a file with any problem. Otherwise the file is imported and each problem
	// is listed in the result: figures that cannot be read (not a number, negative, an
	// unknown council) are left out; figures that do not add up are kept as published.
	Strict bool
	// Source names the file, for the record of imports.
	Source string
	// Now is when the import happens; zero means now.
	Now time.Time
}

// Problem is something wrong in the file: its line (the first line is 1) and why.
type Problem struct {
	Line   int
	Reason string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Reason
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
}

// ImportError refuses a file: either it is in neither shape (Problems has one entry, line 0
// or the header's line) or, in strict mode, it has problems. Nothing was changed.
type ImportError struct {
	Problems []Problem
}

func (e *ImportError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("1 problem: ")
	} else {
		fmt.Fprintf(&b, "%d problems: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// YearCheck compares, for one year, the councils' figures added up with the England row.
type YearCheck struct {
	Year       int
	Councils   int64 // sum of every council's total
	England    int64 // the England row's total
	HasEngland bool
}

// Matches reports whether the councils add up to the England row.
func (y YearCheck) Matches() bool { return y.HasEngland && y.Councils == y.England }

// Merge says that figures published under an abolished council's code were added to the
// current council that replaced it.
type Merge struct {
	SourceCode, SourceName string
	CouncilCode            string
	CouncilName            string
}

// ImportResult says what an import read and wrote.
type ImportResult struct {
	Shape string
	// DataRows counts the rows of figures read: 7,680 in the long file of 2017-2022.
	DataRows int
	Years    []int
	// Councils counts the current councils with figures; Summaries the England and regional rows.
	Councils, Summaries int
	Merged              []Merge
	Checks              []YearCheck
	// Problems are listed when the import was not strict.
	Problems []Problem
}

// rawArea is one area's figures as read, before checks and successor mapping.
type rawArea struct {
	summary bool
	key     string // the council's code, or the summary's name
	name    string
	region  string
	line    int
	years   map[int]*[4]*rawCell
	dropped bool
}

type rawCell struct {
	line  int
	value int64
}

type reader struct {
	areas    map[string]*rawArea
	order    []*rawArea
	years    map[int]bool
	problems []Problem
	rows     int
}

func (rd *reader) problem(line int, format string, args ...any) {
	rd.problems = append(rd.problems, Problem{Line: line, Reason: fmt.Sprintf(format, args...)})
}

func (rd *reader) area(summary bool, key, name, region string, line int) *rawArea {
	id := key
	if summary {
		id = "summary:" + key
	}
	a := rd.areas[id]
	if a == nil {
		a = &rawArea{summary: summary, key: key, name: name, region: region, line: line, years: map[int]*[4]*rawCell{}}
		rd.areas[id] = a
		rd.order = append(rd.order, a)
	}
	return a
}

func (rd *reader) set(a *rawArea, year int, m Measure, line int, value int64) {
	rd.years[year] = true
	y := a.years[year]
	if y == nil {
		y = &[4]*rawCell{}
		a.years[year] = y
	}
	if prev := y[m]; prev != nil {
		rd.problem(line, "a second %s figure for %s in %d (the first is on line %d)", measureLabels[m], a.name, year, prev.line)
		return
	}
	y[m] = &rawCell{line: line, value: value}
}

var (
	gssPattern    = regexp.MustCompile(`^[EWSN]\d{8}$`)
	codeLike      = regexp.MustCompile(`^[A-Za-z]\d+$`)
	periodPattern = regexp.MustCompile(`^(female|male|not-known|total)-(\d{4})$`)
	wideColumn    = regexp.MustCompile(`^(female|male|not known|total) (\d{4})$`)
	spaces        = regexp.MustCompile(`\s+`)
)

func norm(s string) string {
	return strings.ToLower(spaces.ReplaceAllString(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")), " "))
}

// parseCount reads a count: digits, perhaps with thousands separators.
func parseCount(s string) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "is empty"
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("%q is not a number", s)
	}
	if n < 0 {
		return 0, fmt.Sprintf("%d is negative", n)
	}
	return n, ""
}

// canonicalSummary returns the summary area's name as pages spell it, or "".
func canonicalSummary(name string) string {
	for _, s := range summaryAreas {
		if norm(s) == norm(name) {
			return s
		}
	}
	return ""
}

// headerSearch is how many lines above the header a file may have (titles, notes).
const headerSearch = 30

// read parses the file in whichever shape it is, collecting problems with the figures.
// An error means the file is in neither shape, or cannot be read as CSV at all.
func read(r io.Reader) (string, *reader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rd := &reader{areas: map[string]*rawArea{}, years: map[int]bool{}}
	for n := 0; n < headerSearch; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, csvProblem(err)
		}
		line, _ := cr.FieldPos(0)
		cols := make([]string, len(rec))
		for i, c := range rec {
			cols[i] = norm(c)
		}
		if slices.Contains(cols, "period") && slices.Contains(cols, "numerical") {
			return LongShape, rd, rd.readLong(cr, cols, line)
		}
		for _, c := range cols {
			if wideColumn.MatchString(c) {
				return WideShape, rd, rd.readWide(cr, cols, line)
			}
		}
	}
	return "", nil, &ImportError{Problems: []Problem{{Reason: fmt.Sprintf("the file is in neither shape of the rough sleeping snapshot: "+
		"none of its first %d lines is a header with Period and Numerical columns (the long shape) "+
		"or with Female YYYY, Male YYYY, Not known YYYY and Total YYYY columns (the wide shape)", headerSearch)}}}
}

func csvProblem(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ImportError{Problems: []Problem{{Line: pe.Line, Reason: "this is not valid CSV: " + pe.Err.Error()}}}
	}
	return err
}

// findColumn returns the index of the first column whose name passes ok, or -1.
func findColumn(cols []string, ok func(string) bool) int {
	for i, c := range cols {
		if ok(c) {
			return i
		}
	}
	return -1
}

func codeColumn(c string) bool {
	return strings.Contains(c, "code") && (strings.Contains(c, "authority") || strings.Contains(c, "area")) && !strings.Contains(c, "region")
}
func nameColumn(c string) bool {
	return (strings.Contains(c, "authority") || c == "area" || c == "area name") && !strings.Contains(c, "code")
}
func regionColumn(c string) bool {
	return strings.Contains(c, "region") && !strings.Contains(c, "code")
}

func missingColumns(line int, shape string, names ...string) error {
	return &ImportError{Problems: []Problem{{Line: line, Reason: fmt.Sprintf("the header of this %s-shape file has no %s column",
		shape, strings.Join(names, " or "))}}}
}

func (rd *reader) readLong(cr *csv.Reader, cols []string, headerLine int) error {
	code, name, region := findColumn(cols, codeColumn), findColumn(cols, nameColumn), findColumn(cols, regionColumn)
	period, value := slices.Index(cols, "period"), slices.Index(cols, "numerical")
	if code < 0 {
		return missingColumns(headerLine, LongShape, "Local authority ONS code")
	}
	if name < 0 {
		return missingColumns(headerLine, LongShape, "Local authority")
	}
	if region < 0 {
		return missingColumns(headerLine, LongShape, "Region")
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvProblem(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		rd.rows++
		if len(rec) != len(cols) {
			rd.problem(line, "the row has %d columns but the header has %d", len(rec), len(cols))
			continue
		}
		c, nm, rg := strings.TrimSpace(rec[code]), strings.TrimSpace(rec[name]), strings.TrimSpace(rec[region])
		m := periodPattern.FindStringSubmatch(norm(rec[period]))
		if m == nil {
			rd.problem(line, "the period %q is not female-YYYY, male-YYYY, not-known-YYYY or total-YYYY", rec[period])
			continue
		}
		year, _ := strconv.Atoi(m[2])
		measure := Measure(slices.Index([]string{"female", "male", "not-known", "total"}, m[1]))
		a := rd.rowArea(line, c, nm, rg, c == noLACode)
		if a == nil {
			continue
		}
		n, bad := parseCount(rec[value])
		if bad != "" {
			rd.problem(line, "the %s figure for %s in %d %s", measureLabels[measure], a.name, year, bad)
			continue
		}
		rd.set(a, year, measure, line, n)
	}
}

// rowArea finds the area a row is about, or records the problem and returns nil.
func (rd *reader) rowArea(line int, code, name, region string, summary bool) *rawArea {
	if summary {
		label := region
		if code == "---" || code == "" {
			label = name
		}
		s := canonicalSummary(label)
		if s == "" {
			rd.problem(line, "%q is not England, London, the rest of England or one of England's regions", label)
			return nil
		}
		return rd.area(true, s, s, "", line)
	}
	for s, c := range regionCodes {
		if c == code {
			return rd.area(true, s, s, "", line)
		}
	}
	if !gssPattern.MatchString(code) {
		rd.problem(line, "%q is not a local authority code (a letter and eight digits, such as E06000032)", code)
		return nil
	}
	return rd.area(false, code, name, region, line)
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

type wideCol struct {
	measure Measure
	year    int
}

func (rd *reader) readWide(cr *csv.Reader, cols []string, headerLine int) error {
	code, name, region := findColumn(cols, codeColumn), findColumn(cols, nameColumn), findColumn(cols, regionColumn)
	if code < 0 {
		return missingColumns(headerLine, WideShape, "Local authority code")
	}
	if name < 0 {
		return missingColumns(headerLine, WideShape, "Local authority")
	}
	figures := map[int]wideCol{}
	have := map[int]*[4]bool{}
	for i, c := range cols {
		m := wideColumn.FindStringSubmatch(c)
		if m == nil {
			continue
		}
		year, _ := strconv.Atoi(m[2])
		measure := Measure(slices.Index(measureLabels[:], m[1]))
		figures[i] = wideCol{measure, year}
		if have[year] == nil {
			have[year] = &[4]bool{}
		}
		if have[year][measure] {
			return &ImportError{Problems: []Problem{{Line: headerLine, Reason: fmt.Sprintf("the header has two %s %d columns", measureLabels[measure], year)}}}
		}
		have[year][measure] = true
	}
	for year, h := range have {
		for m, ok := range h {
			if !ok {
				return &ImportError{Problems: []Problem{{Line: headerLine, Reason: fmt.Sprintf("the header has figures for %d but no %s %d column",
					year, capitalise(measureLabels[m]), year)}}}
			}
		}
	}
	idx := make([]int, 0, len(figures))
	for i := range figures {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	dataStarted, notesStarted := false, false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if notesStarted {
				return nil // free text in the notes need not be tidy CSV
			}
			return csvProblem(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			if dataStarted {
				notesStarted = true
			}
			continue
		}
		first := ""
		if code < len(rec) {
			first = strings.TrimSpace(rec[code])
		}
		isData := first == "---" || codeLike.MatchString(first)
		if !isData {
			if dataStarted {
				notesStarted = true
				continue
			}
			rd.problem(line, "expected a row of figures starting with a local authority code or ---, found %q", first)
			continue
		}
		if notesStarted {
			rd.problem(line, "a row of figures after the notes at the end of the table")
			continue
		}
		dataStarted = true
		rd.rows++
		if len(rec) < len(cols) {
			rd.problem(line, "the row has %d columns but the header has %d", len(rec), len(cols))
			continue
		}
		rg := ""
		if region >= 0 {
			rg = strings.TrimSpace(rec[region])
		}
		a := rd.rowArea(line, first, strings.TrimSpace(rec[name]), rg, first == "---" || first == noLACode)
		if a == nil {
			continue
		}
		for _, i := range idx {
			wc := figures[i]
			n, bad := parseCount(rec[i])
			if bad != "" {
				rd.problem(line, "the %s figure for %s in %d %s", measureLabels[wc.measure], a.name, wc.year, bad)
				continue
			}
			rd.set(a, wc.year, wc.measure, line, n)
		}
	}
}

func capitalise(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// figures are one area's four counts in one year; a count not given is -1.
type figures [4]int64

// area is one area's checked figures, ready to store.
type area struct {
	typ, key, name, region string
	years                  map[int]*figures
	hidden                 map[int]uint8
}

// ImportRoughSleeping imports the DLUHC Annual Rough Sleeping Snapshot from r, in the long
// (csvcubed) or the wide (published table) shape, recognised from its header. Councils'
// codes are mapped to the current council through the register, adding up the figures of
// councils that were merged. The whole file is checked first; it is then written in one
// transaction that replaces the figures of the years it covers, so importing the same file
// again changes nothing. In strict mode a file with any problem is refused with an
// *ImportError; otherwise it is imported as ImportOptions.Strict says, problems listed.
// A file in neither shape is always refused.
func ImportRoughSleeping(ctx context.Context, d *db.DB, r io.Reader, opt ImportOptions) (ImportResult, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	shape, rd, err := read(r)
	if err != nil {
		return ImportResult{}, err
	}
	codeMap, err := directory.CouncilCodeMap(ctx, d)
	if err != nil {
		return ImportResult{}, err
	}
	if len(codeMap) == 0 {
		return ImportResult{}, &ImportError{Problems: []Problem{{Reason: "the council register is empty: import it first (roundtable import authorities FILE)"}}}
	}
	current, err := directory.ListCouncils(ctx, d, directory.CouncilFilter{})
	if err != nil {
		return ImportResult{}, err
	}
	councils := map[string]directory.Council{}
	for _, c := range current {
		councils[c.GSSCode] = c
	}
	res := ImportResult{Shape: shape, DataRows: rd.rows}
	for y := range rd.years {
		res.Years = append(res.Years, y)
	}
	slices.Sort(res.Years)
	if len(res.Years) == 0 {
		rd.problem(0, "the file has no figures")
	}
	areas, sources := rd.check(res.Years, codeMap, councils, &res)
	problems := rd.problems
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	if len(problems) > 0 && (opt.Strict || len(res.Years) == 0) {
		return ImportResult{}, &ImportError{Problems: problems}
	}
	res.Problems = problems
	suppress(areas)
	for _, a := range areas {
		if a.typ == "council" {
			res.Councils++
		} else {
			res.Summaries++
		}
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		return write(ctx, tx, opt, &res, areas, sources)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

type source struct {
	council string
	year    int
	code    string
	name    string
}

// check maps, adds up and checks the figures read, recording problems on rd, and returns the
// areas to store (summaries first, then councils by code) and the merged sources.
func (rd *reader) check(years []int, codeMap map[string]string, councils map[string]directory.Council, res *ImportResult) ([]*area, []source) {
	byKey := map[string]*area{}
	var out []*area
	var sources []source
	merged := map[string]bool{}
	regionSums := map[string]map[int]int64{} // file region -> year -> councils' totals
	councilSums := map[int]int64{}
	summaries := map[string]*rawArea{}
	for _, ra := range rd.order {
		if ra.summary {
			summaries[ra.key] = ra
		}
		typ, key, name, region := "region", ra.key, ra.name, ""
		if ra.key == England {
			typ = "england"
		}
		if !ra.summary {
			succ, ok := codeMap[ra.key]
			if !ok {
				rd.problem(ra.line, "%s (%s) is not a council in the register, so its figures have nowhere to go", ra.key, ra.name)
				continue
			}
			c, ok := councils[succ]
			if !ok {
				rd.problem(ra.line, "%s (%s) maps to %s, which is not a current council", ra.key, ra.name, succ)
				continue
			}
			typ, key, name, region = "council", succ, c.Name, c.RegionName
			if region == "" {
				region = ra.region
			}
		}
		a := byKey[typ+":"+key]
		if a == nil {
			a = &area{typ: typ, key: key, name: name, region: region, years: map[int]*figures{}, hidden: map[int]uint8{}}
			byKey[typ+":"+key] = a
			out = append(out, a)
		}
		for _, y := range years {
			cells := ra.years[y]
			if cells == nil {
				cells = &[4]*rawCell{}
			}
			var f figures
			complete := true
			for m, c := range cells {
				if c == nil {
					rd.problem(ra.line, "no %s figure for %s in %d", measureLabels[m], ra.name, y)
					f[m] = -1
					complete = false
					continue
				}
				f[m] = c.value
			}
			if f[Total] < 0 {
				continue
			}
			if complete && f[Female]+f[Male]+f[NotKnown] != f[Total] {
				rd.problem(cells[Total].line, "the figures for %s in %d do not add up: female %d + male %d + not known %d = %d, but the total is %d",
					ra.name, y, f[Female], f[Male], f[NotKnown], f[Female]+f[Male]+f[NotKnown], f[Total])
			}
			if !ra.summary {
				councilSums[y] += f[Total]
				if regionSums[ra.region] == nil {
					regionSums[ra.region] = map[int]int64{}
				}
				regionSums[ra.region][y] += f[Total]
				if ra.key != key {
					sources = append(sources, source{council: key, year: y, code: ra.key, name: ra.name})
					if !merged[ra.key] {
						merged[ra.key] = true
						res.Merged = append(res.Merged, Merge{SourceCode: ra.key, SourceName: ra.name, CouncilCode: key, CouncilName: name})
					}
				}
			}
			if prev := a.years[y]; prev != nil {
				for m := range prev {
					if prev[m] < 0 || f[m] < 0 {
						prev[m] = -1
					} else {
						prev[m] += f[m]
					}
				}
			} else {
				a.years[y] = &f
			}
		}
	}
	// The councils must add up to England, and to each region the file gives.
	eng := summaries[England]
	if eng == nil {
		rd.problem(0, "the file has no England row, so its totals cannot be checked")
	}
	for _, y := range years {
		c := YearCheck{Year: y, Councils: councilSums[y]}
		if eng != nil && eng.years[y] != nil && eng.years[y][Total] != nil {
			c.HasEngland, c.England = true, eng.years[y][Total].value
			if !c.Matches() {
				rd.problem(eng.years[y][Total].line, "the councils' totals for %d add up to %d, but the England row says %d", y, c.Councils, c.England)
			}
		}
		res.Checks = append(res.Checks, c)
		for _, rname := range directory.EnglishRegions {
			s := summaries[rname]
			if s == nil || s.years[y] == nil || s.years[y][Total] == nil {
				continue
			}
			if got := regionSums[rname][y]; got != s.years[y][Total].value {
				rd.problem(s.years[y][Total].line, "the councils in %s add up to %d in %d, but its row says %d", rname, got, y, s.years[y][Total].value)
			}
		}
	}
	order := map[string]int{}
	for i, s := range summaryAreas {
		order[s] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.typ == "council") != (b.typ == "council") {
			return b.typ == "council"
		}
		if a.typ != "council" {
			return order[a.key] < order[b.key]
		}
		return a.key < b.key
	})
	return out, sources
}

// write replaces the figures of the years imported, inside tx.
func write(ctx context.Context, tx *sql.Tx, opt ImportOptions, res *ImportResult, areas []*area, sources []source) error {
	before, err := englandTotals(ctx, tx, res.Years)
	if err != nil {
		return err
	}
	for _, y := range res.Years {
		if _, err := tx.ExecContext(ctx, "DELETE FROM rough_sleeping_figures WHERE year = $1", y); err != nil {
			return fmt.Errorf("clear %d: %w", y, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM rough_sleeping_sources WHERE year = $1", y); err != nil {
			return fmt.Errorf("clear %d: %w", y, err)
		}
	}
	const cols = 10
	// Small batches: SQLite looks $N parameters up one by one, so a long statement costs more than its rows.
	const batch = 25
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var b strings.Builder
		b.WriteString(`INSERT INTO rough_sleeping_figures (area_type, area_key, area_name, region, year, female, male, not_known, total, hidden) VALUES `)
		for i := 0; i < len(args)/cols; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j := range cols {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", i*cols+j+1)
			}
			b.WriteString(")")
		}
		_, err := tx.ExecContext(ctx, b.String(), args...)
		args = args[:0]
		return err
	}
	count := func(n int64) any {
		if n < 0 {
			return nil
		}
		return n
	}
	for _, a := range areas {
		for _, y := range res.Years {
			f := a.years[y]
			if f == nil {
				continue
			}
			args = append(args, a.typ, a.key, a.name, a.region, y, count(f[Female]), count(f[Male]), count(f[NotKnown]), f[Total], int(a.hidden[y]))
			if len(args) >= batch*cols {
				if err := flush(); err != nil {
					return fmt.Errorf("save figures: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("save figures: %w", err)
	}
	for _, s := range sources {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rough_sleeping_sources (council_code, year, source_code, source_name) VALUES ($1, $2, $3, $4)`,
			s.council, s.year, s.code, s.name); err != nil {
			return fmt.Errorf("save merged councils: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rough_sleeping_imports (imported_at, source, shape, data_rows, first_year, last_year, problems)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, opt.Now.UTC(), opt.Source, res.Shape, res.DataRows, res.Years[0], res.Years[len(res.Years)-1], len(res.Problems)); err != nil {
		return fmt.Errorf("record the import: %w", err)
	}
	after := map[string]any{"source": opt.Source, "shape": res.Shape, "years": res.Years, "councils": res.Councils,
		"england_totals": checksEngland(res.Checks), "problems": len(res.Problems)}
	var beforeV any
	if len(before) > 0 {
		beforeV = map[string]any{"england_totals": before}
	}
	actorID, actorName := audit.By(auth.From(ctx)) // the system, when run from the command line
	return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "outcomes.imported", Subject: "rough-sleeping-snapshot",
		Before: beforeV, After: after, At: opt.Now})
}

func checksEngland(cs []YearCheck) map[string]int64 {
	out := map[string]int64{}
	for _, c := range cs {
		if c.HasEngland {
			out[strconv.Itoa(c.Year)] = c.England
		}
	}
	return out
}

func englandTotals(ctx context.Context, tx *sql.Tx, years []int) (map[string]int64, error) {
	out := map[string]int64{}
	for _, y := range years {
		var n int64
		err := tx.QueryRowContext(ctx, "SELECT total FROM rough_sleeping_figures WHERE area_type = 'england' AND year = $1", y).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[strconv.Itoa(y)] = n
	}
	return out, nil
}
