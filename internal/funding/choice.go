package funding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// MyWord is something the signed-in person said in a council's co-production log, with their
// own choices about it: whether they are named, and whether their words may be quoted.
type MyWord struct {
	ID       int64
	Council  string
	Activity string
	HeldOn   time.Time
	Said     string
	Named    bool
	MayQuote bool
	Answer   string
	Reason   string
}

// MyWords lists what the person said, newest first.
func MyWords(ctx context.Context, d *db.DB, personID int64) ([]MyWord, error) {
	return db.Collect(ctx, d.Read, func(s db.Scanner) (MyWord, error) {
		var w MyWord
		var named, quote int
		var response string
		err := s.Scan(&w.ID, &w.Council, &w.Activity, &w.HeldOn, &w.Said, &named, &quote, &response, &w.Reason)
		w.Named, w.MayQuote = named == 1, quote == 1
		w.Answer = Contribution{Response: response}.ResponseLabel()
		return w, err
	}, `SELECT c.id, o.name, a.title, a.held_on, c.said, c.named, c.may_quote, c.response, c.reason
		FROM funding_contributions c JOIN funding_activities a ON a.id = c.activity_id JOIN organisations o ON o.id = a.council_id
		WHERE c.person_id = $1 ORDER BY a.held_on DESC, c.id DESC`, personID)
}

// ChooseAttribution records the contributor's choice for one of their contributions. Only the
// person who said it may choose; for anyone else the contribution does not exist.
func ChooseAttribution(ctx context.Context, d *db.DB, by *auth.Identity, contributionID int64, named, mayQuote bool, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var before struct{ Named, MayQuote bool }
		var n, q int
		err := tx.QueryRowContext(ctx, `SELECT named, may_quote FROM funding_contributions WHERE id = $1 AND person_id = $2`,
			contributionID, by.PersonID).Scan(&n, &q)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "")
		}
		if err != nil {
			return err
		}
		before.Named, before.MayQuote = n == 1, q == 1
		if _, err := tx.ExecContext(ctx, `UPDATE funding_contributions SET named = $1, may_quote = $2, chosen_at = $3 WHERE id = $4`,
			b2i(named), b2i(mayQuote), utc(now), contributionID); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "contribution.attribution_chosen",
			Subject: fmt.Sprintf("contribution:%d", contributionID), Before: before,
			After: struct{ Named, MayQuote bool }{named, mayQuote}, At: now})
	})
}

// MyWordsView is the person's own page of what they said and how they want it shown.
type MyWordsView struct {
	web.Page
	Words []MyWord
}

func (h *Handlers) myWords(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	words, err := MyWords(r.Context(), h.db, auth.From(r.Context()).PersonID)
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/my-words", &MyWordsView{Page: web.Page{Title: "What you said, and how it is shown", Back: "/account"}, Words: words})
}

func (h *Handlers) chooseAttribution(w http.ResponseWriter, r *http.Request, _ *web.Renderer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	named := f.Get("named")
	if named != "yes" && named != "no" {
		return errs.New(errs.Invalid, "Choose whether your name is shown.")
	}
	if err := ChooseAttribution(r.Context(), h.db, auth.From(r.Context()), id, named == "yes", f.Get("quote") == "yes", h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Your choice is saved. It applies everywhere your words are shown.")
	return web.Redirect(w, r, "/funding/my-words")
}
