package funding

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Register adds the funding routes. Programmes are drafted and published by the funder;
// councils' officers fill in bids and keep the co-production log; anyone signed in sees
// published programmes and the bids they took part in once submitted.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	wrap := func(f func(http.ResponseWriter, *http.Request, *web.Renderer) error) web.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return f(w, r, rd) }
	}
	funder := web.Roles(auth.Funder)
	officer := web.Roles(auth.CouncilOfficer)
	rt.Handle("GET /funding", web.SignedIn, wrap(h.home))
	rt.Handle("GET /funding/took-part", web.SignedIn, wrap(h.tookPart))
	rt.Handle("GET /funding/programmes/new", funder, wrap(h.newProgrammeForm))
	rt.Handle("POST /funding/programmes/new", funder, wrap(h.createProgramme))
	rt.Handle("GET /funding/programmes/{id}", web.SignedIn, wrap(h.programme))
	rt.Handle("GET /funding/programmes/{id}/edit", funder, wrap(h.editProgrammeForm))
	rt.Handle("POST /funding/programmes/{id}/edit", funder, wrap(h.editProgramme))
	rt.Handle("POST /funding/programmes/{id}/pots", funder, wrap(h.addPot))
	rt.Handle("POST /funding/programmes/{id}/publish", funder, wrap(h.publish))
	rt.Handle("POST /funding/programmes/{id}/bids", officer, wrap(h.startBid))
	rt.Handle("GET /funding/bids/{id}", web.SignedIn, wrap(h.bid))
	rt.Handle("GET /funding/bids/{id}/sections/{section}", officer, wrap(h.sectionForm))
	rt.Handle("POST /funding/bids/{id}/sections/{section}", officer, wrap(h.saveSection))
	rt.Handle("GET /funding/bids/{id}/check", officer, wrap(h.check))
	rt.Handle("POST /funding/bids/{id}/submit", officer, wrap(h.submit))
	rt.Handle("POST /funding/bids/{id}/group", officer, wrap(h.linkGroup))
	rt.Handle("GET /funding/bids/{id}/pack", web.SignedIn, wrap(h.pack))
	rt.Handle("GET /funding/bids/{id}/log.csv", web.SignedIn, wrap(h.logCSV))
	rt.Handle("POST /funding/programmes/{id}/assessors", funder, wrap(h.addAssessor))
	rt.Handle("GET /funding/programmes/{id}/report", funder, wrap(h.report))
	rt.Handle("GET /funding/assess", web.SignedIn, wrap(h.assessList))
	rt.Handle("GET /funding/bids/{id}/assess", web.SignedIn, wrap(h.assessPage))
	rt.Handle("POST /funding/bids/{id}/conflict", web.SignedIn, wrap(h.declare))
	rt.Handle("POST /funding/bids/{id}/score", web.SignedIn, wrap(h.score))
	rt.Handle("GET /funding/bids/{id}/moderate", funder, wrap(h.moderatePage))
	rt.Handle("POST /funding/bids/{id}/moderate", funder, wrap(h.moderate))
	rt.Handle("GET /funding/bids/{id}/outcome", web.SignedIn, wrap(h.outcome))
	rt.Handle("GET /funding/support", web.Roles(auth.CouncilOfficer, auth.Funder), wrap(h.support))
	rt.Handle("POST /funding/support", officer, wrap(h.ask))
	rt.Handle("POST /funding/support/{id}/answer", funder, wrap(h.answer))
	rt.Handle("GET /funding/log", officer, wrap(h.log))
	rt.Handle("GET /funding/log/new", officer, wrap(h.newActivityForm))
	rt.Handle("POST /funding/log/new", officer, wrap(h.createActivity))
	rt.Handle("GET /funding/log/{id}", officer, wrap(h.activity))
	rt.Handle("POST /funding/log/{id}/participants", officer, wrap(h.addParticipant))
	rt.Handle("POST /funding/log/{id}/group", officer, wrap(h.addGroup))
	rt.Handle("POST /funding/bids/{id}/thanks", officer, wrap(h.thank))
	rt.Handle("POST /funding/log/{id}/contributions", officer, wrap(h.addContribution))
	rt.Handle("POST /funding/log/{id}/contributions/{cid}/response", officer, wrap(h.respond))
	rt.Handle("GET /funding/my-words", web.SignedIn, wrap(h.myWords))
	rt.Handle("POST /funding/my-words/{id}", web.SignedIn, wrap(h.chooseAttribution))
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "Not found.")
	}
	return id, nil
}

// councilOf returns the council the signed-in officer works for; NotFound when they work for
// none.
// logForm reads what every change to an activity in the co-production log starts from: the
// posted form, the officer's council and the activity named in the path.
func (h *Handlers) logForm(r *http.Request) (web.Form, directory.Organisation, int64, error) {
	f := web.NewForm(r)
	c, err := h.councilOf(r.Context(), auth.From(r.Context()))
	if err != nil {
		return f, c, 0, err
	}
	aid, err := pathID(r, "id")
	return f, c, aid, err
}

func (h *Handlers) councilOf(ctx context.Context, id *auth.Identity) (directory.Organisation, error) {
	for _, orgID := range id.OrganisationsFor(auth.CouncilOfficer) {
		o, err := directory.OrganisationByID(ctx, h.db, orgID)
		if err != nil {
			return o, err
		}
		if o.Type == directory.CouncilType {
			return o, nil
		}
	}
	return directory.Organisation{}, errs.New(errs.NotFound, "You do not work for a council.")
}

// ---- home ----

// HomeView is the funding start page.
type HomeView struct {
	web.Page
	Programmes []Programme
	// Pager pages the programmes.
	Pager   web.Pager
	Funder  bool
	Council directory.Organisation
	Bids    []Bid
	// TookPart are the newest few of TookPartCount bids the person helped shape; all of them
	// are on /funding/took-part.
	TookPart      []Bid
	TookPartCount int
	Now           time.Time
	// Assessing counts the submitted bids the person is asked to assess.
	Assessing int
}

// BidRows are the rows of the council's table of bids, written by Go rather than cell by cell
// by html/template: a council may have a bid to each of a hundred programmes.
func (v *HomeView) BidRows() template.HTML {
	var b strings.Builder
	b.Grow(300 * len(v.Bids)) // a row's length, so the builder is not copied as it grows
	for _, bid := range v.Bids {
		id := strconv.FormatInt(bid.ID, 10)
		b.WriteString("\n  <tr class=\"govuk-table__row\">\n    <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/funding/bids/" + id + "\">")
		if bid.Title != "" {
			b.WriteString(html.EscapeString(bid.Title))
		} else {
			b.WriteString("Bid " + id)
		}
		b.WriteString("</a></td>\n    <td class=\"govuk-table__cell\">")
		if bid.Submitted() {
			b.WriteString(`<strong class="govuk-tag govuk-tag--green">Submitted</strong>`)
		} else {
			b.WriteString(`<strong class="govuk-tag govuk-tag--blue">Draft</strong>`)
		}
		b.WriteString("</td>\n  </tr>\n  ")
	}
	return template.HTML(b.String())
}

// TookPartShown is how many of the bids a person helped shape their pages list, newest first.
const TookPartShown = 5

// TookPartView lists the bids a person helped shape, a page at a time.
type TookPartView struct {
	web.Page
	Bids  []Bid
	Count int
	Pager web.Pager
}

func (h *Handlers) tookPart(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	id := auth.From(r.Context())
	v := &TookPartView{Page: web.Page{Title: "Bids you helped shape", Back: "/funding"}, Pager: web.PageFrom(r, 20, "Pages of bids you helped shape")}
	var err error
	if v.Bids, v.Count, err = TookPartIn(r.Context(), h.db, id.PersonID, v.Pager.Limit(), v.Pager.Offset()); err != nil {
		return err
	}
	if err := v.Pager.Count(r, v.Count, "bids you helped shape"); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/took-part", v)
}

// programmesPerPage is how many programmes the funding page lists at a time.
const programmesPerPage = 20

func (h *Handlers) home(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	id := auth.From(ctx)
	v := &HomeView{Page: web.Page{Title: "Funding"}, Funder: id.Has(auth.Funder), Now: h.opt.Now()}
	var err error
	v.Pager = web.PageFrom(r, programmesPerPage, "Pages of programmes")
	if v.Programmes, err = ProgrammesPage(ctx, h.db, v.Funder, programmesPerPage+1, v.Pager.Offset()); err != nil {
		return err
	}
	more := len(v.Programmes) > programmesPerPage
	if more {
		v.Programmes = v.Programmes[:programmesPerPage]
	}
	v.Pager.More(r, more)
	if id.Has(auth.CouncilOfficer) {
		if c, err := h.councilOf(ctx, id); err == nil {
			v.Council = c
			if v.Bids, err = BidHeadingsOfCouncil(ctx, h.db, c.ID); err != nil {
				return err
			}
		}
	}
	if v.TookPart, v.TookPartCount, err = TookPartIn(ctx, h.db, id.PersonID, TookPartShown, 0); err != nil {
		return err
	}
	if v.Assessing, err = CountBidsToAssess(ctx, h.db, id.PersonID); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/home", v)
}

// ---- programmes ----

// ProgrammeFormView is the form for a new programme.
type ProgrammeFormView struct {
	web.Page
	Types []TypeOption
	// Action is where the form posts: creating, or changing a draft.
	Action string
	// Rubric is shown, with each level's description to change, when changing a draft.
	Rubric []Level
}

// TypeOption is a checkbox for a stakeholder type.
type TypeOption struct {
	Value, Text string
	Checked     bool
}

func typeOptions(chosen []string) []TypeOption {
	var out []TypeOption
	for _, t := range directory.StakeholderTypes {
		c := false
		for _, s := range chosen {
			c = c || s == string(t)
		}
		out = append(out, TypeOption{Value: string(t), Text: t.Label(), Checked: c})
	}
	return out
}

func (h *Handlers) newProgrammeForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	f := web.Form{Values: url.Values{"opens-time": {"09:00"}, "closes-time": {"23:59"}}}
	v := programmeForm("Create a funding programme", "/funding/programmes/new", f, nil)
	return rd.Render(w, r, http.StatusOK, "funding/programme-new", v)
}

// parseDateTime reads a GOV.UK date input (name-day, name-month, name-year) and a 24-hour
// time (name-time) as a time in London. It returns a message when the date does not exist.
func parseDateTime(f web.Form, name, label string) (time.Time, string) {
	ds, ms, ys, ts := f.Get(name+"-day"), f.Get(name+"-month"), f.Get(name+"-year"), f.Get(name+"-time")
	if ds == "" && ms == "" && ys == "" {
		return time.Time{}, "Enter the " + label
	}
	d, err1 := strconv.Atoi(ds)
	m, err2 := strconv.Atoi(ms)
	y, err3 := strconv.Atoi(ys)
	if err1 != nil || err2 != nil || err3 != nil || y < 2000 || y > 2100 {
		return time.Time{}, "The " + label + " must be a real date, like 20 8 2020"
	}
	hh, mm := 0, 0
	if ts != "" {
		hs, ms2, ok := strings.Cut(ts, ":")
		var e1, e2 error
		hh, e1 = strconv.Atoi(hs)
		mm, e2 = strconv.Atoi(ms2)
		if !ok || e1 != nil || e2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
			return time.Time{}, "The time of the " + label + " must use the 24-hour clock, like 23:59"
		}
	}
	t := time.Date(y, time.Month(m), d, hh, mm, 0, 0, london)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return time.Time{}, "The " + label + " must be a real date, like 20 8 2020"
	}
	return t, ""
}

func parseDate(f web.Form, name, label string) (time.Time, string) {
	g := web.Form{Values: url.Values{name + "-day": {f.Get(name + "-day")}, name + "-month": {f.Get(name + "-month")},
		name + "-year": {f.Get(name + "-year")}, name + "-time": {"12:00"}}}
	return parseDateTime(g, name, label)
}

// readProgramme reads the programme form, the same for creating and for changing a draft.
func readProgramme(f web.Form) (NewProgramme, *errs.Validation) {
	p := NewProgramme{Name: f.Get("name"), Purpose: f.Get("purpose")}
	v := &errs.Validation{}
	var msg string
	if p.OpensAt, msg = parseDateTime(f, "opens", "opening date"); msg != "" {
		v.Add("opens", msg)
	}
	if p.ClosesAt, msg = parseDateTime(f, "closes", "closing date"); msg != "" {
		v.Add("closes", msg)
	}
	if s := strings.ReplaceAll(f.Get("homes"), ",", ""); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			v.Add("homes", "The target number of homes must be a whole number more than 0")
		}
		p.HomesTarget = n
	}
	for _, t := range f.Values["types"] {
		p.RequiredTypes = append(p.RequiredTypes, directory.StakeholderType(t))
	}
	for _, c := range strings.FieldsFunc(strings.ToUpper(f.Get("eligible")), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		p.Eligible = append(p.Eligible, c)
	}
	for _, q := range strings.Split(f.Get("questions"), "\n") {
		if q = strings.TrimSpace(q); q != "" {
			p.Questions = append(p.Questions, q)
		}
	}
	ValidateProgramme(p, v)
	return p, v
}

func (h *Handlers) createProgramme(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	p, v := readProgramme(f)
	err := v.Err()
	var id int64
	if err == nil {
		id, err = CreateProgramme(ctx, h.db, auth.From(ctx), p, h.opt.Now())
	}
	if err != nil {
		ff, ok := f.WithError(err)
		if !ok {
			return err
		}
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/programme-new", programmeForm("Create a funding programme", "/funding/programmes/new", ff, nil))
	}
	web.SetFlash(w, "Programme created as a draft. Add its pots of money, then publish it.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/programmes/%d", id))
}

// programmeBidsPerPage is how many bids the funder sees on a page of a programme: a national
// programme has hundreds.
const programmeBidsPerPage = 25

// ProgrammeView is one programme's page.
type ProgrammeView struct {
	web.Page
	Programme Programme
	Funder    bool
	Now       time.Time
	TimeLeft  string
	Council   directory.Organisation
	Bid       *Bid
	// Bids are the funder's page of the programme's bids (Pager), of BidCount.
	Bids      []Bid
	BidCount  int
	Pager     web.Pager
	Kinds     []web.Option
	Error     string
	Assessors []Assessor
	// EligibleNames names the councils that may bid, when not every council may.
	EligibleNames []string
	// CanBid is true when the signed-in officer's council may bid.
	CanBid bool
	// Candidates are the people the funder can ask to assess: assessors, members with lived
	// experience and the funder's own staff.
	Candidates []web.Option
	// FindMember says the panel members are too many to list, so the funder finds them by
	// name (MemberName) first.
	FindMember   bool
	MemberName   string
	MembersFound int
}

func (h *Handlers) programmeView(r *http.Request, f web.Form) (*ProgrammeView, error) {
	ctx := r.Context()
	id := auth.From(ctx)
	pid, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	funder := id.Has(auth.Funder)
	p, err := GetProgramme(ctx, h.db, pid, funder)
	if err != nil {
		return nil, err
	}
	now := h.opt.Now()
	v := &ProgrammeView{Page: web.Page{Title: p.Name, Back: "/funding", Form: f}, Programme: p, Funder: funder, Now: now,
		TimeLeft: TimeLeft(now, p.ClosesAt),
		Kinds:    []web.Option{{Value: "capital", Text: "Capital", Hint: "For buying or building homes."}, {Value: "revenue", Text: "Revenue", Hint: "For support and running costs."}}}
	if funder && p.Published() {
		v.Pager = web.PageFrom(r, programmeBidsPerPage, "Pages of bids")
		if v.Bids, v.BidCount, err = BidsOfProgrammePage(ctx, h.db, p.ID, v.Pager.Limit(), v.Pager.Offset()); err != nil {
			return nil, err
		}
		if err := v.Pager.Count(r, v.BidCount, "bids"); err != nil {
			return nil, err
		}
	}
	if funder {
		if v.Assessors, err = Assessors(ctx, h.db, p.ID); err != nil {
			return nil, err
		}
		v.MemberName = strings.TrimSpace(r.URL.Query().Get("member"))
		if v.Candidates, v.FindMember, v.MembersFound, err = h.candidates(ctx, v.MemberName); err != nil {
			return nil, err
		}
	}
	for _, code := range p.Eligible {
		c, err := directory.CouncilByCode(ctx, h.db, code)
		if err != nil {
			return nil, err
		}
		v.EligibleNames = append(v.EligibleNames, c.Name)
	}
	if id.Has(auth.CouncilOfficer) {
		if c, err := h.councilOf(ctx, id); err == nil {
			v.Council = c
			v.CanBid = p.EligibleCouncil(c.CouncilCode)
			if v.Bid, err = BidOfCouncil(ctx, h.db, p.ID, c.ID); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

func (h *Handlers) programme(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.programmeView(r, web.Form{})
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/programme", v)
}

func (h *Handlers) addPot(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := NewPot{Name: f.Get("pot_name"), Kind: f.Get("kind")}
	var v errs.Validation
	for _, fld := range []struct {
		name, label string
		dst         *int64
	}{{"amount", "The amount in the pot", &p.AmountPence}, {"limit", "The limit for one bid", &p.BidLimitPence}} {
		if n, msg := ParsePounds(f.Get(fld.name)); msg != "" && msg != "empty" {
			v.Add(fld.name, fld.label+" "+msg)
		} else {
			*fld.dst = n
		}
	}
	err = v.Err()
	if err == nil {
		err = AddPot(ctx, h.db, auth.From(ctx), pid, p, h.opt.Now())
	}
	if err != nil {
		ff, ok := f.WithError(err)
		if !ok || errs.Is(err, errs.Conflict) {
			return err
		}
		view, verr := h.programmeView(r, ff)
		if verr != nil {
			return verr
		}
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/programme", view)
	}
	web.SetFlash(w, "Pot added.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/programmes/%d", pid))
}

func (h *Handlers) publish(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := Publish(ctx, h.db, auth.From(ctx), pid, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Programme published. Councils can see it now.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/programmes/%d", pid))
}

func (h *Handlers) startBid(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.councilOf(ctx, auth.From(ctx))
	if err != nil {
		return err
	}
	id, err := StartBid(ctx, h.db, auth.From(ctx), pid, c.ID, h.opt.Now())
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d", id))
}

// TimeLeft says how long is left before the deadline, in words, or that it has passed.
func TimeLeft(now, deadline time.Time) string {
	d := deadline.Sub(now)
	if d <= 0 {
		return "The deadline has passed"
	}
	days := int(d / (24 * time.Hour))
	hrs := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + one + "s"
	}
	switch {
	case days > 0:
		return unit(days, "day") + " and " + unit(hrs, "hour") + " left"
	case hrs > 0:
		return unit(hrs, "hour") + " and " + unit(mins, "minute") + " left"
	case mins > 0:
		return unit(mins, "minute") + " left"
	}
	return "Less than a minute left"
}

// ---- bids ----

// access is what the signed-in person may do with a bid.
type access struct {
	Edit   bool // the bid's council
	See    bool
	Assess bool // an assessor of the bid's programme
}

// visibleBid loads a bid and decides what the signed-in person may do with it: the bid's own
// council's officers may edit it; the funder sees submitted bids; a person who took part in
// its co-production sees it once submitted. Anyone else gets not found, so nothing leaks.
func (h *Handlers) visibleBid(r *http.Request) (Bid, Programme, access, error) {
	ctx := r.Context()
	id := auth.From(ctx)
	bid, err := pathID(r, "id")
	if err != nil {
		return Bid{}, Programme{}, access{}, err
	}
	b, err := GetBid(ctx, h.db, bid)
	if err != nil {
		return b, Programme{}, access{}, err
	}
	var a access
	switch {
	case id.HasIn(auth.CouncilOfficer, b.CouncilID):
		a = access{Edit: true, See: true}
	case b.Submitted() && id.Has(auth.Funder):
		a.See = true
	case b.Submitted():
		took, err := TookPart(ctx, h.db, b.ID, id.PersonID)
		if err != nil {
			return b, Programme{}, a, err
		}
		assesses, err := IsAssessor(ctx, h.db.Read, b.ProgrammeID, id.PersonID)
		if err != nil {
			return b, Programme{}, a, err
		}
		a.See = took || assesses
		a.Assess = assesses
	}
	if !a.See {
		return Bid{}, Programme{}, a, errs.New(errs.NotFound, "No such bid.")
	}
	p, err := GetProgramme(ctx, h.db, b.ProgrammeID, true)
	return b, p, a, err
}

// BidView is a bid's task list, or for those who only see it, the bid itself.
type BidView struct {
	web.Page
	Bid       Bid
	Programme Programme
	Access    access
	Sections  []Section
	Now       time.Time
	TimeLeft  string
	Closed    bool
	Completed int
	Evidence  Evidence
	Pack      bool
	// Participant is true for someone who took part, who sees what happened to what they said.
	Participant bool
	Mine        []Contribution
	// Decided is true once the bid has an outcome.
	Decided bool
	// CanExport is true for those who may download the log: the council and the funder.
	CanExport bool
	// Thanks lists the named people who took part and when each was thanked; Anonymous
	// counts those who took part unnamed.
	Thanks    []Thanked
	Anonymous int64
	// ThankedAt is when the council thanked the signed-in participant.
	ThankedAt time.Time
	// Groups are the standing groups the council may link to the bid in one step.
	Groups []web.Option
}

// Editable reports whether the council can still change the bid.
func (v *BidView) Editable() bool { return v.Access.Edit && !v.Closed && !v.Bid.Submitted() }

func (h *Handlers) bidView(r *http.Request, title string) (*BidView, error) {
	b, p, a, err := h.visibleBid(r)
	if err != nil {
		return nil, err
	}
	now := h.opt.Now()
	v := &BidView{Page: web.Page{Title: title, Back: "/funding"}, Bid: b, Programme: p, Access: a, Sections: b.Sections(),
		Now: now, TimeLeft: TimeLeft(now, p.ClosesAt), Closed: p.Closed(now), CanExport: a.Edit || auth.From(r.Context()).Has(auth.Funder)}
	for _, s := range v.Sections {
		if s.Status == "Completed" {
			v.Completed++
		}
	}
	// The council's task list does not show the evidence; every other view does.
	if !a.Edit || title != "" {
		if v.Evidence, err = BuildEvidence(r.Context(), h.db, b, p); err != nil {
			return nil, err
		}
	}
	if b.Submitted() {
		as, err := GetAssessment(r.Context(), h.db, b.ID)
		if err != nil {
			return nil, err
		}
		v.Decided = as.Outcome != nil
		if v.Thanks, v.Anonymous, err = Thanks(r.Context(), h.db, b.ID); err != nil {
			return nil, err
		}
		me := auth.From(r.Context()).PersonID
		for _, t := range v.Thanks {
			if t.PersonID == me {
				v.ThankedAt = t.At
			}
		}
	}
	if v.Editable() {
		c, err := h.councilOf(r.Context(), auth.From(r.Context()))
		if err != nil {
			return nil, err
		}
		if v.Groups, err = h.groupOptions(r.Context(), c); err != nil {
			return nil, err
		}
	}
	if !a.Edit {
		me := auth.From(r.Context()).PersonID
		for _, act := range v.Evidence.Activities {
			for _, c := range act.Contributions {
				if c.PersonID == me {
					v.Mine = append(v.Mine, c)
				}
			}
			for _, pp := range act.Participants {
				v.Participant = v.Participant || pp.PersonID == me
			}
		}
	}
	return v, nil
}

func (h *Handlers) bid(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.bidView(r, "")
	if err != nil {
		return err
	}
	if v.Access.Edit {
		v.Title = "Your bid to " + v.Programme.Name
		return rd.Render(w, r, http.StatusOK, "funding/bid", v)
	}
	v.Title = v.Bid.CouncilName + ": bid to " + v.Programme.Name
	return rd.Render(w, r, http.StatusOK, "funding/check", v)
}

func (h *Handlers) check(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.bidView(r, "Check your answers before you submit the bid")
	if err != nil {
		return err
	}
	if !v.Access.Edit {
		return errs.New(errs.NotFound, "No such bid.")
	}
	v.Back = fmt.Sprintf("/funding/bids/%d", v.Bid.ID)
	return rd.Render(w, r, http.StatusOK, "funding/check", v)
}

func (h *Handlers) pack(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.bidView(r, "Evidence pack")
	if err != nil {
		return err
	}
	v.Title = "Evidence pack: " + v.Bid.CouncilName
	v.Pack = true
	v.Back = fmt.Sprintf("/funding/bids/%d", v.Bid.ID)
	return rd.Render(w, r, http.StatusOK, "funding/check", v)
}

// SectionView is one section's form.
type SectionView struct {
	web.Page
	Bid        Bid
	Programme  Programme
	Section    Section
	Activities []Activity
	Chosen     map[int64]bool
	Evidence   Evidence
	Completed  []web.Option
}

func (h *Handlers) sectionView(r *http.Request, f web.Form) (*SectionView, error) {
	v, err := h.bidView(r, "Section")
	if err != nil {
		return nil, err
	}
	if !v.Access.Edit {
		return nil, errs.New(errs.NotFound, "No such bid.")
	}
	if v.Bid.Submitted() {
		return nil, errs.New(errs.Conflict, "This bid was submitted at %s, so it can no longer be changed.", web.FormatDeadline(v.Bid.SubmittedAt))
	}
	if v.Closed {
		return nil, errs.New(errs.Conflict, "The deadline for this programme was %s. The bid can no longer be changed.", web.FormatDeadline(v.Programme.ClosesAt))
	}
	key := r.PathValue("section")
	var sec Section
	for _, s := range v.Sections {
		if s.Key == key {
			sec = s
		}
	}
	if sec.Key == "" {
		return nil, errs.New(errs.NotFound, "No such section.")
	}
	b := v.Bid
	if f.Values == nil {
		f.Values = url.Values{"title": {b.Title}, "summary": {b.Summary}, "contact": {b.Contact}, "support": {b.Support},
			"evidence": {b.Evidence}, "declared_by": {b.DeclaredBy}}
		if b.Homes > 0 {
			f.Values.Set("homes", strconv.FormatInt(b.Homes, 10))
		}
		for pot, a := range b.Amounts {
			f.Values.Set(fmt.Sprintf("pot-%d", pot), strconv.FormatInt(a/100, 10))
		}
		if b.Declared {
			f.Values.Set("declared", "yes")
		}
		for _, a := range b.ActivityIDs {
			f.Values.Add("activities", strconv.FormatInt(a, 10))
		}
		if b.Done[key] {
			f.Values.Set("completed", "yes")
		}
	}
	sv := &SectionView{Page: web.Page{Title: sec.Name, Back: fmt.Sprintf("/funding/bids/%d", b.ID), Form: f}, Bid: b, Programme: v.Programme,
		Section: sec, Evidence: v.Evidence, Chosen: map[int64]bool{},
		Completed: []web.Option{{Value: "yes", Text: "Yes, I have completed this section"}, {Value: "no", Text: "No, I will come back to it later"}}}
	for _, a := range f.Values["activities"] {
		if n, err := strconv.ParseInt(a, 10, 64); err == nil {
			sv.Chosen[n] = true
		}
	}
	if key == "evidence" {
		// Activities from the last 12 months can be evidence, including those logged for the
		// council's homelessness strategy.
		all, err := Activities(r.Context(), h.db, b.CouncilID)
		if err != nil {
			return nil, err
		}
		since := h.opt.Now().AddDate(-1, 0, 0)
		for _, a := range all {
			if !a.HeldOn.Before(since) || sv.Chosen[a.ID] {
				sv.Activities = append(sv.Activities, a)
			}
		}
	}
	return sv, nil
}

func (h *Handlers) sectionForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.sectionView(r, web.Form{})
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/section", v)
}

func (h *Handlers) saveSection(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	v, err := h.sectionView(r, f)
	if err != nil {
		return err
	}
	in := SectionInput{Section: v.Section.Key, Completed: f.Get("completed") == "yes", Title: f.Get("title"), Summary: f.Get("summary"),
		Contact: f.Get("contact"), Support: f.Get("support"), Evidence: f.Get("evidence"), DeclaredBy: f.Get("declared_by"),
		Declared: f.Get("declared") == "yes", Amounts: map[int64]int64{}}
	var val errs.Validation
	if c := f.Get("completed"); c != "yes" && c != "no" {
		val.Add("completed", "Select whether you have completed this section")
	}
	if in.Section == "amounts" {
		for _, pot := range v.Programme.Pots {
			name := fmt.Sprintf("pot-%d", pot.ID)
			n, msg := ParsePounds(f.Get(name))
			switch msg {
			case "":
				in.Amounts[pot.ID] = n
			case "empty":
			default:
				val.Add(name, "The amount from "+pot.Name+" "+msg)
			}
		}
		if s := strings.ReplaceAll(f.Get("homes"), ",", ""); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 || n > 100000 {
				val.Add("homes", "The number of homes must be a whole number, like 24")
			}
			in.Homes = n
		}
	}
	for _, a := range f.Values["activities"] {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			val.Add("activities", "Select activities from your own co-production log")
			continue
		}
		in.Activities = append(in.Activities, n)
	}
	// Every problem at once: the form's own and the section's rules.
	if err := ValidateSection(in, v.Programme.Pots, &val); err != nil {
		return err
	}
	err = val.Err()
	if err == nil {
		err = SaveSection(ctx, h.db, auth.From(ctx), v.Bid.ID, v.Bid.CouncilID, in, v.Programme.Pots, h.opt.Now())
	}
	if err != nil {
		ff, ok := f.WithError(err)
		if !ok || !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Form = ff
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/section", v)
	}
	web.SetFlash(w, "Saved: "+v.Section.Name+".")
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d", v.Bid.ID))
}

func (h *Handlers) submit(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	b, _, a, err := h.visibleBid(r)
	if err != nil {
		return err
	}
	if !a.Edit {
		return errs.New(errs.NotFound, "No such bid.")
	}
	already, err := Submit(ctx, h.db, auth.From(ctx), b.ID, b.CouncilID, h.opt.Now())
	if err != nil {
		return err
	}
	if already {
		web.SetFlash(w, "This bid was already submitted. Nothing has changed.")
	} else {
		web.SetFlash(w, "Bid submitted. Share it with everyone who took part, and thank them.")
	}
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d", b.ID))
}

// ---- the co-production log ----

// LogView is the council's co-production log.
type LogView struct {
	web.Page
	Council    directory.Organisation
	Activities []Activity
	Total      int
	TotalText  string
	Pager      web.Pager
}

// logPerPage is how many activities a page of the log shows.
const logPerPage = 50

func (h *Handlers) log(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	c, err := h.councilOf(ctx, auth.From(ctx))
	if err != nil {
		return err
	}
	v := &LogView{Page: web.Page{Title: "Co-production log", Back: "/funding"}, Council: c, Pager: web.PageFrom(r, logPerPage, "Pages of the log")}
	if v.Activities, v.Total, err = ActivitiesPage(ctx, h.db, c.ID, v.Pager.Limit(), v.Pager.Offset()); err != nil {
		return err
	}
	v.Pager.Of(r, v.Total)
	v.TotalText = web.FormatNumber(int64(v.Total))
	return rd.Render(w, r, http.StatusOK, "funding/log", v)
}

// ActivityFormView is the form for a new activity.
type ActivityFormView struct {
	web.Page
	Formats []web.Option
}

func formatOptions() []web.Option {
	var out []web.Option
	for _, f := range Formats {
		out = append(out, web.Option{Value: f.Value, Text: f.Text})
	}
	return out
}

func (h *Handlers) newActivityForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	if _, err := h.councilOf(r.Context(), auth.From(r.Context())); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/activity-new", &ActivityFormView{Page: web.Page{Title: "Add an activity to the log", Back: "/funding/log"}, Formats: formatOptions()})
}

// ParseHours reads a length in hours, such as "2" or "1.5", as minutes.
func ParseHours(s string) (int64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f > 0 && f <= 24) { // written so that NaN is refused too
		return 0, false
	}
	return int64(f*60 + 0.5), true
}

func (h *Handlers) createActivity(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	c, err := h.councilOf(ctx, auth.From(ctx))
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	a := NewActivity{Title: f.Get("title"), Format: f.Get("format"), Place: f.Get("place"), Access: f.Get("access")}
	var v errs.Validation
	var msg string
	if a.HeldOn, msg = parseDate(f, "held", "date of the activity"); msg != "" {
		v.Add("held", msg)
	}
	if s := f.Get("hours"); s != "" {
		var ok bool
		if a.Minutes, ok = ParseHours(s); !ok {
			v.Add("hours", "Enter how long it lasted in hours, such as 2 or 1.5, up to 24")
		}
	}
	var id int64
	ValidateActivity(a, h.opt.Now(), &v)
	err = v.Err()
	if err == nil {
		id, err = AddActivity(ctx, h.db, auth.From(ctx), c.ID, a, h.opt.Now())
	}
	if err != nil {
		ff, ok := f.WithError(err)
		if !ok {
			return err
		}
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/activity-new",
			&ActivityFormView{Page: web.Page{Title: "Add an activity to the log", Back: "/funding/log", Form: ff}, Formats: formatOptions()})
	}
	web.SetFlash(w, "Activity added. Now record who took part and what they said.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/log/%d", id))
}

// ActivityView is one activity: who took part, what they said and what the council did.
type ActivityView struct {
	web.Page
	Activity  Activity
	Types     []web.Option
	People    []web.Option
	Speakers  []web.Option
	Responses []web.Option
	Groups    []web.Option
	// Answer is the contribution whose answer form failed, to show its errors.
	Answer int64
}

// localPeople lists the people the officer can record as taking part: those holding a role in
// an organisation in the council's region or in a national one.
func (h *Handlers) localPeople(ctx context.Context, c directory.Organisation) ([]web.Option, error) {
	rows, err := h.db.Read.QueryContext(ctx, `SELECT DISTINCT p.id, p.display_name, o.name FROM people p
		JOIN memberships m ON m.person_id = p.id JOIN organisations o ON o.id = m.organisation_id
		WHERE p.disabled_at IS NULL AND (o.region_id IS NULL OR o.region_id = $1 OR o.id = $2) ORDER BY p.display_name, p.id`, c.RegionID, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []web.Option{{Value: "", Text: "Not a named person (enter a number below)"}}
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		var name, org string
		if err := rows.Scan(&id, &name, &org); err != nil {
			return nil, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Text: name + ", " + org})
	}
	return out, rows.Err()
}

func stakeholderOptions() []web.Option {
	out := []web.Option{{Value: "", Text: "Choose a type"}}
	for _, t := range directory.StakeholderTypes {
		out = append(out, web.Option{Value: string(t), Text: t.Label()})
	}
	return out
}

func (h *Handlers) activityView(r *http.Request, f web.Form) (*ActivityView, directory.Organisation, error) {
	ctx := r.Context()
	c, err := h.councilOf(ctx, auth.From(ctx))
	if err != nil {
		return nil, c, err
	}
	aid, err := pathID(r, "id")
	if err != nil {
		return nil, c, err
	}
	a, err := GetActivity(ctx, h.db, c.ID, aid)
	if err != nil {
		return nil, c, err
	}
	people, err := h.localPeople(ctx, c)
	if err != nil {
		return nil, c, err
	}
	v := &ActivityView{Page: web.Page{Title: a.Title, Back: "/funding/log", Form: f}, Activity: a, Types: stakeholderOptions(), People: people}
	if v.Groups, err = h.groupOptions(ctx, c); err != nil {
		return nil, c, err
	}
	v.Speakers = []web.Option{{Value: "", Text: "Anonymous: they chose not to be named"}}
	for _, p := range a.Participants {
		if p.PersonID != 0 {
			v.Speakers = append(v.Speakers, web.Option{Value: strconv.FormatInt(p.PersonID, 10), Text: p.PersonName})
		}
	}
	for _, rs := range Responses {
		v.Responses = append(v.Responses, web.Option{Value: rs.Value, Text: rs.Text, Hint: rs.Hint})
	}
	return v, c, nil
}

func (h *Handlers) activity(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, _, err := h.activityView(r, web.Form{})
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/activity", v)
}

func (h *Handlers) activityFailed(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error, answer int64) error {
	ff, ok := f.WithError(err)
	if !ok {
		return err
	}
	v, _, verr := h.activityView(r, ff)
	if verr != nil {
		return verr
	}
	v.Answer = answer
	return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/activity", v)
}

func (h *Handlers) addParticipant(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f, c, aid, err := h.logForm(r)
	if err != nil {
		return err
	}
	p := NewParticipant{Type: directory.StakeholderType(f.Get("type"))}
	var v errs.Validation
	if s := f.Get("person"); s != "" {
		if p.PersonID, err = strconv.ParseInt(s, 10, 64); err != nil {
			v.Add("person", "Choose a person from the list")
		}
	}
	if s := f.Get("count"); s != "" {
		if p.AnonymousCount, err = strconv.ParseInt(s, 10, 64); err != nil {
			v.Add("count", "The number of people must be a whole number, like 6")
		}
	}
	err = v.Err()
	if err == nil {
		err = addParticipant(ctx, h.db, auth.From(ctx), c.ID, aid, p, h.opt.Now(), h.opt.OnAttendance)
	}
	if err != nil {
		return h.activityFailed(w, r, rd, f, err, 0)
	}
	web.SetFlash(w, "Added to who took part.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/log/%d", aid))
}

func (h *Handlers) addContribution(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f, c, aid, err := h.logForm(r)
	if err != nil {
		return err
	}
	nc := NewContribution{Type: directory.StakeholderType(f.Get("ctype")), Said: f.Get("said"), MayQuote: f.Get("quote") == "yes"}
	if s := f.Get("speaker"); s != "" {
		if nc.PersonID, err = strconv.ParseInt(s, 10, 64); err != nil {
			return h.activityFailed(w, r, rd, f, fieldErr("speaker", "Choose who said it from the list"), 0)
		}
	}
	if _, err := AddContribution(ctx, h.db, auth.From(ctx), c.ID, aid, nc, h.opt.Now()); err != nil {
		return h.activityFailed(w, r, rd, f, err, 0)
	}
	web.SetFlash(w, "Contribution recorded. Say what you did with it.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/log/%d", aid))
}

func (h *Handlers) respond(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f, c, aid, err := h.logForm(r)
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	if err := activityOf(ctx, h.db.Read, aid, c.ID); err != nil {
		return err
	}
	if err := Respond(ctx, h.db, auth.From(ctx), c.ID, cid, f.Get("response"), f.Get("reason"), h.opt.Now()); err != nil {
		// The form on the page names its fields after the contribution, so each answer form
		// keeps its own errors.
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			var v errs.Validation
			for _, k := range e.Order {
				v.Add(fmt.Sprintf("%s-%d", k, cid), e.Fields[k])
			}
			vals := url.Values{fmt.Sprintf("response-%d", cid): {f.Get("response")}, fmt.Sprintf("reason-%d", cid): {f.Get("reason")}}
			return h.activityFailed(w, r, rd, web.Form{Values: vals}, v.Err(), cid)
		}
		return err
	}
	web.SetFlash(w, "Your answer is saved. The person will see it when the bid is shared.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/log/%d#contribution-%d", aid, cid))
}
