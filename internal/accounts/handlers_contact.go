package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/web"
)

// ContactView is the form for how a person is told of their messages: their own, or one a
// facilitator fills in with them.
type ContactView struct {
	web.Page
	Person  Person
	Self    bool
	Action  string // where the form posts
	Options []web.Option
	// Question and MobileAutocomplete differ when a facilitator fills the form in: the
	// browser must not offer the facilitator's own number.
	Question, MobileAutocomplete string
}

func (s *Service) contactView(p Person, self bool, f web.Form) *ContactView {
	title, back, action := "How we tell you about messages", "/account", "/account/contact"
	if !self {
		title = "How " + p.DisplayName + " is told about messages"
		back = fmt.Sprintf("/people/%d", p.ID)
		action = fmt.Sprintf("/people/%d/contact", p.ID)
	}
	v := &ContactView{Page: web.Page{Title: title, Form: f, Back: back}, Person: p, Self: self, Action: action, Options: ContactOptions(),
		Question: "How do you want to be told about new messages?", MobileAutocomplete: "tel"}
	if !self {
		v.Question, v.MobileAutocomplete = "How do they want to be told about new messages?", "off"
	}
	return v
}

func contactForm(p Person) web.Form {
	return web.Form{Values: url.Values{"contact": {string(p.Effective())}, "mobile": {p.MobileDisplay()}}}
}

// contactFor loads whose contact choice the request is about: the signed-in person's own
// (/account/contact), or, for /people/{id}/contact, a person the facilitator or administrator
// manages. Someone out of scope is not found; one they may not manage is forbidden.
func (s *Service) contactFor(r *http.Request) (Person, bool, error) {
	me := auth.From(r.Context())
	if r.PathValue("id") == "" {
		p, err := GetPerson(r.Context(), s.db, Everyone, me.PersonID)
		return p, true, err
	}
	p, err := s.personInScope(r)
	if err != nil {
		return Person{}, false, err
	}
	if !mayManage(me, p) {
		return Person{}, false, errs.New(errs.Forbidden, "Only an administrator can change how this person is told about messages.")
	}
	return p, p.ID == me.PersonID, nil
}

func (s *Service) contactPage(w http.ResponseWriter, r *http.Request) error {
	p, self, err := s.contactFor(r)
	if err != nil {
		return err
	}
	return s.render.Render(w, r, http.StatusOK, "accounts/contact", s.contactView(p, self, contactForm(p)))
}

func (s *Service) setContact(w http.ResponseWriter, r *http.Request) error {
	p, self, err := s.contactFor(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if err := SetContact(r.Context(), s.db, p.ID, ContactChange{Contact: Contact(f.Get("contact")), Mobile: f.Get("mobile")}); err != nil {
		return s.render.Mistakes(w, r, "accounts/contact", s.contactView(p, self, f), f, err)
	}
	if self {
		web.SetFlash(w, "Your choice is saved. "+Contact(f.Get("contact")).Label()+".")
		return web.Redirect(w, r, "/account")
	}
	web.SetFlash(w, p.DisplayName+"’s choice is saved. "+Contact(f.Get("contact")).Label()+".")
	return web.Redirect(w, r, fmt.Sprintf("/people/%d", p.ID))
}

func (s *Service) removeMobile(w http.ResponseWriter, r *http.Request) error {
	p, self, err := s.contactFor(r)
	if err != nil {
		return err
	}
	if err := RemoveMobile(r.Context(), s.db, p.ID); err != nil {
		return err
	}
	if self {
		web.SetFlash(w, "Your mobile number is removed. You will not get text messages.")
		return web.Redirect(w, r, "/account")
	}
	web.SetFlash(w, p.DisplayName+"’s mobile number is removed. They will not get text messages.")
	return web.Redirect(w, r, fmt.Sprintf("/people/%d", p.ID))
}

// CodeTextedView says whether a sign-in code reached the person's phone. The code itself is
// never shown: only the person's phone has it.
type CodeTextedView struct {
	web.Page
	Person Person
	Sent   bool
	Why    string
}

// textCode texts a new sign-in code to the person's mobile, at their facilitator's request,
// so a member with no email can get back in without meeting. It is sent at once, outside the
// outbox, so the code is never stored, and at any hour: the person asked for it.
func (s *Service) textCode(w http.ResponseWriter, r *http.Request) error {
	me, p, err := s.codeFor(r)
	if err != nil {
		return err
	}
	switch {
	case p.Mobile == "":
		return errs.New(errs.Conflict, "%s has no mobile number. Make a sign-in code and give it to them on paper.", p.DisplayName)
	case s.opt.Texter == nil:
		return errs.New(errs.Conflict, "Roundtable cannot send texts. Make a sign-in code and give it to them on paper.")
	}
	now := s.opt.Now()
	code, err := IssueSignInCode(r.Context(), s.db, p.ID, me.PersonID, now)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Roundtable: your sign-in code is %s and your sign-in name %s. It works once, until %s. Type it at %s",
		code, p.Login, web.FormatDateTime(now.Add(CodeLifetime)), s.signInCodeAddress(r))
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	id, err := s.opt.Texter.SendText(ctx, notify.Text{To: p.Mobile, Body: body, Reference: fmt.Sprint("signin-code-", p.ID)})
	v := &CodeTextedView{Page: web.Page{Title: "Sign-in code for " + p.DisplayName, Back: fmt.Sprintf("/people/%d", p.ID)}, Person: p, Sent: err == nil && id != ""}
	switch {
	case err != nil:
		s.opt.Log.Warn("sign-in code not texted", "person", p.ID, "err", err)
		v.Why = err.Error()
		if ae, ok := errors.AsType[*govuknotify.APIError](err); ok && ae.Message() != "" {
			v.Why = ae.Message()
		}
	case id == "":
		v.Why = "Roundtable has no text message service set up."
	}
	return s.render.Render(w, r, http.StatusOK, "accounts/code-texted", v)
}
