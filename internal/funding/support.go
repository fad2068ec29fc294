package funding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// SupportRequest is a council asking the funder for help to meet the co-production
// requirement, and the adviser's answer.
type SupportRequest struct {
	ID          int64
	CouncilID   int64
	CouncilName string
	Question    string
	AskedAt     time.Time
	AskedBy     string
	Answer      string
	AnsweredAt  time.Time
	AnsweredBy  string
}

// AskForSupport records a council's request.
func AskForSupport(ctx context.Context, d *db.DB, by *auth.Identity, councilID int64, question string, now time.Time) (int64, error) {
	var v errs.Validation
	checkText(&v, "question", question, "Say what help you need", maxText)
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		actorID, actorName := audit.By(by)
		if err := tx.QueryRowContext(ctx, "INSERT INTO funding_support_requests (council_id, question, asked_at, asked_by) VALUES ($1, $2, $3, $4) RETURNING id",
			councilID, question, utc(now), nullID(actorID)).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "support.asked",
			Subject: fmt.Sprintf("support:%d", id), Scope: fmt.Sprintf("council:%d", councilID), After: question, At: now})
	})
	return id, err
}

// AnswerSupport records the funder's adviser's answer; a new answer replaces the old, and
// the audit keeps both.
func AnswerSupport(ctx context.Context, d *db.DB, by *auth.Identity, requestID int64, answer string, now time.Time) error {
	var v errs.Validation
	checkText(&v, "answer", answer, "Enter your answer", maxText)
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var before string
		var council int64
		err := tx.QueryRowContext(ctx, "SELECT answer, council_id FROM funding_support_requests WHERE id = $1", requestID).Scan(&before, &council)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "No such request.")
		}
		if err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		if _, err := tx.ExecContext(ctx, "UPDATE funding_support_requests SET answer = $1, answered_at = $2, answered_by = $3 WHERE id = $4",
			answer, utc(now), nullID(actorID), requestID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "support.answered",
			Subject: fmt.Sprintf("support:%d", requestID), Scope: fmt.Sprintf("council:%d", council), Before: before, After: answer, At: now})
	})
}

// SupportRequests lists requests, newest first: one council's, or every council's when
// councilID is 0 (for the funder).
func SupportRequests(ctx context.Context, d *db.DB, councilID int64) ([]SupportRequest, error) {
	q := `SELECT s.id, s.council_id, o.name, s.question, s.asked_at, COALESCE(a.display_name, ''), s.answer, s.answered_at, COALESCE(b.display_name, '')
		FROM funding_support_requests s JOIN organisations o ON o.id = s.council_id
		LEFT JOIN people a ON a.id = s.asked_by LEFT JOIN people b ON b.id = s.answered_by`
	var args []any
	if councilID != 0 {
		q += " WHERE s.council_id = $1"
		args = append(args, councilID)
	}
	rows, err := d.Read.QueryContext(ctx, q+" ORDER BY s.id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SupportRequest
	for rows.Next() {
		var s SupportRequest
		var answered sql.NullTime
		if err := rows.Scan(&s.ID, &s.CouncilID, &s.CouncilName, &s.Question, &s.AskedAt, &s.AskedBy, &s.Answer, &answered, &s.AnsweredBy); err != nil {
			return nil, err
		}
		s.AnsweredAt = nullTime(answered)
		out = append(out, s)
	}
	return out, rows.Err()
}

// SupportView is the support page: a council's requests and form, or the funder's inbox.
type SupportView struct {
	web.Page
	Council  directory.Organisation
	Funder   bool
	Requests []SupportRequest
	// Failed is the request whose answer form failed, to show its errors.
	Failed int64
}

func (h *Handlers) supportView(r *http.Request, f web.Form) (*SupportView, error) {
	ctx := r.Context()
	id := auth.From(ctx)
	v := &SupportView{Page: web.Page{Title: "Support to meet the co-production requirement", Back: "/funding", Form: f}, Funder: id.Has(auth.Funder)}
	var err error
	if v.Funder {
		v.Requests, err = SupportRequests(ctx, h.db, 0)
		return v, err
	}
	if v.Council, err = h.councilOf(ctx, id); err != nil {
		return nil, err
	}
	v.Requests, err = SupportRequests(ctx, h.db, v.Council.ID)
	return v, err
}

func (h *Handlers) support(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v, err := h.supportView(r, web.Form{})
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/support", v)
}

func (h *Handlers) ask(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	c, err := h.councilOf(ctx, auth.From(ctx))
	if err != nil {
		return err
	}
	if _, err := AskForSupport(ctx, h.db, auth.From(ctx), c.ID, f.Get("question"), h.opt.Now()); err != nil {
		ff, ok := f.WithError(err)
		if !ok {
			return err
		}
		v, verr := h.supportView(r, ff)
		if verr != nil {
			return verr
		}
		return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/support", v)
	}
	web.SetFlash(w, "Your request is sent. The funder's adviser will answer here.")
	return web.Redirect(w, r, "/funding/support")
}

func (h *Handlers) answer(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f := web.NewForm(r)
	rid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := AnswerSupport(ctx, h.db, auth.From(ctx), rid, f.Get("answer"), h.opt.Now()); err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			var v errs.Validation
			v.Add(fmt.Sprintf("answer-%d", rid), e.Fields["answer"])
			view, verr := h.supportView(r, web.Form{Values: map[string][]string{fmt.Sprintf("answer-%d", rid): {f.Get("answer")}}, Err: nil})
			if verr != nil {
				return verr
			}
			view.Form, _ = view.Form.WithError(v.Err())
			view.Failed = rid
			return rd.Render(w, r, http.StatusUnprocessableEntity, "funding/support", view)
		}
		return err
	}
	web.SetFlash(w, "Answer sent. The council can see it now.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/support#request-%d", rid))
}
