package directory

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// requiredColumns are the register's columns the import reads; former-gss-codes is read when
// present.
var requiredColumns = []string{
	"local-authority-code", "official-name", "nice-name", "gss-code", "start-date", "end-date",
	"replaced-by", "region", "local-authority-type", "local-authority-type-name",
	"current-authority", "lower-or-unitary", "pop-2020",
}

const formerCodesColumn = "former-gss-codes"

// EnglishRegions are the nine regions a council may be in.
var EnglishRegions = []string{
	"East Midlands", "East of England", "London", "North East", "North West", "South East",
	"South West", "West Midlands", "Yorkshire and The Humber",
}

// ImportError says where a register file is wrong: its line (counting the header as line 1)
// and, when one column is at fault, that column's name.
type ImportError struct {
	Line    int
	Column  string
	Problem string
}

func (e *ImportError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Problem)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Problem)
}

// registerRow is one English lower-tier or unitary council read from the file.
type registerRow struct {
	line                           int
	gss, code, name, officialName  string
	typeCode, typeName, region     string
	startDate, endDate, replacedBy string
	current                        bool
	population                     sql.NullInt64
	formerCodes                    []string
	successor                      string // GSS code of the current council at the end of the chain
}

// ImportAuthorities reads the UK local authority register in mySociety's CSV format and brings
// the councils table up to date with England's current and past lower-tier and unitary
// councils (GSS codes E06, E07, E08 and E09). Each current council gets an organisation.
// The whole file is checked before anything is written, and it is written in one
// transaction: a file with a problem is refused with an *ImportError and changes nothing.
func ImportAuthorities(ctx context.Context, d *db.DB, r io.Reader) (ImportResult, error) {
	rows, err := readRegister(r)
	if err != nil {
		return ImportResult{}, err
	}
	if err := linkSuccessors(rows); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		var werr error
		if res, werr = writeRegister(ctx, tx, rows); werr != nil {
			return werr
		}
		actorID, actorName := audit.By(auth.From(ctx))
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "register.imported",
			Subject: "register:local-authorities", After: res})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// readRegister parses and checks the file, keeping England's lower-tier and unitary councils.
func readRegister(r io.Reader) ([]*registerRow, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{Line: 1, Problem: "the file is empty"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, &ImportError{Line: 1, Column: strconv.Itoa(i + 1), Problem: "the heading is not UTF-8 text; save the file as UTF-8 (CSV UTF-8) and try again"}
		}
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, name := range requiredColumns {
		if _, ok := col[name]; !ok {
			return nil, &ImportError{Line: 1, Column: name, Problem: "this column is missing; the file must be the register in mySociety's format"}
		}
	}

	var out []*registerRow
	gssLine := map[string]int{}
	codeLine := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		for i, v := range rec {
			if !utf8.ValidString(v) {
				return nil, &ImportError{Line: line, Column: columnName(header, i), Problem: "this is not UTF-8 text; save the file as UTF-8 (CSV UTF-8) and try again"}
			}
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		// Every code must be unique across the file, English or not, since replaced-by and
		// data elsewhere name councils by them.
		for _, k := range []struct {
			column string
			seen   map[string]int
		}{{"gss-code", gssLine}, {"local-authority-code", codeLine}} {
			v := get(k.column)
			if v == "" {
				continue
			}
			if first, dup := k.seen[v]; dup {
				return nil, &ImportError{Line: line, Column: k.column, Problem: fmt.Sprintf("%s is also on line %d; each code must appear once", v, first)}
			}
			k.seen[v] = line
		}
		if !isEnglishLowerOrUnitary(get("gss-code")) {
			continue
		}
		lower, err := parseBool(get("lower-or-unitary"))
		if err != nil {
			return nil, &ImportError{Line: line, Column: "lower-or-unitary", Problem: err.Error()}
		}
		if !lower {
			continue
		}
		row, err := parseRow(line, get)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, checkFormerCodes(out, gssLine)
}

func isEnglishLowerOrUnitary(gss string) bool {
	for _, p := range []string{"E06", "E07", "E08", "E09"} {
		if strings.HasPrefix(gss, p) {
			return true
		}
	}
	return false
}

func columnName(header []string, i int) string {
	if i < len(header) && utf8.ValidString(header[i]) {
		return header[i]
	}
	return strconv.Itoa(i + 1)
}

// csvError turns the CSV reader's error into one that names the line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ImportError{Line: pe.Line, Problem: fmt.Sprintf("%v (at character %d); check the file is a CSV file", pe.Err, pe.Column)}
	}
	return fmt.Errorf("read the file: %w", err)
}

func parseBool(s string) (bool, error) {
	switch s {
	case "True", "true", "TRUE":
		return true, nil
	case "False", "false", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q must be True or False", s)
}

// parseRow checks one English council's fields.
func parseRow(line int, get func(string) string) (*registerRow, error) {
	bad := func(column, problem string) error { return &ImportError{Line: line, Column: column, Problem: problem} }
	row := &registerRow{
		line: line, gss: get("gss-code"), code: get("local-authority-code"), name: get("nice-name"),
		officialName: get("official-name"), typeCode: get("local-authority-type"),
		typeName: get("local-authority-type-name"), region: get("region"),
		startDate: get("start-date"), endDate: get("end-date"), replacedBy: get("replaced-by"),
	}
	for _, f := range []struct{ column, value string }{
		{"local-authority-code", row.code}, {"nice-name", row.name}, {"official-name", row.officialName},
		{"local-authority-type", row.typeCode}, {"local-authority-type-name", row.typeName},
	} {
		if f.value == "" {
			return nil, bad(f.column, "this is empty; every council needs one")
		}
	}
	var err error
	if row.current, err = parseBool(get("current-authority")); err != nil {
		return nil, bad("current-authority", err.Error())
	}
	if row.region != "" && !slices.Contains(EnglishRegions, row.region) {
		return nil, bad("region", fmt.Sprintf("%q is not one of England's nine regions", row.region))
	}
	if row.current && row.region == "" {
		return nil, bad("region", "a current council must have a region")
	}
	for _, f := range []struct{ column, value string }{{"start-date", row.startDate}, {"end-date", row.endDate}} {
		if _, err := parseDate(f.value); err != nil {
			return nil, bad(f.column, fmt.Sprintf("%q is not a date written as YYYY-MM-DD", f.value))
		}
	}
	if p := get("pop-2020"); p != "" {
		n, err := strconv.ParseFloat(p, 64)
		if err != nil || n < 0 || n > 1e8 {
			return nil, bad("pop-2020", fmt.Sprintf("%q is not a number of people", p))
		}
		row.population = sql.NullInt64{Int64: int64(math.Round(n)), Valid: true}
	}
	for _, c := range strings.Split(get(formerCodesColumn), ",") {
		if c = strings.TrimSpace(c); c != "" {
			row.formerCodes = append(row.formerCodes, c)
		}
	}
	return row, nil
}

// checkFormerCodes refuses a former code that is some row's gss-code or is claimed twice, as
// it would then stand for two councils.
func checkFormerCodes(rows []*registerRow, gssLine map[string]int) error {
	claimed := map[string]int{}
	for _, r := range rows {
		for _, c := range r.formerCodes {
			if l, ok := gssLine[c]; ok {
				return &ImportError{Line: r.line, Column: formerCodesColumn, Problem: fmt.Sprintf("%s is the gss-code on line %d", c, l)}
			}
			if l, ok := claimed[c]; ok {
				return &ImportError{Line: r.line, Column: formerCodesColumn, Problem: fmt.Sprintf("%s is also a former code on line %d", c, l)}
			}
			claimed[c] = r.line
		}
	}
	return nil
}

// linkSuccessors follows each past council's replaced-by chain to the current council at its
// end, and gives a past council with no region its successor's.
func linkSuccessors(rows []*registerRow) error {
	byCode := map[string]*registerRow{}
	for _, r := range rows {
		byCode[r.code] = r
	}
	for _, r := range rows {
		if r.current {
			r.successor = r.gss
			continue
		}
		if r.replacedBy == "" {
			continue // abolished with no successor named: it maps to no current council
		}
		at, seen := r, map[string]bool{}
		for !at.current {
			if seen[at.code] {
				return &ImportError{Line: r.line, Column: "replaced-by", Problem: "the replaced-by chain goes round in a circle"}
			}
			seen[at.code] = true
			next, ok := byCode[at.replacedBy]
			if !ok {
				return &ImportError{Line: at.line, Column: "replaced-by", Problem: fmt.Sprintf("%q is not the local-authority-code of an English council in the file", at.replacedBy)}
			}
			if r.region == "" {
				r.region = next.region
			}
			at = next
			if !at.current && at.replacedBy == "" {
				break
			}
		}
		if at.current {
			r.successor = at.gss
		}
	}
	return nil
}

// storedCouncil is what the table holds for a council, to tell changed rows from unchanged.
type storedCouncil struct {
	code, name, officialName, typeCode, typeName string
	regionID                                     sql.NullInt64
	current                                      bool
	startDate, endDate, replacedBy, successor    string
	population                                   sql.NullInt64
	organisationID                               sql.NullInt64
}

// writeRegister saves the checked rows inside the import's transaction.
func writeRegister(ctx context.Context, tx *sql.Tx, rows []*registerRow) (ImportResult, error) {
	var res ImportResult
	regionIDs, err := ensureRegions(ctx, tx, rows)
	if err != nil {
		return res, err
	}
	stored, err := loadStoredCouncils(ctx, tx)
	if err != nil {
		return res, err
	}
	for _, r := range rows {
		if r.current {
			res.Current++
		} else {
			res.Past++
		}
		want := storedCouncil{
			code: r.code, name: r.name, officialName: r.officialName, typeCode: r.typeCode, typeName: r.typeName,
			current: r.current, startDate: r.startDate, endDate: r.endDate, replacedBy: r.replacedBy,
			successor: r.successor, population: r.population,
		}
		if r.region != "" {
			want.regionID = sql.NullInt64{Int64: regionIDs[r.region], Valid: true}
		}
		have, exists := stored[r.gss]
		// A past council keeps the organisation it had while current, so roles held in it stay.
		want.organisationID = have.organisationID
		if r.current {
			if want.organisationID, err = ensureCouncilOrganisation(ctx, tx, have.organisationID, r.name, want.regionID); err != nil {
				return res, err
			}
		}
		switch {
		case !exists:
			res.Added++
			_, err = tx.ExecContext(ctx, `INSERT INTO councils (gss_code, register_code, name, official_name,
	type_code, type_name, region_id, is_current, start_date, end_date, replaced_by, successor_gss_code,
	population, organisation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				r.gss, r.code, want.name, want.officialName, want.typeCode, want.typeName, want.regionID,
				want.current, want.startDate, want.endDate, want.replacedBy, want.successor,
				want.population, want.organisationID)
		case have != want:
			res.Updated++
			_, err = tx.ExecContext(ctx, `UPDATE councils SET register_code = $2, name = $3, official_name = $4,
	type_code = $5, type_name = $6, region_id = $7, is_current = $8, start_date = $9, end_date = $10,
	replaced_by = $11, successor_gss_code = $12, population = $13, organisation_id = $14
	WHERE gss_code = $1`,
				r.gss, r.code, want.name, want.officialName, want.typeCode, want.typeName, want.regionID,
				want.current, want.startDate, want.endDate, want.replacedBy, want.successor,
				want.population, want.organisationID)
		}
		if err != nil {
			return res, fmt.Errorf("save council %s (line %d): %w", r.gss, r.line, err)
		}
	}
	return res, writeFormerCodes(ctx, tx, rows)
}

// ensureRegions returns the id of every region the rows name, adding those not yet stored.
func ensureRegions(ctx context.Context, tx *sql.Tx, rows []*registerRow) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, r := range rows {
		if r.region == "" {
			continue
		}
		if _, ok := ids[r.region]; ok {
			continue
		}
		var id int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM regions WHERE name = $1", r.region).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, "INSERT INTO regions (name, slug) VALUES ($1, $2) RETURNING id",
				r.region, Slugify(r.region)).Scan(&id)
		}
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.region, err)
		}
		ids[r.region] = id
	}
	return ids, nil
}

func loadStoredCouncils(ctx context.Context, tx *sql.Tx) (map[string]storedCouncil, error) {
	rows, err := tx.QueryContext(ctx, `SELECT gss_code, register_code, name, official_name, type_code, type_name, region_id,
	is_current, start_date, end_date, replaced_by, successor_gss_code, population, organisation_id FROM councils`)
	if err != nil {
		return nil, fmt.Errorf("read councils: %w", err)
	}
	defer rows.Close()
	out := map[string]storedCouncil{}
	for rows.Next() {
		var gss string
		var s storedCouncil
		if err := rows.Scan(&gss, &s.code, &s.name, &s.officialName, &s.typeCode, &s.typeName, &s.regionID, &s.current,
			&s.startDate, &s.endDate, &s.replacedBy, &s.successor, &s.population, &s.organisationID); err != nil {
			return nil, err
		}
		out[gss] = s
	}
	return out, rows.Err()
}

// ensureCouncilOrganisation keeps a current council's organisation in step with its name and
// region, adding it the first time. A council organisation of the same name that is not yet
// linked (the council's GSS code changed between registers) is taken over, so roles held in
// it stay.
func ensureCouncilOrganisation(ctx context.Context, tx *sql.Tx, id sql.NullInt64, name string, regionID sql.NullInt64) (sql.NullInt64, error) {
	if !id.Valid {
		err := tx.QueryRowContext(ctx, "SELECT id FROM organisations WHERE stakeholder_type = $1 AND name_key = $2",
			CouncilType, strings.ToLower(name)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			newID, err := insertOrganisation(ctx, tx, name, CouncilType, regionID, "", "")
			return sql.NullInt64{Int64: newID, Valid: true}, err
		case err != nil:
			return id, err
		}
		// Unlink it from the council with the old code before linking it to this one.
		if _, err := tx.ExecContext(ctx, "UPDATE councils SET organisation_id = NULL WHERE organisation_id = $1", id); err != nil {
			return id, err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE organisations SET name = $2, name_key = $3, region_id = $4
WHERE id = $1 AND (name <> $2 OR region_id IS DISTINCT FROM $4)`, id, name, strings.ToLower(name), regionID)
	return id, err
}

// writeFormerCodes replaces the former codes of the file's councils.
func writeFormerCodes(ctx context.Context, tx *sql.Tx, rows []*registerRow) error {
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, "DELETE FROM council_former_codes WHERE gss_code = $1", r.gss); err != nil {
			return err
		}
	}
	for _, r := range rows {
		for _, c := range r.formerCodes {
			// Another council may have claimed it under an older register.
			if _, err := tx.ExecContext(ctx, "DELETE FROM council_former_codes WHERE former_gss_code = $1", c); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO council_former_codes (former_gss_code, gss_code) VALUES ($1, $2)", c, r.gss); err != nil {
				return fmt.Errorf("former code %s (line %d): %w", c, r.line, err)
			}
		}
	}
	return nil
}
