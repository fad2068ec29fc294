package panels

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

	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
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

// ListView lists the panels.
type ListView struct {
	web.Page
	Regional, Local []Panel
	// Yours are the panels the signed-in person is in.
	Yours []Panel
	// CanStart is true for an administrator, who may start a panel.
	CanStart bool
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ps, err := ListPanels(r.Context(), h.db)
	if err != nil {
		return err
	}
	me := auth.From(r.Context())
	v := &ListView{Page: web.Page{Title: "Lived-experience panels"}, CanStart: me.Has(auth.Admin)}
	for _, p := range ps {
		if p.Insider(me) {
			v.Yours = append(v.Yours, p)
		}
		if p.Kind == Regional {
			v.Regional = append(v.Regional, p)
		} else {
			v.Local = append(v.Local, p)
		}
	}
	return rd.Render(w, r, http.StatusOK, "panels/list", v)
}

// PanelView is a panel's page: public parts for everyone, members, meetings and drafts for
// the panel.
type PanelView struct {
	web.Page
	text
	Panel                          Panel
	Insider, Facilitates, IsMember bool
	// MemberCount counts the members and facilitators an insider may list on their own page;
	// Named are those who chose to be named, for everyone else.
	MemberCount int
	Named       []Member
	// Meetings are the next few to come and the last few held; MeetingCount counts them all,
	// on their own page.
	Meetings     []Meeting
	MeetingCount int
	// Recommendations are the newest ones, a page at a time (Pager); Overdue counts all of
	// the panel's overdue answers.
	Recommendations []Recommendation
	Pager           web.Pager
	Overdue         int
	Now             time.Time
}

// A panel's page shows its next few meetings and the last few held; the rest are on the
// meetings page, a page at a time, as its members are on theirs.
const (
	panelMeetingsComing = 5
	panelMeetingsPast   = 5
	meetingsPerPage     = 20
	membersPerPage      = 50
)

// MeetingsView is a panel's meetings, newest first, a page at a time.
type MeetingsView struct {
	web.Page
	Panel    Panel
	Meetings []Meeting
	Total    int
	Coming   int
	Pager    web.Pager
}

func (h *Handlers) meetings(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, _, err := h.insidePanel(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v := &MeetingsView{Page: web.Page{Title: "Meetings of " + p.Name, Back: "/panels/" + p.Slug}, Panel: p,
		Pager: web.PageFrom(r, meetingsPerPage, "Pages of meetings")}
	if v.Total, v.Coming, err = CountMeetings(ctx, h.db, p.ID, h.opt.Now()); err != nil {
		return err
	}
	if err := v.Pager.Count(r, v.Total, "meetings"); err != nil {
		return err
	}
	if v.Meetings, err = MeetingsPage(ctx, h.db, p.ID, v.Pager.Limit(), v.Pager.Offset()); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "panels/meetings", v)
}

// MembersView is a panel's members and facilitators, a page at a time, for the panel alone.
type MembersView struct {
	web.Page
	Panel   Panel
	Members []Member
	Total   int
	Pager   web.Pager
}

func (h *Handlers) members(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, _, err := h.insidePanel(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v := &MembersView{Page: web.Page{Title: "Members of " + p.Name, Back: "/panels/" + p.Slug}, Panel: p,
		Pager: web.PageFrom(r, membersPerPage, "Pages of members")}
	if v.Total, err = CountMembers(ctx, h.db, p.ID); err != nil {
		return err
	}
	if err := v.Pager.Count(r, v.Total, "members"); err != nil {
		return err
	}
	if v.Members, err = MembersPage(ctx, h.db, p.ID, v.Pager.Limit(), v.Pager.Offset()); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "panels/members", v)
}

// panelRecommendationsPerPage is how many recommendations a panel's page lists at a time; the
// register lists them all.
const panelRecommendationsPerPage = 10

func (h *Handlers) panelFor(r *http.Request) (Panel, *auth.Identity, error) {
	p, err := PanelBySlug(r.Context(), h.db, r.PathValue("slug"))
	return p, auth.From(r.Context()), err
}

// insidePanel is panelFor for pages only the panel's own people see: to anyone else the panel
// is not found.
func (h *Handlers) insidePanel(r *http.Request) (Panel, *auth.Identity, error) {
	p, me, err := h.panelFor(r)
	if err == nil && !p.Insider(me) {
		err = errs.New(errs.NotFound, "")
	}
	return p, me, err
}

func (h *Handlers) panel(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	// What the page shows depends on the panel, whether the person is inside it, a member or a
	// facilitator, and the page of recommendations asked for, never on who they are: it is
	// kept for each of those until the panel's data changes or the minute turns (panelPages).
	insider, facilitates, isMember := p.Insider(me), p.Facilitates(me), p.IsMember(me)
	key := fmt.Sprint(p.ID, insider, facilitates, isMember, "?", r.URL.RawQuery)
	return rd.RenderKept(w, r, h.panelPages, key, "panels/panel", func(ctx context.Context) (any, error) {
		now := h.opt.Now()
		v := &PanelView{Page: web.Page{Title: p.Name}, Panel: p, Insider: insider, Facilitates: facilitates, IsMember: isMember, Now: now}
		var err error
		if v.Insider {
			if v.MemberCount, err = CountMembers(ctx, h.db, p.ID); err != nil {
				return nil, err
			}
			if v.Meetings, err = MeetingsAround(ctx, h.db, p.ID, now, panelMeetingsComing, panelMeetingsPast); err != nil {
				return nil, err
			}
			if v.MeetingCount, _, err = CountMeetings(ctx, h.db, p.ID, now); err != nil {
				return nil, err
			}
		} else if v.Named, err = NamedMembers(ctx, h.db, p.ID); err != nil {
			return nil, err
		}
		v.Pager = web.PageFrom(r, panelRecommendationsPerPage, "Pages of recommendations")
		f := Filter{PanelID: p.ID, PublicOnly: !v.Insider, Limit: panelRecommendationsPerPage + 1, Offset: v.Pager.Offset()}
		if v.Recommendations, err = ListRecommendations(ctx, h.db, f, now); err != nil {
			return nil, err
		}
		more := len(v.Recommendations) > panelRecommendationsPerPage
		if more {
			v.Recommendations = v.Recommendations[:panelRecommendationsPerPage]
		}
		v.Pager.More(r, more)
		f.Status = StatusOverdue
		if v.Overdue, err = CountRecommendations(ctx, h.db, f, now); err != nil {
			return nil, err
		}
		return v, nil
	})
}

// MemberView is a member's profile as a panel sees it.
type MemberView struct {
	web.Page
	text
	Panel   Panel
	Member  Member
	Profile Profile
	// ShowSupport is true for the member and the panel's facilitators only.
	ShowSupport, Self bool
	// Messages are those sent to the member about this panel, for them and their
	// facilitators.
	Messages []Message
	// PassOn is true when the member is told of messages only through their facilitator.
	PassOn bool
}

func (h *Handlers) member(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.insidePanel(r)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(r.PathValue("person"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "")
	}
	m, err := MemberOf(r.Context(), h.db, p.ID, pid)
	if err != nil {
		return err
	}
	prof, err := GetProfile(r.Context(), h.db, pid)
	if err != nil {
		return err
	}
	self := me.PersonID == pid
	v := &MemberView{Page: web.Page{Title: m.Name, Back: "/panels/" + p.Slug}, Panel: p, Member: m, Profile: prof,
		Self: self, ShowSupport: self || p.Facilitates(me)}
	if v.ShowSupport {
		if v.Messages, err = Messages(r.Context(), h.db, pid, p.ID, 10); err != nil {
			return err
		}
		if v.PassOn, err = onlyThroughFacilitator(r.Context(), h.db, pid); err != nil {
			return err
		}
	}
	return rd.Render(w, r, http.StatusOK, "panels/member", v)
}

// ProfileView is the form for a member's own profile.
type ProfileView struct {
	web.Page
	Panel        Panel
	Supports     []SupportChoice
	NamedOptions []web.Option
}

// SupportChoice is one support checkbox.
type SupportChoice struct {
	Support
	Checked bool
}

func (h *Handlers) profilePage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, p Panel, status int, f web.Form, chosen []string) error {
	v := &ProfileView{Page: web.Page{Title: "Your profile", Form: f, Back: "/panels/" + p.Slug}, Panel: p,
		NamedOptions: []web.Option{{Value: "yes", Text: "Yes, you can name me"}, {Value: "no", Text: "No, keep my name to the panel"}}}
	for _, s := range Supports {
		c := SupportChoice{Support: s}
		for _, x := range chosen {
			c.Checked = c.Checked || x == s.Code
		}
		v.Supports = append(v.Supports, c)
	}
	return rd.Render(w, r, status, "panels/profile", v)
}

func (h *Handlers) profileForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	if !p.IsMember(me) {
		return errs.New(errs.NotFound, "")
	}
	prof, err := GetProfile(r.Context(), h.db, me.PersonID)
	if err != nil {
		return err
	}
	f := web.Form{Values: map[string][]string{"skills": {prof.Skills}, "interests": {prof.Interests}, "hopes": {prof.Hopes},
		"support_other": {prof.SupportOther}}}
	if prof.NamedPublicly {
		f.Values.Set("named_publicly", "yes")
	} else {
		f.Values.Set("named_publicly", "no")
	}
	return h.profilePage(w, r, rd, p, http.StatusOK, f, prof.Support)
}

func (h *Handlers) saveProfile(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	if !p.IsMember(me) {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	prof := Profile{Skills: f.Get("skills"), Interests: f.Get("interests"), Hopes: f.Get("hopes"),
		Support: f.Values["support"], SupportOther: f.Get("support_other"), NamedPublicly: f.Get("named_publicly") == "yes"}
	if err := SaveProfile(r.Context(), h.db, me.PersonID, prof, h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.profilePage(w, r, rd, p, http.StatusUnprocessableEntity, ff, prof.Support)
		}
		return err
	}
	web.SetFlash(w, "Your profile is saved.")
	return web.Redirect(w, r, fmt.Sprintf("/panels/%s/members/%d", p.Slug, me.PersonID))
}

// MeetingFormView is the form for a new meeting.
type MeetingFormView struct {
	web.Page
	Panel Panel
	// Meeting is the meeting being changed; nil when arranging a new one.
	Meeting *Meeting
}

// meetingToChange finds the meeting a facilitator of the request's panel asks to change.
func (h *Handlers) meetingToChange(r *http.Request) (Panel, *auth.Identity, Meeting, error) {
	p, me, err := h.panelFor(r)
	if err != nil {
		return p, me, Meeting{}, err
	}
	if !p.Facilitates(me) {
		return p, me, Meeting{}, errs.New(errs.NotFound, "")
	}
	mid, err := strconv.ParseInt(r.PathValue("meeting"), 10, 64)
	if err != nil {
		return p, me, Meeting{}, errs.New(errs.NotFound, "")
	}
	m, err := GetMeeting(r.Context(), h.db, p.ID, mid)
	return p, me, m, err
}

func (h *Handlers) changeMeetingForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, _, m, err := h.meetingToChange(r)
	if err != nil {
		return err
	}
	if err := m.changeable(h.opt.Now()); err != nil {
		return err
	}
	at := m.StartsAt.In(web.London)
	f := web.Form{Values: url.Values{"title": {m.Title}, "date": {at.Format("2006-01-02")}, "time": {at.Format("15:04")}, "place": {m.Place},
		"online_link": {m.OnlineLink}, "access_info": {m.AccessInfo}, "agenda": {m.Agenda}}}
	back := fmt.Sprintf("/panels/%s/meetings/%d", p.Slug, m.ID)
	return rd.Render(w, r, http.StatusOK, "panels/meeting-new", &MeetingFormView{Page: web.Page{Title: "Change the meeting", Form: f, Back: back}, Panel: p, Meeting: &m})
}

func (h *Handlers) changeMeeting(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, m, err := h.meetingToChange(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	in := NewMeeting{Title: f.Get("title"), Date: f.Get("date"), Time: f.Get("time"), Place: f.Get("place"),
		OnlineLink: f.Get("online_link"), AccessInfo: f.Get("access_info"), Agenda: f.Get("agenda")}
	back := fmt.Sprintf("/panels/%s/meetings/%d", p.Slug, m.ID)
	if err := ChangeMeeting(r.Context(), h.db, p.ID, m.ID, in, me, h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok {
			return rd.Render(w, r, http.StatusUnprocessableEntity, "panels/meeting-new",
				&MeetingFormView{Page: web.Page{Title: "Change the meeting", Form: ff, Back: back}, Panel: p, Meeting: &m})
		}
		return err
	}
	web.SetFlash(w, "The meeting is changed. Members have been told of any change to when or where it is.")
	return web.Redirect(w, r, back)
}

func (h *Handlers) newMeetingForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	if !p.Facilitates(me) {
		return errs.New(errs.NotFound, "")
	}
	return rd.Render(w, r, http.StatusOK, "panels/meeting-new", &MeetingFormView{Page: web.Page{Title: "Arrange a meeting", Back: "/panels/" + p.Slug}, Panel: p})
}

func (h *Handlers) createMeeting(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	if !p.Facilitates(me) {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	m := NewMeeting{Title: f.Get("title"), Date: f.Get("date"), Time: f.Get("time"), Place: f.Get("place"),
		OnlineLink: f.Get("online_link"), AccessInfo: f.Get("access_info"), Agenda: f.Get("agenda")}
	id, err := CreateMeeting(r.Context(), h.db, p.ID, m, me, h.opt.Now())
	if err != nil {
		if ff, ok := f.WithError(err); ok {
			return rd.Render(w, r, http.StatusUnprocessableEntity, "panels/meeting-new",
				&MeetingFormView{Page: web.Page{Title: "Arrange a meeting", Form: ff, Back: "/panels/" + p.Slug}, Panel: p})
		}
		return err
	}
	web.SetFlash(w, "The meeting is arranged. Members can now say if they are coming.")
	return web.Redirect(w, r, fmt.Sprintf("/panels/%s/meetings/%d", p.Slug, id))
}

// MeetingView is a meeting's page for the panel.
type MeetingView struct {
	web.Page
	text
	Panel                 Panel
	Meeting               Meeting
	Members               []Member // its members, without the facilitators
	Facilitates, IsMember bool
	MyReply               string
	Started               bool
	ReplyOptions          []web.Option
}

// ReplyText is a reply in plain English.
func (v *MeetingView) ReplyText(personID int64) string {
	switch v.Meeting.Replies[personID] {
	case "yes":
		return "Coming"
	case "no":
		return "Not coming"
	case "maybe":
		return "Maybe"
	}
	return "No reply"
}

// ComingRows are the rows of the "Who is coming" table, one for each member, written by Go
// rather than cell by cell by html/template: a national panel has a hundred members.
func (v *MeetingView) ComingRows() template.HTML {
	var b strings.Builder
	b.Grow(200 * len(v.Members)) // a row's length, so the builder is not copied as it grows
	for _, m := range v.Members {
		if m.Role != auth.Member {
			continue
		}
		b.WriteString(`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">`)
		b.WriteString(html.EscapeString(m.Name))
		b.WriteString(`</th><td class="govuk-table__cell">`)
		b.WriteString(v.ReplyText(m.PersonID))
		b.WriteString(`</td>`)
		if v.Meeting.Recorded() {
			b.WriteString(`<td class="govuk-table__cell">`)
			if v.Meeting.Attended[m.PersonID] {
				b.WriteString("Yes")
			} else {
				b.WriteString("No")
			}
			b.WriteString(`</td>`)
		}
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String())
}

// AttendedBoxes are the checkboxes of who attended, one for each member; the first one's id is
// the field's, for the error summary's link.
func (v *MeetingView) AttendedBoxes() template.HTML {
	var b strings.Builder
	b.Grow(300 * len(v.Members)) // a box's length, so the builder is not copied as it grows
	first := true
	for _, m := range v.Members {
		if m.Role != auth.Member {
			continue
		}
		id := "attended"
		if !first {
			id = "attended-" + strconv.FormatInt(m.PersonID, 10)
		}
		first = false
		b.WriteString(`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="` + id + `" name="attended" type="checkbox" value="`)
		b.WriteString(strconv.FormatInt(m.PersonID, 10))
		b.WriteString(`"`)
		if v.Meeting.Attended[m.PersonID] {
			b.WriteString(" checked")
		}
		b.WriteString(`><label class="govuk-label govuk-checkboxes__label" for="` + id + `">`)
		b.WriteString(html.EscapeString(m.Name))
		b.WriteString("</label></div>\n")
	}
	return template.HTML(b.String())
}

func (h *Handlers) meetingPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	p, me, err := h.insidePanel(r)
	if err != nil {
		return err
	}
	mid, err := strconv.ParseInt(r.PathValue("meeting"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "")
	}
	m, err := GetMeeting(r.Context(), h.db, p.ID, mid)
	if err != nil {
		return err
	}
	members, err := MembersOnly(r.Context(), h.db, p.ID)
	if err != nil {
		return err
	}
	v := &MeetingView{Page: web.Page{Title: m.Title, Form: f, Back: "/panels/" + p.Slug}, Panel: p, Meeting: m, Members: members,
		Facilitates: p.Facilitates(me), IsMember: p.IsMember(me), MyReply: m.Replies[me.PersonID],
		Started: !m.StartsAt.After(h.opt.Now()), ReplyOptions: Replies}
	if f.Values == nil {
		v.Form.Values = map[string][]string{"answer": {v.MyReply}, "notes": {m.Notes}, "decisions": {m.Decisions}, "actions": {m.Actions}}
	}
	return rd.Render(w, r, status, "panels/meeting", v)
}

func (h *Handlers) meeting(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.meetingPage(w, r, rd, http.StatusOK, web.Form{})
}

func (h *Handlers) replyMeeting(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	if !p.IsMember(me) {
		return errs.New(errs.NotFound, "")
	}
	mid, _ := strconv.ParseInt(r.PathValue("meeting"), 10, 64)
	f := web.NewForm(r)
	if err := ReplyToMeeting(r.Context(), h.db, p.ID, mid, me.PersonID, f.Get("answer"), h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.meetingPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "Thank you. Your reply is saved.")
	return web.Redirect(w, r, fmt.Sprintf("/panels/%s/meetings/%d", p.Slug, mid))
}

func (h *Handlers) recordMeeting(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.panelFor(r)
	if err != nil {
		return err
	}
	if !p.Facilitates(me) {
		return errs.New(errs.NotFound, "")
	}
	mid, _ := strconv.ParseInt(r.PathValue("meeting"), 10, 64)
	f := web.NewForm(r)
	rec := MeetingRecord{Notes: f.Get("notes"), Decisions: f.Get("decisions"), Actions: f.Get("actions")}
	for _, s := range f.Values["attended"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			id = -1
		}
		rec.Attended = append(rec.Attended, id)
	}
	if err := recordMeeting(r.Context(), h.db, p.ID, mid, rec, me, h.opt.Now(), h.opt.OnAttendance); err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.meetingPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "Attendance and notes are saved.")
	return web.Redirect(w, r, fmt.Sprintf("/panels/%s/meetings/%d", p.Slug, mid))
}

// RecommendationFormView is the form to draft a recommendation.
type RecommendationFormView struct {
	web.Page
	Panel      Panel
	Addressees []web.Option
}

func (h *Handlers) recommendationForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer, p Panel, status int, f web.Form) error {
	opts := []web.Option{{Value: "", Text: "Choose who it is for"}, {Value: "funder", Text: "The funder (Ministry of Housing, Communities and Local Government)"}}
	councils, err := directory.ListCouncils(r.Context(), h.db, directory.CouncilFilter{RegionID: p.RegionID})
	if err != nil {
		return err
	}
	for _, c := range councils {
		opts = append(opts, web.Option{Value: c.GSSCode, Text: c.Name})
	}
	if f.Values == nil {
		f.Values = map[string][]string{"response_weeks": {strconv.Itoa(DefaultResponseWeeks)}, "quorum": {"3"}}
	}
	return rd.Render(w, r, status, "panels/recommendation-new", &RecommendationFormView{
		Page: web.Page{Title: "Draft a recommendation", Form: f, Back: "/panels/" + p.Slug}, Panel: p, Addressees: opts})
}

func (h *Handlers) newRecommendationForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, _, err := h.insidePanel(r)
	if err != nil {
		return err
	}
	return h.recommendationForm(w, r, rd, p, http.StatusOK, web.Form{})
}

func (h *Handlers) createRecommendation(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, me, err := h.insidePanel(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	n := NewRecommendation{Title: f.Get("title"), Body: f.Get("body"), Addressee: f.Get("addressee"), CloseDate: f.Get("close_date"),
		Quorum: f.Get("quorum"), ResponseWeeks: f.Get("response_weeks")}
	id, err := CreateRecommendation(r.Context(), h.db, p.ID, n, me, h.opt.Now())
	if err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.recommendationForm(w, r, rd, p, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "The recommendation is drafted. Members can now respond.")
	return web.Redirect(w, r, fmt.Sprintf("/recommendations/%d", id))
}

// ResponseRow is one member's consent response as the panel sees it.
type ResponseRow struct {
	consent.Response
	Name string
}

// RecommendationView is a recommendation's page.
type RecommendationView struct {
	web.Page
	text
	Rec   Recommendation
	Round consent.Round
	Tally consent.Tally
	Now   time.Time
	// Insider: a member or facilitator of the panel, who sees names and the consent round.
	Insider, Facilitates, IsMember bool
	MayAnswer, MayUpdate           bool
	Responses                      []ResponseRow
	Mine                           consent.Response
	Accepting, CanClose            bool
	KindOptions                    []web.Option
	AnswerOptions                  []web.Option
}

// AnswerLabel is the answer in plain English.
func (v *RecommendationView) AnswerLabel() string { return AnswerLabel(v.Rec.Answer) }

// addresseeOf works out whether the person answers for the recommendation's addressee.
func (h *Handlers) addresseeOf(ctx context.Context, me *auth.Identity, rec Recommendation) (Addressee, error) {
	var a Addressee
	if rec.CouncilGSS == "" {
		a.Funder = me.Has(auth.Funder)
		return a, nil
	}
	c, err := directory.CouncilByCode(ctx, h.db, rec.CouncilGSS)
	if err != nil {
		return a, err
	}
	if c.OrganisationID != 0 && me.HasIn(auth.CouncilOfficer, c.OrganisationID) {
		a.CouncilGSS = c.GSSCode
	}
	return a, nil
}

func (h *Handlers) recFor(r *http.Request) (Recommendation, Panel, *auth.Identity, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return Recommendation{}, Panel{}, nil, errs.New(errs.NotFound, "")
	}
	rec, err := GetRecommendation(r.Context(), h.db, id)
	if err != nil {
		return rec, Panel{}, nil, err
	}
	p, err := PanelByID(r.Context(), h.db, rec.PanelID)
	if err != nil {
		return rec, p, nil, err
	}
	me := auth.From(r.Context())
	if !rec.Public() && !p.Insider(me) {
		return rec, p, me, errs.New(errs.NotFound, "")
	}
	return rec, p, me, nil
}

func (h *Handlers) recommendationPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	rec, p, me, err := h.recFor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	now := h.opt.Now()
	round, err := consent.Get(ctx, h.db.Read, rec.Subject())
	if err != nil {
		return err
	}
	as, err := h.addresseeOf(ctx, me, rec)
	if err != nil {
		return err
	}
	v := &RecommendationView{Page: web.Page{Title: rec.Title, Form: f}, Rec: rec, Round: round, Tally: round.Tally(), Now: now,
		Insider: p.Insider(me), Facilitates: p.Facilitates(me), IsMember: p.IsMember(me),
		MayAnswer: as.MayAnswer(rec) && rec.Status == StatusAwaiting, KindOptions: kindOptions(), AnswerOptions: AnswerOptions}
	v.MayUpdate = rec.Status == StatusAnswered && (as.MayAnswer(rec) || v.Facilitates)
	v.Accepting = rec.Status == StatusConsent && round.Accepting(now)
	v.CanClose = rec.Status == StatusConsent && v.Facilitates && !now.Before(round.ClosesAt)
	if v.Insider {
		members, err := Members(ctx, h.db, p.ID)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		for _, m := range members {
			names[m.PersonID] = m.Name
		}
		for _, x := range round.Responses {
			name := names[x.PersonID]
			if name == "" {
				name = "A former member"
			}
			v.Responses = append(v.Responses, ResponseRow{Response: x, Name: name})
		}
		v.Mine, _ = round.ResponseOf(me.PersonID)
	}
	if v.Form.Values == nil && v.Mine.Kind != "" {
		v.Form.Values = map[string][]string{"kind": {string(v.Mine.Kind)}, "reason": {v.Mine.Reason}}
	}
	return rd.Render(w, r, status, "panels/recommendation", v)
}

func kindOptions() []web.Option {
	hints := map[consent.Kind]string{
		consent.Consent: "You can live with it.",
		consent.Concern: "You can live with it, but want the panel to hear a worry.",
		consent.Object:  "You cannot live with it. Say why, so the panel can change it.",
	}
	var out []web.Option
	for _, k := range consent.Kinds {
		out = append(out, web.Option{Value: string(k), Text: k.Label(), Hint: hints[k]})
	}
	return out
}

func (h *Handlers) recommendation(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.recommendationPage(w, r, rd, http.StatusOK, web.Form{})
}

// formResult turns a fixable error into the recommendation page again with 422, and a
// success into a redirect back to it with a message.
func (h *Handlers) formResult(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error, id int64, flash string) error {
	if err != nil {
		if ff, ok := f.WithError(err); ok && errs.CodeOf(err) == errs.Invalid {
			return h.recommendationPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, flash)
	return web.Redirect(w, r, fmt.Sprintf("/recommendations/%d", id))
}

func (h *Handlers) respond(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	rec, p, me, err := h.recFor(r)
	if err != nil {
		return err
	}
	if !p.IsMember(me) {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	err = Respond(r.Context(), h.db, rec, me, consent.Kind(f.Get("kind")), f.Get("reason"), h.opt.Now())
	return h.formResult(w, r, rd, f, err, rec.ID, "Your response is saved. You can change it until the round closes.")
}

func (h *Handlers) resolve(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	rec, p, me, err := h.recFor(r)
	if err != nil {
		return err
	}
	if !p.Facilitates(me) {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	person, _ := strconv.ParseInt(f.Get("person"), 10, 64)
	err = ResolveObjection(r.Context(), h.db, rec, person, me, f.Get("note"), h.opt.Now())
	return h.formResult(w, r, rd, f, err, rec.ID, "The objection is marked as resolved.")
}

func (h *Handlers) closeRound(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	rec, p, me, err := h.recFor(r)
	if err != nil {
		return err
	}
	if !p.Facilitates(me) {
		return errs.New(errs.NotFound, "")
	}
	out, err := CloseRound(r.Context(), h.db, rec, me, h.opt.Now())
	msg := "The panel agreed the recommendation. It has been sent."
	if out == consent.NotAgreed {
		msg = "The panel did not agree the recommendation."
	}
	return h.formResult(w, r, rd, web.NewForm(r), err, rec.ID, msg)
}

func (h *Handlers) answer(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	rec, _, me, err := h.recFor(r)
	if err != nil {
		return err
	}
	as, err := h.addresseeOf(r.Context(), me, rec)
	if err != nil {
		return err
	}
	if !as.MayAnswer(rec) {
		return errs.New(errs.Forbidden, "Only the council or funder a recommendation is addressed to can answer it.")
	}
	f := web.NewForm(r)
	err = AnswerRecommendation(r.Context(), h.db, as, rec.ID, f.Get("answer"), f.Get("reasons"), me, h.opt.Now())
	return h.formResult(w, r, rd, f, err, rec.ID, "Your answer is published.")
}

func (h *Handlers) addUpdate(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	rec, p, me, err := h.recFor(r)
	if err != nil {
		return err
	}
	as, err := h.addresseeOf(r.Context(), me, rec)
	if err != nil {
		return err
	}
	if !as.MayAnswer(rec) && !p.Facilitates(me) {
		return errs.New(errs.Forbidden, "Only the addressee or the panel's facilitators can add progress.")
	}
	f := web.NewForm(r)
	err = AddUpdate(r.Context(), h.db, rec.ID, f.Get("note"), f.Get("done") == "yes", me, h.opt.Now())
	return h.formResult(w, r, rd, f, err, rec.ID, "The progress update is published.")
}

// registerPerPage keeps the register page small on a phone with little data.
const registerPerPage = 25

// RegisterView is the public register of recommendations.
type RegisterView struct {
	web.Page
	Recommendations         []Recommendation
	Now                     time.Time
	Regions                 []web.Option
	Councils                []web.Option
	Statuses                []web.Option
	Region, Council, Status string
	Filtered                bool
	Pager                   web.Pager
}

func (h *Handlers) register(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	// The same for everyone who asks the same (filters and page): rendered once until the
	// recommendations change or the minute turns (overdue).
	return rd.RenderKept(w, r, h.registerPages, r.URL.RawQuery, "panels/register", func(ctx context.Context) (any, error) {
		return h.registerView(ctx, r)
	})
}

// registerView is the page of the register the request asks for (its filters and page).
func (h *Handlers) registerView(ctx context.Context, r *http.Request) (*RegisterView, error) {
	q := r.URL.Query()
	v := &RegisterView{Page: web.Page{Title: "Register of recommendations", Wide: true}, Now: h.opt.Now(),
		Region: q.Get("region"), Council: q.Get("council"), Status: q.Get("status")}
	f := Filter{PublicOnly: true}
	regions, err := directory.Regions(ctx, h.db)
	if err != nil {
		return nil, err
	}
	v.Regions = []web.Option{{Value: "", Text: "All regions"}}
	for _, rg := range regions {
		v.Regions = append(v.Regions, web.Option{Value: rg.Slug, Text: rg.Name})
		if rg.Slug == v.Region {
			f.RegionID = rg.ID
		}
	}
	addressed, err := AddressedCouncils(ctx, h.db)
	if err != nil {
		return nil, err
	}
	v.Councils = append([]web.Option{{Value: "", Text: "Any addressee"}, {Value: "funder", Text: "The funder"}}, addressed...)
	seen := map[string]bool{}
	for _, c := range addressed {
		seen[c.Value] = true
	}
	switch {
	case v.Council == "funder":
		f.Funder = true
	case seen[v.Council]:
		f.CouncilGSS = v.Council
	default:
		v.Council = ""
	}
	v.Statuses = []web.Option{{Value: "", Text: "Any status"}}
	for _, s := range []string{StatusAwaiting, StatusOverdue, StatusAnswered, StatusDone} {
		v.Statuses = append(v.Statuses, web.Option{Value: s, Text: StatusLabel(s)})
		if s == v.Status {
			f.Status = s
		}
	}
	if f.Status == "" {
		v.Status = ""
	}
	if f.RegionID == 0 {
		v.Region = ""
	}
	v.Filtered = v.Region != "" || v.Council != "" || v.Status != ""
	v.Pager = web.PageFrom(r, registerPerPage, "Pages of recommendations")
	f.Limit, f.Offset = registerPerPage+1, v.Pager.Offset()
	if v.Recommendations, err = ListRecommendations(ctx, h.db, f, v.Now); err != nil {
		return nil, err
	}
	more := len(v.Recommendations) > registerPerPage
	if more {
		v.Recommendations = v.Recommendations[:registerPerPage]
	}
	v.Pager.More(r, more)
	return v, nil
}

// ToAnswerView lists the recommendations addressed to the signed-in officer's council or
// to the funder.
type ToAnswerView struct {
	web.Page
	Recommendations []Recommendation
	Now             time.Time
	Overdue         int
}

func (h *Handlers) toAnswer(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &ToAnswerView{Page: web.Page{Title: "Recommendations to answer", Wide: true}, Now: h.opt.Now()}
	var filters []Filter
	if me.Has(auth.Funder) {
		filters = append(filters, Filter{Funder: true, PublicOnly: true})
	}
	for _, org := range me.OrganisationsFor(auth.CouncilOfficer) {
		o, err := directory.OrganisationByID(ctx, h.db, org)
		if err != nil {
			return err
		}
		if o.CouncilCode != "" {
			filters = append(filters, Filter{CouncilGSS: o.CouncilCode, PublicOnly: true})
		}
	}
	for _, f := range filters {
		recs, err := ListRecommendations(ctx, h.db, f, v.Now)
		if err != nil {
			return err
		}
		v.Recommendations = append(v.Recommendations, recs...)
	}
	for _, rec := range v.Recommendations {
		if rec.Overdue(v.Now) {
			v.Overdue++
		}
	}
	return rd.Render(w, r, http.StatusOK, "panels/to-answer", v)
}
