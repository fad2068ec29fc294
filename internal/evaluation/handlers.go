package evaluation

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
	"roundtable/internal/standards"
)

// text helps templates show what people typed: one paragraph per line.
type text struct{}

// Paras splits text into its non-empty lines.
func (text) Paras(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func notFound() error { return errs.New(errs.NotFound, "") }

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}

func formID(f web.Form, name string) int64 {
	id, _ := strconv.ParseInt(f.Get(name), 10, 64)
	return id
}

// parseDateInput reads a GOV.UK date input (NAME-day, NAME-month, NAME-year and, when
// withTime, NAME-time on the 24-hour clock) as a time in London. The message says what is
// wrong; it is empty when the date is good.
func parseDateInput(f web.Form, name, label string, withTime bool) (time.Time, string) {
	ds, ms, ys := f.Get(name+"-day"), f.Get(name+"-month"), f.Get(name+"-year")
	if ds == "" && ms == "" && ys == "" {
		return time.Time{}, "Enter the " + label
	}
	d, err1 := strconv.Atoi(ds)
	m, err2 := strconv.Atoi(ms)
	y, err3 := strconv.Atoi(ys)
	if err1 != nil || err2 != nil || err3 != nil || y < 2000 || y > 2100 {
		return time.Time{}, "The " + label + " must be a real date, like 20 8 2026"
	}
	hh, mm := 0, 0
	if withTime {
		hs, mins, ok := strings.Cut(f.Get(name+"-time"), ":")
		var e1, e2 error
		hh, e1 = strconv.Atoi(hs)
		mm, e2 = strconv.Atoi(mins)
		if !ok || e1 != nil || e2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
			return time.Time{}, "Enter the time of the " + label + " on the 24-hour clock, like 14:30"
		}
	}
	t := time.Date(y, time.Month(m), d, hh, mm, 0, 0, london)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return time.Time{}, "The " + label + " must be a real date, like 20 8 2026"
	}
	if !withTime {
		t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	}
	return t, ""
}

// withDate adds a date input's message to an error, so that all of a form's mistakes are
// listed together.
func withDate(err error, field, msg string) error {
	if msg == "" {
		return err
	}
	e, ok := errs.As(err)
	if !ok || err == nil {
		return &errs.Error{Code: errs.Invalid, Fields: map[string]string{field: msg}, Order: []string{field}}
	}
	if e.Code == errs.Invalid {
		if _, had := e.Fields[field]; had {
			e.Fields[field] = msg
		} else {
			e.Fields[field] = msg
			e.Order = append(e.Order, field)
		}
	}
	return e
}

// levelOptions are the ladder's levels as radio buttons, with what each looks like for the
// unit when the standard says.
func levelOptions(u Unit) []web.Option {
	out := make([]web.Option, 0, len(ladder.Levels))
	for _, l := range ladder.Levels {
		hint := u.Levels[l]
		if hint == "" {
			hint = l.Description()
		}
		out = append(out, web.Option{Value: strconv.Itoa(int(l)), Text: fmt.Sprintf("%d: %s", l, l.Name()), Hint: hint})
	}
	return out
}

// HomeView is the evaluation start page, by role.
type HomeView struct {
	web.Page
	Cycles     []Cycle
	Teams      []Team // teams the person evaluates, facilitates or assesses
	Councils   []directory.Organisation
	Oversees   bool
	Researcher bool
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &HomeView{Page: web.Page{Title: "Evaluation of co-production"}, Oversees: Oversees(me), Researcher: me.HasAny(auth.Member, auth.Facilitator)}
	if v.Oversees {
		cs, err := ListCycles(ctx, h.db)
		if err != nil {
			return err
		}
		v.Cycles = cs
	}
	if me.HasAny(auth.Member, auth.Facilitator, auth.Assessor) {
		ts, err := ListTeams(ctx, h.db, TeamFilter{For: me})
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Evaluates(me) || t.Facilitates(me) || t.Assesses(me) {
				v.Teams = append(v.Teams, t)
			}
		}
	}
	for _, id := range me.OrganisationsFor(auth.CouncilOfficer) {
		o, err := directory.OrganisationByID(ctx, h.db, id)
		if err != nil {
			return err
		}
		if o.CouncilCode != "" {
			v.Councils = append(v.Councils, o)
		}
	}
	return rd.Render(w, r, http.StatusOK, "evaluation/home", v)
}

// CycleFormView is the form to commission a cycle.
type CycleFormView struct {
	web.Page
	Versions, Assessors []web.Option
	Panels              []Choice
}

// Choice is a checkbox.
type Choice struct {
	Value, Text string
	Checked     bool
}

func (h *Handlers) cycleForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form, err error) error {
	ctx := r.Context()
	v := &CycleFormView{Page: web.Page{Title: "Commission an evaluation cycle", Back: "/evaluation", Form: f},
		Versions: []web.Option{{Value: "", Text: "Choose a standard"}}, Assessors: []web.Option{{Value: "", Text: "Choose an assessor"}}}
	vs, e := standards.PublishedVersions(ctx, h.db)
	if e != nil {
		return e
	}
	for _, x := range vs {
		v.Versions = append(v.Versions, web.Option{Value: fmt.Sprint(x.ID), Text: x.StandardTitle + ", version " + x.Number})
	}
	as, e := directory.ListOrganisations(ctx, h.db, directory.OrganisationFilter{Type: directory.IndependentAssessor})
	if e != nil {
		return e
	}
	for _, a := range as {
		v.Assessors = append(v.Assessors, web.Option{Value: fmt.Sprint(a.ID), Text: a.Name})
	}
	ps, e := panels.ListPanels(ctx, h.db)
	if e != nil {
		return e
	}
	for _, p := range ps {
		v.Panels = append(v.Panels, Choice{Value: fmt.Sprint(p.ID), Text: p.Name, Checked: slices.Contains(f.Values["panels"], fmt.Sprint(p.ID))})
	}
	if err != nil {
		return rd.Mistakes(w, r, "evaluation/cycle-new", v, f, err)
	}
	return rd.Render(w, r, status, "evaluation/cycle-new", v)
}

func (h *Handlers) newCycleForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.cycleForm(w, r, rd, http.StatusOK, web.Form{}, nil)
}

func (h *Handlers) createCycle(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	n := NewCycle{Title: f.Get("title"), VersionID: formID(f, "version"), AssessorID: formID(f, "assessor")}
	for _, p := range f.Values["panels"] {
		id, _ := strconv.ParseInt(p, 10, 64)
		n.PanelIDs = append(n.PanelIDs, id)
	}
	var startMsg, endMsg string
	n.StartsOn, startMsg = parseDateInput(f, "starts", "start date", false)
	n.EndsOn, endMsg = parseDateInput(f, "ends", "end date", false)
	id, err := CreateCycle(ctx, h.db, n, auth.From(ctx), h.opt.Now())
	if startMsg != "" || endMsg != "" {
		err = withDate(withDate(err, "starts", startMsg), "ends", endMsg)
	}
	if err != nil {
		return h.cycleForm(w, r, rd, 0, f, err)
	}
	web.SetFlash(w, "Cycle commissioned. Now add the councils to evaluate.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/cycles/%d", id))
}

// CycleView is a cycle's page: its councils, teams and agreement.
type CycleView struct {
	web.Page
	Cycle      Cycle
	PanelNames []string
	Teams      []TeamRow
	Agreement  Agreement
	CanAdd     bool
	PanelOpts  []web.Option
}

// TeamRow is a team in a list, with its agreement.
type TeamRow struct {
	Team      Team
	Agreement Agreement
	Agreed    bool
}

func (h *Handlers) cyclePage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	ctx := r.Context()
	me := auth.From(ctx)
	id, e := pathID(r, "cycle")
	if e != nil {
		return e
	}
	c, e := GetCycle(ctx, h.db, id)
	if e != nil {
		return e
	}
	ps, e := panels.ListPanels(ctx, h.db)
	if e != nil {
		return e
	}
	v := &CycleView{Page: web.Page{Title: c.Title, Back: "/evaluation", Form: f, Wide: true}, Cycle: c, CanAdd: me.Has(auth.Funder)}
	sees := Oversees(me) || me.HasIn(auth.Assessor, c.AssessorID)
	for _, p := range ps {
		if slices.Contains(c.PanelIDs, p.ID) {
			v.PanelNames = append(v.PanelNames, p.Name)
			v.PanelOpts = append(v.PanelOpts, web.Option{Value: fmt.Sprint(p.ID), Text: p.Name})
			sees = sees || me.HasIn(auth.Facilitator, p.OrganisationID)
		}
	}
	if !sees {
		return notFound()
	}
	ts, e := ListTeams(ctx, h.db, TeamFilter{CycleID: c.ID})
	if e != nil {
		return e
	}
	for _, t := range ts {
		if !Oversees(me) && !t.SeesTeam(me) {
			continue
		}
		a, e := TeamAgreement(ctx, h.db, t.ID)
		if e != nil {
			return e
		}
		agreed, e := AgreedOf(ctx, h.db, t.ID)
		if e != nil {
			return e
		}
		v.Teams = append(v.Teams, TeamRow{Team: t, Agreement: a, Agreed: len(agreed) > 0})
	}
	if v.Agreement, e = CycleAgreement(ctx, h.db, c.ID); e != nil {
		return e
	}
	return rd.Form(w, r, "evaluation/cycle", v, f, err)
}

func (h *Handlers) cycle(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.cyclePage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) addCouncil(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	id, err := pathID(r, "cycle")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if _, err := AddCouncil(ctx, h.db, id, f.Get("council"), formID(f, "panel"), auth.From(ctx), h.opt.Now()); err != nil {
		return h.cyclePage(w, r, rd, f, err)
	}
	web.SetFlash(w, "Council added to the cycle.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/cycles/%d", id))
}

// ResearchersView is where research training and conflicts of interest are recorded.
type ResearchersView struct {
	web.Page
	// People are those whose training the signed-in person may record: themselves (a member)
	// and the members of panels they facilitate.
	People    []ResearcherRow
	PersonOps []web.Option
	IsMember  bool
	Conflicts []Conflict
	Councils  []web.Option
}

// ResearcherRow is a person with their research training.
type ResearcherRow struct {
	Person
	Training []ResearchTraining
}

func (h *Handlers) researchersPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &ResearchersView{Page: web.Page{Title: "Research training and conflicts of interest", Back: "/evaluation", Form: f}, IsMember: me.Has(auth.Member)}
	people, e := h.trainable(r)
	if e != nil {
		return e
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	tr, e := TrainingOf(ctx, h.db, ids)
	if e != nil {
		return e
	}
	if len(people) > 1 {
		v.PersonOps = append(v.PersonOps, web.Option{Value: "", Text: "Choose a member"})
	}
	for _, p := range people {
		v.People = append(v.People, ResearcherRow{Person: p, Training: tr[p.ID]})
		v.PersonOps = append(v.PersonOps, web.Option{Value: fmt.Sprint(p.ID), Text: p.Name})
	}
	if v.IsMember {
		if v.Conflicts, e = ConflictsOf(ctx, h.db, me.PersonID); e != nil {
			return e
		}
		ts, e := ListTeams(ctx, h.db, TeamFilter{})
		if e != nil {
			return e
		}
		v.Councils = []web.Option{{Value: "", Text: "Choose a council"}}
		seen := map[int64]bool{}
		for _, t := range ts {
			if !seen[t.CouncilID] {
				seen[t.CouncilID] = true
				v.Councils = append(v.Councils, web.Option{Value: fmt.Sprint(t.CouncilID), Text: t.CouncilName})
			}
		}
	}
	return rd.Form(w, r, "evaluation/researchers", v, f, err)
}

// trainable lists the people whose research training the signed-in person may record.
func (h *Handlers) trainable(r *http.Request) ([]Person, error) {
	ctx := r.Context()
	me := auth.From(ctx)
	var out []Person
	if me.Has(auth.Member) {
		out = append(out, Person{ID: me.PersonID, Name: me.DisplayName})
	}
	ps, err := panels.ListPanels(ctx, h.db)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if !p.Facilitates(me) {
			continue
		}
		ms, err := panels.Members(ctx, h.db, p.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Role == auth.Member && !slices.ContainsFunc(out, func(x Person) bool { return x.ID == m.PersonID }) {
				out = append(out, Person{ID: m.PersonID, Name: m.Name})
			}
		}
	}
	return out, nil
}

func (h *Handlers) researchers(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.researchersPage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) recordTraining(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	people, err := h.trainable(r)
	if err != nil {
		return err
	}
	pid := formID(f, "person")
	if len(people) == 1 && f.Get("person") == "" {
		pid = people[0].ID
	}
	if pid != 0 && !slices.ContainsFunc(people, func(p Person) bool { return p.ID == pid }) {
		return notFound()
	}
	completed, msg := parseDateInput(f, "completed", "date the course was completed", false)
	err = RecordTraining(ctx, h.db, pid, f.Get("course"), completed, auth.From(ctx), h.opt.Now())
	if err = withDate(err, "completed", msg); err != nil {
		return h.researchersPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "Research training recorded.")
	return web.Redirect(w, r, "/evaluation/researchers")
}

func (h *Handlers) declareConflict(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	if err := DeclareConflict(ctx, h.db, auth.From(ctx), formID(f, "conflict_council"), f.Get("reason"), h.opt.Now()); err != nil {
		return h.researchersPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "Conflict of interest declared. You will not be on that council's team.")
	return web.Redirect(w, r, "/evaluation/researchers")
}

// teamFor reads the team the request names, not found for anyone who may not see it.
func (h *Handlers) teamFor(r *http.Request, may func(Team, *auth.Identity) bool) (Team, *auth.Identity, error) {
	id, err := pathID(r, "team")
	if err != nil {
		return Team{}, nil, err
	}
	t, err := GetTeam(r.Context(), h.db, id)
	if err != nil {
		return t, nil, err
	}
	me := auth.From(r.Context())
	if !may(t, me) {
		return t, me, notFound()
	}
	return t, me, nil
}

// TeamView is a team's page.
type TeamView struct {
	web.Page
	text
	Team                      Team
	Members                   []MemberRow
	Candidates                []web.Option
	Blocked                   []Candidate
	Units                     []Unit
	Agreed                    map[int64]Agreed
	Agreement                 Agreement
	Facilitates, Evaluates    bool
	Assesses, Oversees        bool
	Rated, Assessed           bool
	Examples                  []Example
	StrongUnits               []web.Option
	AllAgreed                 bool
	EveryUnitRatedTwiceOrMore bool
}

// MemberRow is an evaluator with whether they have rated.
type MemberRow struct {
	Person
	Rated bool
}

// LevelOf returns the agreed level for a unit.
func (v *TeamView) LevelOf(id int64) string {
	a, ok := v.Agreed[id]
	if !ok {
		return "Not agreed yet"
	}
	return fmt.Sprintf("%d: %s", a.Level, a.Level.Name())
}

func (h *Handlers) teamPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	ctx := r.Context()
	t, me, e := h.teamFor(r, Team.SeesTeam)
	if e != nil {
		return e
	}
	v := &TeamView{Page: web.Page{Title: t.CouncilName + ": " + t.CycleTitle, Back: "/evaluation", Form: f}, Team: t,
		Facilitates: t.Facilitates(me), Evaluates: t.Evaluates(me), Assesses: t.Assesses(me), Oversees: Oversees(me)}
	if v.Units, e = UnitsOf(ctx, h.db, t.VersionID); e != nil {
		return e
	}
	rs, e := Ratings(ctx, h.db, t.ID)
	if e != nil {
		return e
	}
	nm, e := names(ctx, h.db, t.MemberIDs)
	if e != nil {
		return e
	}
	count := map[int64]int{}
	for _, id := range t.MemberIDs {
		rated := slices.ContainsFunc(rs, func(x Rating) bool { return x.PersonID == id })
		v.Members = append(v.Members, MemberRow{Person: Person{ID: id, Name: nm[id]}, Rated: rated})
		v.Rated = v.Rated || rated && id == me.PersonID
	}
	for _, x := range rs {
		count[x.IndicatorID]++
	}
	v.EveryUnitRatedTwiceOrMore = true
	for _, u := range v.Units {
		v.EveryUnitRatedTwiceOrMore = v.EveryUnitRatedTwiceOrMore && count[u.ID] >= 2
	}
	if v.Agreed, e = AgreedOf(ctx, h.db, t.ID); e != nil {
		return e
	}
	v.AllAgreed = len(v.Agreed) == len(v.Units)
	ind, e := IndependentOf(ctx, h.db, t.ID)
	if e != nil {
		return e
	}
	v.Assessed = len(ind) > 0
	if v.Facilitates || v.Oversees {
		if v.Agreement, e = TeamAgreement(ctx, h.db, t.ID); e != nil {
			return e
		}
	}
	if v.Facilitates && !t.Published() {
		cs, e := Candidates(ctx, h.db, t)
		if e != nil {
			return e
		}
		v.Candidates = []web.Option{{Value: "", Text: "Choose a member"}}
		for _, c := range cs {
			if c.Blocked == "" {
				v.Candidates = append(v.Candidates, web.Option{Value: fmt.Sprint(c.ID), Text: c.Name})
			} else if c.Blocked != "already on the team" {
				v.Blocked = append(v.Blocked, c)
			}
		}
	}
	if t.Published() {
		if v.Examples, e = ExamplesOf(ctx, h.db, t.ID); e != nil {
			return e
		}
		v.StrongUnits = []web.Option{{Value: "", Text: "Choose an indicator"}}
		for _, u := range v.Units {
			if a, ok := v.Agreed[u.ID]; ok && a.Level >= StrongLevel {
				v.StrongUnits = append(v.StrongUnits, web.Option{Value: fmt.Sprint(u.ID), Text: u.Label()})
			}
		}
	}
	return rd.Form(w, r, "evaluation/team", v, f, err)
}

func (h *Handlers) team(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.teamPage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) assign(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	t, me, err := h.teamFor(r, Team.Facilitates)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if err := Assign(ctx, h.db, t, formID(f, "person"), me, h.opt.Now()); err != nil {
		return h.teamPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "Evaluator added to the team.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/teams/%d", t.ID))
}

func (h *Handlers) publishFindings(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	t, me, err := h.teamFor(r, Team.Facilitates)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if err := PublishFindings(ctx, h.db, t, me, f.Get("findings"), f.Get("recommendations"), h.opt.Now()); err != nil {
		return h.teamPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "Findings published to "+t.CouncilName+".")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/teams/%d", t.ID))
}

func (h *Handlers) writeExample(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	t, me, err := h.teamFor(r, Team.Facilitates)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if _, err := WriteExample(ctx, h.db, t, me, formID(f, "indicator"), f.Get("example_title"), f.Get("example_body"), h.opt.Now()); err != nil {
		return h.teamPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "Example written. It is published when "+t.CouncilName+" agrees.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/teams/%d", t.ID))
}

// RateView is the form for rating every unit: an evaluator's own ratings, or the independent
// assessor's.
type RateView struct {
	web.Page
	Team    Team
	Action  string
	Intro   string
	Units   []UnitFields
	Private bool // the ratings are the evaluator's own, never shown to the council
}

// UnitFields are one unit's controls on a rating form.
type UnitFields struct {
	Unit
	Level, Evidence, Notes, Reason web.Field
	// Given are the evaluators' ratings, shown when moderating.
	Given []GivenRating
}

// GivenRating is an evaluator's rating as moderation shows it.
type GivenRating struct {
	Name string
	Rating
}

func unitFields(f web.Form, u Unit) UnitFields {
	field := func(name, label string) web.Field {
		return web.Field{Name: name, Label: label, Value: f.Get(name), Error: f.Error(name), Type: "text"}
	}
	uf := UnitFields{Unit: u, Level: field(levelField(u.ID), "Level for "+u.Label()), Evidence: field(evidenceField(u.ID), "Evidence for "+u.Label()),
		Notes: field(notesField(u.ID), "Notes on "+u.Label()+" (optional)"), Reason: field(reasonField(u.ID), "Reason for the agreed level")}
	uf.Level.Options = levelOptions(u)
	uf.Evidence.Hint = "What you saw, read or heard. Required for the top and bottom levels."
	uf.Reason.Hint = "Needed when the agreed level differs from every evaluator's rating."
	return uf
}

// ratingForm reads a posted rating form.
func ratingInputs(f web.Form, units []Unit) map[int64]RatingInput {
	in := map[int64]RatingInput{}
	for _, u := range units {
		in[u.ID] = RatingInput{IndicatorID: u.ID, Level: f.Get(levelField(u.ID)), Evidence: f.Get(evidenceField(u.ID)), Notes: f.Get(notesField(u.ID))}
	}
	return in
}

// ratingsForm fills a form with saved ratings, so a second visit shows the first answers.
func ratingsForm(rs map[int64]Rating) web.Form {
	f := web.Form{Values: url.Values{}}
	for id, x := range rs {
		f.Values.Set(levelField(id), strconv.Itoa(int(x.Level)))
		f.Values.Set(evidenceField(id), x.Evidence)
		f.Values.Set(notesField(id), x.Notes)
	}
	return f
}

func (h *Handlers) ratePage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, t Team, independent bool, f web.Form, err error) error {
	ctx := r.Context()
	units, e := UnitsOf(ctx, h.db, t.VersionID)
	if e != nil {
		return e
	}
	v := &RateView{Page: web.Page{Title: "Rate " + t.CouncilName, Back: fmt.Sprintf("/evaluation/teams/%d", t.ID), Form: f}, Team: t,
		Action: fmt.Sprintf("/evaluation/teams/%d/rate", t.ID), Private: true,
		Intro: "Rate each indicator on your own, from what you found. The team agrees its rating later; the council sees only the agreed rating, never yours."}
	if independent {
		v.Title, v.Action, v.Private = "Independent assessment of "+t.CouncilName, fmt.Sprintf("/evaluation/teams/%d/assess", t.ID), false
		v.Intro = "Rate each indicator independently of the peer evaluation. The council sees your ratings beside its own and the team's once the findings are published."
	}
	for _, u := range units {
		v.Units = append(v.Units, unitFields(v.Form, u))
	}
	return rd.Form(w, r, "evaluation/rate", v, f, err)
}

func (h *Handlers) rateForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	t, me, err := h.teamFor(r, Team.Evaluates)
	if err != nil {
		return err
	}
	rs, err := Ratings(r.Context(), h.db, t.ID)
	if err != nil {
		return err
	}
	mine := map[int64]Rating{}
	for _, x := range rs {
		if x.PersonID == me.PersonID {
			mine[x.IndicatorID] = x
		}
	}
	return h.ratePage(w, r, rd, t, false, ratingsForm(mine), nil)
}

func (h *Handlers) rate(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.saveRatings(w, r, rd, false)
}

// saveRatings saves an evaluator's own ratings, or with independent the assessor's, from the
// same form.
func (h *Handlers) saveRatings(w http.ResponseWriter, r *http.Request, rd *web.Renderer, independent bool) error {
	ctx := r.Context()
	may, submit, saved := Team.Evaluates, SubmitRatings, "Your ratings are saved."
	if independent {
		may, submit, saved = Team.Assesses, SubmitIndependent, "Independent assessment saved."
	}
	t, me, err := h.teamFor(r, may)
	if err != nil {
		return err
	}
	units, err := UnitsOf(ctx, h.db, t.VersionID)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if err := submit(ctx, h.db, t, me, ratingInputs(f, units), h.opt.Now()); err != nil {
		return h.ratePage(w, r, rd, t, independent, f, err)
	}
	web.SetFlash(w, saved)
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/teams/%d", t.ID))
}

func (h *Handlers) assessForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	t, _, err := h.teamFor(r, Team.Assesses)
	if err != nil {
		return err
	}
	ind, err := IndependentOf(r.Context(), h.db, t.ID)
	if err != nil {
		return err
	}
	saved := map[int64]Rating{}
	for id, a := range ind {
		saved[id] = Rating{Level: a.Level, Evidence: a.Reason}
	}
	return h.ratePage(w, r, rd, t, true, ratingsForm(saved), nil)
}

func (h *Handlers) assess(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.saveRatings(w, r, rd, true)
}

// ModerateView is the facilitator's form to agree the team's rating of each unit.
type ModerateView struct {
	web.Page
	Team      Team
	Units     []UnitFields
	Agreement Agreement
	Ready     bool
}

func (h *Handlers) moderatePage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, t Team, f web.Form, err error) error {
	ctx := r.Context()
	units, e := UnitsOf(ctx, h.db, t.VersionID)
	if e != nil {
		return e
	}
	rs, e := Ratings(ctx, h.db, t.ID)
	if e != nil {
		return e
	}
	nm, e := names(ctx, h.db, t.MemberIDs)
	if e != nil {
		return e
	}
	v := &ModerateView{Page: web.Page{Title: "Agree the team's ratings for " + t.CouncilName, Back: fmt.Sprintf("/evaluation/teams/%d", t.ID), Form: f, Wide: true},
		Team: t, Ready: true}
	if v.Agreement, e = TeamAgreement(ctx, h.db, t.ID); e != nil {
		return e
	}
	for _, u := range units {
		uf := unitFields(v.Form, u)
		uf.Level.Label = "Agreed level for " + u.Label()
		for _, x := range rs {
			if x.IndicatorID == u.ID {
				uf.Given = append(uf.Given, GivenRating{Name: nm[x.PersonID], Rating: x})
			}
		}
		v.Ready = v.Ready && len(uf.Given) >= 2
		v.Units = append(v.Units, uf)
	}
	return rd.Form(w, r, "evaluation/moderate", v, f, err)
}

func (h *Handlers) moderateForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	t, _, err := h.teamFor(r, Team.Facilitates)
	if err != nil {
		return err
	}
	agreed, err := AgreedOf(r.Context(), h.db, t.ID)
	if err != nil {
		return err
	}
	f := web.Form{Values: url.Values{}}
	for id, a := range agreed {
		f.Values.Set(levelField(id), strconv.Itoa(int(a.Level)))
		f.Values.Set(reasonField(id), a.Reason)
	}
	return h.moderatePage(w, r, rd, t, f, nil)
}

func (h *Handlers) moderate(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	t, me, err := h.teamFor(r, Team.Facilitates)
	if err != nil {
		return err
	}
	units, err := UnitsOf(ctx, h.db, t.VersionID)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in := map[int64]AgreedInput{}
	for _, u := range units {
		in[u.ID] = AgreedInput{IndicatorID: u.ID, Level: f.Get(levelField(u.ID)), Reason: f.Get(reasonField(u.ID))}
	}
	if err := Moderate(ctx, h.db, t, me, in, h.opt.Now()); err != nil {
		return h.moderatePage(w, r, rd, t, f, err)
	}
	web.SetFlash(w, "The team’s ratings are agreed.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/teams/%d", t.ID))
}
