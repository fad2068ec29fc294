package privacy

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"roundtable/internal/accounts"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/web"
)

// DataView is the "Download my data" page.
type DataView struct {
	web.Page
	// Tables lists what the download holds, with how many rows each.
	Tables []personaldata.Table
}

func (h *Handlers) dataPage(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	tables, err := personaldata.Export(r.Context(), h.db, h.opt.Sources, me.PersonID)
	if err != nil {
		return err
	}
	return h.render.Render(w, r, http.StatusOK, "privacy/data", &DataView{Page: web.Page{Title: "Download your data", Back: "/account"}, Tables: tables})
}

// download sends the signed-in person's own data, never anyone else's: the route takes no id.
func (h *Handlers) download(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	tables, err := personaldata.Export(r.Context(), h.db, h.opt.Sources, me.PersonID)
	if err != nil {
		return err
	}
	now := h.opt.Now()
	var buf bytes.Buffer
	if err := personaldata.WriteZip(&buf, me.PersonID, now, tables); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="roundtable-your-data-%s.zip"`, now.In(web.London).Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// Choices for what happens to what the person said.
const (
	keepContributions   = "keep"
	removeContributions = "remove"
)

// DeleteView is the "Delete my account" confirmation.
type DeleteView struct {
	web.Page
	Choices []web.Option
}

func newDeleteView(f web.Form) *DeleteView {
	return &DeleteView{Page: web.Page{Title: "Delete your account", Back: "/account", Form: f}, Choices: []web.Option{
		{Value: keepContributions, Text: "Keep what I said, shown as said by “a former member”",
			Hint: "Councils and panels can still use your words, without your name."},
		{Value: removeContributions, Text: "Remove what I said and wrote too",
			Hint: "Your words are taken out. Counts of who took part still include you, without your name."},
	}}
}

func (h *Handlers) deleteForm(w http.ResponseWriter, r *http.Request) error {
	return h.render.Render(w, r, http.StatusOK, "privacy/delete", newDeleteView(web.Form{Values: url.Values{}}))
}

func (h *Handlers) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	me := auth.From(r.Context())
	ctx := r.Context()
	var v errs.Validation
	choice := f.Get("contributions")
	v.Check(choice == keepContributions || choice == removeContributions, "contributions", "Choose what happens to what you said")
	v.Check(f.Get("password") != "", "password", "Enter your password or passphrase")
	err := v.Err()
	if err == nil {
		err = h.checkPassword(r, me.PersonID, f.Get("password"))
	}
	if err == nil {
		err = personaldata.Erase(ctx, h.db, h.opt.Sources, personaldata.Erasure{PersonID: me.PersonID,
			RemoveContributions: choice == removeContributions, At: h.opt.Now()})
	}
	if err != nil {
		return h.render.Mistakes(w, r, "privacy/delete", newDeleteView(f), f, err)
	}
	// Every session ended with the erasure; the cookie goes too.
	http.SetCookie(w, &http.Cookie{Name: accounts.SessionCookieName(h.opt.SecureCookies), Value: "", Path: "/",
		HttpOnly: true, Secure: h.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return web.Redirect(w, r, "/account/deleted")
}

// checkPassword asks for the password again before anything is erased, through the sign-in
// check, so wrong guesses count towards throttling.
func (h *Handlers) checkPassword(r *http.Request, personID int64, password string) error {
	p, err := accounts.GetPerson(r.Context(), h.db, accounts.Everyone, personID)
	if err != nil {
		return err
	}
	if _, err := accounts.Authenticate(r.Context(), h.db, p.Login, password, web.ClientAddr(r), h.opt.Now()); err != nil {
		if errs.Is(err, errs.Invalid) {
			var v errs.Validation
			v.Add("password", "Your password or passphrase is not right")
			return v.Err()
		}
		return err
	}
	return nil
}

// DeletedView says the account is gone.
type DeletedView struct{ web.Page }

func (h *Handlers) deleted(w http.ResponseWriter, r *http.Request) error {
	return h.render.Render(w, r, http.StatusOK, "privacy/deleted", &DeletedView{Page: web.Page{Title: "Your account is deleted"}})
}
