package panels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Pay units.
var PayUnits = []web.Option{{Value: "hour", Text: "an hour"}, {Value: "session", Text: "a session"}, {Value: "day", Text: "a day"}, {Value: "year", Text: "a year"}}

// Opportunity is a paid role for people with lived experience.
type Opportunity struct {
	ID               int64
	OrganisationID   int64
	OrganisationName string
	PostedBy         int64
	Title            string
	Involves         string
	PayPence         int64
	PayUnit          string
	Hours            string
	ClosesAt         time.Time
	Support          string
	Interested       int
}

// Pay shows the pay as "£15.50 an hour".
func (o Opportunity) Pay() string {
	unit := o.PayUnit
	for _, u := range PayUnits {
		if u.Value == o.PayUnit {
			unit = u.Text
		}
	}
	return Pounds(o.PayPence) + " " + unit
}

// Open reports whether people can still express interest at now.
func (o Opportunity) Open(now time.Time) bool { return now.Before(o.ClosesAt) }

// LastDay is the closing date as people read it.
func (o Opportunity) LastDay() time.Time { return consent.LastMoment(o.ClosesAt) }

// Pounds shows pence as £1,234.56.
func Pounds(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s£%s.%02d", sign, web.FormatNumber(p/100), p%100)
}

var moneyPattern = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,2})?$`)

// ParsePounds reads an amount typed as 15, 15.5, £1,250.00; ok is false for anything else.
func ParsePounds(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(s), "£"), ",", "")
	if !moneyPattern.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// NewOpportunity is an opportunity as the form gives it.
type NewOpportunity struct {
	Title, Involves, Pay, PayUnit, Hours, CloseDate, Support string
}

// CreateOpportunity posts a paid role on behalf of an organisation the poster works in.
func CreateOpportunity(ctx context.Context, d *db.DB, organisationID int64, n NewOpportunity, by *auth.Identity, now time.Time) (int64, error) {
	var v errs.Validation
	checkText(&v, "title", "the title of the role", n.Title, true)
	v.Check(utf8.RuneCountInString(n.Title) <= 200, "title", "Title must be 200 characters or fewer")
	checkText(&v, "involves", "what the role involves", n.Involves, true)
	pence, ok := ParsePounds(n.Pay)
	v.Check(ok && pence > 0, "pay", "Enter the pay in pounds, for example 15.50")
	unitOK := false
	for _, u := range PayUnits {
		unitOK = unitOK || u.Value == n.PayUnit
	}
	v.Check(unitOK, "pay_unit", "Choose how the pay is counted")
	checkText(&v, "hours", "the hours", n.Hours, true)
	var closes time.Time
	if day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(n.CloseDate), web.London); err != nil {
		v.Add("close_date", "Enter the closing date, for example 2026-03-14")
	} else {
		closes = consent.EndOfDay(day)
		v.Check(closes.After(now), "close_date", "The closing date must be today or in the future")
	}
	checkText(&v, "support", "the support offered", n.Support, false)
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO opportunities (organisation_id, posted_by, title, involves, pay_pence, pay_unit, hours, closes_at, support, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, organisationID, nullID(by.PersonID), strings.TrimSpace(n.Title),
			strings.TrimSpace(n.Involves), pence, n.PayUnit, strings.TrimSpace(n.Hours), utc(closes), strings.TrimSpace(n.Support), utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert opportunity: %w", err)
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "opportunity.posted",
			Subject: fmt.Sprintf("opportunity:%d", id), Scope: fmt.Sprintf("organisation:%d", organisationID), At: now,
			After: map[string]any{"title": n.Title, "pay_pence": pence, "pay_unit": n.PayUnit, "closes_at": closes}})
	})
	return id, err
}

const oppColumns = `o.id, o.organisation_id, org.name, COALESCE(o.posted_by, 0), o.title, o.involves, o.pay_pence, o.pay_unit, o.hours, o.closes_at, o.support,
	(SELECT count(*) FROM opportunity_interests i WHERE i.opportunity_id = o.id)
FROM opportunities o JOIN organisations org ON org.id = o.organisation_id`

func scanOpp(s interface{ Scan(...any) error }) (Opportunity, error) {
	var o Opportunity
	err := s.Scan(&o.ID, &o.OrganisationID, &o.OrganisationName, &o.PostedBy, &o.Title, &o.Involves, &o.PayPence, &o.PayUnit, &o.Hours, &o.ClosesAt, &o.Support, &o.Interested)
	return o, err
}

// ListOpportunities lists the opportunities open at now, closing soonest first.
func ListOpportunities(ctx context.Context, d *db.DB, now time.Time) ([]Opportunity, error) {
	out, err := db.Collect(ctx, d.Read, scanOpp, `SELECT `+oppColumns+` WHERE o.closes_at > $1 ORDER BY o.closes_at, o.id`, utc(now))
	if err != nil {
		return nil, fmt.Errorf("list opportunities: %w", err)
	}
	return out, nil
}

// GetOpportunity reads one opportunity.
func GetOpportunity(ctx context.Context, d *db.DB, id int64) (Opportunity, error) {
	o, err := scanOpp(d.Read.QueryRowContext(ctx, `SELECT `+oppColumns+` WHERE o.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, errs.New(errs.NotFound, "There is no such opportunity.")
	}
	return o, err
}

// Interest is a member's interest in an opportunity.
type Interest struct {
	ID        int64
	PersonID  int64
	Name      string
	Statement string
	CreatedAt time.Time
	Reply     string
	RepliedAt time.Time
}

// Interests lists the interest in an opportunity of the organisation: only its poster's
// organisation may read them, so the organisation is part of the call.
func Interests(ctx context.Context, d *db.DB, organisationID, opportunityID int64) ([]Interest, error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT i.id, i.person_id, p.display_name, i.statement, i.created_at, i.reply, i.replied_at
		FROM opportunity_interests i JOIN opportunities o ON o.id = i.opportunity_id JOIN people p ON p.id = i.person_id
		WHERE o.id = $1 AND o.organisation_id = $2 ORDER BY i.created_at, i.id`, opportunityID, organisationID)
	if err != nil {
		return nil, fmt.Errorf("list interest: %w", err)
	}
	defer rows.Close()
	var out []Interest
	for rows.Next() {
		var x Interest
		var replied sql.NullTime
		if err := rows.Scan(&x.ID, &x.PersonID, &x.Name, &x.Statement, &x.CreatedAt, &x.Reply, &replied); err != nil {
			return nil, err
		}
		x.RepliedAt = replied.Time
		out = append(out, x)
	}
	return out, rows.Err()
}

// MyInterest returns the person's interest in an opportunity, if any (found false).
func MyInterest(ctx context.Context, d *db.DB, opportunityID, personID int64) (Interest, bool, error) {
	var x Interest
	var replied sql.NullTime
	err := d.Read.QueryRowContext(ctx, `SELECT id, person_id, statement, created_at, reply, replied_at FROM opportunity_interests
		WHERE opportunity_id = $1 AND person_id = $2`, opportunityID, personID).Scan(&x.ID, &x.PersonID, &x.Statement, &x.CreatedAt, &x.Reply, &replied)
	if errors.Is(err, sql.ErrNoRows) {
		return x, false, nil
	}
	x.RepliedAt = replied.Time
	return x, err == nil, err
}

// ExpressInterest records a member's interest with a short statement; a second statement
// replaces the first. After the closing date it is refused. The poster is told.
func ExpressInterest(ctx context.Context, d *db.DB, opportunityID int64, by *auth.Identity, statement string, now time.Time) error {
	var v errs.Validation
	checkText(&v, "statement", "a short statement", statement, true)
	v.Check(utf8.RuneCountInString(statement) <= 1000, "statement", "Your statement must be 1000 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	o, err := GetOpportunity(ctx, d, opportunityID)
	if err != nil {
		return err
	}
	if !o.Open(now) {
		return errs.New(errs.Conflict, "This opportunity has closed.")
	}
	var sent []outgoing
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_interests (opportunity_id, person_id, statement, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (opportunity_id, person_id) DO UPDATE SET statement = excluded.statement, created_at = excluded.created_at`,
			opportunityID, by.PersonID, strings.TrimSpace(statement), utc(now)); err != nil {
			return err
		}
		if o.PostedBy != 0 {
			if sent, err = notify(ctx, tx, 0, []int64{o.PostedBy}, "Someone is interested: "+o.Title,
				by.DisplayName+" is interested in the role and wrote a statement.", fmt.Sprintf("/opportunities/%d", o.ID), now); err != nil {
				return err
			}
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "opportunity.interest",
			Subject: fmt.Sprintf("opportunity:%d", o.ID), Scope: fmt.Sprintf("organisation:%d", o.OrganisationID), At: now,
			After: map[string]any{"statement": statement}})
	})
	if err == nil {
		deliver(sent)
	}
	return err
}

// ReplyToInterest records the poster's reply to an interested member, who is told. The
// organisation is the poster's: an interest in another organisation's opportunity is not found.
func ReplyToInterest(ctx context.Context, d *db.DB, organisationID, opportunityID, interestID int64, reply string, by *auth.Identity, now time.Time) error {
	var v errs.Validation
	checkText(&v, "reply", "your reply", reply, true)
	if err := v.Err(); err != nil {
		return err
	}
	xs, err := Interests(ctx, d, organisationID, opportunityID)
	if err != nil {
		return err
	}
	var x *Interest
	for i := range xs {
		if xs[i].ID == interestID {
			x = &xs[i]
		}
	}
	if x == nil {
		return errs.New(errs.NotFound, "")
	}
	o, err := GetOpportunity(ctx, d, opportunityID)
	if err != nil {
		return err
	}
	var sent []outgoing
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE opportunity_interests SET reply = $1, replied_at = $2 WHERE id = $3`, strings.TrimSpace(reply), utc(now), interestID); err != nil {
			return err
		}
		if sent, err = notify(ctx, tx, 0, []int64{x.PersonID}, "A reply about: "+o.Title, strings.TrimSpace(reply),
			fmt.Sprintf("/opportunities/%d", o.ID), now); err != nil {
			return err
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "opportunity.replied",
			Subject: fmt.Sprintf("opportunity:%d", o.ID), Scope: fmt.Sprintf("organisation:%d", organisationID), At: now,
			Before: map[string]any{"reply": x.Reply}, After: map[string]any{"interest": interestID, "reply": reply}})
	})
	if err == nil {
		deliver(sent)
	}
	return err
}

// posterOrganisations lists the organisations in which the person may post and answer:
// where they facilitate, work for a council, or fund.
func posterOrganisations(me *auth.Identity) []int64 {
	var out []int64
	if me == nil {
		return nil
	}
	for _, g := range me.Grants {
		if g.Role == auth.Facilitator || g.Role == auth.CouncilOfficer || g.Role == auth.Funder {
			out = append(out, g.OrganisationID)
		}
	}
	return out
}

func mayManageOpportunity(me *auth.Identity, o Opportunity) bool {
	for _, org := range posterOrganisations(me) {
		if org == o.OrganisationID {
			return true
		}
	}
	return false
}

// OpportunitiesView lists open opportunities.
type OpportunitiesView struct {
	web.Page
	Opportunities []Opportunity
	MayPost       bool
	Now           time.Time
}

func (h *Handlers) opportunities(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	now := h.opt.Now()
	os, err := ListOpportunities(r.Context(), h.db, now)
	if err != nil {
		return err
	}
	me := auth.From(r.Context())
	return rd.Render(w, r, http.StatusOK, "panels/opportunities", &OpportunitiesView{Page: web.Page{Title: "Paid roles"},
		Opportunities: os, MayPost: len(posterOrganisations(me)) > 0, Now: now})
}

// OpportunityFormView is the form to post a paid role.
type OpportunityFormView struct {
	web.Page
	Organisations []web.Option
	PayUnits      []web.Option
}

func (h *Handlers) opportunityForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	me := auth.From(r.Context())
	var opts []web.Option
	for _, id := range posterOrganisations(me) {
		o, err := directory.OrganisationByID(r.Context(), h.db, id)
		if err != nil {
			return err
		}
		opts = append(opts, web.Option{Value: strconv.FormatInt(o.ID, 10), Text: o.Name})
	}
	if f.Values == nil {
		f.Values = map[string][]string{"pay_unit": {"hour"}}
	}
	return rd.Render(w, r, status, "panels/opportunity-new", &OpportunityFormView{
		Page: web.Page{Title: "Post a paid role", Form: f, Back: "/opportunities"}, Organisations: opts, PayUnits: PayUnits})
}

func (h *Handlers) newOpportunityForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.opportunityForm(w, r, rd, http.StatusOK, web.Form{})
}

func (h *Handlers) createOpportunity(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	me := auth.From(r.Context())
	f := web.NewForm(r)
	org, _ := strconv.ParseInt(f.Get("organisation"), 10, 64)
	allowed := false
	for _, id := range posterOrganisations(me) {
		allowed = allowed || id == org
	}
	var err error
	var id int64
	if !allowed {
		var v errs.Validation
		v.Add("organisation", "Choose the organisation offering the role")
		err = v.Err()
	} else {
		id, err = CreateOpportunity(r.Context(), h.db, org, NewOpportunity{Title: f.Get("title"), Involves: f.Get("involves"), Pay: f.Get("pay"),
			PayUnit: f.Get("pay_unit"), Hours: f.Get("hours"), CloseDate: f.Get("close_date"), Support: f.Get("support")}, me, h.opt.Now())
	}
	if err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.opportunityForm(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "The role is posted.")
	return web.Redirect(w, r, fmt.Sprintf("/opportunities/%d", id))
}

// OpportunityView is one paid role.
type OpportunityView struct {
	web.Page
	text
	Opportunity Opportunity
	Open        bool
	IsMember    bool
	Mine        Interest
	HasMine     bool
	Manages     bool
	Interests   []Interest
}

func (h *Handlers) opportunityPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "")
	}
	o, err := GetOpportunity(r.Context(), h.db, id)
	if err != nil {
		return err
	}
	me := auth.From(r.Context())
	v := &OpportunityView{Page: web.Page{Title: o.Title, Form: f, Back: "/opportunities"}, Opportunity: o, Open: o.Open(h.opt.Now()),
		IsMember: me.Has(auth.Member), Manages: mayManageOpportunity(me, o)}
	if v.IsMember {
		if v.Mine, v.HasMine, err = MyInterest(r.Context(), h.db, o.ID, me.PersonID); err != nil {
			return err
		}
		if v.Form.Values == nil && v.HasMine {
			v.Form.Values = map[string][]string{"statement": {v.Mine.Statement}}
		}
	}
	if v.Manages {
		if v.Interests, err = Interests(r.Context(), h.db, o.OrganisationID, o.ID); err != nil {
			return err
		}
	}
	return rd.Render(w, r, status, "panels/opportunity", v)
}

func (h *Handlers) opportunity(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.opportunityPage(w, r, rd, http.StatusOK, web.Form{})
}

func (h *Handlers) expressInterest(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	if err := ExpressInterest(r.Context(), h.db, id, auth.From(r.Context()), f.Get("statement"), h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok && errs.CodeOf(err) == errs.Invalid {
			return h.opportunityPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "Thank you. The person who posted the role can now see your interest.")
	return web.Redirect(w, r, fmt.Sprintf("/opportunities/%d", id))
}

func (h *Handlers) replyInterest(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	iid, err2 := strconv.ParseInt(r.PathValue("interest"), 10, 64)
	if err1 != nil || err2 != nil {
		return errs.New(errs.NotFound, "")
	}
	o, err := GetOpportunity(r.Context(), h.db, id)
	if err != nil {
		return err
	}
	me := auth.From(r.Context())
	if !mayManageOpportunity(me, o) {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	if err := ReplyToInterest(r.Context(), h.db, o.OrganisationID, o.ID, iid, f.Get("reply"), me, h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok && errs.CodeOf(err) == errs.Invalid {
			return h.opportunityPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "Your reply is sent.")
	return web.Redirect(w, r, fmt.Sprintf("/opportunities/%d", id))
}
