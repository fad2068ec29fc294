package insight_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/insight"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

type site struct {
	h       http.Handler
	cookies map[string]*http.Cookie // by who
}

// newSite is the whole app on a database with the register, one person of each role (an
// officer at Luton and one at Bedford, members of two groups) and, when figures is set, the
// real snapshot.
func newSite(t *testing.T, d *db.DB, figures bool) *site {
	t.Helper()
	importRegister(t, d)
	if figures {
		if _, err := importString(d, longFile(t), true); err != nil {
			t.Fatal(err)
		}
	}
	a, err := app.New(d, app.Config{Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{h: a.Handler, cookies: map[string]*http.Cookie{"anonymous": nil}}
	luton, err := directory.CouncilByCode(ctx, d, "E06000032")
	if err != nil {
		t.Fatal(err)
	}
	bedford, err := directory.CouncilByCode(ctx, d, "E06000055")
	if err != nil {
		t.Fatal(err)
	}
	group := accountstest.Organisation(t, d, "Luton Homelessness Partnership")
	other := accountstest.Organisation(t, d, "Bedford Voices")
	for _, p := range []struct {
		who  string
		role auth.Role
		org  int64
	}{
		{"member", auth.Member, group}, {"other group's member", auth.Member, other},
		{"facilitator", auth.Facilitator, group}, {"Luton officer", auth.CouncilOfficer, luton.OrganisationID},
		{"Bedford officer", auth.CouncilOfficer, bedford.OrganisationID}, {"partner", auth.Partner, other},
		{"funder", auth.Funder, other}, {"assessor", auth.Assessor, other}, {"admin", auth.Admin, 0},
	} {
		id, _ := accountstest.Person(t, d, "Test "+p.who, p.role, p.org)
		s.cookies[p.who] = accountstest.Session(t, d, id, now)
	}
	return s
}

func (s *site) get(t *testing.T, who, path string) *httptest.ResponseRecorder {
	t.Helper()
	return s.do(t, who, http.MethodGet, path)
}

func (s *site) do(t *testing.T, who, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	c, ok := s.cookies[who]
	if !ok {
		t.Fatalf("no one called %q", who)
	}
	r := httptest.NewRequest(method, path, nil)
	if c != nil {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

func TestPagesForEveryone(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d, true)
		for who := range s.cookies {
			for _, tc := range []struct {
				path     string
				contains []string
			}{
				{"/data", []string{"<h1 class=\"govuk-heading-l\">Rough sleeping in England</h1>",
					"On one night in autumn 2022, 3,069 people were seen sleeping rough in England, up 26% from 2,443 in 2021.",
					"The highest count in these years was 4,751, in 2017.", "In 2022, London had the most (858) and North East the fewest (61).",
					`role="img"`, "<title id=\"region-0-title\">London: people seen sleeping rough each autumn</title><desc id=\"region-0-desc\">2017: 1,137; 2018: 1,283; 2019: 1,136; 2020: 714; 2021: 640; 2022: 858.</desc>", "<caption", `<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/councils?region=yorkshire-and-the-humber">Yorkshire and The Humber</a></th>`,
					"<strong>4,751</strong>", "<strong>4,677</strong>", "<strong>4,266</strong>", "<strong>2,688</strong>", "<strong>2,443</strong>", "<strong>3,069</strong>",
					`href="/data/rough-sleeping.csv"`, `href="/data/rough-sleeping.json"`, "Open Government Licence v3.0", "[c] means a number kept private"}},
				{"/councils/E06000032/rough-sleeping", []string{"<title>Rough sleeping in Luton",
					"On one night in autumn 2022, 11 people were seen sleeping rough in Luton, up 57% from 7 in 2021.",
					"The highest count in these years was 87, in 2017.", "<title id=\"council-chart-title\">",
					`<th scope="row" class="govuk-table__header">2017</th>`, "<strong>87</strong>", "<strong>11</strong>",
					`href="/councils/E06000032/rough-sleeping.csv"`, "Open Government Licence v3.0", "Imported 10am on 1 July 2026"}},
				{"/councils/E06000063/rough-sleeping", []string{"Rough sleeping in Cumberland",
					"These figures include those published for Allerdale, Carlisle and Copeland. Those councils were replaced by Cumberland"}},
			} {
				w := s.get(t, who, tc.path)
				if w.Code != http.StatusOK {
					t.Errorf("%s %s: %d", who, tc.path, w.Code)
					continue
				}
				body := w.Body.String()
				for _, c := range tc.contains {
					if !strings.Contains(body, c) {
						t.Errorf("%s %s: missing %q", who, tc.path, c)
					}
				}
				if strings.Count(body, "<h1") != 1 || len(body) > 30<<10 {
					t.Errorf("%s %s: %d h1, %d bytes", who, tc.path, strings.Count(body, "<h1"), len(body))
				}
			}
		}
		// The directory's council page links to the figures; a past council's page does not.
		if w := s.get(t, "anonymous", "/councils/E06000032"); !strings.Contains(w.Body.String(), `href="/councils/E06000032/rough-sleeping"`) {
			t.Error("Luton's council page has no link to its rough sleeping figures")
		}
		if w := s.get(t, "anonymous", "/councils/E07000026"); strings.Contains(w.Body.String(), "/rough-sleeping") {
			t.Error("a past council's page links to figures of its own")
		}
	})
}

func TestCouncilAddresses(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d, true)
		for _, tc := range []struct {
			path     string
			status   int
			location string
		}{
			{"/councils/e06000032/rough-sleeping", http.StatusMovedPermanently, "/councils/E06000032/rough-sleeping"},
			// Allerdale was abolished in 2023: its figures are Cumberland's.
			{"/councils/E07000026/rough-sleeping", http.StatusMovedPermanently, "/councils/E06000063/rough-sleeping"},
			{"/councils/E07000026/rough-sleeping.csv", http.StatusMovedPermanently, "/councils/E06000063/rough-sleeping.csv"},
			{"/councils/E99999999/rough-sleeping", http.StatusNotFound, ""},
			{"/councils/E99999999/rough-sleeping.csv", http.StatusNotFound, ""},
			{"/councils/nonsense/rough-sleeping", http.StatusMovedPermanently, "/councils/NONSENSE/rough-sleeping"},
			{"/councils/NONSENSE/rough-sleeping", http.StatusNotFound, ""},
		} {
			w := s.get(t, "Bedford officer", tc.path)
			if w.Code != tc.status || w.Header().Get("Location") != tc.location {
				t.Errorf("%s: %d %q, want %d %q", tc.path, w.Code, w.Header().Get("Location"), tc.status, tc.location)
			}
		}
		// GET only: nothing here changes anything.
		for _, p := range []string{"/data", "/data/rough-sleeping.csv", "/councils/E06000032/rough-sleeping"} {
			if w := s.do(t, "admin", http.MethodPost, p); w.Code != http.StatusMethodNotAllowed {
				t.Errorf("POST %s: %d", p, w.Code)
			}
		}
	})
}

func TestPagesWithoutFigures(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d, false)
		for path, want := range map[string]string{
			"/data":                              "No rough sleeping figures have been imported yet.",
			"/councils/E06000032/rough-sleeping": "There are no rough sleeping figures for Luton yet.",
		} {
			w := s.get(t, "funder", path)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) || strings.Contains(w.Body.String(), "<svg") {
				t.Errorf("%s: %d, missing %q or has a chart", path, w.Code, want)
			}
		}
		w := s.get(t, "anonymous", "/data/rough-sleeping.json")
		var got insight.OpenData
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || len(got.Areas) != 0 || got.Licence != "Open Government Licence v3.0" {
			t.Errorf("empty JSON: %v %+v", err, got)
		}
	})
}

func readCSV(t *testing.T, w *httptest.ResponseRecorder) [][]string {
	t.Helper()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("CSV: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// checkSuppressed fails on any count of people under 5 shown as a number.
func checkSuppressed(t *testing.T, where string, cells []string) {
	t.Helper()
	for _, c := range cells {
		if c == "[c]" {
			continue
		}
		n, err := strconv.Atoi(c)
		if err != nil || n < insight.SuppressBelow {
			t.Errorf("%s: count %q is shown", where, c)
		}
	}
}

func TestDownloads(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d, true)
		recs := readCSV(t, s.get(t, "anonymous", "/data/rough-sleeping.csv"))
		if strings.Join(recs[0], ",") != "area_type,area_code,area_name,region,year,female,male,not_known,total" {
			t.Errorf("header %v", recs[0])
		}
		if len(recs) != 1+(11+296)*6 {
			t.Errorf("%d rows", len(recs))
		}
		if strings.Join(recs[6], ",") != "england,E92000001,England,,2022,464,2539,66,3069" {
			t.Errorf("England 2022: %v", recs[6])
		}
		hidden := 0
		for _, r := range recs[1:] {
			checkSuppressed(t, r[2]+" "+r[4], r[5:])
			for _, c := range r[5:] {
				if c == "[c]" {
					hidden++
				}
			}
		}
		if hidden == 0 {
			t.Error("no count is hidden")
		}

		recs = readCSV(t, s.get(t, "member", "/councils/E06000032/rough-sleeping.csv"))
		if len(recs) != 7 || strings.Join(recs[1], ",") != "council,E06000032,Luton,East of England,2017,[c],76,[c],87" {
			t.Errorf("Luton's CSV: %v", recs)
		}

		w := s.get(t, "anonymous", "/data/rough-sleeping.json")
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("JSON content type %q", w.Header().Get("Content-Type"))
		}
		var got struct {
			Licence     string `json:"licence"`
			Suppression string `json:"suppression"`
			Areas       []struct {
				Type, Code, Name string
				Figures          []map[string]any
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Licence != "Open Government Licence v3.0" || !strings.Contains(got.Suppression, "[c]") || len(got.Areas) != 307 {
			t.Errorf("JSON: licence %q, %d areas", got.Licence, len(got.Areas))
		}
		if e := got.Areas[0]; e.Code != "E92000001" || e.Figures[0]["total"] != 4751.0 || e.Figures[5]["total"] != 3069.0 {
			t.Errorf("England in JSON: %+v", e)
		}
		for _, a := range got.Areas {
			for _, f := range a.Figures {
				for _, k := range []string{"female", "male", "not_known", "total"} {
					switch v := f[k].(type) {
					case string:
						if v != "[c]" {
							t.Errorf("%s %v %s: %q", a.Name, f["year"], k, v)
						}
					case float64:
						if v < insight.SuppressBelow {
							t.Errorf("%s %v %s: %v shown", a.Name, f["year"], k, v)
						}
					default:
						t.Errorf("%s %v %s: %T", a.Name, f["year"], k, v)
					}
				}
			}
		}
	})
}

// BenchmarkCouncilPage measures one council's figures page on SQLite, with the real register
// and snapshot.
func BenchmarkCouncilPage(b *testing.B) {
	d := dbtest.SQLite(b, app.Migrations())
	importRegister(b, d)
	if _, err := importString(d, longFile(b), true); err != nil {
		b.Fatal(err)
	}
	a, err := app.New(d, app.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/councils/E06000063/rough-sleeping", "/data"} {
		b.Run(strings.Trim(strings.ReplaceAll(path, "/", "_"), "_"), func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
