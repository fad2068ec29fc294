package evaluation

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
	"roundtable/internal/standards"
)

// CouncilView is a council's evaluation page: its own, the peer and the independent rating of
// each indicator side by side, the findings, the training recommended, its action plan and
// the examples of its practice waiting for consent.
type CouncilView struct {
	web.Page
	text
	Council     directory.Council
	Team        Team // the latest published evaluation; zero when there is none
	InProgress  []Team
	Rows        []ComparisonRow
	Previous    string // the earlier cycle compared with, if any
	Recommended []Recommendation
	Booked      []Session
	Actions     []Action
	Examples    []Example
	Officer     bool
}

// ComparisonRow is one unit with the three ratings and the gaps between them.
type ComparisonRow struct {
	Unit
	Self, Peer, Independent *ladder.Level
	// Change is the agreed level's change since the previous published cycle, by key.
	Change *int
	Weak   string
}

// Show writes a rating, or "Not rated".
func (ComparisonRow) Show(l *ladder.Level) string {
	if l == nil {
		return "Not rated"
	}
	return fmt.Sprintf("%d: %s", *l, l.Name())
}

// Gap is b minus a in levels, signed, or "None" when either is missing.
func (ComparisonRow) Gap(a, b *ladder.Level) string {
	if a == nil || b == nil {
		return "None"
	}
	return signed(int(*b) - int(*a))
}

// ChangeText is the change since the previous cycle, signed.
func (r ComparisonRow) ChangeText() string {
	if r.Change == nil {
		return "None"
	}
	return signed(*r.Change)
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

func lvl(l ladder.Level) *ladder.Level { return &l }

func (h *Handlers) councilFor(r *http.Request, code string) (directory.Council, error) {
	c, err := directory.CouncilByCode(r.Context(), h.db, code)
	if err != nil {
		return c, err
	}
	me := auth.From(r.Context())
	if !Oversees(me) && !me.HasIn(auth.CouncilOfficer, c.OrganisationID) {
		return c, notFound()
	}
	return c, nil
}

func (h *Handlers) councilPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, code string, f web.Form, err error) error {
	ctx := r.Context()
	c, e := h.councilFor(r, code)
	if e != nil {
		return e
	}
	me := auth.From(ctx)
	v := &CouncilView{Page: web.Page{Title: "Evaluation of " + c.Name, Form: f, Wide: true}, Council: c, Officer: me.HasIn(auth.CouncilOfficer, c.OrganisationID)}
	ts, e := ListTeams(ctx, h.db, TeamFilter{CouncilGSS: c.GSSCode})
	if e != nil {
		return e
	}
	var published []Team
	for _, t := range ts {
		if t.Published() {
			published = append(published, t)
		} else {
			v.InProgress = append(v.InProgress, t)
		}
	}
	if len(published) > 0 {
		v.Team = published[0]
		if e := h.compare(r, v, published); e != nil {
			return e
		}
	}
	return rd.Form(w, r, "evaluation/council", v, f, err)
}

// compare fills the comparison, training, plan and examples of the latest published team.
func (h *Handlers) compare(r *http.Request, v *CouncilView, published []Team) error {
	ctx := r.Context()
	t := v.Team
	agreed, err := AgreedRatings(ctx, h.db, t)
	if err != nil {
		return err
	}
	self, err := standards.SelfAssessment(ctx, h.db, t.CouncilID, t.VersionID)
	if err != nil {
		return err
	}
	ind, err := IndependentOf(ctx, h.db, t.ID)
	if err != nil {
		return err
	}
	before := map[string]ladder.Level{}
	if len(published) > 1 {
		prev, err := AgreedRatings(ctx, h.db, published[1])
		if err != nil {
			return err
		}
		v.Previous = published[1].CycleTitle
		for _, p := range prev {
			before[p.Key] = p.Level
		}
	}
	var weak []AgreedRating
	for _, a := range agreed {
		row := ComparisonRow{Unit: a.Unit, Peer: lvl(a.Level), Weak: a.Weak}
		if i := slices.IndexFunc(self, func(s standards.SelfRating) bool { return s.IndicatorID == a.ID }); i >= 0 && a.ID != 0 {
			row.Self = lvl(self[i].Level)
		}
		if x, ok := ind[a.ID]; ok {
			row.Independent = lvl(x.Level)
		}
		if b, ok := before[a.Key]; ok {
			ch := int(a.Level) - int(b)
			row.Change = &ch
		}
		if a.Weak != "" {
			weak = append(weak, a)
		}
		v.Rows = append(v.Rows, row)
	}
	ms, err := Modules(ctx, h.db, h.opt.Now())
	if err != nil {
		return err
	}
	v.Recommended = Recommended(ms, weak)
	if v.Booked, err = CouncilBookings(ctx, h.db, t.CouncilGSS); err != nil {
		return err
	}
	if v.Actions, err = Actions(ctx, h.db, t.ID); err != nil {
		return err
	}
	v.Examples, err = ExamplesOf(ctx, h.db, t.ID)
	return err
}

func (h *Handlers) council(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.councilPage(w, r, rd, r.PathValue("code"), web.Form{}, nil)
}

// officerTeam reads the team the request names for an officer of its council.
func (h *Handlers) officerTeam(r *http.Request) (Team, *auth.Identity, error) {
	return h.teamFor(r, Team.OfCouncil)
}

func (h *Handlers) addAction(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	t, me, err := h.officerTeam(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	due, msg := parseDateInput(f, "due", "due date", false)
	_, err = AddAction(ctx, h.db, t, me, NewAction{Action: f.Get("what"), Owner: f.Get("owner"), DueOn: due}, h.opt.Now())
	if err = withDate(err, "due", msg); err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return h.councilPage(w, r, rd, t.CouncilGSS, f, err)
	}
	web.SetFlash(w, "Action added to the plan.")
	return web.Redirect(w, r, "/evaluation/councils/"+t.CouncilGSS+"#plan")
}

func (h *Handlers) actionDone(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	t, me, err := h.officerTeam(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "action")
	if err != nil {
		return err
	}
	if err := MarkDone(r.Context(), h.db, t, me, id, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Action marked as done.")
	return web.Redirect(w, r, "/evaluation/councils/"+t.CouncilGSS+"#plan")
}

func (h *Handlers) publishPlan(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	t, me, err := h.officerTeam(r)
	if err != nil {
		return err
	}
	if err := PublishPlan(r.Context(), h.db, t, me, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Action plan published to the evaluation team and the funder.")
	return web.Redirect(w, r, "/evaluation/councils/"+t.CouncilGSS+"#plan")
}

func (h *Handlers) consentExample(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	id, err := pathID(r, "example")
	if err != nil {
		return err
	}
	e, err := ConsentToExample(r.Context(), h.db, auth.From(r.Context()), id, h.opt.Now())
	if err != nil {
		return err
	}
	web.SetFlash(w, "Thank you. The example is published for other councils to learn from.")
	return web.Redirect(w, r, "/evaluation/councils/"+e.CouncilGSS)
}

// SupportView is the funder's national list of councils needing support.
type SupportView struct {
	web.Page
	Needs []SupportNeed
}

func (h *Handlers) support(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ns, err := CouncilsNeedingSupport(r.Context(), h.db)
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "evaluation/support", &SupportView{Page: web.Page{Title: "Councils that may need support", Back: "/evaluation", Wide: true}, Needs: ns})
}

// PracticeView lists published examples of strong practice.
type PracticeView struct {
	web.Page
	text
	Examples []ExampleRow
}

// ExampleRow is a published example with the indicator it shows.
type ExampleRow struct {
	Example
	Unit string
}

func (h *Handlers) practice(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	es, err := PublishedExamples(ctx, h.db)
	if err != nil {
		return err
	}
	v := &PracticeView{Page: web.Page{Title: "Examples of strong co-production"}}
	labels := map[int64]map[int64]string{}
	for _, e := range es {
		if labels[e.VersionID] == nil {
			us, err := UnitsOf(ctx, h.db, e.VersionID)
			if err != nil {
				return err
			}
			labels[e.VersionID] = map[int64]string{}
			for _, u := range us {
				labels[e.VersionID][u.ID] = u.Label()
			}
		}
		v.Examples = append(v.Examples, ExampleRow{Example: e, Unit: labels[e.VersionID][e.IndicatorID]})
	}
	return rd.Render(w, r, http.StatusOK, "evaluation/practice", v)
}

// TrainingView lists the training modules and their coming sessions.
type TrainingView struct {
	web.Page
	Modules  []Module
	Manages  bool
	ModuleID string // the module whose session form shows errors
	// Blank is the empty form the other forms on the page show.
	Blank         web.Form
	OnlineOptions []web.Option
}

func (h *Handlers) trainingPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, moduleID string, err error) error {
	ms, e := Modules(r.Context(), h.db, h.opt.Now())
	if e != nil {
		return e
	}
	v := &TrainingView{Page: web.Page{Title: "Training on co-production", Form: f}, Modules: ms, Manages: Oversees(auth.From(r.Context())), ModuleID: moduleID,
		OnlineOptions: []web.Option{{Value: "yes", Text: "Yes, online"}, {Value: "no", Text: "No, in person"}}}
	return rd.Form(w, r, "evaluation/training", v, f, err)
}

func (h *Handlers) training(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	// ?module=ID opens that module's form for a new session.
	module := ""
	if id, err := strconv.ParseInt(r.URL.Query().Get("module"), 10, 64); err == nil && id > 0 {
		module = strconv.FormatInt(id, 10)
	}
	return h.trainingPage(w, r, rd, web.Form{}, module, nil)
}

func (h *Handlers) createModule(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	n := NewModule{Title: f.Get("module_title"), Summary: f.Get("summary"), Audience: f.Get("audience"), Keys: ParseKeys(f.Get("keys"))}
	if _, err := CreateModule(ctx, h.db, n, auth.From(ctx), h.opt.Now()); err != nil {
		return h.trainingPage(w, r, rd, f, "", err)
	}
	web.SetFlash(w, "Training module added.")
	return web.Redirect(w, r, "/evaluation/training")
}

func (h *Handlers) createSession(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	mid, err := pathID(r, "module")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	starts, msg := parseDateInput(f, "starts", "start date", true)
	capacity, _ := strconv.Atoi(f.Get("capacity"))
	n := NewSession{StartsAt: starts, Place: f.Get("place"), Online: f.Get("online") == "yes", Capacity: capacity,
		Trainers: f.Get("trainers"), CoTrainers: f.Get("co_trainers")}
	_, err = CreateSession(ctx, h.db, mid, n, auth.From(ctx), h.opt.Now())
	if err = withDate(err, "starts", msg); err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		return h.trainingPage(w, r, rd, f, fmt.Sprint(mid), err)
	}
	web.SetFlash(w, "Session added.")
	return web.Redirect(w, r, "/evaluation/training")
}

// SessionView is a training session's page.
type SessionView struct {
	web.Page
	Session  Session
	Bookings []Booking
	Manages  bool
	CanBook  bool
	Mine     bool
	Started  bool
}

func (h *Handlers) sessionFor(r *http.Request) (Session, error) {
	id, err := pathID(r, "session")
	if err != nil {
		return Session{}, err
	}
	return GetSession(r.Context(), h.db, id)
}

func (h *Handlers) session(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	s, err := h.sessionFor(r)
	if err != nil {
		return err
	}
	me := auth.From(ctx)
	now := h.opt.Now()
	v := &SessionView{Page: web.Page{Title: s.ModuleTitle, Back: "/evaluation/training"}, Session: s, Manages: Oversees(me),
		CanBook: me.Has(auth.CouncilOfficer), Started: !s.StartsAt.After(now)}
	bs, err := Bookings(ctx, h.db, s.ID)
	if err != nil {
		return err
	}
	for _, b := range bs {
		v.Mine = v.Mine || b.PersonID == me.PersonID
	}
	if v.Manages {
		v.Bookings = bs // only the organisers see who booked
	}
	return rd.Render(w, r, http.StatusOK, "evaluation/session", v)
}

func (h *Handlers) book(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	s, err := h.sessionFor(r)
	if err != nil {
		return err
	}
	me := auth.From(ctx)
	var council directory.Organisation
	for _, id := range me.OrganisationsFor(auth.CouncilOfficer) {
		if o, err := directory.OrganisationByID(ctx, h.db, id); err == nil && o.CouncilCode != "" {
			council = o
			break
		}
	}
	if council.ID == 0 {
		return errs.New(errs.Forbidden, "Only council staff can book training.")
	}
	if err := Book(ctx, h.db, s, me, council.ID, council.CouncilCode, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Your place is booked.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/training/sessions/%d", s.ID))
}

func (h *Handlers) attendance(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	s, err := h.sessionFor(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	var came []int64
	for _, p := range f.Values["attended"] {
		id, _ := strconv.ParseInt(p, 10, 64)
		came = append(came, id)
	}
	if err := RecordAttendance(ctx, h.db, s, auth.From(ctx), came, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Attendance recorded.")
	return web.Redirect(w, r, fmt.Sprintf("/evaluation/training/sessions/%d", s.ID))
}
