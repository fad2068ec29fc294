package insight

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"roundtable/internal/directory"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

// Source and licence of the figures, stated on every page and download that shows them.
const (
	SourceName  = "Department for Levelling Up, Housing and Communities (DLUHC), Annual Rough Sleeping Snapshot"
	SourceURL   = "https://www.gov.uk/government/collections/homelessness-statistics"
	LicenceName = "Open Government Licence v3.0"
	LicenceURL  = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
)

// Register adds the insight routes. The figures are official statistics with small counts
// hidden, so every page and download is public.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	h.nationalPage = pagecache.NewMemo[web.SharedMain](rt.PageCache(), "rough sleeping in England", pagecache.Page{Kinds: []string{"insight", "directory"}})
	rt.Handle("GET /data", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.national(w, r, rd) })
	rt.Handle("GET /data/rough-sleeping.csv", web.Public, h.openCSV)
	rt.Handle("GET /data/rough-sleeping.json", web.Public, h.openJSON)
	rt.Handle("GET /councils/{code}/rough-sleeping", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.council(w, r, rd) })
	rt.Handle("GET /councils/{code}/rough-sleeping.csv", web.Public, h.councilCSV)
	for _, p := range []string{"/data", "/data/rough-sleeping.csv", "/data/rough-sleeping.json", "/councils/{code}/rough-sleeping", "/councils/{code}/rough-sleeping.csv"} {
		rt.Cache("GET "+p, pagecache.Page{Kinds: []string{"insight", "directory"}})
	}
	h.registerDashboard(rt)
}

// Credits are the source and licence every page of figures states.
type Credits struct{}

func (Credits) SourceName() string  { return SourceName }
func (Credits) SourceURL() string   { return SourceURL }
func (Credits) LicenceName() string { return LicenceName }
func (Credits) LicenceURL() string  { return LicenceURL }

// NationalView is the national page.
type NationalView struct {
	web.Page
	Credits
	FirstYear, LastYear int
	England             Series
	// Regions are the nine regions, London first.
	Regions []Series
	Years   []int
	Summary []string
	// Panels are the regions' small charts, in the order of Regions.
	Panels []RegionPanel
	// RegionSlugs give each region's list of councils: /councils?region=SLUG.
	RegionSlugs map[string]string
	Import      *Import
}

// RegionPanel is one region's small chart, with its heading.
type RegionPanel struct {
	Name  string
	Chart template.HTML
}

func (h *Handlers) national(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	// The same for everyone: rendered once until the figures or the councils change.
	return rd.RenderKept(w, r, h.nationalPage, "", "insight/national", func(ctx context.Context) (any, error) { return h.nationalView(ctx) })
}

// nationalView is the rough sleeping figures for England and each region.
func (h *Handlers) nationalView(ctx context.Context) (*NationalView, error) {
	all, err := NationalFigures(ctx, h.db)
	if err != nil {
		return nil, err
	}
	v := &NationalView{Page: web.Page{Title: "Rough sleeping in England", Wide: true}, RegionSlugs: map[string]string{}}
	regions, err := directory.Regions(ctx, h.db)
	if err != nil {
		return nil, err
	}
	for _, r := range regions {
		v.RegionSlugs[r.Name] = r.Slug
	}
	for _, s := range all {
		switch {
		case s.Type == "england":
			v.England = s
		case s.Key != RestOfEngland:
			v.Regions = append(v.Regions, s)
		}
	}
	if imp, err := LastImport(ctx, h.db); err == nil {
		v.Import = &imp
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	for _, y := range v.England.Years {
		v.Years = append(v.Years, y.Year)
	}
	if len(v.Years) > 0 {
		v.FirstYear, v.LastYear = v.Years[0], v.Years[len(v.Years)-1]
		v.Summary = nationalSummary(v.England, v.Regions)
		for i, c := range RegionPanels(v.Regions) {
			v.Panels = append(v.Panels, RegionPanel{Name: v.Regions[i].Name, Chart: c})
		}
	}
	return v, nil
}

func yearSpan(years []int) string {
	if len(years) == 0 {
		return ""
	}
	if len(years) == 1 {
		return fmt.Sprint(years[0])
	}
	return fmt.Sprintf("%d to %d", years[0], years[len(years)-1])
}

// change says how a count moved from one year to the next, in words.
func change(from, to YearFigures) string {
	if !from.Total.Shown() || !to.Total.Shown() {
		return ""
	}
	a, b := from.Total.Value, to.Total.Value
	switch {
	case a == b:
		return fmt.Sprintf("the same as in %d", from.Year)
	case a == 0:
		return fmt.Sprintf("up from none in %d", from.Year)
	case b > a:
		return fmt.Sprintf("up %d%% from %s in %d", percent(b-a, a), web.FormatNumber(a), from.Year)
	default:
		return fmt.Sprintf("down %d%% from %s in %d", percent(a-b, a), web.FormatNumber(a), from.Year)
	}
}

func nationalSummary(eng Series, regions []Series) []string {
	var out []string
	last, ok := eng.Latest()
	if !ok {
		return nil
	}
	s := fmt.Sprintf("On one night in autumn %d, %s people were seen sleeping rough in England", last.Year, last.Total)
	if n := len(eng.Years); n > 1 {
		s += ", " + change(eng.Years[n-2], last)
	}
	out = append(out, s+".")
	var peak YearFigures
	for _, y := range eng.Years {
		if y.Total.Value > peak.Total.Value {
			peak = y
		}
	}
	if peak.Year != last.Year {
		out = append(out, fmt.Sprintf("The highest count in these years was %s, in %d.", peak.Total, peak.Year))
	}
	var most, least *Series
	for i := range regions {
		l, ok := regions[i].Latest()
		if !ok || !l.Total.Shown() || l.Year != last.Year {
			continue
		}
		if most == nil || l.Total.Value > mustLatest(*most).Total.Value {
			most = &regions[i]
		}
		if least == nil || l.Total.Value < mustLatest(*least).Total.Value {
			least = &regions[i]
		}
	}
	if most != nil && least != nil && most != least {
		out = append(out, fmt.Sprintf("In %d, %s had the most (%s) and %s the fewest (%s).",
			last.Year, most.Name, mustLatest(*most).Total, least.Name, mustLatest(*least).Total))
	}
	return out
}

func mustLatest(s Series) YearFigures { l, _ := s.Latest(); return l }

// CouncilView is one council's figures.
type CouncilView struct {
	web.Page
	Credits
	Council directory.Council
	Figures Series
	Sources []Source
	// SourceNames lists the merged councils in words: "A, B and C".
	SourceNames string
	Summary     []string
	Chart       template.HTML
	Hidden      bool // some count is shown as [c]
	Import      *Import
}

// councilFor finds the current council a path names, redirecting old and lower-case codes.
func (h *Handlers) councilFor(w http.ResponseWriter, r *http.Request, suffix string) (directory.Council, bool, error) {
	ctx := r.Context()
	code := r.PathValue("code")
	if upper := strings.ToUpper(code); upper != code {
		http.Redirect(w, r, "/councils/"+url.PathEscape(upper)+suffix, http.StatusMovedPermanently)
		return directory.Council{}, false, nil
	}
	c, err := directory.CouncilByCode(ctx, h.db, code)
	if err == nil && c.Current {
		return c, true, nil
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return c, false, err
	}
	// A past council's figures count towards the council that serves its area now.
	next, rerr := directory.ResolveCouncil(ctx, h.db, code)
	if rerr != nil {
		return c, false, errs.New(errs.NotFound, "There is no council with the code %s.", code)
	}
	http.Redirect(w, r, "/councils/"+url.PathEscape(next.GSSCode)+suffix, http.StatusMovedPermanently)
	return c, false, nil
}

func (h *Handlers) council(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	c, ok, err := h.councilFor(w, r, "/rough-sleeping")
	if err != nil || !ok {
		return err
	}
	v := &CouncilView{Page: web.Page{Title: "Rough sleeping in " + c.Name, Back: "/councils/" + c.GSSCode}, Council: c}
	if v.Figures, err = CouncilFigures(ctx, h.db, c.GSSCode); err != nil {
		return err
	}
	if v.Sources, err = CouncilSources(ctx, h.db, c.GSSCode); err != nil {
		return err
	}
	var names []string
	for _, s := range v.Sources {
		names = append(names, s.Name)
	}
	v.SourceNames = andList(names)
	if imp, err := LastImport(ctx, h.db); err == nil {
		v.Import = &imp
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	for _, y := range v.Figures.Years {
		for _, n := range []Count{y.Female, y.Male, y.NotKnown, y.Total} {
			v.Hidden = v.Hidden || n.Hidden
		}
	}
	if len(v.Figures.Years) > 0 {
		v.Summary = councilSummary(c.Name, v.Figures)
		v.Chart = BarChart("council-chart", "People seen sleeping rough in "+c.Name+" on one night in autumn, "+yearSpan(years(v.Figures)),
			strings.Join(v.Summary, " ")+" The table below gives every figure.", v.Figures.Years)
	}
	return rd.Render(w, r, http.StatusOK, "insight/council", v)
}

func years(s Series) []int {
	var out []int
	for _, y := range s.Years {
		out = append(out, y.Year)
	}
	return out
}

func people(c Count) string {
	switch {
	case c.Hidden:
		return "fewer than 5 people or a number kept private"
	case c.Value == 1:
		return "1 person was"
	}
	return c.String() + " people were"
}

func councilSummary(name string, s Series) []string {
	last, ok := s.Latest()
	if !ok {
		return nil
	}
	var out []string
	if last.Total.Hidden {
		out = append(out, fmt.Sprintf("On one night in autumn %d, the number of people seen sleeping rough in %s is kept private ([c]), so that nobody can be identified.", last.Year, name))
	} else {
		line := fmt.Sprintf("On one night in autumn %d, %s seen sleeping rough in %s", last.Year, people(last.Total), name)
		if n := len(s.Years); n > 1 {
			if ch := change(s.Years[n-2], last); ch != "" {
				line += ", " + ch
			}
		}
		out = append(out, line+".")
	}
	var peak *YearFigures
	for i, y := range s.Years {
		if y.Total.Shown() && (peak == nil || y.Total.Value > peak.Total.Value) {
			peak = &s.Years[i]
		}
	}
	if peak != nil && peak.Year != last.Year {
		out = append(out, fmt.Sprintf("The highest count in these years was %s, in %d.", peak.Total, peak.Year))
	}
	return out
}

// download starts a file download.
func download(w http.ResponseWriter, ctype, name string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-cache")
}

var csvHeader = []string{"area_type", "area_code", "area_name", "region", "year", "female", "male", "not_known", "total"}

func writeSeries(cw *csv.Writer, s Series) {
	for _, y := range s.Years {
		_ = cw.Write([]string{s.Type, s.Code(), s.Name, s.Region, fmt.Sprint(y.Year),
			y.Female.Data(), y.Male.Data(), y.NotKnown.Data(), y.Total.Data()})
	}
}

func (h *Handlers) openCSV(w http.ResponseWriter, r *http.Request) error {
	all, err := AllFigures(r.Context(), h.db)
	if err != nil {
		return err
	}
	download(w, "text/csv; charset=utf-8", "rough-sleeping-snapshot.csv")
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for _, s := range all {
		writeSeries(cw, s)
	}
	cw.Flush()
	return cw.Error()
}

func (h *Handlers) councilCSV(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := h.councilFor(w, r, "/rough-sleeping.csv")
	if err != nil || !ok {
		return err
	}
	s, err := CouncilFigures(r.Context(), h.db, c.GSSCode)
	if err != nil {
		return err
	}
	s.Name, s.Region = c.Name, c.RegionName
	download(w, "text/csv; charset=utf-8", "rough-sleeping-"+c.GSSCode+".csv")
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	writeSeries(cw, s)
	cw.Flush()
	return cw.Error()
}

// OpenData is the JSON download.
type OpenData struct {
	Title       string         `json:"title"`
	Source      string         `json:"source"`
	SourceURL   string         `json:"source_url"`
	Licence     string         `json:"licence"`
	LicenceURL  string         `json:"licence_url"`
	Suppression string         `json:"suppression"`
	Areas       []OpenDataArea `json:"areas"`
}

// OpenDataArea is one area in the JSON download. A count is a number, "[c]" or null.
type OpenDataArea struct {
	Type    string           `json:"type"`
	Code    string           `json:"code"`
	Name    string           `json:"name"`
	Region  string           `json:"region,omitempty"`
	Figures []map[string]any `json:"figures"`
}

// SuppressionNote explains [c] wherever figures are published.
const SuppressionNote = "Counts of fewer than 5 people are shown as [c], as official statistics do, so that nobody can be identified. " +
	"Where one count in a group that adds up to a published total is hidden, the next smallest is hidden too, so it cannot be worked out by subtraction."

func jsonCount(c Count) any {
	switch {
	case c.Missing:
		return nil
	case c.Hidden:
		return "[c]"
	}
	return c.Value
}

func (h *Handlers) openJSON(w http.ResponseWriter, r *http.Request) error {
	all, err := AllFigures(r.Context(), h.db)
	if err != nil {
		return err
	}
	out := OpenData{Title: "People seen sleeping rough on one night in autumn, England, by area and year",
		Source: SourceName, SourceURL: SourceURL, Licence: LicenceName, LicenceURL: LicenceURL,
		Suppression: SuppressionNote, Areas: []OpenDataArea{}}
	for _, s := range all {
		a := OpenDataArea{Type: s.Type, Code: s.Code(), Name: s.Name, Region: s.Region}
		for _, y := range s.Years {
			a.Figures = append(a.Figures, map[string]any{"year": y.Year, "female": jsonCount(y.Female),
				"male": jsonCount(y.Male), "not_known": jsonCount(y.NotKnown), "total": jsonCount(y.Total)})
		}
		out.Areas = append(out.Areas, a)
	}
	download(w, "application/json; charset=utf-8", "rough-sleeping-snapshot.json")
	return json.NewEncoder(w).Encode(out)
}

// andList joins names in English: "A", "A and B", "A, B and C".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// percent is 100*part/whole rounded to the nearest whole number.
func percent(part, whole int64) int64 { return (part*200 + whole) / (2 * whole) }
