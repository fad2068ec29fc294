package accounts

import (
	"net/http"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// SignInView is the sign-in page.
type SignInView struct {
	web.Page
	Next string
}

func (s *Service) signInForm(w http.ResponseWriter, r *http.Request) error {
	v := &SignInView{Page: web.Page{Title: "Sign in"}, Next: web.SafeNext(r.URL.Query().Get("next"), "")}
	return s.render.Render(w, r, http.StatusOK, "accounts/sign-in", v)
}

func (s *Service) signIn(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	v := &SignInView{Page: web.Page{Title: "Sign in"}, Next: web.SafeNext(f.Get("next"), "")}
	var check errs.Validation
	check.Check(f.Get("login") != "", "login", "Enter your email address or sign-in name")
	check.Check(f.Get("password") != "", "password", "Enter your password or passphrase")
	err := check.Err()
	var personID int64
	if err == nil {
		personID, err = Authenticate(r.Context(), s.db, f.Get("login"), f.Get("password"), clientAddress(r), s.opt.Now())
	}
	if err == nil {
		err = s.passwordRefused(r, personID, "login")
	}
	if err != nil {
		return s.render.Mistakes(w, r, "accounts/sign-in", v, f, err)
	}
	if err := s.startSession(w, r, personID); err != nil {
		return err
	}
	return web.Redirect(w, r, web.SafeNext(f.Get("next"), "/account"))
}

func (s *Service) signOut(w http.ResponseWriter, r *http.Request) error {
	to := "/"
	if c, err := r.Cookie(SessionCookieName(s.opt.SecureCookies)); err == nil && c.Value != "" {
		if s.opt.SignOutAt != nil {
			if at := s.opt.SignOutAt(r.Context(), auth.HashToken(c.Value)); at != "" {
				to = at
			}
		}
		if err := EndSession(r.Context(), s.db, auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	web.SetFlash(w, "You have signed out.")
	return web.Redirect(w, r, to)
}

// CodeView is the page where a person types the sign-in code they were given.
type CodeView struct{ web.Page }

// PassphraseView is the page where a person with a working code sees their sign-in name and
// chooses a passphrase. The code travels on in a hidden field; it is used up only when the
// passphrase is saved.
type PassphraseView struct {
	web.Page
	Code   string
	Holder CodeHolder
}

func (s *Service) codeForm(w http.ResponseWriter, r *http.Request) error {
	return s.render.Render(w, r, http.StatusOK, "accounts/code", &CodeView{Page: web.Page{Title: "Use your sign-in code"}})
}

// codeFormWithError shows the code page again, saying what was wrong.
func (s *Service) codeFormWithError(w http.ResponseWriter, r *http.Request, f web.Form, err error) error {
	v := &CodeView{Page: web.Page{Title: "Use your sign-in code"}}
	return s.render.Mistakes(w, r, "accounts/code", v, f, err)
}

func (s *Service) checkCode(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	if f.Get("code") == "" {
		return s.codeFormWithError(w, r, f, fieldError(errs.Invalid, "code", "Enter your sign-in code"))
	}
	holder, err := CheckSignInCode(r.Context(), s.db, f.Get("code"), clientAddress(r), s.opt.Now())
	if err != nil {
		return s.codeFormWithError(w, r, f, err)
	}
	if err := s.passwordRefused(r, holder.PersonID, "code"); err != nil {
		return s.codeFormWithError(w, r, f, err)
	}
	v := &PassphraseView{Page: web.Page{Title: "Choose your passphrase"}, Code: auth.NormaliseSignInCode(f.Get("code")), Holder: holder}
	return s.render.Render(w, r, http.StatusOK, "accounts/passphrase", v)
}

func (s *Service) redeemCode(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	now := s.opt.Now()
	holder, err := CheckSignInCode(r.Context(), s.db, f.Get("code"), clientAddress(r), now)
	if err != nil {
		return s.codeFormWithError(w, r, web.Form{}, err)
	}
	if err := s.passwordRefused(r, holder.PersonID, "code"); err != nil {
		return s.codeFormWithError(w, r, web.Form{}, err)
	}
	var check errs.Validation
	checkNewPassword(&check, "password", f.Get("password"))
	check.Check(f.Get("confirm") == f.Get("password"), "confirm", "The two passphrases are not the same: type it again")
	err = check.Err()
	var personID int64
	if err == nil {
		personID, err = RedeemSignInCode(r.Context(), s.db, f.Get("code"), f.Get("password"), clientAddress(r), now)
	}
	if err != nil {
		if e, ok := errs.As(err); ok && e.Fields["code"] != "" {
			// Used by another request in the meantime.
			return s.codeFormWithError(w, r, web.Form{}, err)
		}
		v := &PassphraseView{Page: web.Page{Title: "Choose your passphrase"}, Code: auth.NormaliseSignInCode(f.Get("code")), Holder: holder}
		return s.render.Mistakes(w, r, "accounts/passphrase", v, f, err)
	}
	if err := s.startSession(w, r, personID); err != nil {
		return err
	}
	web.SetFlash(w, "Your passphrase is saved and you are signed in. Next time, sign in with "+holder.Login+" and your passphrase.")
	return web.Redirect(w, r, "/account")
}

// passwordRefused is an error for a person whose organisation requires its own sign-in
// (Options.PasswordRefused), so neither a password nor a sign-in code signs them in.
func (s *Service) passwordRefused(r *http.Request, personID int64, field string) error {
	if s.opt.PasswordRefused == nil {
		return nil
	}
	refused, err := s.opt.PasswordRefused(r.Context(), personID)
	if err != nil {
		return err
	}
	if refused {
		return fieldError(errs.Invalid, field, "Your organisation asks you to sign in with its own account instead: on the sign-in page, choose \"sign in with your organisation's account\"")
	}
	return nil
}
