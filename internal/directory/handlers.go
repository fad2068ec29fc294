package directory

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

// Register adds the directory's routes: the councils and organisations are public; adding an
// organisation is for administrators.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	rt.Handle("GET /councils", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.councils(w, r, rd) })
	rt.Handle("GET /councils/{code}", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.council(w, r, rd) })
	rt.Handle("GET /organisations", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.organisations(w, r, rd) })
	rt.Handle("GET /organisations/{slug}", web.Public, func(w http.ResponseWriter, r *http.Request) error { return h.organisation(w, r, rd) })
	rt.Cache("GET /councils", pagecache.Page{Kinds: []string{"directory"}})
	h.councilLists = pagecache.NewMemo[web.SharedMain](rt.PageCache(), "the councils", pagecache.Page{Kinds: []string{"directory"}})
	rt.Cache("GET /councils/{code}", pagecache.Page{Kinds: []string{"directory"}})
	rt.Cache("GET /organisations", pagecache.Page{Kinds: []string{"directory", "accounts"}})
	rt.Cache("GET /organisations/{slug}", pagecache.Page{Kinds: []string{"directory", "accounts"}})
	rt.Handle("GET /organisations/new", web.Roles(auth.Admin), func(w http.ResponseWriter, r *http.Request) error {
		return h.newOrganisationPage(w, r, rd, http.StatusOK, web.Form{})
	})
	rt.Handle("POST /organisations/new", web.Roles(auth.Admin), func(w http.ResponseWriter, r *http.Request) error {
		return h.createOrganisation(w, r, rd)
	})
}

// CouncilsView is the list of councils, grouped by region.
type CouncilsView struct {
	web.Page
	Groups []RegionCouncils
	// Past lists past councils matching a search, so an old name still leads somewhere.
	Past          []Council
	RegionOptions []web.Option
	Region        Region // the region chosen, if any
	Query         string
	Shown         int
	Filtered      bool
}

const maxQueryLength = 100

func (h *Handlers) councils(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQueryLength {
		q = q[:maxQueryLength]
	}
	region := r.URL.Query().Get("region")
	if q != "" {
		// A search: few councils, rendered for the person.
		v, err := h.councilsView(r.Context(), q, region)
		if err != nil {
			return err
		}
		return rd.Render(w, r, http.StatusOK, "directory/councils", v)
	}
	// Every council, or a region's: the same for everyone, rendered once until the directory
	// changes.
	return rd.RenderKept(w, r, h.councilLists, region, "directory/councils", func(ctx context.Context) (any, error) {
		return h.councilsView(ctx, "", region)
	})
}

// councilsView is the councils matching a search (q) in a region (its slug; any other shows
// every region), grouped by region.
func (h *Handlers) councilsView(ctx context.Context, q, chosen string) (*CouncilsView, error) {
	v := &CouncilsView{Page: web.Page{Title: "Councils in England"}, Query: q}
	regions, err := Regions(ctx, h.db)
	if err != nil {
		return nil, err
	}
	v.RegionOptions = []web.Option{{Value: "", Text: "All regions"}}
	for _, reg := range regions {
		v.RegionOptions = append(v.RegionOptions, web.Option{Value: reg.Slug, Text: reg.Name})
		if reg.Slug == chosen {
			v.Region = reg
		}
	}
	// The filter form shows what was asked for (an unknown region shows as all regions).
	v.Form = web.Form{Values: url.Values{"q": {v.Query}, "region": {v.Region.Slug}}}
	f := CouncilFilter{RegionID: v.Region.ID, Query: v.Query}
	v.Filtered = f.RegionID != 0 || f.Query != ""
	if v.Groups, err = CouncilsByRegion(ctx, h.db, f); err != nil {
		return nil, err
	}
	for _, g := range v.Groups {
		v.Shown += len(g.Councils)
	}
	if v.Query != "" {
		f.Past = true
		if v.Past, err = ListCouncils(ctx, h.db, f); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// CouncilView is one council's page.
type CouncilView struct {
	web.Page
	Council Council
	// ReplacedBy is the direct successor of a past council.
	ReplacedBy *Council
	// Predecessors are the past councils whose areas this one now serves.
	Predecessors []Council
	// SeesEvaluation is true for the council's own officers, the funder and administrators,
	// who may open its evaluation page.
	SeesEvaluation bool
}

func (h *Handlers) council(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	code := r.PathValue("code")
	if upper := strings.ToUpper(code); upper != code {
		http.Redirect(w, r, "/councils/"+url.PathEscape(upper), http.StatusMovedPermanently)
		return nil
	}
	c, err := CouncilByCode(ctx, h.db, code)
	if errs.Is(err, errs.NotFound) {
		// An old code of a council that still exists under a new one.
		owner, ferr := FormerCodeOwner(ctx, h.db, code)
		if ferr != nil {
			return err
		}
		http.Redirect(w, r, "/councils/"+url.PathEscape(owner), http.StatusMovedPermanently)
		return nil
	}
	if err != nil {
		return err
	}
	me := auth.From(ctx)
	v := &CouncilView{Page: web.Page{Title: c.Name, Back: "/councils"}, Council: c,
		SeesEvaluation: me.HasIn(auth.CouncilOfficer, c.OrganisationID) || me.HasAny(auth.Funder, auth.Admin)}
	if c.Current {
		if v.Predecessors, err = Predecessors(ctx, h.db, c.GSSCode); err != nil {
			return err
		}
	} else if c.ReplacedBy != "" {
		next, err := CouncilByRegisterCode(ctx, h.db, c.ReplacedBy)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err == nil {
			v.ReplacedBy = &next
		}
	}
	return rd.Render(w, r, http.StatusOK, "directory/council", v)
}

// TypeGroup is one stakeholder type's organisations.
type TypeGroup struct {
	Type          StakeholderType
	Organisations []Organisation
}

// OrganisationsView lists the partner organisations by stakeholder type.
type OrganisationsView struct {
	web.Page
	Groups      []TypeGroup
	TypeOptions []web.Option
	Type        StakeholderType // the type chosen, if any
	Shown       int
	Councils    int
	CanAdd      bool
}

func (h *Handlers) organisations(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	chosen := StakeholderType(r.URL.Query().Get("type"))
	if chosen == CouncilType {
		// Councils have their own list, grouped by region.
		http.Redirect(w, r, "/councils", http.StatusSeeOther)
		return nil
	}
	v := &OrganisationsView{Page: web.Page{Title: "Organisations"}, CanAdd: auth.From(ctx).Has(auth.Admin)}
	if chosen.Valid() {
		v.Type = chosen
	}
	v.Form = web.Form{Values: url.Values{"type": {string(v.Type)}}}
	v.TypeOptions = typeOptions("All types")
	orgs, err := ListOrganisations(ctx, h.db, OrganisationFilter{Type: v.Type, ExcludeCouncils: true})
	if err != nil {
		return err
	}
	v.Shown = len(orgs)
	for _, t := range PartnerTypes() {
		g := TypeGroup{Type: t}
		for _, o := range orgs {
			if o.Type == t {
				g.Organisations = append(g.Organisations, o)
			}
		}
		if len(g.Organisations) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	regions, err := Regions(ctx, h.db)
	if err != nil {
		return err
	}
	for _, reg := range regions {
		v.Councils += reg.Councils
	}
	return rd.Render(w, r, http.StatusOK, "directory/organisations", v)
}

// typeOptions lists the partner types for a select or radios, after an optional first choice.
func typeOptions(first string) []web.Option {
	var out []web.Option
	if first != "" {
		out = append(out, web.Option{Value: "", Text: first})
	}
	for _, t := range PartnerTypes() {
		out = append(out, web.Option{Value: string(t), Text: t.Label()})
	}
	return out
}

// OrganisationView is one organisation's page.
type OrganisationView struct {
	web.Page
	Organisation Organisation
}

func (h *Handlers) organisation(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	o, err := OrganisationBySlug(r.Context(), h.db, r.PathValue("slug"))
	if err != nil {
		return err
	}
	if o.CouncilCode != "" {
		// A council's page is its entry in the register.
		http.Redirect(w, r, "/councils/"+url.PathEscape(o.CouncilCode), http.StatusSeeOther)
		return nil
	}
	v := &OrganisationView{Page: web.Page{Title: o.Name, Back: "/organisations"}, Organisation: o}
	return rd.Render(w, r, http.StatusOK, "directory/organisation", v)
}

// NewOrganisationView is the form to add a partner organisation.
type NewOrganisationView struct {
	web.Page
	TypeOptions   []web.Option
	RegionOptions []web.Option
}

func (h *Handlers) newOrganisationPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	regions, err := Regions(r.Context(), h.db)
	if err != nil {
		return err
	}
	v := &NewOrganisationView{
		Page:          web.Page{Title: "Add an organisation", Back: "/organisations", Form: f},
		TypeOptions:   typeOptions(""),
		RegionOptions: []web.Option{{Value: "", Text: "Not in one region (national)"}},
	}
	for _, reg := range regions {
		v.RegionOptions = append(v.RegionOptions, web.Option{Value: reg.Slug, Text: reg.Name})
	}
	return rd.Render(w, r, status, "directory/organisation-new", v)
}

func (h *Handlers) createOrganisation(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	f := web.NewForm(r)
	id, err := CreateOrganisation(r.Context(), h.db, NewOrganisation{
		Name:            f.Get("name"),
		StakeholderType: StakeholderType(f.Get("stakeholder_type")),
		Region:          f.Get("region"),
		Description:     f.Get("description"),
		Website:         f.Get("website"),
	})
	if err != nil {
		if withErr, ok := f.WithError(err); ok {
			return h.newOrganisationPage(w, r, rd, http.StatusUnprocessableEntity, withErr)
		}
		return err
	}
	o, err := OrganisationByID(r.Context(), h.db, id)
	if err != nil {
		return err
	}
	web.SetFlash(w, o.Name+" has been added.")
	return web.Redirect(w, r, "/organisations/"+url.PathEscape(o.Slug))
}
