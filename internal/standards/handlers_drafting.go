package standards

import (
	"fmt"
	"net/http"
	"strconv"

	"roundtable/internal/consent"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/web"
)

// ---- starting a standard ----

// NewStandardView is the form to start a standard.
type NewStandardView struct {
	web.Page
	Panels []panels.Panel
	Chosen map[int64]bool
}

func (h *Handlers) newStandardPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	all, lerr := panels.ListPanels(r.Context(), h.db)
	if lerr != nil {
		return lerr
	}
	me := auth.From(r.Context())
	v := &NewStandardView{Page: web.Page{Title: "Start a standard", Back: "/standards"}, Chosen: map[int64]bool{}}
	for _, p := range all {
		if p.Facilitates(me) {
			v.Panels = append(v.Panels, p)
		}
	}
	for _, s := range f.Values["panels"] {
		id, _ := strconv.ParseInt(s, 10, 64)
		v.Chosen[id] = true
	}
	if err != nil {
		return rd.Mistakes(w, r, "standards/new", v, f, err)
	}
	v.Form = f
	return rd.Render(w, r, http.StatusOK, "standards/new", v)
}

func (h *Handlers) newStandardForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.newStandardPage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) createStandard(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	f := web.NewForm(r)
	n := NewStandard{Title: f.Get("title"), Purpose: f.Get("purpose")}
	for _, s := range f.Values["panels"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			n.PanelIDs = append(n.PanelIDs, id)
		}
	}
	id, err := CreateStandard(r.Context(), h.db, n, auth.From(r.Context()), h.opt.Now())
	if err != nil {
		return h.newStandardPage(w, r, rd, f, err)
	}
	web.SetFlash(w, "The standard is started. Propose its first clauses.")
	return web.Redirect(w, r, fmt.Sprintf("/standards/%d", id))
}

// ---- proposing ----

// indicatorSlots is how many indicators the new-clause form offers.
const indicatorSlots = 3

// ProposalFormView is the form to propose a change.
type ProposalFormView struct {
	web.Page
	Standard Standard
	Kind     Kind
	Clause   Clause
	Panels   []web.Option
	Slots    []IndicatorSlot
}

// IndicatorSlot is one indicator's fields on the new-clause form.
type IndicatorSlot struct {
	N      int
	Text   web.Field
	Levels []web.Field
}

func (h *Handlers) proposalPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, s Standard, f web.Form, err error) error {
	me := auth.From(r.Context())
	kind := Kind(f.Get("kind"))
	v := &ProposalFormView{Page: web.Page{Title: "Propose a change", Back: s.Path()}, Standard: s, Kind: kind}
	switch kind {
	case AddClause:
		v.Title = "Propose a new clause"
	case AmendClause, RemoveClause:
		n, _ := strconv.Atoi(f.Get("clause"))
		c, cerr := ClauseByNumber(r.Context(), h.db, s.ID, n)
		if cerr != nil || c.Removed {
			return notFound()
		}
		v.Clause = c
		v.Title = fmt.Sprintf("Propose an amendment to clause %d", c.Number)
		if kind == RemoveClause {
			v.Title = fmt.Sprintf("Propose removing clause %d", c.Number)
		}
	default:
		return notFound()
	}
	for _, p := range s.PanelsOf(me) {
		v.Panels = append(v.Panels, web.Option{Value: strconv.FormatInt(p.ID, 10), Text: p.Name})
	}
	if err != nil {
		v.Form = f
		if ff, ok := f.WithError(err); ok {
			v.Form = ff
		}
	}
	if v.Form.Values == nil {
		v.Form = f
	}
	for i := 1; i <= indicatorSlots; i++ {
		slot := IndicatorSlot{N: i, Text: web.Field{Name: fmt.Sprintf("indicator-%d", i), Label: fmt.Sprintf("Indicator %d", i),
			Value: v.Form.Get(fmt.Sprintf("indicator-%d", i)), Error: v.Form.Error(fmt.Sprintf("indicator-%d", i)), Type: "text"}}
		for _, l := range ladder.Levels {
			name := fmt.Sprintf("indicator-%d-level-%d", i, l)
			slot.Levels = append(slot.Levels, web.Field{Name: name, Label: fmt.Sprintf("%d. %s", l, l.Name()), Value: v.Form.Get(name), Type: "text"})
		}
		v.Slots = append(v.Slots, slot)
	}
	status := http.StatusOK
	if err != nil {
		if _, ok := f.WithError(err); !ok {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	return rd.Render(w, r, status, "standards/proposal-new", v)
}

func (h *Handlers) newProposalForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, me, err := h.standardFor(r)
	if err != nil {
		return err
	}
	if !s.Drafter(me) {
		return notFound()
	}
	q := r.URL.Query()
	f := web.Form{Values: q}
	if n, err := strconv.Atoi(q.Get("clause")); err == nil && Kind(q.Get("kind")) == AmendClause {
		if c, err := ClauseByNumber(r.Context(), h.db, s.ID, n); err == nil {
			f.Values.Set("title", c.Title)
			f.Values.Set("wording", c.Wording)
		}
	}
	f.Values.Set("close_date", h.opt.Now().In(web.London).AddDate(0, 0, 14).Format("2006-01-02"))
	f.Values.Set("quorum", "3")
	if ps := s.PanelsOf(me); len(ps) == 1 {
		f.Values.Set("panel", strconv.FormatInt(ps[0].ID, 10))
	}
	return h.proposalPage(w, r, rd, s, f, nil)
}

func (h *Handlers) createProposal(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, me, err := h.standardFor(r)
	if err != nil {
		return err
	}
	if !s.Drafter(me) {
		return notFound()
	}
	f := web.NewForm(r)
	n := NewProposal{Kind: Kind(f.Get("kind")), Title: f.Get("title"), Wording: f.Get("wording"), Reason: f.Get("reason"),
		CloseDate: f.Get("close_date"), Quorum: f.Get("quorum")}
	n.ClauseNumber, _ = strconv.Atoi(f.Get("clause"))
	n.PanelID, _ = strconv.ParseInt(f.Get("panel"), 10, 64)
	if n.Kind == AddClause {
		for i := 1; i <= indicatorSlots; i++ {
			ind := IndicatorDraft{Text: f.Get(fmt.Sprintf("indicator-%d", i)), Levels: map[ladder.Level]string{}}
			for _, l := range ladder.Levels {
				if t := f.Get(fmt.Sprintf("indicator-%d-level-%d", i, l)); t != "" {
					ind.Levels[l] = t
				}
			}
			// An empty slot is skipped; one with level descriptions but no text is a mistake.
			if ind.Text != "" || len(ind.Levels) > 0 || i == 1 {
				n.Indicators = append(n.Indicators, ind)
			}
		}
	}
	id, err := Propose(r.Context(), h.db, s, n, me, h.opt.Now())
	if err != nil {
		return h.proposalPage(w, r, rd, s, f, err)
	}
	web.SetFlash(w, "Your proposal is made. The drafting group can now comment and respond.")
	return web.Redirect(w, r, fmt.Sprintf("%s/proposals/%d", s.Path(), id))
}

// ---- a proposal and its round ----

// ProposalView is a proposal with its consent round, for the drafting group.
type ProposalView struct {
	web.Page
	helpers
	Standard    Standard
	Proposal    Proposal
	Current     Clause // the clause as it is now, for amendments and removals
	Changed     bool   // the clause changed since the proposal was made
	Change      []Span // the proposed wording against the current wording
	Tally       consent.Tally
	Responses   []ResponseRow
	Mine        consent.Response
	Accepting   bool
	CanDecide   bool
	Facilitates bool
	KindOptions []web.Option
}

// ResponseRow is one response with the person's name.
type ResponseRow struct {
	consent.Response
	Name string
}

func (h *Handlers) proposalFor(r *http.Request) (Standard, Proposal, *auth.Identity, error) {
	s, me, err := h.standardFor(r)
	if err != nil {
		return s, Proposal{}, me, err
	}
	if !s.Drafter(me) {
		return s, Proposal{}, me, notFound()
	}
	pid, err := pathID(r, "pid")
	if err != nil {
		return s, Proposal{}, me, err
	}
	p, err := GetProposal(r.Context(), h.db, s.ID, pid)
	return s, p, me, err
}

func (h *Handlers) proposalView(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	s, p, me, perr := h.proposalFor(r)
	if perr != nil {
		return perr
	}
	ctx := r.Context()
	now := h.opt.Now()
	v := &ProposalView{Page: web.Page{Title: fmt.Sprintf("%s: %s", p.Kind.Label(), proposalName(p)), Back: s.Path()},
		Standard: s, Proposal: p, Tally: p.Round.Tally(), Accepting: p.Round.Accepting(now), Facilitates: s.Facilitates(me),
		KindOptions: kindOptions()}
	v.CanDecide = v.Facilitates && p.State == Open && !now.Before(p.Round.ClosesAt)
	if p.ClauseID != 0 {
		if v.Current, perr = ClauseByNumber(ctx, h.db, s.ID, p.ClauseNumber); perr != nil {
			return perr
		}
		v.Changed = p.State == Open && (v.Current.Revision != p.BaseRevision || v.Current.Removed)
		if p.Kind == AmendClause {
			v.Change = Diff(v.Current.Wording, p.Wording)
		}
	}
	names, perr := personNames(ctx, h.db, p.Round.Responses)
	if perr != nil {
		return perr
	}
	for _, x := range p.Round.Responses {
		v.Responses = append(v.Responses, ResponseRow{Response: x, Name: names[x.PersonID]})
	}
	v.Mine, _ = p.Round.ResponseOf(me.PersonID)
	if err != nil {
		return rd.Mistakes(w, r, "standards/proposal", v, f, err)
	}
	if f.Values == nil && v.Mine.Kind != "" {
		f.Values = map[string][]string{"kind": {string(v.Mine.Kind)}, "reason": {v.Mine.Reason}}
	}
	v.Form = f
	return rd.Render(w, r, http.StatusOK, "standards/proposal", v)
}

// proposalName is a short name for a proposal.
func proposalName(p Proposal) string {
	if p.Kind == AddClause {
		return p.Title
	}
	return fmt.Sprintf("clause %d", p.ClauseNumber)
}

func (h *Handlers) proposal(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.proposalView(w, r, rd, web.Form{}, nil)
}

// after shows the proposal again with a fixable error, or redirects to it with a message.
func (h *Handlers) after(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, p Proposal, err error, flash string) error {
	if err != nil {
		if _, ok := f.WithError(err); ok {
			return h.proposalView(w, r, rd, f, err)
		}
		return err
	}
	web.SetFlash(w, flash)
	return web.Redirect(w, r, p.Path())
}

func (h *Handlers) comment(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, p, me, err := h.proposalFor(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	err = AddComment(r.Context(), h.db, s, p, me, f.Get("comment"), h.opt.Now())
	return h.after(w, r, rd, f, p, err, "Your comment is added.")
}

func (h *Handlers) respond(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, p, me, err := h.proposalFor(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	err = Respond(r.Context(), h.db, s, p, me, consent.Kind(f.Get("kind")), f.Get("reason"), h.opt.Now())
	return h.after(w, r, rd, f, p, err, "Your response is saved. You can change it until the round closes.")
}

func (h *Handlers) resolve(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, p, me, err := h.proposalFor(r)
	if err != nil {
		return err
	}
	if !s.Facilitates(me) {
		return notFound()
	}
	f := web.NewForm(r)
	person, _ := strconv.ParseInt(f.Get("person"), 10, 64)
	err = ResolveObjection(r.Context(), h.db, s, p, person, me, f.Get("note"), h.opt.Now())
	return h.after(w, r, rd, f, p, err, "The objection is marked as resolved.")
}

func (h *Handlers) decide(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, p, me, err := h.proposalFor(r)
	if err != nil {
		return err
	}
	if !s.Facilitates(me) {
		return notFound()
	}
	f := web.NewForm(r)
	state, err := Decide(r.Context(), h.db, s, p, me, f.Get("statement"), h.opt.Now())
	msg := map[State]string{
		Accepted:   "The group consented. The draft is changed.",
		NotAgreed:  "The group did not agree. The draft is unchanged.",
		Conflicted: "The group agreed, but the clause had changed since the proposal was made, so the draft is unchanged. Propose the change again against the current wording.",
	}[state]
	return h.after(w, r, rd, f, p, err, msg)
}

// ---- publishing ----

// PublishView is the form to publish the draft as a version, showing what would change.
type PublishView struct {
	web.Page
	helpers
	Standard Standard
	Last     Version
	First    bool
	Changes  []ClauseDiff
	Options  []web.Option
}

func (h *Handlers) publishPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	s, me, serr := h.standardFor(r)
	if serr != nil {
		return serr
	}
	if !s.Facilitates(me) {
		return notFound()
	}
	ctx := r.Context()
	vs, serr := Versions(ctx, h.db, s.ID)
	if serr != nil {
		return serr
	}
	draft, serr := Draft(ctx, h.db, s.ID)
	if serr != nil {
		return serr
	}
	v := &PublishView{Page: web.Page{Title: "Publish a version of " + s.Title, Back: s.Path()}, Standard: s, First: len(vs) == 0}
	var before []VersionClause
	if !v.First {
		v.Last = vs[0]
		if before, serr = VersionClauses(ctx, h.db, v.Last.ID); serr != nil {
			return serr
		}
		v.Options = []web.Option{
			{Value: "minor", Text: "A minor change: " + nextNumber(v.Last.Number, false)},
			{Value: "major", Text: "A major change: " + nextNumber(v.Last.Number, true)},
		}
	}
	v.Changes = compareClauses(before, draftAsVersion(draft))
	if f.Values == nil {
		f.Values = map[string][]string{"change": {"minor"}}
	}
	if err != nil {
		return rd.Mistakes(w, r, "standards/publish", v, f, err)
	}
	v.Form = f
	return rd.Render(w, r, http.StatusOK, "standards/publish", v)
}

func (h *Handlers) publishForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.publishPage(w, r, rd, web.Form{}, nil)
}

func (h *Handlers) publish(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, me, err := h.standardFor(r)
	if err != nil {
		return err
	}
	if !s.Facilitates(me) {
		return notFound()
	}
	f := web.NewForm(r)
	if c := f.Get("change"); c != "" && c != "minor" && c != "major" {
		return h.publishPage(w, r, rd, f, invalid("change", "Choose whether this is a minor or a major change"))
	}
	ver, err := Publish(r.Context(), h.db, s, f.Get("change") == "major", f.Get("notes"), me, h.opt.Now())
	if err != nil {
		if _, ok := f.WithError(err); ok {
			return h.publishPage(w, r, rd, f, err)
		}
		return err
	}
	web.SetFlash(w, "Version "+ver.Number+" is published. It will not change.")
	return web.Redirect(w, r, fmt.Sprintf("%s/versions/%s", s.Path(), ver.Number))
}

// nextNumber is the number after n ("1.1" gives "1.2", or "2.0" for a major change).
func nextNumber(n string, major bool) string {
	var a, b int
	fmt.Sscanf(n, "%d.%d", &a, &b)
	if major {
		return fmt.Sprintf("%d.0", a+1)
	}
	return fmt.Sprintf("%d.%d", a, b+1)
}

// WordingLabel labels the wording box for the kind of proposal.
func (v *ProposalFormView) WordingLabel() string {
	if v.Kind == AmendClause {
		return "The new wording"
	}
	return "What the clause says"
}
