package payments

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// BenefitsAdvice is where people are pointed for advice on benefits and payment.
const BenefitsAdvice = "https://www.gov.uk/benefits-calculators"

// HomeView lists the claims a person deals with.
type HomeView struct {
	web.Page
	// Mine is a page of the member's own claims (Pager), of MineCount.
	Mine, ToApprove, ToPay []Claim
	MineCount              int
	Pager                  web.Pager
	IsMember, IsFinance    bool
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &HomeView{Page: web.Page{Title: "Payments", Wide: true}, IsMember: me.Has(auth.Member), IsFinance: me.Has(auth.Finance)}
	var err error
	if v.IsMember {
		v.Pager = web.PageFrom(r, claimsPerPage, "Pages of your claims")
		var totals PersonTotals
		if totals, err = TotalsOfPerson(ctx, h.db, me.PersonID); err != nil {
			return err
		}
		v.MineCount = totals.Claims
		if err := v.Pager.Count(r, v.MineCount, "claims"); err != nil {
			return err
		}
		if v.Mine, err = ClaimsOfPersonPage(ctx, h.db, me.PersonID, v.Pager.Limit(), v.Pager.Offset()); err != nil {
			return err
		}
	}
	for _, org := range append(me.OrganisationsFor(auth.Facilitator), me.OrganisationsFor(auth.CouncilOfficer)...) {
		cs, err := ClaimsOfOrganisation(ctx, h.db, org, []string{Owed}, 200)
		if err != nil {
			return err
		}
		v.ToApprove = append(v.ToApprove, cs...)
	}
	for _, org := range me.OrganisationsFor(auth.Finance) {
		cs, err := ClaimsOfOrganisation(ctx, h.db, org, []string{Approved}, 200)
		if err != nil {
			return err
		}
		v.ToPay = append(v.ToPay, cs...)
	}
	return rd.Render(w, r, http.StatusOK, "payments/home", v)
}

// ClaimView is a claim's page: the claimant's choices, the approver's and finance's actions.
type ClaimView struct {
	web.Page
	Claim          Claim
	Access         Access
	Rates          Rates
	Week           Week
	Methods        []web.Option
	Advice         string
	OverLimit      bool // the claimant's current choice would pass their weekly limit
	Feedback       string
	Expenses       web.Form
	Payment        web.Form
	ChoiceMistakes bool
}

func (h *Handlers) claimFor(r *http.Request) (Claim, Access, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return Claim{}, Access{}, errs.New(errs.NotFound, "")
	}
	c, err := GetClaim(r.Context(), h.db.Read, id)
	if err != nil {
		return c, Access{}, err
	}
	a := AccessTo(auth.From(r.Context()), c)
	if !a.See() {
		return c, a, errs.New(errs.NotFound, "No such claim.")
	}
	return c, a, nil
}

// claimPage shows the claim; a failed form comes back in the part of the page it belongs to.
func (h *Handlers) claimPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, part string, f web.Form) error {
	c, a, err := h.claimFor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v := &ClaimView{Page: web.Page{Title: "Claim for " + c.Title, Back: "/payments"}, Claim: c, Access: a, Advice: BenefitsAdvice}
	if v.Rates, err = GetRates(ctx, h.db.Read, c.OrganisationID); err != nil {
		return err
	}
	if v.Week, err = WeekOf(ctx, h.db.Read, c); err != nil {
		return err
	}
	v.OverLimit = v.Week.Over(c.EarningsPence())
	for _, m := range Methods {
		v.Methods = append(v.Methods, web.Option{Value: m.Value, Text: m.Text, Hint: m.Hint})
	}
	v.Form = web.Form{Values: url.Values{"method": {c.Method}, "charity": {c.Charity}}}
	if c.Method == "less" {
		v.Form.Values.Set("less", poundsText(c.TakenPence))
	}
	v.Expenses = web.Form{Values: url.Values{}}
	for _, e := range c.Expenses() {
		if e.Pence > 0 {
			v.Expenses.Values.Set(e.Key, poundsText(e.Pence))
		}
	}
	v.Expenses.Values.Set("note", c.ExpensesNote)
	switch part {
	case "choice":
		v.Form, v.ChoiceMistakes = f, true
	case "expenses":
		v.Expenses = f
		v.Form.Err = f.Err // the page's title and error summary
	case "paid":
		v.Payment = f
		v.Form.Err = f.Err
	}
	if a.Claimant {
		if _, err := AttendedOccasion(ctx, h.db, c.PersonID, c.Source, c.SourceID); err == nil {
			v.Feedback = Occasion{Source: c.Source, ID: c.SourceID}.FeedbackPath()
		}
	}
	return rd.Render(w, r, status, "payments/claim", v)
}

func (h *Handlers) claim(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.claimPage(w, r, rd, http.StatusOK, "", web.Form{})
}

// mistake shows the claim page again with a fixable error in one part, or passes the error on.
func (h *Handlers) mistake(w http.ResponseWriter, r *http.Request, rd *web.Renderer, part string, f web.Form, err error) error {
	ff, ok := f.WithError(err)
	if !ok {
		return err
	}
	return h.claimPage(w, r, rd, http.StatusUnprocessableEntity, part, ff)
}

func (h *Handlers) choose(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, a, err := h.claimFor(r)
	if err != nil {
		return err
	}
	if !a.Claimant {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	ch := Choice{Method: f.Get("method"), Less: f.Get("less"), Charity: f.Get("charity"), Confirm: f.Get("confirm") == "yes"}
	if err := Choose(r.Context(), h.db, auth.From(r.Context()), c.ID, ch, h.opt.Now()); err != nil {
		return h.mistake(w, r, rd, "choice", f, err)
	}
	web.SetFlash(w, "Your choice is saved.")
	return web.Redirect(w, r, fmt.Sprintf("/payments/claims/%d", c.ID))
}

func (h *Handlers) expenses(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, a, err := h.claimFor(r)
	if err != nil {
		return err
	}
	if !a.Claimant {
		return errs.New(errs.NotFound, "")
	}
	in, f, err := readExpenses(r)
	if err != nil {
		return err
	}
	if err := SaveExpenses(r.Context(), h.db, auth.From(r.Context()), c.ID, in, h.opt.Now()); err != nil {
		return h.mistake(w, r, rd, "expenses", f, err)
	}
	web.SetFlash(w, "Your expenses are saved.")
	return web.Redirect(w, r, fmt.Sprintf("/payments/claims/%d", c.ID))
}

// readExpenses reads the expenses form, multipart with an optional receipt, or a plain form.
// The receipt is read up to one byte past the limit, so a larger one is refused by size.
func readExpenses(r *http.Request) (ExpensesInput, web.Form, error) {
	var in ExpensesInput
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return in, web.Form{}, err
			}
			return in, web.Form{}, errs.New(errs.Invalid, "The form could not be read. Try again.")
		}
		defer r.MultipartForm.RemoveAll()
		if file, hdr, err := r.FormFile("receipt"); err == nil {
			defer file.Close()
			if hdr.Size > 0 {
				data, err := io.ReadAll(io.LimitReader(file, MaxReceipt+1))
				if err != nil {
					return in, web.Form{}, err
				}
				in.Receipt, in.ReceiptTooBig = data, len(data) > MaxReceipt
			}
		}
	}
	f := web.NewForm(r)
	in.Travel, in.Food, in.Childcare, in.Other, in.Note = f.Get("travel"), f.Get("food"), f.Get("childcare"), f.Get("other"), f.Get("note")
	return in, f, nil
}

func (h *Handlers) receipt(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, _, err := h.claimFor(r)
	if err != nil {
		return err
	}
	rc, err := GetReceipt(r.Context(), h.db, c.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", rc.ContentType)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="receipt-%d.%s"`, c.ID, receiptTypes[rc.ContentType]))
	_, err = w.Write(rc.Data)
	return err
}

func (h *Handlers) approve(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, a, err := h.claimFor(r)
	if err != nil {
		return err
	}
	if !a.Approver {
		return errs.New(errs.NotFound, "")
	}
	if err := Approve(r.Context(), h.db, auth.From(r.Context()), c.ID, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "The claim is approved. Finance can now pay it.")
	return web.Redirect(w, r, "/payments")
}

func (h *Handlers) paid(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	c, a, err := h.claimFor(r)
	if err != nil {
		return err
	}
	if !a.Finance {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	p := Payment{Reference: f.Get("reference")}
	var msg string
	if p.On, msg = parseDay(f, "paid", "date it was paid"); msg != "" {
		var v errs.Validation
		v.Add("paid", msg)
		if f.Get("reference") == "" {
			v.Add("reference", "Enter the payment reference from your finance system")
		}
		return h.mistake(w, r, rd, "paid", f, v.Err())
	}
	if err := MarkPaid(r.Context(), h.db, auth.From(r.Context()), c.ID, p, h.opt.Now()); err != nil {
		return h.mistake(w, r, rd, "paid", f, err)
	}
	web.SetFlash(w, "The claim is marked as paid.")
	return web.Redirect(w, r, "/payments")
}

// parseDay reads a GOV.UK date input (NAME-day, NAME-month, NAME-year) as midday in London.
func parseDay(f web.Form, name, label string) (time.Time, string) {
	ds, ms, ys := f.Get(name+"-day"), f.Get(name+"-month"), f.Get(name+"-year")
	if ds == "" && ms == "" && ys == "" {
		return time.Time{}, "Enter the " + label
	}
	d, e1 := strconv.Atoi(ds)
	m, e2 := strconv.Atoi(ms)
	y, e3 := strconv.Atoi(ys)
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, web.London)
	if e1 != nil || e2 != nil || e3 != nil || y < 2000 || y > 2100 || t.Day() != d || int(t.Month()) != m {
		return time.Time{}, "The " + label + " must be a real date, like 14 3 2026"
	}
	return t, ""
}

// PreferencesView is the form for a person's payment preferences.
type PreferencesView struct {
	web.Page
	Methods []web.Option
	Advice  string
}

func (h *Handlers) preferencesPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	v := &PreferencesView{Page: web.Page{Title: "How you like to be paid", Form: f, Back: "/payments/mine"}, Advice: BenefitsAdvice}
	v.Methods = []web.Option{{Value: "", Text: "Ask me each time"}}
	for _, m := range DefaultMethods() {
		v.Methods = append(v.Methods, web.Option{Value: m.Value, Text: m.Text, Hint: m.Hint})
	}
	return rd.Render(w, r, status, "payments/preferences", v)
}

func (h *Handlers) preferencesForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	p, err := GetPreferences(r.Context(), h.db, auth.From(r.Context()).PersonID)
	if err != nil {
		return err
	}
	f := web.Form{Values: url.Values{"method": {p.Method}, "charity": {p.Charity}}}
	if p.HasLimit {
		f.Values.Set("limit", poundsText(p.LimitPence))
	}
	return h.preferencesPage(w, r, rd, http.StatusOK, f)
}

func (h *Handlers) savePreferences(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	f := web.NewForm(r)
	in := PreferencesInput{Method: f.Get("method"), Charity: f.Get("charity"), Limit: f.Get("limit")}
	if err := SavePreferences(r.Context(), h.db, auth.From(r.Context()), in, h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.preferencesPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "Your payment choices are saved.")
	return web.Redirect(w, r, "/payments/mine")
}

// MineView is a member's own page: money, what they said and what happened, thanks, and the
// final documents they helped shape.
type MineView struct {
	web.Page
	// Claims are the latest few of ClaimCount, all of them on /payments a page at a time.
	Claims               []Claim
	ClaimCount           int
	OwedPence, PaidPence int64
	// Said is a page of what the person said (Pager).
	Said   []Said
	Pager  web.Pager
	Thanks []Thanks
	// Bids are the newest few of BidCount the person helped shape (all on /funding/took-part).
	Bids        []funding.Bid
	BidCount    int
	Questions   []Occasion
	Preferences Preferences
	Advice      string
}

// A member's own page shows their latest claims (all are on /payments, paged) and what they
// said a page at a time.
const (
	mineClaims    = 10
	saidPerPage   = 20
	claimsPerPage = 20
)

// Money helpers for the template.
func (v *MineView) OwedMoney() string { return funding.Money(v.OwedPence) }
func (v *MineView) PaidMoney() string { return funding.Money(v.PaidPence) }

func (h *Handlers) mine(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &MineView{Page: web.Page{Title: "My contributions", Wide: true}, Advice: BenefitsAdvice}
	var err error
	if v.Claims, err = ClaimsOfPersonPage(ctx, h.db, me.PersonID, mineClaims, 0); err != nil {
		return err
	}
	totals, err := TotalsOfPerson(ctx, h.db, me.PersonID)
	if err != nil {
		return err
	}
	v.ClaimCount, v.OwedPence, v.PaidPence = totals.Claims, totals.Owed, totals.PaidPence
	v.Pager = web.PageFrom(r, saidPerPage, "Pages of what you said")
	var more bool
	if v.Said, more, err = WhatTheySaidPage(ctx, h.db, me.PersonID, saidPerPage, v.Pager.Offset()); err != nil {
		return err
	}
	if len(v.Said) == 0 && v.Pager.Number > 1 {
		return errs.New(errs.NotFound, "")
	}
	v.Pager.More(r, more)
	if v.Thanks, err = ThanksFor(ctx, h.db, me.PersonID); err != nil {
		return err
	}
	if v.Bids, v.BidCount, err = funding.TookPartIn(ctx, h.db, me.PersonID, funding.TookPartShown, 0); err != nil {
		return err
	}
	if v.Questions, err = Unanswered(ctx, h.db, me.PersonID, 5); err != nil {
		return err
	}
	if v.Preferences, err = GetPreferences(ctx, h.db, me.PersonID); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "payments/mine", v)
}

// RatesListView lists the organisations that set their own rates, and the example rates.
type RatesListView struct {
	web.Page
	Set     []Rates
	Example Rates
	Yours   []Rates // organisations whose rates the person may set
}

func (h *Handlers) ratesList(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &RatesListView{Page: web.Page{Title: "Rates of pay"}, Example: ExampleRates}
	var err error
	if v.Set, err = SetRates(ctx, h.db); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, role := range []auth.Role{auth.Facilitator, auth.CouncilOfficer, auth.Finance} {
		for _, org := range me.OrganisationsFor(role) {
			if seen[org] {
				continue
			}
			seen[org] = true
			rt, err := GetRates(ctx, h.db.Read, org)
			if err != nil {
				return err
			}
			v.Yours = append(v.Yours, rt)
		}
	}
	return rd.Render(w, r, http.StatusOK, "payments/rates-list", v)
}

// RatesView is one organisation's rates, with the form for those who set them.
type RatesView struct {
	web.Page
	Rates  Rates
	MaySet bool
	Bases  []web.Option
}

func (h *Handlers) ratesPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	org, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "")
	}
	rt, err := GetRates(r.Context(), h.db.Read, org)
	if err != nil {
		return err
	}
	v := &RatesView{Page: web.Page{Title: "Rates of pay: " + rt.OrganisationName, Form: f, Back: "/payments/rates"}, Rates: rt,
		MaySet: MaySetRates(auth.From(r.Context()), org),
		Bases:  []web.Option{{Value: "hour", Text: "By the hour"}, {Value: "session", Text: "By the session", Hint: "The same amount for each meeting or activity, however long."}}}
	if f.Values == nil {
		v.Form.Values = url.Values{"basis": {rt.Basis}, "hourly": {poundsText(rt.HourlyPence)}, "session": {poundsText(rt.SessionPence)},
			"session_hours": {hoursText(rt.SessionMinutes)}, "travel": {poundsText(rt.TravelPence)}, "food": {poundsText(rt.FoodPence)},
			"childcare": {poundsText(rt.ChildcarePence)}, "other": {poundsText(rt.OtherPence)}, "source": {rt.Source}}
	}
	return rd.Render(w, r, status, "payments/rates", v)
}

func (h *Handlers) rates(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.ratesPage(w, r, rd, http.StatusOK, web.Form{})
}

func (h *Handlers) saveRates(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	org, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	me := auth.From(r.Context())
	if err != nil || !MaySetRates(me, org) {
		return errs.New(errs.NotFound, "")
	}
	f := web.NewForm(r)
	in := RatesInput{Basis: f.Get("basis"), Hourly: f.Get("hourly"), Session: f.Get("session"), SessionHours: f.Get("session_hours"),
		Travel: f.Get("travel"), Food: f.Get("food"), Childcare: f.Get("childcare"), Other: f.Get("other"), Source: f.Get("source")}
	if err := SaveRates(r.Context(), h.db, me, org, in, h.opt.Now()); err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.ratesPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "The rates are saved. New claims use them.")
	return web.Redirect(w, r, fmt.Sprintf("/payments/rates/%d", org))
}

// ExportView is the finance export's form.
type ExportView struct {
	web.Page
	Organisations []web.Option
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	v := &ExportView{Page: web.Page{Title: "Export approved claims", Back: "/payments"}}
	orgs := me.OrganisationsFor(auth.Finance)
	for _, g := range me.Grants {
		if g.Role == auth.Finance {
			v.Organisations = append(v.Organisations, web.Option{Value: strconv.FormatInt(g.OrganisationID, 10), Text: g.OrganisationName})
		}
	}
	q := r.URL.Query()
	if len(q) == 0 {
		v.Form = web.Form{Values: url.Values{"organisation": {strconv.FormatInt(orgs[0], 10)}}}
		return rd.Render(w, r, http.StatusOK, "payments/export", v)
	}
	f := web.Form{Values: q}
	var val errs.Validation
	from, msg := parseDay(f, "from", "first date")
	val.Check(msg == "", "from", msg)
	to, msg := parseDay(f, "to", "last date")
	val.Check(msg == "", "to", msg)
	if !val.Has("from") && !val.Has("to") {
		val.Check(!to.Before(from), "to", "The last date must be the same as or after the first date")
	}
	org, _ := strconv.ParseInt(q.Get("organisation"), 10, 64)
	val.Check(me.HasIn(auth.Finance, org), "organisation", "Choose your organisation")
	if err := val.Err(); err != nil {
		return rd.Mistakes(w, r, "payments/export", v, f, err)
	}
	dayStart := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, web.London) }
	claims, err := ApprovedBetween(ctx, h.db, org, dayStart(from), dayStart(to).AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="approved-claims-%s-to-%s.csv"`, from.Format("2006-01-02"), to.Format("2006-01-02")))
	return WriteCSV(w, claims)
}

// WriteCSV writes claims for a finance system. Amounts are in pounds with pence; a value that
// a spreadsheet would run as a formula is written as text.
func WriteCSV(w io.Writer, claims []Claim) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"claim", "payee_reference", "held_on", "for", "method", "charity", "time_amount", "expenses_amount",
		"total_amount", "counts_as_earnings", "approved_on"})
	for _, c := range claims {
		_ = cw.Write([]string{strconv.FormatInt(c.ID, 10), c.PayeeReference(), c.HeldAt.In(web.London).Format("2006-01-02"),
			safeCell(c.Title), c.Method, safeCell(c.Charity), poundsCell(c.TakenPence), poundsCell(c.ExpensesPence()),
			poundsCell(c.TotalPence()), poundsCell(c.EarningsPence()), c.ApprovedAt.In(web.London).Format("2006-01-02")})
	}
	cw.Flush()
	return cw.Error()
}

func poundsCell(p int64) string { return fmt.Sprintf("%d.%02d", p/100, p%100) }

func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// FeedbackView asks the two quick questions.
type FeedbackView struct {
	web.Page
	Occasion        Occasion
	Listened, Again []web.Option
}

func (h *Handlers) occasionFor(r *http.Request) (Occasion, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	source := r.PathValue("source")
	if err != nil || source != FromMeeting && source != FromActivity {
		return Occasion{}, errs.New(errs.NotFound, "")
	}
	return AttendedOccasion(r.Context(), h.db, auth.From(r.Context()).PersonID, source, id)
}

func (h *Handlers) feedbackPage(w http.ResponseWriter, r *http.Request, rd *web.Renderer, status int, f web.Form) error {
	o, err := h.occasionFor(r)
	if err != nil {
		return err
	}
	v := &FeedbackView{Page: web.Page{Title: "Two quick questions", Form: f, Back: "/payments"}, Occasion: o,
		Listened: ListenedOptions, Again: AgainOptions}
	return rd.Render(w, r, status, "payments/feedback", v)
}

func (h *Handlers) feedbackForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.feedbackPage(w, r, rd, http.StatusOK, web.Form{})
}

func (h *Handlers) saveFeedback(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	o, err := h.occasionFor(r)
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	if err := Answer(r.Context(), h.db, auth.From(r.Context()), o, f.Get("listened"), f.Get("again")); err != nil {
		if ff, ok := f.WithError(err); ok {
			return h.feedbackPage(w, r, rd, http.StatusUnprocessableEntity, ff)
		}
		return err
	}
	web.SetFlash(w, "Thank you. Your answers are anonymous.")
	return web.Redirect(w, r, "/payments")
}

// TableView is a "who was at the table" page: one panel's or bid's, or (National) the
// funder's view of every panel and bid.
type TableView struct {
	web.Page
	Table Table
	Kind  string // "panel" or "bid"
	Link  string
	// National pages list a row for each panel and each funding programme (its submitted bids).
	National     bool
	Panels, Bids []NationalRow
	// Pager pages a panel's meetings (a national panel has hundreds); nil for a bid's
	// activities, which are few.
	Pager *web.Pager
}

// Shown says which of a panel's meetings the page lists.
func (v *TableView) Shown() string {
	if v.Pager == nil || len(v.Table.Occasions) == 0 {
		return ""
	}
	from := v.Pager.Offset() + 1
	return fmt.Sprintf("Newest first: meetings %d to %d of %d.", from, from+len(v.Table.Occasions)-1, v.Table.OccasionCount)
}

// meetingsPerPage is how many meetings a panel's table lists on a page.
const meetingsPerPage = 20

// Counted names the meetings or activities the table counts.
func (v *TableView) Counted() string {
	if v.Kind == "panel" {
		return "Meetings recorded"
	}
	return "Activities in the bid"
}

// Occasion names what the table counts: meetings of a panel, activities of a bid.
func (v *TableView) Occasion() string {
	if v.Kind == "panel" {
		return "meeting"
	}
	return "activity"
}

func (h *Handlers) panelTable(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	p, err := panels.PanelBySlug(ctx, h.db, r.PathValue("slug"))
	if err != nil {
		return err
	}
	me := auth.From(ctx)
	if !p.Insider(me) && !me.HasAny(auth.Funder, auth.Admin) {
		return errs.New(errs.NotFound, "")
	}
	// The same for everyone who may see it: rendered once for each page asked for until the
	// data changes (panelTables).
	return rd.RenderKept(w, r, h.panelTables, fmt.Sprint(p.ID, "?", r.URL.RawQuery), "payments/table", func(ctx context.Context) (any, error) {
		pg := web.PageFrom(r, meetingsPerPage, "Pages of meetings")
		t, err := PanelPage(ctx, h.db, p, &pg)
		if err != nil {
			return nil, err
		}
		if err := pg.Count(r, t.OccasionCount, "meetings"); err != nil {
			return nil, err
		}
		return &TableView{Page: web.Page{Title: "Who was at the table: " + p.Name,
			Back: "/panels/" + p.Slug, Wide: true}, Table: t, Kind: "panel", Link: "/panels/" + p.Slug, Pager: &pg}, nil
	})
}

func (h *Handlers) bidTable(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "")
	}
	b, err := funding.GetBid(ctx, h.db, id)
	if err != nil {
		return err
	}
	me := auth.From(ctx)
	// seesBid: those who may open the bid itself; an administrator sees only these figures.
	seesBid := me.HasIn(auth.CouncilOfficer, b.CouncilID) || b.Submitted() && me.Has(auth.Funder)
	if !seesBid && b.Submitted() {
		if seesBid, err = funding.TookPart(ctx, h.db, b.ID, me.PersonID); err != nil {
			return err
		}
	}
	if !seesBid && !me.Has(auth.Admin) {
		return errs.New(errs.NotFound, "")
	}
	t, err := BidTable(ctx, h.db, b)
	if err != nil {
		return err
	}
	link, kind := fmt.Sprintf("/funding/bids/%d", b.ID), "bid"
	if !seesBid {
		link, kind = "/payments/table", "national view"
	}
	return rd.Render(w, r, http.StatusOK, "payments/table", &TableView{Page: web.Page{Title: "Who was at the table: " + t.Name,
		Back: link, Wide: true}, Table: t, Kind: kind, Link: link})
}

// NationalRow is one panel's or bid's line in the national view.
type NationalRow struct {
	Name, Link string
	Figures    Figures
}

func (h *Handlers) national(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	// Read from running totals (a few rows per panel and programme) and rendered when the data
	// has changed since, and kept meanwhile (nationalTable), so the funder looking again costs
	// the page around it.
	return rd.RenderKept(w, r, h.nationalTable, "", "payments/table", func(ctx context.Context) (any, error) {
		ps, err := PanelFigures(ctx, h.db)
		if err != nil {
			return nil, err
		}
		bs, err := ProgrammeFigures(ctx, h.db)
		if err != nil {
			return nil, err
		}
		v := &TableView{Page: web.Page{Title: "Who was at the table, across England", Wide: true}, National: true, Panels: ps, Bids: bs}
		v.Table.Name = "England"
		for _, rows := range [][]NationalRow{ps, bs} {
			for _, row := range rows {
				v.Table.add(row.Figures)
			}
		}
		return v, nil
	})
}
