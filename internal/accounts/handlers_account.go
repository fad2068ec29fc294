package accounts

import (
	"net/http"
	"net/url"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// AccountView is the signed-in person's own account.
type AccountView struct {
	web.Page
	Person Person
}

func (s *Service) account(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	p, err := GetPerson(r.Context(), s.db, Everyone, me.PersonID)
	if err != nil {
		return err
	}
	return s.render.Render(w, r, http.StatusOK, "accounts/account", &AccountView{Page: web.Page{Title: "Your account"}, Person: p})
}

// NameView is the form to change the name a person goes by.
type NameView struct{ web.Page }

func (s *Service) nameForm(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	f := web.Form{Values: url.Values{"display_name": {me.DisplayName}}}
	return s.render.Render(w, r, http.StatusOK, "accounts/name", &NameView{Page: web.Page{Title: "Change your name", Form: f, Back: "/account"}})
}

func (s *Service) setName(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	if err := SetDisplayName(r.Context(), s.db, auth.From(r.Context()).PersonID, f.Get("display_name")); err != nil {
		v := &NameView{Page: web.Page{Title: "Change your name", Back: "/account"}}
		return s.render.Mistakes(w, r, "accounts/name", v, f, err)
	}
	web.SetFlash(w, "Your name is changed.")
	return web.Redirect(w, r, "/account")
}

// PasswordView is the form to change a password or passphrase.
type PasswordView struct{ web.Page }

func (s *Service) passwordForm(w http.ResponseWriter, r *http.Request) error {
	return s.render.Render(w, r, http.StatusOK, "accounts/password",
		&PasswordView{Page: web.Page{Title: "Change your password or passphrase", Back: "/account"}})
}

func (s *Service) changePassword(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	me := auth.From(r.Context())
	var check errs.Validation
	check.Check(f.Get("current") != "", "current", "Enter your current password or passphrase")
	checkNewPassword(&check, "password", f.Get("password"))
	check.Check(f.Get("confirm") == f.Get("password"), "confirm", "The two new passphrases are not the same: type it again")
	err := check.Err()
	if err == nil {
		err = ChangePassword(r.Context(), s.db, me.PersonID, f.Get("current"), f.Get("password"), me.SessionHash, clientAddress(r), s.opt.Now())
	}
	if err != nil {
		v := &PasswordView{Page: web.Page{Title: "Change your password or passphrase", Back: "/account"}}
		return s.render.Mistakes(w, r, "accounts/password", v, f, err)
	}
	web.SetFlash(w, "Your password or passphrase is changed. You have been signed out everywhere else.")
	return web.Redirect(w, r, "/account")
}
