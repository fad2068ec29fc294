package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/insight"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/errs"
	"roundtable/internal/standards"
)

// endpoint is one route of /api/v1 and what serves it.
type endpoint struct {
	pattern string
	serve   func(r *http.Request) (int, any, error)
}

func endpoints(h *Handlers) []endpoint {
	return []endpoint{
		{"GET /api/v1/programmes", h.programmes},
		{"GET /api/v1/programmes/{id}", h.programme},
		{"GET /api/v1/regions", h.regions},
		{"GET /api/v1/councils", h.councils},
		{"GET /api/v1/councils/{code}", h.council},
		{"GET /api/v1/councils/{code}/ratings", h.councilRatings},
		{"GET /api/v1/outcomes/rough-sleeping", h.roughSleeping},
		{"POST /api/v1/outcomes/rough-sleeping", h.importRoughSleeping},
		{"GET /api/v1/standards", h.standardVersions},
		{"GET /api/v1/standards/versions/{id}", h.standardVersion},
		{"GET /api/v1/standards/adoptions", h.adoptions},
	}
}

type links map[string]*string

func link(path string) *string { return &path }

// ---- programmes ----

type programmeJSON struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	Purpose          string          `json:"purpose"`
	HomesTarget      int64           `json:"homes_target"`
	OpensAt          string          `json:"opens_at"`
	ClosesAt         string          `json:"closes_at"`
	PublishedAt      string          `json:"published_at"`
	TotalPence       int64           `json:"total_pence"`
	Requirement      requirementJSON `json:"requirement"`
	EligibleCouncils []string        `json:"eligible_councils"`
	Pots             []potJSON       `json:"pots"`
	Rubric           []levelJSON     `json:"rubric,omitempty"`
	Links            links           `json:"links"`
}

type requirementJSON struct {
	StakeholderTypes  []codeName `json:"stakeholder_types"`
	EvidenceQuestions []string   `json:"evidence_questions"`
}

type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type potJSON struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	AmountPence   int64  `json:"amount_pence"`
	BidLimitPence int64  `json:"bid_limit_pence"`
}

// levelJSON is a rung of the ladder of co-production with what it means here.
type levelJSON struct {
	Level       int    `json:"level"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func programmeOf(p funding.Programme, pots []funding.Pot) programmeJSON {
	out := programmeJSON{ID: p.ID, Name: p.Name, Purpose: p.Purpose, HomesTarget: p.HomesTarget,
		OpensAt: instant(p.OpensAt), ClosesAt: instant(p.ClosesAt), PublishedAt: instant(p.PublishedAt),
		Requirement:      requirementJSON{StakeholderTypes: []codeName{}, EvidenceQuestions: nonNil(p.Questions)},
		EligibleCouncils: nonNil(p.Eligible), Pots: []potJSON{},
		Links: links{"self": link("/api/v1/programmes/" + strconv.FormatInt(p.ID, 10))}}
	for _, t := range p.RequiredTypes {
		out.Requirement.StakeholderTypes = append(out.Requirement.StakeholderTypes, codeName{string(t), t.Label()})
	}
	for _, pot := range pots {
		out.Pots = append(out.Pots, potJSON{pot.ID, pot.Name, pot.Kind, pot.AmountPence, pot.BidLimitPence})
		out.TotalPence += pot.AmountPence
	}
	for _, l := range p.Rubric {
		out.Rubric = append(out.Rubric, levelJSON{l.Score, l.Name, l.Description})
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (h *Handlers) programmes(r *http.Request) (int, any, error) {
	ctx := r.Context()
	ps, err := funding.ListProgrammes(ctx, h.db, false)
	if err != nil {
		return 0, nil, err
	}
	pots, err := funding.PublishedPots(ctx, h.db)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Programmes []programmeJSON `json:"programmes"`
	}{[]programmeJSON{}}
	for _, p := range ps {
		out.Programmes = append(out.Programmes, programmeOf(p, pots[p.ID]))
	}
	return http.StatusOK, out, nil
}

// pathID reads a numeric identifier from the path; anything else names nothing.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("There is no such " + what + ".")
	}
	return id, nil
}

func (h *Handlers) programme(r *http.Request) (int, any, error) {
	id, err := pathID(r, "programme")
	if err != nil {
		return 0, nil, err
	}
	// Drafts are not found: only the funder sees them, and never through the API.
	p, err := funding.GetProgramme(r.Context(), h.db, id, false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, programmeOf(p, p.Pots), nil
}

// ---- regions and councils ----

type regionJSON struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Councils int    `json:"councils"`
	Links    links  `json:"links"`
}

func (h *Handlers) regions(r *http.Request) (int, any, error) {
	rs, err := directory.Regions(r.Context(), h.db)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Regions []regionJSON `json:"regions"`
	}{[]regionJSON{}}
	for _, g := range rs {
		out.Regions = append(out.Regions, regionJSON{g.Name, g.Slug, g.Councils,
			links{"councils": link("/api/v1/councils?region=" + url.QueryEscape(g.Slug))}})
	}
	return http.StatusOK, out, nil
}

type councilJSON struct {
	GSSCode      string     `json:"gss_code"`
	Name         string     `json:"name"`
	OfficialName string     `json:"official_name"`
	Type         codeName   `json:"type"`
	Region       *regionRef `json:"region"`
	Population   *int64     `json:"population"`
	StartDate    *string    `json:"start_date"`
	Links        links      `json:"links"`
}

type regionRef struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

func councilOf(c directory.Council) councilJSON {
	self := "/api/v1/councils/" + c.GSSCode
	out := councilJSON{GSSCode: c.GSSCode, Name: c.Name, OfficialName: c.OfficialName, Type: codeName{c.TypeCode, c.TypeName},
		StartDate: optionalDay(c.StartDate), Links: links{"self": link(self), "ratings": link(self + "/ratings")}}
	if c.RegionID != 0 {
		out.Region = &regionRef{c.RegionName, c.RegionSlug}
	}
	if c.Population > 0 {
		out.Population = &c.Population
	}
	return out
}

// councils pages through the current councils by GSS code: one query a page, whatever its size.
func (h *Handlers) councils(r *http.Request) (int, any, error) {
	ctx := r.Context()
	q := r.URL.Query()
	limit, err := pageLimit(r)
	if err != nil {
		return 0, nil, err
	}
	var regionID int64
	if slug := q.Get("region"); slug != "" {
		g, err := directory.RegionBySlug(ctx, h.db, slug)
		if errs.Is(err, errs.NotFound) {
			return 0, nil, badParameter("region", "There is no region "+strconv.Quote(slug)+". /api/v1/regions lists them.")
		}
		if err != nil {
			return 0, nil, err
		}
		regionID = g.ID
	}
	cursor := q.Get("cursor")
	cs, err := directory.CouncilsPage(ctx, h.db, regionID, cursor, limit+1)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Councils   []councilJSON `json:"councils"`
		NextCursor *string       `json:"next_cursor"`
		Links      links         `json:"links"`
	}{Councils: []councilJSON{}, Links: links{"next": nil}}
	if len(cs) > limit {
		cs = cs[:limit]
		next := cs[limit-1].GSSCode
		out.NextCursor = &next
		v := url.Values{"cursor": {next}, "limit": {strconv.Itoa(limit)}}
		if s := q.Get("region"); s != "" {
			v.Set("region", s)
		}
		out.Links["next"] = link("/api/v1/councils?" + v.Encode())
	}
	for _, c := range cs {
		out.Councils = append(out.Councils, councilOf(c))
	}
	return http.StatusOK, out, nil
}

// currentCouncil finds the current council a code stands for: itself, or the council that
// took over an abolished council's area or a former code. resolved is the code asked for when
// it was not the council's own.
func (h *Handlers) currentCouncil(ctx context.Context, code string) (c directory.Council, resolved string, err error) {
	code = strings.ToUpper(code)
	c, err = directory.CouncilByCode(ctx, h.db, code)
	if err == nil && c.Current {
		return c, "", nil
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return c, "", err
	}
	c, err = directory.ResolveCouncil(ctx, h.db, code)
	if errs.Is(err, errs.NotFound) {
		return c, "", notFound("There is no council with the code " + code + ".")
	}
	return c, code, err
}

type councilDetailJSON struct {
	councilJSON
	ResolvedFrom    *string          `json:"resolved_from"`
	RoughSleeping   []map[string]any `json:"rough_sleeping"`
	FiguresInclude  []mergedJSON     `json:"figures_include"`
	AdoptedStandard *adoptionJSON    `json:"adopted_standard"`
}

type mergedJSON struct {
	GSSCode   string `json:"gss_code"`
	Name      string `json:"name"`
	FirstYear int    `json:"first_year"`
	LastYear  int    `json:"last_year"`
}

type adoptionJSON struct {
	StandardID    int64  `json:"standard_id"`
	StandardTitle string `json:"standard_title"`
	VersionID     int64  `json:"version_id"`
	VersionNumber string `json:"version_number"`
	AdoptedOn     string `json:"adopted_on"`
	Links         links  `json:"links"`
}

func adoptionOf(a standards.Adoption) *adoptionJSON {
	return &adoptionJSON{a.Version.StandardID, a.Version.StandardTitle, a.Version.ID, a.Version.Number,
		a.AdoptedOn.Format("2006-01-02"), links{"version": link("/api/v1/standards/versions/" + strconv.FormatInt(a.Version.ID, 10))}}
}

func (h *Handlers) council(r *http.Request) (int, any, error) {
	ctx := r.Context()
	c, resolved, err := h.currentCouncil(ctx, r.PathValue("code"))
	if err != nil {
		return 0, nil, err
	}
	out := councilDetailJSON{councilJSON: councilOf(c), FiguresInclude: []mergedJSON{}}
	if resolved != "" {
		out.ResolvedFrom = &resolved
	}
	figures, err := insight.CouncilFigures(ctx, h.db, c.GSSCode)
	if err != nil {
		return 0, nil, err
	}
	out.RoughSleeping = insight.OpenDataAreas([]insight.Series{figures})[0].Figures
	sources, err := insight.CouncilSources(ctx, h.db, c.GSSCode)
	if err != nil {
		return 0, nil, err
	}
	for _, s := range sources {
		out.FiguresInclude = append(out.FiguresInclude, mergedJSON{s.Code, s.Name, s.FirstYear, s.LastYear})
	}
	if c.OrganisationID != 0 {
		a, err := standards.AdoptionOf(ctx, h.db, c.OrganisationID)
		switch {
		case err == nil:
			out.AdoptedStandard = adoptionOf(a)
		case !errs.Is(err, errs.NotFound):
			return 0, nil, err
		}
	}
	return http.StatusOK, out, nil
}

// ---- ratings ----

type evaluationJSON struct {
	CycleID           int64        `json:"cycle_id"`
	CycleTitle        string       `json:"cycle_title"`
	StandardVersionID int64        `json:"standard_version_id"`
	PublishedAt       string       `json:"published_at"`
	Ratings           []ratingJSON `json:"ratings"`
}

type ratingJSON struct {
	IndicatorID  *int64    `json:"indicator_id"`
	IndicatorKey string    `json:"indicator_key"`
	Label        string    `json:"label"`
	Peer         rungJSON  `json:"peer"`
	Independent  *rungJSON `json:"independent"`
}

type rungJSON struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
}

func rung(l ladder.Level) rungJSON { return rungJSON{int(l), l.Name()} }

// councilRatings lists the agreed peer ratings and the independent assessor's ratings of each
// of the council's published evaluations, newest cycle first. Unpublished evaluations, the
// evaluators and their reasons are not shown.
func (h *Handlers) councilRatings(r *http.Request) (int, any, error) {
	ctx := r.Context()
	c, resolved, err := h.currentCouncil(ctx, r.PathValue("code"))
	if err != nil {
		return 0, nil, err
	}
	teams, err := evaluation.ListTeams(ctx, h.db, evaluation.TeamFilter{CouncilGSS: c.GSSCode, PublishedOnly: true})
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Council      councilRefJSON   `json:"council"`
		ResolvedFrom *string          `json:"resolved_from"`
		Evaluations  []evaluationJSON `json:"evaluations"`
	}{Council: councilRefJSON{c.GSSCode, c.Name}, Evaluations: []evaluationJSON{}}
	if resolved != "" {
		out.ResolvedFrom = &resolved
	}
	for _, t := range teams {
		agreed, err := evaluation.AgreedRatings(ctx, h.db, t)
		if err != nil {
			return 0, nil, err
		}
		independent, err := evaluation.IndependentOf(ctx, h.db, t.ID)
		if err != nil {
			return 0, nil, err
		}
		e := evaluationJSON{CycleID: t.CycleID, CycleTitle: t.CycleTitle, StandardVersionID: t.VersionID,
			PublishedAt: instant(t.PublishedAt), Ratings: []ratingJSON{}}
		for _, a := range agreed {
			rj := ratingJSON{IndicatorKey: a.Key, Label: a.Label(), Peer: rung(a.Level)}
			if a.ID != 0 {
				id := a.ID
				rj.IndicatorID = &id
			}
			if ind, ok := independent[a.ID]; ok {
				x := rung(ind.Level)
				rj.Independent = &x
			}
			e.Ratings = append(e.Ratings, rj)
		}
		out.Evaluations = append(out.Evaluations, e)
	}
	return http.StatusOK, out, nil
}

type councilRefJSON struct {
	GSSCode string `json:"gss_code"`
	Name    string `json:"name"`
}

// ---- outcomes ----

// roughSleeping is England's and the regions' figures by year, as the open data download
// publishes them.
func (h *Handlers) roughSleeping(r *http.Request) (int, any, error) {
	all, err := insight.NationalFigures(r.Context(), h.db)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, insight.OpenData{Title: "People seen sleeping rough on one night in autumn, England and its regions, by year",
		Source: insight.SourceName, SourceURL: insight.SourceURL, Licence: insight.LicenceName, LicenceURL: insight.LicenceURL,
		Suppression: insight.SuppressionNote, Areas: insight.OpenDataAreas(all)}, nil
}

// ---- standards ----

type versionJSON struct {
	ID            int64  `json:"id"`
	StandardID    int64  `json:"standard_id"`
	StandardTitle string `json:"standard_title"`
	Number        string `json:"number"`
	PublishedAt   string `json:"published_at"`
	Links         links  `json:"links"`
}

func versionOf(v standards.VersionRef) versionJSON {
	return versionJSON{v.ID, v.StandardID, v.StandardTitle, v.Number, instant(v.PublishedAt),
		links{"self": link("/api/v1/standards/versions/" + strconv.FormatInt(v.ID, 10)),
			"adoptions": link("/api/v1/standards/adoptions?version=" + strconv.FormatInt(v.ID, 10))}}
}

func (h *Handlers) standardVersions(r *http.Request) (int, any, error) {
	vs, err := standards.PublishedVersions(r.Context(), h.db)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Versions []versionJSON `json:"versions"`
	}{[]versionJSON{}}
	for _, v := range vs {
		out.Versions = append(out.Versions, versionOf(v))
	}
	return http.StatusOK, out, nil
}

type clauseJSON struct {
	Number     int             `json:"number"`
	Title      string          `json:"title"`
	Wording    string          `json:"wording"`
	Indicators []indicatorJSON `json:"indicators"`
}

type indicatorJSON struct {
	ID     int64       `json:"id"`
	Key    string      `json:"key"`
	Text   string      `json:"text"`
	Levels []levelJSON `json:"levels"`
}

func (h *Handlers) standardVersion(r *http.Request) (int, any, error) {
	ctx := r.Context()
	id, err := pathID(r, "published version")
	if err != nil {
		return 0, nil, err
	}
	v, err := standards.VersionByID(ctx, h.db, id)
	if err != nil {
		return 0, nil, err
	}
	clauses, err := standards.VersionClauses(ctx, h.db, id)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		versionJSON
		Clauses []clauseJSON `json:"clauses"`
	}{versionOf(v), []clauseJSON{}}
	for _, c := range clauses {
		cj := clauseJSON{c.Number, c.Title, c.Wording, []indicatorJSON{}}
		for _, i := range c.Indicators {
			ij := indicatorJSON{i.ID, i.Key, i.Text, []levelJSON{}}
			for _, l := range ladder.Levels {
				if d, ok := i.Levels[l]; ok {
					ij.Levels = append(ij.Levels, levelJSON{int(l), l.Name(), d})
				}
			}
			cj.Indicators = append(cj.Indicators, ij)
		}
		out.Clauses = append(out.Clauses, cj)
	}
	return http.StatusOK, out, nil
}

type councilAdoptionJSON struct {
	Council councilRefJSON `json:"council"`
	adoptionJSON
}

// adoptions lists which councils adopted which published version, in one query. Who signed
// an adoption off is left out: it names a person.
func (h *Handlers) adoptions(r *http.Request) (int, any, error) {
	var version int64
	if s := r.URL.Query().Get("version"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, nil, badParameter("version", "version must be the number of a published version")
		}
		version = n
	}
	rows, err := standards.AllAdoptions(r.Context(), h.db)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Adoptions []councilAdoptionJSON `json:"adoptions"`
	}{[]councilAdoptionJSON{}}
	for _, a := range rows {
		if a.CouncilCode == "" || (version != 0 && a.Version.ID != version) {
			continue
		}
		out.Adoptions = append(out.Adoptions, councilAdoptionJSON{councilRefJSON{a.CouncilCode, a.CouncilName}, *adoptionOf(a.Adoption)})
	}
	slices.SortStableFunc(out.Adoptions, func(a, b councilAdoptionJSON) int { return strings.Compare(a.Council.GSSCode, b.Council.GSSCode) })
	return http.StatusOK, out, nil
}
