package directory_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/shareddata"
)

// importRegister imports the real register from the shared data folder.
func importRegister(t testing.TB, d *db.DB) directory.ImportResult {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := directory.ImportAuthorities(context.Background(), d, f)
	if err != nil {
		t.Fatalf("import the register: %v", err)
	}
	return res
}

func TestImportRealRegister(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res := importRegister(t, d)
		if want := (directory.ImportResult{Current: 296, Past: 42, Added: 338}); res != want {
			t.Fatalf("first import = %+v, want %+v", res, want)
		}

		current, err := directory.ListCouncils(ctx, d, directory.CouncilFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(current) != 296 {
			t.Errorf("%d current councils, want 296", len(current))
		}
		regions, err := directory.Regions(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		perRegion := map[string]int{}
		for _, r := range regions {
			perRegion[r.Name] = r.Councils
		}
		wantPerRegion := map[string]int{
			"East Midlands": 35, "East of England": 45, "London": 33, "North East": 12, "North West": 35,
			"South East": 64, "South West": 27, "West Midlands": 30, "Yorkshire and The Humber": 15,
		}
		if !maps.Equal(perRegion, wantPerRegion) {
			t.Errorf("councils per region = %v, want %v", perRegion, wantPerRegion)
		}

		city, err := directory.CouncilByCode(ctx, d, "E09000001")
		if err != nil {
			t.Fatal(err)
		}
		if city.Name != "City of London" || city.RegionName != "London" || city.TypeName != "City corporation" || !city.Current {
			t.Errorf("City of London = %+v", city)
		}
		london, err := directory.CouncilsByRegion(ctx, d, directory.CouncilFilter{RegionID: regionID(t, regions, "London")})
		if err != nil {
			t.Fatal(err)
		}
		if len(london) != 1 || len(london[0].Councils) != 33 || london[0].Region.Councils != 33 {
			t.Errorf("London grouped = %d groups", len(london))
		}
		// The grouped list reads fewer columns than ListCouncils: the same councils, in the
		// same order, with the same codes, names and regions.
		for _, f := range []directory.CouncilFilter{{}, {Query: "bor"}, {RegionID: regionID(t, regions, "London")}, {Query: "dale", Past: true}} {
			all, err := directory.ListCouncils(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			groups, err := directory.CouncilsByRegion(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, c := range all {
				want = append(want, c.GSSCode+" "+c.Name+" "+c.RegionName+" "+c.RegionSlug)
			}
			for _, g := range groups {
				for _, c := range g.Councils {
					got = append(got, c.GSSCode+" "+c.Name+" "+g.Region.Name+" "+c.RegionSlug)
				}
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%+v: grouped %q, listed %q", f, got, want)
			}
		}

		allerdale, err := directory.CouncilByCode(ctx, d, "E07000026")
		if err != nil {
			t.Fatal(err)
		}
		if allerdale.Current || allerdale.ReplacedBy != "CBD" || allerdale.Population != 97831 || allerdale.EndDate.Format("2006-01-02") != "2023-04-01" {
			t.Errorf("Allerdale = %+v", allerdale)
		}

		// Old codes map forward: an abolished district, a chain of two abolitions, a code the
		// council used before a boundary change, and a current council to itself.
		for code, want := range map[string]string{
			"E07000026": "Cumberland",
			"E07000190": "Somerset", // Taunton Deane -> Somerset West and Taunton -> Somerset
			"E07000097": "East Hertfordshire",
			"E06000028": "Bournemouth, Christchurch and Poole",
			"E08000025": "Birmingham",
		} {
			c, err := directory.ResolveCouncil(ctx, d, code)
			if err != nil {
				t.Errorf("resolve %s: %v", code, err)
				continue
			}
			if c.Name != want || !c.Current {
				t.Errorf("resolve %s = %s (current %v), want %s", code, c.Name, c.Current, want)
			}
		}
		if _, err := directory.ResolveCouncil(ctx, d, "E99999999"); !errs.Is(err, errs.NotFound) {
			t.Errorf("resolve an unknown code: err = %v, want not found", err)
		}

		// A past council with no region takes its successor's.
		bournemouth, err := directory.CouncilByCode(ctx, d, "E06000028")
		if err != nil {
			t.Fatal(err)
		}
		if bournemouth.RegionName != "South West" {
			t.Errorf("Bournemouth's region = %q, want South West", bournemouth.RegionName)
		}

		codes, err := directory.CouncilCodeMap(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 338+6 || codes["E07000026"] != "E06000063" || codes["E07000097"] != "E07000242" || codes["E06000063"] != "E06000063" {
			t.Errorf("code map has %d codes; Allerdale -> %s, East Herts (old) -> %s", len(codes), codes["E07000026"], codes["E07000097"])
		}

		preds, err := directory.Predecessors(ctx, d, "E06000066")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range preds {
			names = append(names, p.Name)
		}
		if want := []string{"Mendip", "Sedgemoor", "Somerset West and Taunton", "South Somerset", "Taunton Deane", "West Somerset"}; !slices.Equal(names, want) {
			t.Errorf("Somerset's predecessors = %v, want %v", names, want)
		}

		// Every current council is an organisation people can hold roles in.
		orgs, err := directory.ListOrganisations(ctx, d, directory.OrganisationFilter{Type: directory.CouncilType})
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 296 {
			t.Errorf("%d council organisations, want 296", len(orgs))
		}
		bcp, err := directory.CouncilByCode(ctx, d, "E06000058")
		if err != nil {
			t.Fatal(err)
		}
		org, err := directory.OrganisationByID(ctx, d, bcp.OrganisationID)
		if err != nil {
			t.Fatal(err)
		}
		if org.Slug != "bournemouth-christchurch-and-poole" || org.Type != directory.CouncilType || org.CouncilCode != "E06000058" || org.RegionName != "South West" {
			t.Errorf("BCP's organisation = %+v", org)
		}

		// Importing the same file again changes nothing and keeps every organisation.
		before := councilOrganisations(t, d)
		if res := importRegister(t, d); res != (directory.ImportResult{Current: 296, Past: 42}) {
			t.Errorf("re-import = %+v, want nothing added or updated", res)
		}
		if after := councilOrganisations(t, d); !maps.Equal(before, after) {
			t.Error("re-import changed which organisation each council has")
		}
		if n := count(t, d, "organisations"); n != 296 {
			t.Errorf("%d organisations after re-import, want 296", n)
		}
		if n := count(t, d, "councils"); n != 338 {
			t.Errorf("%d councils after re-import, want 338", n)
		}
	})
}

// A small register in mySociety's format, for the cases the real file does not have.
const testHeader = "local-authority-code,official-name,nice-name,gss-code,start-date,end-date,replaced-by,nation,region," +
	"local-authority-type,local-authority-type-name,current-authority,lower-or-unitary,pop-2020,former-gss-codes\n"

const testRows = `AAA,Alpha Borough Council,Alpha,E07000901,,,,England,North West,NMD,Non-metropolitan district,True,True,1000.0,
BBB,Beta District Council,Beta,E07000902,,2023-04-01,AAA,England,,NMD,Non-metropolitan district,False,True,,
CCC,Gamma County Council,Gamma,E10000901,,,,England,North West,CTY,County,True,False,,
WWW,Wales Council,Wales,W06000901,,,,Wales,Wales,UA,Unitary authority,True,True,,
`

func importString(t *testing.T, d *db.DB, csv string) (directory.ImportResult, error) {
	t.Helper()
	return directory.ImportAuthorities(context.Background(), d, strings.NewReader(csv))
}

func TestImportSmallRegisterAndUpdate(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := importString(t, d, testHeader+testRows)
		if err != nil {
			t.Fatal(err)
		}
		// The county (upper tier) and the Welsh council are left out.
		if want := (directory.ImportResult{Current: 1, Past: 1, Added: 2}); res != want {
			t.Fatalf("import = %+v, want %+v", res, want)
		}
		alpha, err := directory.CouncilByCode(ctx, d, "E07000901")
		if err != nil {
			t.Fatal(err)
		}
		beta, err := directory.CouncilByCode(ctx, d, "E07000902")
		if err != nil {
			t.Fatal(err)
		}
		if beta.RegionName != "North West" || beta.SuccessorGSSCode != "E07000901" || beta.OrganisationID != 0 {
			t.Errorf("Beta = %+v", beta)
		}

		renamed := strings.Replace(testRows, "Alpha Borough Council,Alpha,", "Alpha City Council,Alpha City,", 1)
		res, err = importString(t, d, testHeader+renamed)
		if err != nil {
			t.Fatal(err)
		}
		if want := (directory.ImportResult{Current: 1, Past: 1, Updated: 1}); res != want {
			t.Errorf("import with a new name = %+v, want %+v", res, want)
		}
		after, err := directory.CouncilByCode(ctx, d, "E07000901")
		if err != nil {
			t.Fatal(err)
		}
		org, err := directory.OrganisationByID(ctx, d, after.OrganisationID)
		if err != nil {
			t.Fatal(err)
		}
		if after.OrganisationID != alpha.OrganisationID || org.Name != "Alpha City" || after.OfficialName != "Alpha City Council" {
			t.Errorf("after renaming: council %+v, organisation %+v", after, org)
		}
	})
}

func TestImportRefusesBadInput(t *testing.T) {
	good := testHeader + testRows
	cases := []struct {
		name   string
		csv    string
		line   int
		column string
	}{
		{"missing column", strings.Replace(good, ",region,", ",", 1), 1, "region"},
		{"not UTF-8", testHeader + testRows + "DDD,Ynys M\xf4n Council,Ynys M\xf4n,E06000901,,,,England,Wales,UA,Unitary authority,True,True,,\n", 6, "official-name"},
		{"duplicate gss-code", good + "DDD,Delta Council,Delta,E07000901,,,,England,London,LBO,London borough,True,True,,\n", 6, "gss-code"},
		{"duplicate local-authority-code", good + "AAA,Delta Council,Delta,E09000901,,,,England,London,LBO,London borough,True,True,,\n", 6, "local-authority-code"},
		{"duplicate code outside England", good + "WWW,Other Wales Council,Other,W06000902,,,,Wales,Wales,UA,Unitary authority,True,True,,\n", 6, "local-authority-code"},
		{"unknown successor", good + "DDD,Delta Council,Delta,E07000903,,2020-03-31,ZZZ,England,,NMD,Non-metropolitan district,False,True,,\n", 6, "replaced-by"},
		{"not True or False", good + "DDD,Delta Council,Delta,E07000903,,,,England,London,NMD,Non-metropolitan district,Yes,True,,\n", 6, "current-authority"},
		{"unknown region", good + "DDD,Delta Council,Delta,E07000903,,,,England,Narnia,NMD,Non-metropolitan district,True,True,,\n", 6, "region"},
		{"bad date", good + "DDD,Delta Council,Delta,E07000903,1 April 2020,,,England,London,NMD,Non-metropolitan district,True,True,,\n", 6, "start-date"},
		{"bad population", good + "DDD,Delta Council,Delta,E07000903,,,,England,London,NMD,Non-metropolitan district,True,True,many,\n", 6, "pop-2020"},
		{"former code is a current code", good + "DDD,Delta Council,Delta,E07000903,,,,England,London,NMD,Non-metropolitan district,True,True,,E07000901\n", 6, "former-gss-codes"},
		{"wrong number of fields", good + "DDD,Delta Council\n", 6, ""},
		{"empty file", "", 1, ""},
	}
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		if _, err := importString(t, d, good); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, d)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := importString(t, d, tc.csv)
				var ie *directory.ImportError
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want an *ImportError", err)
				}
				if ie.Line != tc.line || ie.Column != tc.column {
					t.Errorf("error at line %d, column %q, want line %d, column %q: %v", ie.Line, ie.Column, tc.line, tc.column, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, "line ") || (tc.column != "" && !strings.Contains(msg, tc.column)) {
					t.Errorf("message %q does not name the line and column", msg)
				}
				if after := snapshot(t, d); after != before {
					t.Errorf("a refused file changed the database:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})
}

// snapshot describes the directory's rows, to show that nothing changed.
func snapshot(t *testing.T, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT gss_code || '/' || name || '/' || COALESCE(CAST(organisation_id AS TEXT), '-') FROM councils ORDER BY gss_code",
		"SELECT slug || '/' || name FROM organisations ORDER BY id",
		"SELECT name FROM regions ORDER BY id",
	} {
		rows, err := d.Read.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "; ")
		}
		rows.Close()
	}
	return b.String()
}

func councilOrganisations(t *testing.T, d *db.DB) map[string]int64 {
	t.Helper()
	rows, err := d.Read.Query("SELECT gss_code, organisation_id FROM councils WHERE organisation_id IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			t.Fatal(err)
		}
		out[code] = id
	}
	return out
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func regionID(t *testing.T, regions []directory.Region, name string) int64 {
	t.Helper()
	for _, r := range regions {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no region %s", name)
	return 0
}
