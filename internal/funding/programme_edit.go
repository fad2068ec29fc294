package funding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// UpdateProgramme changes a draft programme: its details and the description of each level of
// its co-production rubric (descriptions holds one for each level, lowest first). Once
// published, a programme no longer changes: councils are bidding against it.
func UpdateProgramme(ctx context.Context, d *db.DB, by *auth.Identity, id int64, p NewProgramme, descriptions []string, now time.Time) error {
	var v errs.Validation
	ValidateProgramme(p, &v)
	validateRubric(descriptions, &v)
	if err := v.Err(); err != nil {
		return err
	}
	if err := checkEligible(ctx, d, p.Eligible); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		before, err := scanProgramme(tx.QueryRowContext(ctx, "SELECT "+programmeColumns+" FROM funding_programmes WHERE id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "No such programme.")
		}
		if err != nil {
			return err
		}
		if before.Published() {
			return errs.New(errs.Conflict, "This programme is published, so it can no longer be changed: councils are bidding against it.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE funding_programmes SET name = $1, purpose = $2, homes_target = $3, opens_at = $4, closes_at = $5,
			required_types = $6, questions = $7, eligible = $8 WHERE id = $9 AND published_at IS NULL`,
			p.Name, p.Purpose, p.HomesTarget, utc(p.OpensAt), utc(p.ClosesAt), joinTypes(p.RequiredTypes),
			strings.Join(p.Questions, "\n"), strings.Join(p.Eligible, ","), id); err != nil {
			return fmt.Errorf("update programme: %w", err)
		}
		for i, s := range descriptions {
			if _, err := tx.ExecContext(ctx, `UPDATE funding_rubric_levels SET description = $1 WHERE programme_id = $2 AND score = $3`,
				strings.TrimSpace(s), id, Ladder[i].Score); err != nil {
				return fmt.Errorf("update rubric: %w", err)
			}
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "programme.changed",
			Subject: fmt.Sprintf("programme:%d", id), Before: before, After: struct {
				NewProgramme
				Rubric []string
			}{p, descriptions}, At: now})
	})
}

// validateRubric checks that each level of the ladder is described.
func validateRubric(descriptions []string, v *errs.Validation) {
	if len(descriptions) != len(Ladder) {
		v.Add("level-0", "Describe every level of the rubric")
		return
	}
	for i, s := range descriptions {
		checkText(v, fmt.Sprintf("level-%d", i), s, "Describe what the level "+Ladder[i].Name+" looks like in a bid", maxText)
	}
}

// programmeForm is the form view for creating or changing a programme.
func programmeForm(title, action string, f web.Form, rubric []Level) *ProgrammeFormView {
	return &ProgrammeFormView{Page: web.Page{Title: title, Back: "/funding", Form: f}, Types: typeOptions(f.Values["types"]),
		Action: action, Rubric: rubric}
}

func (h *Handlers) draftProgramme(r *http.Request) (Programme, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return Programme{}, err
	}
	p, err := GetProgramme(r.Context(), h.db, id, true)
	if err != nil {
		return p, err
	}
	if p.Published() {
		return p, errs.New(errs.Conflict, "This programme is published, so it can no longer be changed: councils are bidding against it.")
	}
	return p, nil
}

func (h *Handlers) editProgrammeForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, err := h.draftProgramme(r)
	if err != nil {
		return err
	}
	opens, closes := p.OpensAt.In(london), p.ClosesAt.In(london)
	f := web.Form{Values: url.Values{"name": {p.Name}, "purpose": {p.Purpose}, "homes": {strconv.FormatInt(p.HomesTarget, 10)},
		"opens-day": {strconv.Itoa(opens.Day())}, "opens-month": {strconv.Itoa(int(opens.Month()))}, "opens-year": {strconv.Itoa(opens.Year())},
		"opens-time": {opens.Format("15:04")}, "closes-day": {strconv.Itoa(closes.Day())}, "closes-month": {strconv.Itoa(int(closes.Month()))},
		"closes-year": {strconv.Itoa(closes.Year())}, "closes-time": {closes.Format("15:04")},
		"eligible": {strings.Join(p.Eligible, "\n")}, "questions": {strings.Join(p.Questions, "\n")}}}
	for _, t := range p.RequiredTypes {
		f.Values.Add("types", string(t))
	}
	for _, l := range p.Rubric {
		f.Values.Set(fmt.Sprintf("level-%d", l.Score), l.Description)
	}
	v := programmeForm("Change "+p.Name, fmt.Sprintf("/funding/programmes/%d/edit", p.ID), f, p.Rubric)
	v.Back = fmt.Sprintf("/funding/programmes/%d", p.ID)
	return rd.Render(w, r, http.StatusOK, "funding/programme-new", v)
}

func (h *Handlers) editProgramme(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, err := h.draftProgramme(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	changed, v := readProgramme(f)
	descriptions := make([]string, len(Ladder))
	for i := range Ladder {
		descriptions[i] = f.Get(fmt.Sprintf("level-%d", i))
	}
	validateRubric(descriptions, v)
	err = v.Err()
	if err == nil {
		err = UpdateProgramme(r.Context(), h.db, auth.From(r.Context()), p.ID, changed, descriptions, h.opt.Now())
	}
	if err != nil {
		view := programmeForm("Change "+p.Name, fmt.Sprintf("/funding/programmes/%d/edit", p.ID), f, p.Rubric)
		view.Back = fmt.Sprintf("/funding/programmes/%d", p.ID)
		return rd.Mistakes(w, r, "funding/programme-new", view, f, err)
	}
	web.SetFlash(w, "The draft programme is changed.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/programmes/%d", p.ID))
}
