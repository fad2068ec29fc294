package accounts

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

const peoplePerPage = 50

// PeopleView lists the people the signed-in administrator or facilitator looks after.
type PeopleView struct {
	web.Page
	People    []Person
	Total     int
	TotalText string
	Pager     web.Pager
	// ForAdmin is true when the list is everyone's, not a facilitator's organisations.
	ForAdmin bool
}

func (s *Service) people(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	scope := ScopeFor(me)
	pg := web.PageFrom(r, peoplePerPage, "Pages of people")
	list, err := ListPeople(r.Context(), s.db, scope, pg.Number, peoplePerPage)
	if err != nil {
		return err
	}
	for i := range list.People {
		list.People[i].Grants = grantsInScope(scope, list.People[i].Grants)
	}
	v := &PeopleView{Page: web.Page{Title: "People", Wide: true}, People: list.People, Total: list.Total,
		TotalText: web.FormatNumber(int64(list.Total)), Pager: pg, ForAdmin: scope.All}
	v.Pager.Of(r, list.Total)
	return s.render.Render(w, r, http.StatusOK, "accounts/people", v)
}

// grantsInScope keeps the roles a facilitator may see: those in their own organisations.
func grantsInScope(scope Scope, grants []auth.Grant) []auth.Grant {
	if scope.All {
		return grants
	}
	var out []auth.Grant
	for _, g := range grants {
		if scope.Includes(g.OrganisationID) {
			out = append(out, g)
		}
	}
	return out
}

// mayGrant reports whether the signed-in person may give the role in the organisation: an
// administrator any role anywhere, a facilitator members and facilitators in the
// organisations they facilitate.
func mayGrant(me *auth.Identity, role auth.Role, organisationID int64) bool {
	if me.Has(auth.Admin) {
		return true
	}
	return (role == auth.Member || role == auth.Facilitator) && me.HasIn(auth.Facilitator, organisationID)
}

// mayManage reports whether the signed-in person may issue a sign-in code to p, which lets
// whoever holds it take over the account: an administrator for anyone, a facilitator only for
// people whose every role is one the facilitator could have given. So a facilitator cannot take
// over an administrator who is also a member of their group.
func mayManage(me *auth.Identity, p Person) bool {
	if me.Has(auth.Admin) {
		return true
	}
	if len(p.Grants) == 0 {
		return false
	}
	for _, g := range p.Grants {
		if !mayGrant(me, g.Role, g.OrganisationID) {
			return false
		}
	}
	return true
}

// NewPersonView is the form to add a person.
type NewPersonView struct {
	web.Page
	Roles         []web.Option
	Organisations []web.Option
	// OrganisationHint explains the choice of organisation to this viewer.
	OrganisationHint string
}

func (s *Service) newPersonView(r *http.Request, f web.Form) (*NewPersonView, error) {
	me := auth.From(r.Context())
	scope := ScopeFor(me)
	orgs, err := Organisations(r.Context(), s.db, scope)
	if err != nil {
		return nil, err
	}
	v := &NewPersonView{Page: web.Page{Title: "Add a person", Form: f, Back: "/people"},
		OrganisationHint: "The organisation where they take part. You can add people to the organisations you facilitate."}
	if scope.All {
		v.OrganisationHint = "The organisation they work for or take part in. An administrator needs none."
	}
	// The roles mayGrant allows: all for an administrator, members and facilitators otherwise.
	for _, role := range auth.Roles {
		if scope.All || role == auth.Member || role == auth.Facilitator {
			v.Roles = append(v.Roles, web.Option{Value: string(role), Text: role.Label(), Hint: roleHint(role)})
		}
	}
	first := "Choose an organisation"
	if scope.All {
		first = "No organisation (administrators only)"
	}
	v.Organisations = []web.Option{{Value: "", Text: first}}
	for _, o := range orgs {
		v.Organisations = append(v.Organisations, web.Option{Value: strconv.FormatInt(o.ID, 10), Text: o.Name})
	}
	return v, nil
}

func roleHint(r auth.Role) string {
	switch r {
	case auth.Member:
		return "Has lived experience of homelessness and takes part in panels, bids and standards."
	case auth.Facilitator:
		return "Runs a panel or group, adds members and gives them sign-in codes."
	case auth.CouncilOfficer:
		return "Works for a council on bids, standards and answers to panels."
	case auth.Partner:
		return "Works for a provider, health service, probation, a voluntary group or a landlord."
	case auth.Funder:
		return "Works for the national funder: programmes, assessing bids, evaluations."
	case auth.Assessor:
		return "Assesses councils independently against the standards they adopted."
	case auth.Finance:
		return "Pays people for their time: marks approved claims paid and exports them for the finance system."
	case auth.Admin:
		return "Runs the platform. Belongs to no organisation."
	}
	return ""
}

func (s *Service) newPersonForm(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	f := web.Form{Values: url.Values{"role": {string(auth.Member)}}}
	if orgs := me.OrganisationsFor(auth.Facilitator); len(orgs) == 1 && !me.Has(auth.Admin) {
		f.Values.Set("organisation", strconv.FormatInt(orgs[0], 10))
	}
	v, err := s.newPersonView(r, f)
	if err != nil {
		return err
	}
	return s.render.Render(w, r, http.StatusOK, "accounts/person-new", v)
}

func (s *Service) createPerson(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	me := auth.From(r.Context())
	role := auth.Role(f.Get("role"))
	orgID, _ := strconv.ParseInt(f.Get("organisation"), 10, 64)
	if role == auth.Admin {
		orgID = 0
	}
	// The form offers only what the person may give; this refuses a crafted request.
	if role.Valid() && (role == auth.Admin || orgID != 0) && !mayGrant(me, role, orgID) {
		return errs.New(errs.Forbidden, "You cannot give that role in that organisation.")
	}
	id, err := CreatePerson(r.Context(), s.db, NewPerson{
		DisplayName: f.Get("display_name"),
		Email:       f.Get("email"),
		Grants:      []auth.Grant{{Role: role, OrganisationID: orgID}},
	}, me.PersonID)
	if err != nil {
		v, verr := s.newPersonView(r, f)
		if verr != nil {
			return verr
		}
		return s.render.Mistakes(w, r, "accounts/person-new", v, f, err)
	}
	p, err := GetPerson(r.Context(), s.db, Everyone, id)
	if err != nil {
		return err
	}
	how := "their email address " + p.Login
	if p.UsesSignInName() {
		how = "the sign-in name " + p.Login
	}
	web.SetFlash(w, fmt.Sprintf("%s is added and will sign in with %s. Give them a sign-in code so they can choose a passphrase.", p.DisplayName, how))
	return web.Redirect(w, r, fmt.Sprintf("/people/%d", id))
}

// PersonView is one person's page, for an administrator or their facilitator.
type PersonView struct {
	web.Page
	Person Person
	// MayManage is false where a code would let the viewer take over a more powerful account;
	// then they may neither give a code nor turn the account off.
	MayManage bool
	// Self is true on the viewer's own page: nobody turns off their own account.
	Self bool
	// LatestCode is the last sign-in code issued, if any.
	LatestCode  *CodeStatus
	CodeWaiting bool
}

// personInScope loads the person named in the path, or NotFound when the signed-in person may
// not see them, so that existence does not leak across organisations.
func (s *Service) personInScope(r *http.Request) (Person, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return Person{}, errs.New(errs.NotFound, "")
	}
	return GetPerson(r.Context(), s.db, ScopeFor(auth.From(r.Context())), id)
}

func (s *Service) person(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	p, err := s.personInScope(r)
	if err != nil {
		return err
	}
	v := &PersonView{Page: web.Page{Title: p.DisplayName, Back: "/people"}, Person: p,
		MayManage: mayManage(me, p), Self: p.ID == me.PersonID}
	v.Person.Grants = grantsInScope(ScopeFor(me), p.Grants)
	if c, err := LatestCode(r.Context(), s.db, p.ID); err == nil {
		v.LatestCode = &c
		v.CodeWaiting = c.Waiting(s.opt.Now())
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	return s.render.Render(w, r, http.StatusOK, "accounts/person", v)
}

// CodeIssuedView shows a new sign-in code, once: only its hash is kept.
type CodeIssuedView struct {
	web.Page
	Person        Person
	Code          string
	ExpiresAt     time.Time
	SignInAddress string
}

// codeFor is the person a sign-in code is asked for, when the one asking manages them and their
// account is on: the same rule for a code shown on screen and a code sent by text.
func (s *Service) codeFor(r *http.Request) (*auth.Identity, Person, error) {
	me := auth.From(r.Context())
	p, err := s.personInScope(r)
	if err != nil {
		return nil, p, err
	}
	if !mayManage(me, p) {
		return nil, p, errs.New(errs.Forbidden, "Only an administrator can give a sign-in code to this person.")
	}
	if p.Disabled {
		return nil, p, errs.New(errs.Conflict, "This account is turned off. Turn it back on before giving a sign-in code.")
	}
	return me, p, nil
}

// signInCodeAddress is where a person types a sign-in code, as the person asking reached us.
func (s *Service) signInCodeAddress(r *http.Request) string {
	scheme := "http"
	if web.ClientHTTPS(r) || s.opt.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/sign-in/code"
}

func (s *Service) issueCode(w http.ResponseWriter, r *http.Request) error {
	me, p, err := s.codeFor(r)
	if err != nil {
		return err
	}
	now := s.opt.Now()
	code, err := IssueSignInCode(r.Context(), s.db, p.ID, me.PersonID, now)
	if err != nil {
		return err
	}
	v := &CodeIssuedView{Page: web.Page{Title: "Sign-in code for " + p.DisplayName}, Person: p, Code: code,
		ExpiresAt: now.Add(CodeLifetime), SignInAddress: s.signInCodeAddress(r)}
	// Rendered in the POST's answer, not after a redirect, so the code is never stored
	// anywhere; the renderer marks the page no-store.
	return s.render.Render(w, r, http.StatusOK, "accounts/code-issued", v)
}

// setAccess turns a person's account off (they cannot sign in, and their sessions end) or
// back on, for someone leaving a group or an account that may be misused.
func (s *Service) setAccess(w http.ResponseWriter, r *http.Request) error {
	me := auth.From(r.Context())
	p, err := s.personInScope(r)
	if err != nil {
		return err
	}
	if !mayManage(me, p) {
		return errs.New(errs.Forbidden, "Only an administrator can turn this account off or on.")
	}
	if p.ID == me.PersonID {
		return errs.New(errs.Forbidden, "You cannot turn off your own account.")
	}
	off := web.NewForm(r).Get("signin") == "off"
	if err := SetDisabled(r.Context(), s.db, p.ID, off, s.opt.Now()); err != nil {
		return err
	}
	msg := p.DisplayName + "’s account is turned off. They cannot sign in."
	if !off {
		msg = p.DisplayName + "’s account is turned back on. Give them a sign-in code if they need a new passphrase."
	}
	web.SetFlash(w, msg)
	return web.Redirect(w, r, fmt.Sprintf("/people/%d", p.ID))
}
