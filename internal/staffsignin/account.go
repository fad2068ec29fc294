package staffsignin

import (
	"database/sql"
	"fmt"
	"net/http"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// LinkedAccount is a provider account linked to the signed-in person.
type LinkedAccount struct {
	Provider Provider
	Email    string
	LinkedAt time.Time
	Linked   bool
}

// AccountView is the person's organisation accounts page: what is linked, and, for a person
// with no role yet, who to ask.
type AccountView struct {
	web.Page
	Accounts []LinkedAccount
	NoRole   bool
	Ask      string
	Member   bool
}

func (s *Service) accountPage(w http.ResponseWriter, r *http.Request) error {
	id := auth.From(r.Context())
	linked := map[string]LinkedAccount{}
	rows, err := db.Collect(r.Context(), s.db.Read, func(sc db.Scanner) (LinkedAccount, error) {
		var a LinkedAccount
		err := sc.Scan(&a.Provider.ID, &a.Email, &a.LinkedAt)
		return a, err
	}, "SELECT provider, email, linked_at FROM staff_identities WHERE person_id = $1", id.PersonID)
	if err != nil {
		return err
	}
	for _, a := range rows {
		linked[a.Provider.ID] = a
	}
	v := &AccountView{Page: web.Page{Title: "Your organisation's account", Back: "/account"}, NoRole: len(id.Grants) == 0, Member: id.Has(auth.Member)}
	for _, p := range s.opt.Providers {
		a := linked[p.ID]
		a.Provider, a.Linked = p, a.Linked || a.Email != "" || !a.LinkedAt.IsZero()
		v.Accounts = append(v.Accounts, a)
		if a.Linked && v.Ask == "" {
			v.Ask = askFor(p)
		}
	}
	if v.Ask == "" {
		v.Ask = "Ask your organisation's Roundtable lead or a Roundtable administrator."
	}
	return s.render.Render(w, r, http.StatusOK, "staffsignin/account", v)
}

func (s *Service) unlink(w http.ResponseWriter, r *http.Request) error {
	id := auth.From(r.Context())
	p, ok := s.provider(r.PathValue("provider"))
	if !ok {
		return errs.New(errs.NotFound, "No such sign-in provider.")
	}
	err := s.db.Tx(r.Context(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), "DELETE FROM staff_identities WHERE person_id = $1 AND provider = $2", id.PersonID, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "That account is not linked.")
		}
		actor, name := audit.By(id)
		return audit.Record(r.Context(), tx, audit.Entry{ActorID: actor, ActorName: name, Action: "staff_identity.unlinked",
			Subject: fmt.Sprintf("person:%d", id.PersonID), Before: map[string]any{"provider": p.ID}, At: s.opt.Now()})
	})
	if err != nil {
		return err
	}
	web.SetFlash(w, "Your "+p.Name+" account is no longer linked.")
	return web.Redirect(w, r, "/account/organisation-account")
}
