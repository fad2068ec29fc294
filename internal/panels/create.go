package panels

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"roundtable/internal/directory"
	"roundtable/internal/platform/web"
)

// NewPanelView is the administrator's form to start a panel for a lived-experience group
// already in the directory.
type NewPanelView struct {
	web.Page
	Organisations []web.Option
	Regions       []web.Option
	Kinds         []web.Option
}

func (h *Handlers) newPanelView(r *http.Request, f web.Form) (*NewPanelView, error) {
	ctx := r.Context()
	orgs, err := directory.ListOrganisations(ctx, h.db, directory.OrganisationFilter{Type: directory.LivedExperience})
	if err != nil {
		return nil, err
	}
	existing, err := ListPanels(ctx, h.db)
	if err != nil {
		return nil, err
	}
	has := map[int64]bool{}
	for _, p := range existing {
		has[p.OrganisationID] = true
	}
	v := &NewPanelView{Page: web.Page{Title: "Start a panel", Form: f, Back: "/panels"},
		Kinds: []web.Option{{Value: Regional, Text: "Regional panel", Hint: "One for each English region."},
			{Value: Local, Text: "Local group", Hint: "A group in one place, such as a town's lived-experience team."}}}
	v.Organisations = append(v.Organisations, web.Option{Value: "", Text: "Choose the group"})
	for _, o := range orgs {
		if !has[o.ID] {
			v.Organisations = append(v.Organisations, web.Option{Value: fmt.Sprint(o.ID), Text: o.Name})
		}
	}
	regions, err := directory.Regions(ctx, h.db)
	if err != nil {
		return nil, err
	}
	v.Regions = append(v.Regions, web.Option{Value: "", Text: "Choose the region"})
	for _, rg := range regions {
		v.Regions = append(v.Regions, web.Option{Value: fmt.Sprint(rg.ID), Text: rg.Name})
	}
	return v, nil
}

func (h *Handlers) newPanelForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.newPanelView(r, web.NewForm(r))
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "panels/panel-new", v)
}

func (h *Handlers) createPanel(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	f := web.NewForm(r)
	orgID, _ := strconv.ParseInt(f.Get("organisation"), 10, 64)
	regionID, _ := strconv.ParseInt(f.Get("region"), 10, 64)
	name := strings.TrimSpace(f.Get("name"))
	slug := strings.TrimSpace(f.Get("slug"))
	if slug == "" {
		slug = directory.Slugify(name)
	}
	id, err := CreatePanel(r.Context(), h.db, NewPanel{Name: name, Slug: slug, Kind: f.Get("kind"), About: f.Get("about"),
		OrganisationID: orgID, RegionID: regionID}, h.opt.Now())
	if err != nil {
		v, verr := h.newPanelView(r, f)
		if verr != nil {
			return verr
		}
		return rd.Mistakes(w, r, "panels/panel-new", v, f, err)
	}
	p, err := PanelByID(r.Context(), h.db, id)
	if err != nil {
		return err
	}
	web.SetFlash(w, "The panel is started. Add its members and facilitators from the People page, with the group as their organisation.")
	return web.Redirect(w, r, "/panels/"+p.Slug)
}
