package funding

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// maxListedMembers is how many panel members the list of possible assessors holds before the
// funder must find them by name: nationally there are thousands.
const maxListedMembers = 100

// candidates are the people the funder may ask to assess, by name: assessors and the funder's
// staff, and panel members; when those are more than maxListedMembers, only the members whose
// name starts with name (none when it is empty, found of them), and find says to ask for a name.
func (h *Handlers) candidates(ctx context.Context, name string) (out []web.Option, find bool, found int, err error) {
	type person struct {
		id         int64
		name, role string
	}
	scan := func(s db.Scanner) (person, error) {
		var p person
		return p, s.Scan(&p.id, &p.name, &p.role)
	}
	const cols = `SELECT p.id, p.display_name, m.role FROM people p JOIN memberships m ON m.person_id = p.id WHERE p.disabled_at IS NULL AND `
	people, err := db.Collect(ctx, h.db.Read, scan, cols+`m.role IN ('assessor', 'funder')`)
	if err != nil {
		return nil, false, 0, err
	}
	members, err := db.Collect(ctx, h.db.Read, scan, cols+`m.role = 'member' LIMIT $1`, maxListedMembers+1)
	if err != nil {
		return nil, false, 0, err
	}
	if find = len(members) > maxListedMembers; find {
		members = nil
		if name != "" {
			like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(name)) + "%"
			if members, err = db.Collect(ctx, h.db.Read, scan, cols+`m.role = 'member' AND lower(p.display_name) LIKE $1 ESCAPE '\'
				ORDER BY p.display_name, p.id LIMIT $2`, like, maxListedMembers); err != nil {
				return nil, false, 0, err
			}
		}
	}
	found = len(members)
	people = append(people, members...)
	slices.SortStableFunc(people, func(a, b person) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(a.id, b.id))
	})
	out = []web.Option{{Value: "", Text: "Choose a person"}}
	seen := map[int64]bool{}
	for _, p := range people {
		if seen[p.id] {
			continue
		}
		seen[p.id] = true
		out = append(out, web.Option{Value: strconv.FormatInt(p.id, 10), Text: p.name + " (" + auth.Role(p.role).Label() + ")"})
	}
	return out, find, found, nil
}

func (h *Handlers) addAssessor(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	person, perr := strconv.ParseInt(f.Get("assessor"), 10, 64)
	if perr != nil {
		err = fieldErr("assessor", "Choose an assessor from the list")
	} else {
		err = AddAssessor(ctx, h.db, auth.From(ctx), pid, person, h.opt.Now())
	}
	if err != nil {
		ff, ok := f.WithError(err)
		if !ok {
			return err
		}
		v, verr := h.programmeView(r, ff)
		if verr != nil {
			return verr
		}
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/programme", v)
	}
	web.SetFlash(w, "Assessor added. They will see the programme's bids once they are submitted.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/programmes/%d#assessors", pid))
}

// AssessListView lists the bids a person is asked to assess, a page at a time.
type AssessListView struct {
	web.Page
	Rows  []AssessRow
	Total int
	Pager web.Pager
}

// assessPerPage is how many bids to assess a page shows: an assessor of many programmes has
// thousands.
const assessPerPage = 50

func (h *Handlers) assessList(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx).PersonID
	v := &AssessListView{Page: web.Page{Title: "Bids to assess", Back: "/funding"}, Pager: web.PageFrom(r, assessPerPage, "Pages of bids to assess")}
	var err error
	if v.Total, err = CountBidsToAssess(ctx, h.db, me); err != nil {
		return err
	}
	if err := v.Pager.Count(r, v.Total, "bids to assess"); err != nil {
		return err
	}
	if v.Rows, err = BidsToAssessPage(ctx, h.db, me, v.Pager.Limit(), v.Pager.Offset()); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/assess", v)
}

// AssessView is an assessor's page for one bid.
type AssessView struct {
	web.Page
	Bid       Bid
	Programme Programme
	Evidence  Evidence
	Conflict  *Conflict
	Score     *Score
	Outcome   *Outcome
	YesNo     []web.Option
	Levels    []web.Option
}

func (h *Handlers) assessView(r *http.Request, f web.Form) (*AssessView, error) {
	b, p, a, err := h.visibleBid(r)
	if err != nil {
		return nil, err
	}
	if !a.Assess {
		return nil, errs.New(errs.NotFound, "No such bid.")
	}
	ctx := r.Context()
	me := auth.From(ctx).PersonID
	as, err := GetAssessment(ctx, h.db, b.ID)
	if err != nil {
		return nil, err
	}
	ev, err := BuildEvidence(ctx, h.db, b, p)
	if err != nil {
		return nil, err
	}
	v := &AssessView{Page: web.Page{Title: "Assess: " + b.CouncilName, Back: "/funding/assess", Form: f}, Bid: b, Programme: p, Evidence: ev, Outcome: as.Outcome,
		YesNo: []web.Option{{Value: "no", Text: "No, I have no conflict of interest"}, {Value: "yes", Text: "Yes, I have a conflict of interest", Hint: "For example, you work for the council or a partner in the bid, or you took part in shaping it."}}}
	v.Conflict, v.Score = as.Mine(me)
	for _, l := range p.Rubric {
		v.Levels = append(v.Levels, web.Option{Value: strconv.Itoa(l.Score), Text: fmt.Sprintf("%d: %s", l.Score, l.Name), Hint: l.Description})
	}
	if f.Values == nil && v.Score != nil {
		v.Form.Values = map[string][]string{"score": {strconv.Itoa(v.Score.Score)}, "notes": {v.Score.Notes}}
	}
	return v, nil
}

func (h *Handlers) assessPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.assessView(r, web.Form{})
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/assessment", v)
}

func (h *Handlers) assessFailed(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	ff, ok := f.WithError(err)
	if !ok || !errs.Is(err, errs.Invalid) {
		return err
	}
	v, verr := h.assessView(r, ff)
	if verr != nil {
		return verr
	}
	return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/assessment", v)
}

func (h *Handlers) declare(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	if _, err := h.assessView(r, f); err != nil {
		return err
	}
	bid, _ := pathID(r, "id")
	c := f.Get("conflicted")
	if c != "yes" && c != "no" {
		return h.assessFailed(w, r, rd, f, fieldErr("conflicted", "Select whether you have a conflict of interest"))
	}
	if err := DeclareInterest(ctx, h.db, auth.From(ctx), bid, c == "yes", f.Get("note"), h.opt.Now()); err != nil {
		return h.assessFailed(w, r, rd, f, err)
	}
	if c == "yes" {
		web.SetFlash(w, "Thank you. You will not score this bid.")
	} else {
		web.SetFlash(w, "Declaration saved. You can now score the bid.")
	}
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d/assess", bid))
}

func (h *Handlers) score(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	if _, err := h.assessView(r, f); err != nil {
		return err
	}
	bid, _ := pathID(r, "id")
	score, err := strconv.Atoi(f.Get("score"))
	if err != nil {
		score = -1
	}
	if err := ScoreBid(ctx, h.db, auth.From(ctx), bid, score, f.Get("notes"), h.opt.Now()); err != nil {
		return h.assessFailed(w, r, rd, f, err)
	}
	web.SetFlash(w, "Score saved.")
	return web.Redirect(w, r, "/funding/assess")
}

// ModerateView is the funder's moderation page for a bid.
type ModerateView struct {
	web.Page
	Bid        Bid
	Programme  Programme
	Evidence   Evidence
	Assessment Assessment
	Levels     []web.Option
	Decisions  []web.Option
}

// Ready reports whether enough assessors have scored.
func (v *ModerateView) Ready() bool { return len(v.Assessment.Scores) >= MinScores }

// MinScores is how many scores moderation needs.
func (v *ModerateView) MinScores() int { return MinScores }

func (h *Handlers) moderateView(r *http.Request, f web.Form) (*ModerateView, error) {
	b, p, _, err := h.visibleBid(r)
	if err != nil {
		return nil, err
	}
	if !b.Submitted() {
		return nil, errs.New(errs.NotFound, "No such bid.")
	}
	ctx := r.Context()
	as, err := GetAssessment(ctx, h.db, b.ID)
	if err != nil {
		return nil, err
	}
	ev, err := BuildEvidence(ctx, h.db, b, p)
	if err != nil {
		return nil, err
	}
	v := &ModerateView{Page: web.Page{Title: "Moderate: " + b.CouncilName, Back: fmt.Sprintf("/funding/programmes/%d", p.ID), Form: f},
		Bid: b, Programme: p, Evidence: ev, Assessment: as,
		Decisions: []web.Option{{Value: "yes", Text: "Fund the bid"}, {Value: "no", Text: "Do not fund the bid"}}}
	for _, l := range p.Rubric {
		v.Levels = append(v.Levels, web.Option{Value: strconv.Itoa(l.Score), Text: fmt.Sprintf("%d: %s", l.Score, l.Name)})
	}
	if v.Form.Values == nil {
		v.Form.Values = map[string][]string{}
		for pot, a := range b.Amounts {
			v.Form.Values.Set(fmt.Sprintf("award-%d", pot), strconv.FormatInt(a/100, 10))
		}
	}
	return v, nil
}

func (h *Handlers) moderatePage(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.moderateView(r, web.Form{})
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/moderate", v)
}

func (h *Handlers) moderate(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	v, err := h.moderateView(r, f)
	if err != nil {
		return err
	}
	dec := Decision{Notes: f.Get("notes"), Funded: f.Get("funded") == "yes", Awards: map[int64]int64{}}
	var val errs.Validation
	if dec.Score, err = strconv.Atoi(f.Get("score")); err != nil {
		dec.Score = -1
	}
	if fd := f.Get("funded"); fd != "yes" && fd != "no" {
		val.Add("funded", "Select whether to fund the bid")
	}
	if dec.Funded {
		for _, pot := range v.Programme.Pots {
			name := fmt.Sprintf("award-%d", pot.ID)
			n, msg := ParsePounds(f.Get(name))
			switch msg {
			case "":
				dec.Awards[pot.ID] = n
			case "empty":
			default:
				val.Add(name, "The award from "+pot.Name+" "+msg)
			}
		}
	}
	ValidateDecision(dec, v.Programme.Pots, &val)
	err = val.Err()
	if err == nil {
		err = Moderate(ctx, h.db, auth.From(ctx), v.Bid.ID, dec, v.Programme.Pots, h.opt.Now())
	}
	if err != nil {
		ff, ok := f.WithError(err)
		if !ok || !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Form = ff
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/moderate", v)
	}
	web.SetFlash(w, "Outcome recorded. The council can see its outcome letter now.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d/outcome", v.Bid.ID))
}

// OutcomeView is the outcome letter for a bid.
type OutcomeView struct {
	web.Page
	Bid       Bid
	Programme Programme
	Outcome   Outcome
	Level     Level
}

func (h *Handlers) outcome(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	b, p, _, err := h.visibleBid(r)
	if err != nil {
		return err
	}
	as, err := GetAssessment(r.Context(), h.db, b.ID)
	if err != nil {
		return err
	}
	if as.Outcome == nil {
		return errs.New(errs.NotFound, "No outcome yet.")
	}
	v := &OutcomeView{Page: web.Page{Title: "Outcome of your bid", Back: fmt.Sprintf("/funding/bids/%d", b.ID)}, Bid: b, Programme: p, Outcome: *as.Outcome}
	for _, l := range p.Rubric {
		if l.Score == as.Outcome.Score {
			v.Level = l
		}
	}
	return rd.Render(w, r, http.StatusOK, "funding/outcome", v)
}
