package standards

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// AdoptionsView is the national list of adoptions.
type AdoptionsView struct {
	web.Page
	Adoptions []AdoptionRow
	Councils  int // councils that adopted any version
}

func (h *Handlers) adoptions(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	all, err := AllAdoptions(r.Context(), h.db)
	if err != nil {
		return err
	}
	v := &AdoptionsView{Page: web.Page{Title: "Which councils have adopted the standards", Back: "/standards"}, Adoptions: all}
	seen := map[int64]bool{}
	for _, a := range all {
		if !seen[a.CouncilOrganisationID] {
			seen[a.CouncilOrganisationID] = true
			v.Councils++
		}
	}
	return rd.Render(w, r, http.StatusOK, "standards/adoptions", v)
}

// CouncilView is what a council adopted and, for those who may see it, how it rates itself.
type CouncilView struct {
	web.Page
	helpers
	Council   directory.Council
	Adoptions []Adoption
	Own       bool // the signed-in person is one of the council's officers
	SeesSelf  bool // the person may see the self-assessment
	Self      []SelfRow
}

// SelfRow is one indicator with the council's own rating, if any.
type SelfRow struct {
	Indicator Indicator
	Rated     bool
	Rating    SelfRating
}

// councilFor reads the council the path names.
func (h *Handlers) councilFor(r *http.Request) (directory.Council, *auth.Identity, error) {
	c, err := directory.CouncilByCode(r.Context(), h.db, r.PathValue("gss"))
	if err != nil {
		return c, nil, err
	}
	if c.OrganisationID == 0 {
		return c, nil, notFound()
	}
	return c, auth.From(r.Context()), nil
}

func (h *Handlers) council(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, me, err := h.councilFor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v := &CouncilView{Page: web.Page{Title: c.Name + ": co-production standards", Back: "/standards/adoptions"}, Council: c,
		Own: me.HasIn(auth.CouncilOfficer, c.OrganisationID)}
	// Peers and independent assessors compare with the council's own view; the public sees
	// only what it adopted.
	v.SeesSelf = v.Own || me.HasAny(auth.Funder, auth.Assessor, auth.Admin)
	if v.Adoptions, err = CouncilAdoptions(ctx, h.db, c.OrganisationID); err != nil {
		return err
	}
	if v.SeesSelf && len(v.Adoptions) > 0 {
		if v.Self, err = h.selfRows(r, c.OrganisationID, v.Adoptions[0].Version.ID); err != nil {
			return err
		}
	}
	return rd.Render(w, r, http.StatusOK, "standards/council", v)
}

func (h *Handlers) selfRows(r *http.Request, councilID, versionID int64) ([]SelfRow, error) {
	is, err := VersionIndicators(r.Context(), h.db, versionID)
	if err != nil {
		return nil, err
	}
	rs, err := SelfAssessment(r.Context(), h.db, councilID, versionID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]SelfRating{}
	for _, x := range rs {
		byID[x.IndicatorID] = x
	}
	out := make([]SelfRow, len(is))
	for n, i := range is {
		x, ok := byID[i.ID]
		out[n] = SelfRow{Indicator: i, Rated: ok, Rating: x}
	}
	return out, nil
}

// ownCouncil reads the council the path names, answering not found unless the signed-in
// officer works for it.
func (h *Handlers) ownCouncil(r *http.Request) (directory.Council, *auth.Identity, error) {
	c, me, err := h.councilFor(r)
	if err != nil {
		return c, me, err
	}
	if !me.HasIn(auth.CouncilOfficer, c.OrganisationID) {
		return c, me, notFound()
	}
	return c, me, nil
}

// AdoptView is the form to record an adoption.
type AdoptView struct {
	web.Page
	Council  directory.Council
	Versions []web.Option
}

func (h *Handlers) adoptPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	c, _, cerr := h.ownCouncil(r)
	if cerr != nil {
		return cerr
	}
	vs, cerr := PublishedVersions(r.Context(), h.db)
	if cerr != nil {
		return cerr
	}
	v := &AdoptView{Page: web.Page{Title: "Record that " + c.Name + " adopted a standard", Back: "/standards/adoptions/councils/" + c.GSSCode},
		Council: c, Versions: []web.Option{{Value: "", Text: "Choose a version"}}}
	for n := len(vs) - 1; n >= 0; n-- {
		v.Versions = append(v.Versions, web.Option{Value: strconv.FormatInt(vs[n].ID, 10),
			Text: fmt.Sprintf("%s, version %s", vs[n].StandardTitle, vs[n].Number)})
	}
	if err != nil {
		return rd.Mistakes(w, r, "standards/adopt", v, f, err)
	}
	v.Form = f
	return rd.Render(w, r, http.StatusOK, "standards/adopt", v)
}

func (h *Handlers) adoptForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.adoptPage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) adopt(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, me, err := h.ownCouncil(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	versionID, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	on, msg := atLondonDay(f, "adopted", "date adopted")
	if msg != "" {
		var v errs.Validation
		v.Check(versionID != 0, "version", "Choose the version the council adopted")
		v.Add("adopted", msg)
		if strings.TrimSpace(f.Get("signed_off_by")) == "" {
			v.Add("signed_off_by", "Enter who signed it off")
		}
		return h.adoptPage(w, r, rd, f, v.Err())
	}
	if err := Adopt(r.Context(), h.db, c.OrganisationID, versionID, on, f.Get("signed_off_by"), me, h.opt.Now()); err != nil {
		return h.adoptPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "The adoption is recorded. Now rate the council against each indicator.")
	return web.Redirect(w, r, fmt.Sprintf("/standards/adoptions/councils/%s/self-assessment/%d", c.GSSCode, versionID))
}

// SelfAssessmentView is the form to rate the council against each indicator.
type SelfAssessmentView struct {
	web.Page
	helpers
	Council directory.Council
	Version VersionRef
	Rows    []SelfAssessmentRow
}

// SelfAssessmentRow is one indicator's fields.
type SelfAssessmentRow struct {
	Indicator Indicator
	Level     web.Field
	Evidence  web.Field
}

// fieldKey turns an indicator key ("1.2") into a form field suffix ("1-2").
func fieldKey(key string) string { return strings.ReplaceAll(key, ".", "-") }

func (h *Handlers) selfAssessmentPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	c, _, cerr := h.ownCouncil(r)
	if cerr != nil {
		return cerr
	}
	ver, is, cerr := h.adoptedVersion(r, c)
	if cerr != nil {
		return cerr
	}
	if f.Values == nil {
		rows, err := h.selfRows(r, c.OrganisationID, ver.ID)
		if err != nil {
			return err
		}
		f.Values = map[string][]string{}
		for _, x := range rows {
			if x.Rated {
				k := fieldKey(x.Indicator.Key)
				f.Values.Set("level-"+k, strconv.Itoa(int(x.Rating.Level)))
				f.Values.Set("evidence-"+k, x.Rating.Evidence)
			}
		}
	}
	if err != nil {
		if ff, ok := f.WithError(err); ok {
			f = ff
		} else {
			return err
		}
	}
	v := &SelfAssessmentView{Page: web.Page{Title: "Rate " + c.Name + " against the standard", Back: "/standards/adoptions/councils/" + c.GSSCode, Form: f},
		Council: c, Version: ver}
	for _, i := range is {
		k := fieldKey(i.Key)
		var opts []web.Option
		for _, l := range ladder.Levels {
			opts = append(opts, web.Option{Value: strconv.Itoa(int(l)), Text: fmt.Sprintf("%d. %s", l, l.Name()), Hint: i.Levels[l]})
		}
		lf := web.Field{Name: "level-" + k, Label: "Level for indicator " + i.Key, Value: f.Get("level-" + k), Error: f.Error("level-" + k), Options: opts}
		ef := web.Field{Name: "evidence-" + k, Label: "Evidence for indicator " + i.Key, Value: f.Get("evidence-" + k), Error: f.Error("evidence-" + k),
			Hint: "What shows this? For example, minutes, a survey, what changed because of people's views."}
		v.Rows = append(v.Rows, SelfAssessmentRow{Indicator: i, Level: lf, Evidence: ef})
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
	}
	return rd.Render(w, r, status, "standards/self-assessment", v)
}

// adoptedVersion reads the version the path names, which the council must have adopted.
func (h *Handlers) adoptedVersion(r *http.Request, c directory.Council) (VersionRef, []Indicator, error) {
	id, err := pathID(r, "version")
	if err != nil {
		return VersionRef{}, nil, err
	}
	as, err := CouncilAdoptions(r.Context(), h.db, c.OrganisationID)
	if err != nil {
		return VersionRef{}, nil, err
	}
	for _, a := range as {
		if a.Version.ID == id {
			is, err := VersionIndicators(r.Context(), h.db, id)
			return a.Version, is, err
		}
	}
	return VersionRef{}, nil, notFound()
}

func (h *Handlers) selfAssessmentForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.selfAssessmentPage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) saveSelfAssessment(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, me, err := h.ownCouncil(r)
	if err != nil {
		return err
	}
	ver, is, err := h.adoptedVersion(r, c)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	var ratings []SelfRating
	var v errs.Validation
	for _, i := range is {
		k := fieldKey(i.Key)
		level, evidence := f.Get("level-"+k), f.Get("evidence-"+k)
		if level == "" && strings.TrimSpace(evidence) == "" {
			continue // not rated yet
		}
		l, ok := ladder.Parse(level)
		if !ok {
			v.Add("level-"+k, "Choose a level for indicator "+i.Key)
			continue
		}
		ratings = append(ratings, SelfRating{IndicatorID: i.ID, Level: l, Evidence: evidence})
	}
	if err := v.Err(); err != nil {
		return h.selfAssessmentPage(w, r, rd, f, err)
	}
	if err := SaveSelfAssessment(r.Context(), h.db, c.OrganisationID, ver.ID, ratings, me, h.opt.Now()); err != nil {
		if _, ok := f.WithError(err); ok && len(is) > 0 {
			return h.selfAssessmentPage(w, r, rd, f, err)
		}
		return err
	}
	web.SetFlash(w, "The self-assessment is saved.")
	return web.Redirect(w, r, "/standards/adoptions/councils/"+c.GSSCode)
}
