package insight_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/insight"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

var ctx = context.Background()

// englandTotals are the published England totals, 2017 to 2022.
var englandTotals = []int64{4751, 4677, 4266, 2688, 2443, 3069}

var years = []int{2017, 2018, 2019, 2020, 2021, 2022}

func importRegister(t testing.TB, d *db.DB) {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(ctx, d, f); err != nil {
		t.Fatalf("import register: %v", err)
	}
}

func longFile(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, shareddata.RoughSleeping))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func importString(d *db.DB, s string, strict bool) (insight.ImportResult, error) {
	return insight.ImportRoughSleeping(ctx, d, strings.NewReader(s), insight.ImportOptions{Strict: strict, Source: "test.csv",
		Now: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)})
}

// longRow is one row of the long file.
type longRow struct{ code, name, region, regionCode, period, value string }

func readLong(t testing.TB, s string) []longRow {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []longRow
	for _, r := range recs[1:] {
		out = append(out, longRow{r[0], r[1], r[2], r[3], r[4], r[5]})
	}
	return out
}

// wideFrom builds the published wide table from the long file, as DLUHC lays it out: two
// title lines, a header with Female/Male/Not known/Total for each year, England, London, the
// rest of England and the regions with the code ---, then each council, then notes.
func wideFrom(t testing.TB, long string) string {
	t.Helper()
	type areaRow struct {
		code, name, region string
		v                  map[string]string
	}
	var order []*areaRow
	byKey := map[string]*areaRow{}
	for _, r := range readLong(t, long) {
		key, code, name, region := r.code, r.code, r.name, r.region
		if r.code == "E00000000" {
			key, code, name, region = "summary:"+r.region, "---", r.region, ""
		}
		a := byKey[key]
		if a == nil {
			a = &areaRow{code: code, name: name, region: region, v: map[string]string{}}
			byKey[key] = a
			order = append(order, a)
		}
		a.v[r.period] = r.value
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"Table 1: Total number of people sleeping rough on a single night in autumn, by gender, England, 2017 to 2022"})
	_ = w.Write([]string{"Source: Rough sleeping snapshot in England: autumn 2022"})
	_ = w.Write([]string{})
	header := []string{"Local authority ONS code", "Local authority", "Region"}
	for _, y := range years {
		header = append(header, fmt.Sprintf("Female %d", y), fmt.Sprintf("Male %d", y), fmt.Sprintf("Not known %d", y), fmt.Sprintf("Total %d", y))
	}
	_ = w.Write(header)
	for _, a := range order {
		row := []string{a.code, a.name, a.region}
		for _, y := range years {
			for _, p := range []string{"female", "male", "not-known", "total"} {
				n, _ := strconv.ParseInt(a.v[fmt.Sprintf("%s-%d", p, y)], 10, 64)
				row = append(row, strconv.FormatInt(n, 10))
			}
		}
		_ = w.Write(row)
	}
	_ = w.Write([]string{})
	_ = w.Write([]string{"Notes"})
	_ = w.Write([]string{"1. Figures are a count or an estimate of people seen sleeping rough on a single night between 1 October and 30 November."})
	_ = w.Write([]string{"2. Local authority codes are those in use at the time of the snapshot; '---' marks totals for England and its regions."})
	w.Flush()
	return b.String()
}

func figures(t testing.TB, d *db.DB) []insight.Series {
	t.Helper()
	all, err := insight.AllFigures(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func council(t testing.TB, all []insight.Series, code string) insight.Series {
	t.Helper()
	for _, s := range all {
		if s.Type == "council" && s.Key == code {
			return s
		}
	}
	t.Fatalf("no figures for council %s", code)
	return insight.Series{}
}

func TestImportTheRealLongFile(t *testing.T) {
	long := longFile(t)
	rows := readLong(t, long)
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		res, err := importString(d, long, true)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if res.Shape != insight.LongShape || res.DataRows != 7680 || !slices.Equal(res.Years, years) {
			t.Errorf("shape %s, rows %d, years %v", res.Shape, res.DataRows, res.Years)
		}
		if res.Councils != 296 || res.Summaries != 11 || len(res.Problems) != 0 {
			t.Errorf("councils %d, summaries %d, problems %v", res.Councils, res.Summaries, res.Problems)
		}
		for i, c := range res.Checks {
			if c.Year != years[i] || c.England != englandTotals[i] || c.Councils != englandTotals[i] || !c.Matches() {
				t.Errorf("check %d: %+v", i, c)
			}
		}
		// 17 districts abolished in April 2023 count towards their successors.
		if len(res.Merged) != 17 {
			t.Errorf("merged %d councils: %+v", len(res.Merged), res.Merged)
		}
		nat, err := insight.NationalFigures(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(nat) != 11 || nat[0].Name != "England" || nat[1].Name != "London" || nat[2].Name != "Rest of England" {
			t.Fatalf("national figures: %d areas, first %q", len(nat), nat[0].Name)
		}
		for i, y := range nat[0].Years {
			if y.Total.Value != englandTotals[i] || y.Total.Hidden {
				t.Errorf("England %d: %+v", y.Year, y.Total)
			}
		}
		// Cumberland's figures are Allerdale's, Carlisle's and Copeland's added up.
		want := map[int]int64{}
		for _, r := range rows {
			if (r.code == "E07000026" || r.code == "E07000028" || r.code == "E07000029") && strings.HasPrefix(r.period, "total-") {
				y, _ := strconv.Atoi(strings.TrimPrefix(r.period, "total-"))
				n, _ := strconv.ParseInt(r.value, 10, 64)
				want[y] += n
			}
		}
		all := figures(t, d)
		cumb := council(t, all, "E06000063")
		if cumb.Name != "Cumberland" || len(cumb.Years) != 6 {
			t.Fatalf("Cumberland: %+v", cumb)
		}
		for _, y := range cumb.Years {
			if y.Total.Value != want[y.Year] {
				t.Errorf("Cumberland %d: %d, want %d", y.Year, y.Total.Value, want[y.Year])
			}
		}
		src, err := insight.CouncilSources(ctx, d, "E06000063")
		if err != nil || len(src) != 3 || src[0].Name != "Allerdale" || src[0].FirstYear != 2017 || src[0].LastYear != 2022 {
			t.Errorf("Cumberland's sources: %+v %v", src, err)
		}
		// Luton, as published: 87 people in 2017 and 11 in 2022.
		luton := council(t, all, "E06000032")
		if luton.Years[0].Total.Value != 87 || luton.Years[5].Total.Value != 11 || luton.Region != "East of England" {
			t.Errorf("Luton: %+v", luton)
		}
		// Every council's totals add up to England's each year.
		for i, y := range years {
			var sum int64
			for _, s := range all {
				if s.Type == "council" {
					sum += s.Years[i].Total.Value
				}
			}
			if sum != englandTotals[i] {
				t.Errorf("%d: councils add up to %d", y, sum)
			}
		}
		imp, err := insight.LastImport(ctx, d)
		if err != nil || imp.DataRows != 7680 || imp.Shape != "long" || imp.FirstYear != 2017 || imp.LastYear != 2022 {
			t.Errorf("last import: %+v %v", imp, err)
		}
	})
}

func snapshot(t testing.TB, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT area_type, area_key, area_name, region, year, COALESCE(female, -1), COALESCE(male, -1), COALESCE(not_known, -1), total, hidden
FROM rough_sleeping_figures ORDER BY area_type, area_key, year`,
		`SELECT council_code, year, source_code, source_name, 0, 0, 0, 0, 0, 0 FROM rough_sleeping_sources ORDER BY council_code, year, source_code`,
	} {
		rows, err := d.Read.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, k, n, r string
			var y, f, m, nk, tot, h int64
			if err := rows.Scan(&a, &k, &n, &r, &y, &f, &m, &nk, &tot, &h); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, a, k, n, r, y, f, m, nk, tot, h)
		}
		rows.Close()
	}
	return b.String()
}

func TestReimportChangesNothingAndIsAudited(t *testing.T) {
	long := longFile(t)
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		if _, err := importString(d, long, true); err != nil {
			t.Fatal(err)
		}
		first := snapshot(t, d)
		if _, err := importString(d, long, true); err != nil {
			t.Fatal(err)
		}
		if second := snapshot(t, d); second != first {
			t.Error("a second import of the same file changed the figures")
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM rough_sleeping_figures").Scan(&n); err != nil || n != (296+11)*6 {
			t.Errorf("%d rows of figures, want %d: %v", n, (296+11)*6, err)
		}
		var action, after, before string
		if err := d.Read.QueryRowContext(ctx, "SELECT action, after_json, before_json FROM audit_log ORDER BY id DESC LIMIT 1").Scan(&action, &after, &before); err != nil {
			t.Fatal(err)
		}
		if action != "outcomes.imported" || !strings.Contains(after, `"2022":3069`) || !strings.Contains(before, `"2017":4751`) {
			t.Errorf("audit: %s %s %s", action, before, after)
		}
		if checked, problems, err := audit.Verify(ctx, d); err != nil || len(problems) != 0 || checked < 2 {
			t.Errorf("audit chain: %d checked, %v, %v", checked, problems, err)
		}
	})
}

func TestWideShapeGivesTheSameFigures(t *testing.T) {
	long := longFile(t)
	wide := wideFrom(t, long)
	if !strings.Contains(wide, "---,England,,653,3965,133,4751") {
		t.Fatalf("the wide file is not as expected:\n%s", wide[:600])
	}
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		res, err := importString(d, wide, true)
		if err != nil {
			t.Fatalf("import wide: %v", err)
		}
		if res.Shape != insight.WideShape || res.DataRows != 320 || res.Councils != 296 || len(res.Merged) != 17 {
			t.Errorf("wide: shape %s, rows %d, councils %d, merged %d", res.Shape, res.DataRows, res.Councils, len(res.Merged))
		}
		for i, c := range res.Checks {
			if c.England != englandTotals[i] || !c.Matches() {
				t.Errorf("wide check %+v", c)
			}
		}
		fromWide := snapshot(t, d)
		wideSeries := figures(t, d)
		if _, err := importString(d, long, true); err != nil {
			t.Fatalf("import long: %v", err)
		}
		if fromLong := snapshot(t, d); fromLong != fromWide {
			t.Error("the long and wide files gave different figures")
		}
		if !reflect.DeepEqual(wideSeries, figures(t, d)) {
			t.Error("the long and wide files read back differently")
		}
	})
}

// small is a wide file with England, the East of England and its three Bedfordshire councils
// (Luton, Bedford, Central Bedfordshire), one year.
func small(rows ...string) string {
	return "Rough sleeping snapshot, test table\n" +
		"Local authority code,Local authority,Region,Female 2022,Male 2022,Not known 2022,Total 2022\n" +
		strings.Join(rows, "\n") + "\n\nNotes\nA note.\n"
}

var smallGood = []string{
	"---,England,,12,42,7,61",
	"---,East of England,,12,42,7,61",
	"E06000032,Luton,East of England,1,2,0,3",
	"E06000055,Bedford,East of England,2,10,6,18",
	"E06000056,Central Bedfordshire,East of England,9,30,1,40",
}

func TestSuppression(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		if _, err := importString(d, small(smallGood...), true); err != nil {
			t.Fatal(err)
		}
		all := figures(t, d)
		show := func(code string) string {
			y := council(t, all, code).Years[0]
			return strings.Join([]string{y.Female.Data(), y.Male.Data(), y.NotKnown.Data(), y.Total.Data()}, " ")
		}
		// Luton: every count under 5 is hidden.
		if got := show("E06000032"); got != "[c] [c] [c] [c]" {
			t.Errorf("Luton: %s", got)
		}
		// Bedford: female (2) is hidden. Luton's male count (2) is the only one hidden in the
		// region's male figures, so Bedford's, the next smallest (10), is hidden too; and so is its
		// total (18), the smallest beside Luton's hidden 3 in the region's totals.
		if got := show("E06000055"); got != "[c] [c] 6 [c]" {
			t.Errorf("Bedford: %s", got)
		}
		// Central Bedfordshire: not known (1) is hidden, so female (9) is too.
		if got := show("E06000056"); got != "[c] 30 [c] 40" {
			t.Errorf("Central Bedfordshire: %s", got)
		}
		for _, s := range all {
			if s.Type != "council" && (s.Years[0].Total.Hidden || s.Years[0].Total.Value != 61) {
				t.Errorf("%s: %+v", s.Name, s.Years[0].Total)
			}
		}
	})
}

// smallLong is the long shape of small(rows...).
func smallLong(rows ...string) string {
	var b strings.Builder
	b.WriteString("Local authority ONS code,Local authority,Region,Region ONS code,Period,Numerical\n")
	for _, r := range rows {
		f := strings.Split(r, ",")
		code, name, region := f[0], f[1], f[2]
		if code == "---" {
			code, name, region = "E00000000", "No relevant LA", f[1]
		}
		for i, p := range []string{"female", "male", "not-known", "total"} {
			fmt.Fprintf(&b, "%s,%s,%s,E12000006,%s-2022,%s\n", code, name, region, p, f[3+i])
		}
	}
	return b.String()
}

func TestBadInputIsRefusedOrListed(t *testing.T) {
	lines := strings.Split(smallLong(smallGood...), "\n")
	with := func(i int, line string) string {
		out := slices.Clone(lines)
		out[i] = line
		return strings.Join(out, "\n")
	}
	// A council's row to spoil: Luton's female figure (index i is line i+1).
	councilLine := slices.IndexFunc(lines, func(s string) bool {
		return strings.HasPrefix(s, "E06000032,Luton,East of England,E12000006,female-2022,")
	})
	if councilLine < 0 {
		t.Fatal("no Luton row in the long file")
	}
	type tc struct {
		name    string
		file    string
		line    int
		reason  string
		refused bool // refused even when not strict
	}
	cases := []tc{
		{"neither shape", "name,count\nLuton,11\n", 0, "neither shape", true},
		{"empty file", "", 0, "neither shape", true},
		{"no code column", "Area,Period,Numerical\nLuton,total-2022,11\n", 1, "no Local authority ONS code column", true},
		{"wide without a Not known column", "Local authority code,Local authority,Female 2022,Male 2022,Total 2022\n", 1, "no Not known 2022 column", true},
		{"unknown code", with(councilLine, "E06999999,Nowhere,East of England,E12000006,female-2022,1"), councilLine + 1, "E06999999 (Nowhere) is not a council in the register", false},
		{"negative count", with(councilLine, "E06000032,Luton,East of England,E12000006,female-2022,-3"), councilLine + 1, "-3 is negative", false},
		{"not a number", with(councilLine, "E06000032,Luton,East of England,E12000006,female-2022,lots"), councilLine + 1, `"lots" is not a number`, false},
		{"bad period", with(councilLine, "E06000032,Luton,East of England,E12000006,autumn-2022,1"), councilLine + 1, "not female-YYYY", false},
		{"not a code", with(councilLine, "Luton,Luton,East of England,E12000006,female-2022,1"), councilLine + 1, "is not a local authority code", false},
		{"short row", with(councilLine, "E06000032,Luton,female-2022,1"), councilLine + 1, "has 4 columns but the header has 6", false},
	}
	// Gender figures that do not add up to the total: Luton 2022 in the wide shape.
	wideBad := small("---,England,,12,42,7,61", "---,East of England,,12,42,7,61",
		"E06000032,Luton,East of England,1,2,0,4",
		"E06000055,Bedford,East of England,2,10,6,18",
		"E06000056,Central Bedfordshire,East of England,9,30,1,39")
	cases = append(cases,
		tc{"totals do not add up", wideBad, 5, "female 1 + male 2 + not known 0 = 3, but the total is 4", false},
		tc{"councils do not add up to England", small("---,England,,12,42,7,62", "---,East of England,,12,42,7,61",
			smallGood[2], smallGood[3], smallGood[4]), 3, "add up to 61, but the England row says 62", false},
		tc{"councils do not add up to their region", small("---,England,,12,42,7,61", "---,East of England,,12,42,7,60",
			smallGood[2], smallGood[3], smallGood[4]), 4, "the councils in East of England add up to 61 in 2022, but its row says 60", false},
		tc{"a figure after the notes", small(smallGood...) + "E06000032,Luton,East of England,1,2,0,3\n", 11, "after the notes", false},
		tc{"no England row", small(smallGood[1:]...), 0, "no England row", false},
		tc{"unknown summary", small(append(slices.Clone(smallGood), "---,Wessex,,1,1,1,3")...), 8, `"Wessex" is not England`, false},
		tc{"a figure twice", small(append(slices.Clone(smallGood), smallGood[2])...), 8, "a second female figure for Luton in 2022 (the first is on line 5)", false},
	)
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		for _, c := range cases {
			_, err := importString(d, c.file, true)
			var ie *insight.ImportError
			if !errors.As(err, &ie) {
				t.Errorf("%s: strict import gave %v, want an ImportError", c.name, err)
				continue
			}
			found := false
			for _, p := range ie.Problems {
				if p.Line == c.line && strings.Contains(p.Reason, c.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: want line %d %q, got %v", c.name, c.line, c.reason, ie)
			}
			if n := countRows(t, d); n != 0 {
				t.Errorf("%s: a refused file left %d rows", c.name, n)
			}
			res, err := importString(d, c.file, false)
			if c.refused {
				if !errors.As(err, &ie) {
					t.Errorf("%s: not strict: %v, want refused", c.name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: not strict: %v", c.name, err)
				continue
			}
			found = false
			for _, p := range res.Problems {
				if p.Line == c.line && strings.Contains(p.Reason, c.reason) {
					found = true
				}
			}
			if !found || countRows(t, d) == 0 {
				t.Errorf("%s: not strict: problems %v, %d rows", c.name, res.Problems, countRows(t, d))
			}
			if _, err := d.Write.ExecContext(ctx, "DELETE FROM rough_sleeping_figures"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func countRows(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM rough_sleeping_figures").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportNeedsTheRegister(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		_, err := importString(d, small(smallGood...), true)
		var ie *insight.ImportError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "import it first") {
			t.Errorf("err = %v", err)
		}
	})
}

func BenchmarkImportLong(b *testing.B) {
	long := longFile(b)
	d := dbtest.SQLite(b, app.Migrations())
	importRegister(b, d)
	b.ResetTimer()
	for b.Loop() {
		if _, err := importString(d, long, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImportLongPostgres(b *testing.B) {
	long := longFile(b)
	d := dbtest.Postgres(b, app.Migrations())
	importRegister(b, d)
	b.ResetTimer()
	for b.Loop() {
		if _, err := importString(d, long, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImportWide(b *testing.B) {
	wide := wideFrom(b, longFile(b))
	d := dbtest.SQLite(b, app.Migrations())
	importRegister(b, d)
	b.ResetTimer()
	for b.Loop() {
		if _, err := importString(d, wide, true); err != nil {
			b.Fatal(err)
		}
	}
}
