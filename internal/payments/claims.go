package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Claim statuses.
const (
	Owed     = "owed"
	Approved = "approved"
	Paid     = "paid"
	Declined = "declined"
)

// Sources of a claim.
const (
	FromMeeting  = "meeting"
	FromActivity = "activity"
)

// Method is a way to be paid.
type Method struct {
	Value, Text, Hint string
	// Earnings: the money counts as earnings for benefits such as Universal Credit.
	Earnings bool
}

// Methods are the ways a person can choose to be paid, or not.
var Methods = []Method{
	{"transfer", "Bank transfer", "Counts as earnings for benefits such as Universal Credit.", true},
	{"cash", "Cash", "Counts as earnings for benefits such as Universal Credit.", true},
	{"voucher", "A shopping voucher", "Vouchers do not count as earnings for Universal Credit.", false},
	{"less", "Take less", "Choose a lower amount for your time, paid by bank transfer. It counts as earnings.", true},
	{"charity", "Give it to a charity", "We pay a charity you name instead of you.", false},
	{"decline", "Decline payment", "Nothing is paid for this claim, not even expenses.", false},
}

// DefaultMethods are the choices that make sense for every claim ("take less" is per claim).
func DefaultMethods() []Method {
	return slices.DeleteFunc(slices.Clone(Methods), func(m Method) bool { return m.Value == "less" })
}

func methodOf(v string) (Method, bool) {
	i := slices.IndexFunc(Methods, func(m Method) bool { return m.Value == v })
	if i < 0 {
		return Method{}, false
	}
	return Methods[i], true
}

// Claim is one person's claim for their time at one meeting or activity.
type Claim struct {
	ID               int64
	OrganisationID   int64
	OrganisationName string
	PersonID         int64
	PersonName       string
	Source           string
	SourceID         int64
	PanelID          int64
	CouncilID        int64
	Title            string
	HeldAt           time.Time
	Minutes          int64
	TimePence        int64
	Method           string
	TakenPence       int64
	Charity          string
	TravelPence      int64
	FoodPence        int64
	ChildcarePence   int64
	OtherPence       int64
	ExpensesNote     string
	HasReceipt       bool
	Status           string
	CreatedAt        time.Time
	ApprovedAt       time.Time
	PaidOn           time.Time
	PaidReference    string
}

// Expenses lists what was claimed for each kind of expense.
func (c Claim) Expenses() []Expense {
	return []Expense{{"travel", "Travel", c.TravelPence}, {"food", "Food and drink", c.FoodPence},
		{"childcare", "Childcare or care for someone", c.ChildcarePence}, {"other", "Other costs", c.OtherPence}}
}

// ExpensesPence is the expenses claimed. They are never earnings.
func (c Claim) ExpensesPence() int64 {
	return c.TravelPence + c.FoodPence + c.ChildcarePence + c.OtherPence
}

// EarningsPence is what counts as earnings for benefits: the time taken as money.
func (c Claim) EarningsPence() int64 {
	if m, ok := methodOf(c.Method); ok && m.Earnings && c.Status != Declined {
		return c.TakenPence
	}
	return 0
}

// TotalPence is what will be paid: the time taken and the expenses; nothing when declined;
// the time's full worth while the person has not chosen yet.
func (c Claim) TotalPence() int64 {
	switch {
	case c.Status == Declined:
		return 0
	case c.Method == "":
		return c.TimePence + c.ExpensesPence()
	}
	return c.TakenPence + c.ExpensesPence()
}

// Money helpers for templates.
func (c Claim) TimeMoney() string     { return funding.Money(c.TimePence) }
func (c Claim) TakenMoney() string    { return funding.Money(c.TakenPence) }
func (c Claim) ExpensesMoney() string { return funding.Money(c.ExpensesPence()) }
func (c Claim) TotalMoney() string    { return funding.Money(c.TotalPence()) }

// PayeeReference is what the finance export carries instead of bank details: the finance
// system matches it to the person.
func (c Claim) PayeeReference() string { return PayeeReference(c.PersonID) }

// PayeeReference names a person to a finance system without personal details.
func PayeeReference(personID int64) string { return fmt.Sprintf("RT-P%06d", personID) }

// MethodLabel is the chosen way to be paid, in plain English.
func (c Claim) MethodLabel() string {
	m, ok := methodOf(c.Method)
	switch {
	case !ok:
		return "Not chosen yet"
	case c.Method == "charity":
		return "Given to " + c.Charity
	case c.Method == "less":
		return "Take less (" + funding.Money(c.TakenPence) + "), by bank transfer"
	}
	return m.Text
}

// StatusLabel is the status in plain English.
func (c Claim) StatusLabel() string { return StatusLabel(c.Status) }

// StatusLabel names a status.
func StatusLabel(s string) string {
	switch s {
	case Owed:
		return "Owed"
	case Approved:
		return "Approved"
	case Paid:
		return "Paid"
	case Declined:
		return "Declined"
	}
	return s
}

// TagClass is the GOV.UK tag colour of the status.
func (c Claim) TagClass() string {
	switch c.Status {
	case Paid:
		return "govuk-tag--green"
	case Approved:
		return "govuk-tag--blue"
	case Declined:
		return "govuk-tag--grey"
	}
	return "govuk-tag--yellow"
}

// SourceLabel says what the claim is for.
func (c Claim) SourceLabel() string {
	if c.Source == FromMeeting {
		return "Panel meeting"
	}
	return "Co-production activity"
}

// Hours shows the time claimed, or "A session" when the length is not recorded.
func (c Claim) Hours() string {
	if c.Minutes == 0 {
		return "A session"
	}
	return hoursText(c.Minutes) + " hours"
}

const claimColumns = `c.id, c.organisation_id, o.name, c.person_id, p.display_name, c.source, c.source_id, COALESCE(c.panel_id, 0),
	COALESCE(c.council_id, 0), c.title, c.held_at, c.minutes, c.time_pence, c.method, c.taken_pence, c.charity, c.travel_pence,
	c.food_pence, c.childcare_pence, c.other_pence, c.expenses_note,
	EXISTS (SELECT 1 FROM payment_receipts r WHERE r.claim_id = c.id), c.status, c.created_at, c.approved_at, c.paid_on, c.paid_reference
	FROM payment_claims c JOIN organisations o ON o.id = c.organisation_id JOIN people p ON p.id = c.person_id`

func scanClaim(s db.Scanner) (Claim, error) {
	var c Claim
	err := s.Scan(&c.ID, &c.OrganisationID, &c.OrganisationName, &c.PersonID, &c.PersonName, &c.Source, &c.SourceID, &c.PanelID,
		&c.CouncilID, &c.Title, &c.HeldAt, &c.Minutes, &c.TimePence, &c.Method, &c.TakenPence, &c.Charity, &c.TravelPence,
		&c.FoodPence, &c.ChildcarePence, &c.OtherPence, &c.ExpensesNote, &c.HasReceipt, &c.Status, &c.CreatedAt,
		(*nullTime)(&c.ApprovedAt), (*nullTime)(&c.PaidOn), &c.PaidReference)
	return c, err
}

// GetClaim reads a claim. Whether the reader may see it is the caller's check (Access).
func GetClaim(ctx context.Context, q querier, id int64) (Claim, error) {
	c, err := scanClaim(q.QueryRowContext(ctx, `SELECT `+claimColumns+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.New(errs.NotFound, "No such claim.")
	}
	return c, err
}

// Access is what a person may do with a claim.
type Access struct {
	Claimant bool // it is their claim
	Approver bool // a facilitator, or a council officer, of the paying organisation
	Finance  bool // in the paying organisation's finance team
}

// See reports whether the person may see the claim at all.
func (a Access) See() bool { return a.Claimant || a.Approver || a.Finance }

// AccessTo works out what the person may do with the claim.
func AccessTo(id *auth.Identity, c Claim) Access {
	if id == nil {
		return Access{}
	}
	return Access{Claimant: id.PersonID == c.PersonID,
		Approver: id.HasIn(auth.Facilitator, c.OrganisationID) || id.HasIn(auth.CouncilOfficer, c.OrganisationID),
		Finance:  id.HasIn(auth.Finance, c.OrganisationID)}
}

// ClaimsOfPerson lists a person's own claims, newest first.
func ClaimsOfPerson(ctx context.Context, d *db.DB, personID int64) ([]Claim, error) {
	return db.Collect(ctx, d.Read, scanClaim, `SELECT `+claimColumns+` WHERE c.person_id = $1 ORDER BY c.held_at DESC, c.id DESC`, personID)
}

// ClaimsOfPersonPage reads one page of the person's claims, newest first, through
// payment_claims_person.
func ClaimsOfPersonPage(ctx context.Context, d *db.DB, personID int64, limit, offset int) ([]Claim, error) {
	return db.Collect(ctx, d.Read, scanClaim, `SELECT `+claimColumns+` WHERE c.person_id = $1 ORDER BY c.held_at DESC, c.id DESC
		LIMIT $2 OFFSET $3`, personID, limit, offset)
}

// PersonTotals are a person's claims counted and added up: how many, what is owed (owed or
// approved) and what was paid, each as Claim.TotalPence says.
type PersonTotals struct {
	Claims          int
	Owed, PaidPence int64
}

// TotalsOfPerson adds up the person's claims in the database, not row by row in Go.
func TotalsOfPerson(ctx context.Context, d *db.DB, personID int64) (PersonTotals, error) {
	var t PersonTotals
	// A claim's total as TotalPence: nothing when declined; the time's full worth while no
	// method is chosen, else what was taken; and the expenses.
	const total = `(CASE WHEN method = '' THEN time_pence ELSE taken_pence END + travel_pence + food_pence + childcare_pence + other_pence)`
	err := d.Read.QueryRowContext(ctx, `SELECT count(*),
		COALESCE(SUM(CASE WHEN status IN ('owed', 'approved') THEN `+total+` ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'paid' THEN `+total+` ELSE 0 END), 0)
		FROM payment_claims WHERE person_id = $1`, personID).Scan(&t.Claims, &t.Owed, &t.PaidPence)
	return t, err
}

// ClaimsOfOrganisation lists the claims an organisation pays with one of the statuses, oldest
// first (they have waited longest), at most limit.
func ClaimsOfOrganisation(ctx context.Context, d *db.DB, organisationID int64, statuses []string, limit int) ([]Claim, error) {
	var out []Claim
	for _, s := range statuses {
		cs, err := db.Collect(ctx, d.Read, scanClaim, `SELECT `+claimColumns+` WHERE c.organisation_id = $1 AND c.status = $2
			ORDER BY c.held_at, c.id LIMIT $3`, organisationID, s, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// attendance is what either hook says about someone taking part.
type attendance struct {
	source                    string
	sourceID, personID        int64
	panelID, councilID, payer int64
	title                     string
	held                      time.Time
	minutes                   int64
	by                        *auth.Identity
	at                        time.Time
	dialect                   db.Dialect // for recounting the payer's running totals
}

// MeetingAttended is panels' hook, for a database of dialect d: a member recorded as attending
// a panel meeting is owed for their time by the panel's organisation; one taken off loses a
// claim not yet approved. Facilitators attend as part of their job and are not paid through a
// claim.
func MeetingAttended(d db.Dialect) func(context.Context, *sql.Tx, panels.AttendanceChange) error {
	return func(ctx context.Context, tx *sql.Tx, a panels.AttendanceChange) error {
		return meetingAttended(ctx, tx, d, a)
	}
}

func meetingAttended(ctx context.Context, tx *sql.Tx, d db.Dialect, a panels.AttendanceChange) error {
	at := attendance{source: FromMeeting, sourceID: a.MeetingID, personID: a.PersonID, panelID: a.PanelID,
		payer: a.OrganisationID, title: a.Title, held: a.StartsAt, minutes: a.Minutes, by: a.By, at: a.At, dialect: d}
	// Everyone's place counts at the table, paid or not.
	if err := SeatTotals.Recount(ctx, tx, d, a.PersonID); err != nil {
		return err
	}
	if !a.Attended {
		return withdraw(ctx, tx, at)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM memberships WHERE person_id = $1 AND organisation_id = $2 AND role = $3`,
		a.PersonID, a.OrganisationID, string(auth.Member)).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return owe(ctx, tx, at)
}

// ActivityAttended is funding's hook, for a database of dialect d: a named person with lived
// experience who took part in a council's activity is owed for their time, by their own
// organisation when it has set rates (a lived-experience group or partnership that pays its
// members), otherwise by the council that held the activity.
func ActivityAttended(d db.Dialect) funding.OnAttendance {
	return func(ctx context.Context, tx *sql.Tx, a funding.Attendance) error {
		return activityAttended(ctx, tx, d, a)
	}
}

func activityAttended(ctx context.Context, tx *sql.Tx, d db.Dialect, a funding.Attendance) error {
	if a.Type != directory.LivedExperience || a.PersonID == 0 {
		return nil
	}
	payer := a.CouncilID
	if a.OrganisationID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM payment_rates WHERE organisation_id = $1", a.OrganisationID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			payer = a.OrganisationID
		}
	}
	return owe(ctx, tx, attendance{source: FromActivity, sourceID: a.ActivityID, personID: a.PersonID, councilID: a.CouncilID,
		payer: payer, title: a.Title, held: a.HeldOn, minutes: a.Minutes, by: a.By, at: a.At, dialect: d})
}

// owe makes the claim at the payer's rates, with the person's default choice, unless the
// person already has one for the same meeting or activity.
func owe(ctx context.Context, tx *sql.Tx, a attendance) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM payment_claims WHERE source = $1 AND source_id = $2 AND person_id = $3",
		a.source, a.sourceID, a.personID).Scan(&n); err != nil || n > 0 {
		return err
	}
	rates, err := GetRates(ctx, tx, a.payer)
	if err != nil {
		return err
	}
	pref, err := getPreferences(ctx, tx, a.personID)
	if err != nil {
		return err
	}
	timePence := rates.TimePence(a.minutes)
	status := Owed
	if pref.Method == "decline" {
		status = Declined
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO payment_claims (organisation_id, person_id, source, source_id, panel_id, council_id,
		title, held_at, minutes, time_pence, method, taken_pence, charity, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		a.payer, a.personID, a.source, a.sourceID, nullID(a.panelID), nullID(a.councilID), a.title, utc(a.held), a.minutes, timePence,
		pref.Method, takenFor(pref.Method, timePence), pref.Charity, status, utc(a.at)).Scan(&id); err != nil {
		return fmt.Errorf("make claim: %w", err)
	}
	if err := PaymentTotals.Recount(ctx, tx, a.dialect, a.payer); err != nil {
		return err
	}
	actorID, actorName := audit.By(a.by)
	return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "claim.owed",
		Subject: fmt.Sprintf("claim:%d", id), Scope: fmt.Sprintf("organisation:%d", a.payer), At: a.at,
		After: map[string]any{"person_id": a.personID, "source": a.source, "source_id": a.sourceID, "time_pence": timePence,
			"method": pref.Method, "status": status}})
}

// takenFor is what a person takes for their time with a method chosen as a default.
func takenFor(method string, timePence int64) int64 {
	if method == "decline" || method == "" {
		return 0
	}
	return timePence
}

// withdraw removes the claim of someone taken off a meeting's attendance, unless it was
// already approved or paid (then the record stands and the facilitator sorts it out).
func withdraw(ctx context.Context, tx *sql.Tx, a attendance) error {
	var id, payer int64
	var status string
	err := tx.QueryRowContext(ctx, "SELECT id, status, organisation_id FROM payment_claims WHERE source = $1 AND source_id = $2 AND person_id = $3",
		a.source, a.sourceID, a.personID).Scan(&id, &status, &payer)
	if errors.Is(err, sql.ErrNoRows) || err == nil && status != Owed && status != Declined {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM payment_claims WHERE id = $1", id); err != nil {
		return err
	}
	if err := PaymentTotals.Recount(ctx, tx, a.dialect, payer); err != nil {
		return err
	}
	actorID, actorName := audit.By(a.by)
	return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "claim.withdrawn",
		Subject: fmt.Sprintf("claim:%d", id), Scope: fmt.Sprintf("organisation:%d", a.payer), At: a.at,
		Before: map[string]any{"person_id": a.personID, "status": status}})
}

// Choice is how a person chooses to be paid for one claim.
type Choice struct {
	Method  string
	Less    string // the amount to take, for "less"
	Charity string
	// Confirm: the person has seen the weekly-limit warning and goes ahead.
	Confirm bool
}

// Week is a person's earnings in the week (Monday to Sunday, London) of a claim, against the
// weekly permitted-earnings limit they recorded.
type Week struct {
	Start      time.Time
	HasLimit   bool
	LimitPence int64
	// OtherPence is what counts as earnings from their other claims that week.
	OtherPence int64
}

// Headroom is how much more the person can earn that week within their limit.
func (w Week) Headroom() int64 { return max(0, w.LimitPence-w.OtherPence) }

// Over reports whether earning more pence from this claim takes the week past the limit.
func (w Week) Over(more int64) bool {
	return w.HasLimit && more > 0 && w.OtherPence+more > w.LimitPence
}

// Money helpers for templates.
func (w Week) LimitMoney() string    { return funding.Money(w.LimitPence) }
func (w Week) OtherMoney() string    { return funding.Money(w.OtherPence) }
func (w Week) HeadroomMoney() string { return funding.Money(w.Headroom()) }

// weekStart is the Monday, midnight in London, of the week holding t.
func weekStart(t time.Time) time.Time {
	l := t.In(web.London)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, web.London)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// WeekOf reads the earnings, other than the claim's own, in the claim's week.
func WeekOf(ctx context.Context, q interface {
	querier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, c Claim) (Week, error) {
	w := Week{Start: weekStart(c.HeldAt)}
	pref, err := getPreferences(ctx, q, c.PersonID)
	if err != nil {
		return w, err
	}
	w.HasLimit, w.LimitPence = pref.HasLimit, pref.LimitPence
	others, err := db.Collect(ctx, q, scanClaim, `SELECT `+claimColumns+` WHERE c.person_id = $1 AND c.id <> $2
		AND c.held_at >= $3 AND c.held_at < $4`, c.PersonID, c.ID, utc(w.Start), utc(w.Start.AddDate(0, 0, 7)))
	if err != nil {
		return w, err
	}
	for _, o := range others {
		w.OtherPence += o.EarningsPence()
	}
	return w, nil
}

// Choose records the claimant's choice while the claim is owed. A choice that would take the
// person past the weekly limit they recorded is refused, in plain English, unless confirmed.
func Choose(ctx context.Context, d *db.DB, by *auth.Identity, claimID int64, ch Choice, now time.Time) error {
	var v errs.Validation
	m, ok := methodOf(ch.Method)
	v.Check(ok, "method", "Choose how you want to be paid")
	var taken int64
	ch.Charity = strings.TrimSpace(ch.Charity)
	if ch.Method == "less" {
		var msg string
		if taken, msg = ParsePence(ch.Less); msg != "" {
			v.Add("less", "The amount you want to take "+msg)
		}
	}
	if ch.Method == "charity" {
		v.Check(ch.Charity != "", "charity", "Enter the name of the charity")
		v.Check(utf8.RuneCountInString(ch.Charity) <= 200, "charity", "The charity's name must be 200 characters or fewer")
	} else {
		ch.Charity = ""
	}
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		c, err := GetClaim(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if c.PersonID != by.PersonID {
			return errs.New(errs.NotFound, "No such claim.")
		}
		if c.Status != Owed {
			return errs.New(errs.Conflict, "This claim is already %s, so your choice cannot change now. Ask your facilitator if something is wrong.", strings.ToLower(c.StatusLabel()))
		}
		switch ch.Method {
		case "less":
			if taken > c.TimePence {
				v.Add("less", "The amount you take can be up to "+c.TimeMoney()+", the full amount for your time")
				return v.Err()
			}
		case "decline":
			taken = 0
		default:
			taken = c.TimePence
		}
		if m.Earnings && !ch.Confirm {
			week, err := WeekOf(ctx, tx, c)
			if err != nil {
				return err
			}
			if week.Over(taken) {
				v.Add("method", fmt.Sprintf("Taking %s as %s would take your earnings for the week starting %s to %s. "+
					"That is over the weekly limit of %s you recorded. Choose a voucher, take %s or less, or tick the box to go ahead anyway.",
					funding.Money(taken), strings.ToLower(m.Text), week.Start.Format("Monday 2 January"),
					funding.Money(week.OtherPence+taken), week.LimitMoney(), week.HeadroomMoney()))
				return v.Err()
			}
		}
		status := Owed
		if ch.Method == "decline" {
			status = Declined
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payment_claims SET method = $1, taken_pence = $2, charity = $3, status = $4 WHERE id = $5 AND status = $6`,
			ch.Method, taken, ch.Charity, status, c.ID, Owed); err != nil {
			return err
		}
		if err := PaymentTotals.Recount(ctx, tx, d.Dialect, c.OrganisationID); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "claim.chosen",
			Subject: fmt.Sprintf("claim:%d", c.ID), Scope: fmt.Sprintf("organisation:%d", c.OrganisationID), At: now,
			Before: map[string]any{"method": c.Method, "taken_pence": c.TakenPence, "status": c.Status},
			After:  map[string]any{"method": ch.Method, "taken_pence": taken, "charity": ch.Charity, "status": status, "over_limit_confirmed": ch.Confirm}})
	})
}

// Approve records a facilitator's (or council officer's) approval of an owed claim.
func Approve(ctx context.Context, d *db.DB, by *auth.Identity, claimID int64, now time.Time) error {
	return panels.InTxThenWake(ctx, d, func(tx *sql.Tx) error {
		c, err := GetClaim(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if !AccessTo(by, c).Approver {
			return errs.New(errs.NotFound, "No such claim.")
		}
		if c.Status != Owed {
			return errs.New(errs.Conflict, "This claim is %s, so it cannot be approved.", strings.ToLower(c.StatusLabel()))
		}
		if c.Method == "" {
			return errs.New(errs.Conflict, "%s has not chosen how to be paid yet. Ask them to choose, then approve it.", c.PersonName)
		}
		actorID, actorName := audit.By(by)
		res, err := tx.ExecContext(ctx, `UPDATE payment_claims SET status = $1, approved_at = $2, approved_by = $3 WHERE id = $4 AND status = $5`,
			Approved, utc(now), nullID(actorID), c.ID, Owed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "This claim has changed. Look at it again.")
		}
		if err := PaymentTotals.Recount(ctx, tx, d.Dialect, c.OrganisationID); err != nil {
			return err
		}
		if err := tellClaimant(ctx, tx, c, "Your payment is approved: "+c.Title,
			fmt.Sprintf("%s approved your claim for %s on %s. Total: %s. How you chose to be paid: %s.", c.OrganisationName, c.Title,
				londonDate(c.HeldAt), c.TotalMoney(), c.MethodLabel()), "Your payment for "+c.Title+" is approved.", now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "claim.approved",
			Subject: fmt.Sprintf("claim:%d", c.ID), Scope: fmt.Sprintf("organisation:%d", c.OrganisationID), At: now,
			Before: map[string]any{"status": c.Status}, After: map[string]any{"status": Approved, "total_pence": c.TotalPence()}})
	})
}

// tellClaimant queues a message about their claim to the person it pays, inside tx. The text
// message says only that something happened: never the amount, which a shared phone should
// not show.
func tellClaimant(ctx context.Context, tx *sql.Tx, c Claim, subject, body, short string, now time.Time) error {
	return panels.Tell(ctx, tx, c.PanelID, []int64{c.PersonID}, subject, body, short, fmt.Sprintf("/payments/claims/%d", c.ID), now)
}

func londonDate(t time.Time) string { return t.In(web.London).Format("2 January 2006") }

// Payment is what finance records when a claim is paid.
type Payment struct {
	On        time.Time // the day it was paid, London
	Reference string
}

// MarkPaid records that finance paid an approved claim. A claim is paid once: a second
// attempt is refused.
func MarkPaid(ctx context.Context, d *db.DB, by *auth.Identity, claimID int64, p Payment, now time.Time) error {
	var v errs.Validation
	p.Reference = strings.TrimSpace(p.Reference)
	if p.On.IsZero() {
		v.Add("paid", "Enter the date it was paid")
	} else {
		v.Check(!p.On.After(now), "paid", "The date it was paid must be today or in the past")
	}
	v.Check(p.Reference != "", "reference", "Enter the payment reference from your finance system")
	v.Check(utf8.RuneCountInString(p.Reference) <= 60, "reference", "The payment reference must be 60 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	return panels.InTxThenWake(ctx, d, func(tx *sql.Tx) error {
		c, err := GetClaim(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if !AccessTo(by, c).Finance {
			return errs.New(errs.NotFound, "No such claim.")
		}
		if c.Status == Paid {
			return errs.New(errs.Conflict, "This claim has already been paid, on %s (reference %s). It cannot be paid twice.",
				c.PaidOn.In(web.London).Format("2 January 2006"), c.PaidReference)
		}
		if c.Status != Approved {
			return errs.New(errs.Conflict, "This claim is %s. Only an approved claim can be paid.", strings.ToLower(c.StatusLabel()))
		}
		actorID, actorName := audit.By(by)
		// Days to payment as "who was at the table" counts them, kept for its running totals.
		res, err := tx.ExecContext(ctx, `UPDATE payment_claims SET status = $1, paid_on = $2, paid_reference = $3, paid_by = $4,
			days_to_pay = $5 WHERE id = $6 AND status = $7`, Paid, utc(p.On), p.Reference, nullID(actorID), daysBetween(c.HeldAt, utc(p.On)), c.ID, Approved)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "This claim has already been paid. It cannot be paid twice.")
		}
		if err := PaymentTotals.Recount(ctx, tx, d.Dialect, c.OrganisationID); err != nil {
			return err
		}
		if err := recountOccasion(ctx, tx, d.Dialect, c.Source, c.SourceID); err != nil {
			return err
		}
		if err := tellClaimant(ctx, tx, c, "Your payment has been paid: "+c.Title,
			fmt.Sprintf("%s paid your claim for %s: %s, on %s, with the reference %s.", c.OrganisationName, c.Title, c.TotalMoney(),
				londonDate(p.On), p.Reference), "Your payment for "+c.Title+" has been paid.", now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "claim.paid",
			Subject: fmt.Sprintf("claim:%d", c.ID), Scope: fmt.Sprintf("organisation:%d", c.OrganisationID), At: now,
			Before: map[string]any{"status": c.Status},
			After:  map[string]any{"status": Paid, "paid_on": utc(p.On), "reference": p.Reference, "total_pence": c.TotalPence()}})
	})
}

// ApprovedBetween lists an organisation's claims approved in [from, to) and not yet paid, for
// the finance export.
func ApprovedBetween(ctx context.Context, d *db.DB, organisationID int64, from, to time.Time) ([]Claim, error) {
	return db.Collect(ctx, d.Read, scanClaim, `SELECT `+claimColumns+` WHERE c.organisation_id = $1 AND c.status = $2
		AND c.approved_at >= $3 AND c.approved_at < $4 ORDER BY c.approved_at, c.id`, organisationID, Approved, utc(from), utc(to))
}
