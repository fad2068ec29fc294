package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/funding"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Rates are what an organisation pays for time and covers for expenses, in pence.
type Rates struct {
	OrganisationID   int64
	OrganisationName string
	Basis            string // "hour" or "session"
	HourlyPence      int64
	SessionPence     int64
	// SessionMinutes is how long a meeting with no recorded length counts as, when paying by
	// the hour.
	SessionMinutes                                     int64
	TravelPence, FoodPence, ChildcarePence, OtherPence int64
	Source                                             string
	// UpdatedAt is zero for the example rates: the organisation has not set its own.
	UpdatedAt time.Time
}

// ExampleSource says where the example rates come from.
const ExampleSource = "Example rates based on the NIHR (National Institute for Health and Care Research) payment guidance " +
	"for public involvement, which for a long time published £25 an hour and £150 a day (Payment guidance for researchers " +
	"and professionals, first published August 2022). The expense limits are examples. Check the current guidance before you use them."

// ExampleRates are paid by an organisation that has not set its own, so that nobody is left
// unpaid while rates are agreed.
var ExampleRates = Rates{Basis: "hour", HourlyPence: 2500, SessionPence: 15000, SessionMinutes: 120,
	TravelPence: 2000, FoodPence: 1000, ChildcarePence: 4000, OtherPence: 2000, Source: ExampleSource}

// Set reports whether the organisation set these rates itself.
func (r Rates) Set() bool { return !r.UpdatedAt.IsZero() }

// TimePence is the pay for minutes of someone's time (0 minutes: a session of unrecorded
// length), rounded to the nearest penny.
func (r Rates) TimePence(minutes int64) int64 {
	if r.Basis == "session" {
		return r.SessionPence
	}
	if minutes <= 0 {
		minutes = r.SessionMinutes
	}
	return (r.HourlyPence*minutes + 30) / 60
}

// Describe says the time rate in plain English.
func (r Rates) Describe() string {
	if r.Basis == "session" {
		return funding.Money(r.SessionPence) + " for each meeting or activity"
	}
	return fmt.Sprintf("%s an hour (a meeting counts as %s hours unless its length is recorded)", funding.Money(r.HourlyPence), hoursText(r.SessionMinutes))
}

func hoursText(minutes int64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(float64(minutes)/60, 'f', 2, 64), "0"), ".")
}

// Caps lists the expense limits with their names, for pages and checks.
func (r Rates) Caps() []Expense {
	return []Expense{{"travel", "Travel", r.TravelPence}, {"food", "Food and drink", r.FoodPence},
		{"childcare", "Childcare or care for someone", r.ChildcarePence}, {"other", "Other costs", r.OtherPence}}
}

// Expense is one kind of expense and an amount: a limit, or what was claimed.
type Expense struct {
	Key, Label string
	Pence      int64
}

// Money shows the amount.
func (e Expense) Money() string { return funding.Money(e.Pence) }

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// GetRates reads an organisation's rates; an organisation that has set none pays the
// example rates.
func GetRates(ctx context.Context, q querier, organisationID int64) (Rates, error) {
	r := Rates{OrganisationID: organisationID}
	err := q.QueryRowContext(ctx, `SELECT o.name, COALESCE(r.basis, ''), COALESCE(r.hourly_pence, 0), COALESCE(r.session_pence, 0),
		COALESCE(r.session_minutes, 0), COALESCE(r.travel_pence, 0), COALESCE(r.food_pence, 0), COALESCE(r.childcare_pence, 0),
		COALESCE(r.other_pence, 0), COALESCE(r.source, ''), r.updated_at
		FROM organisations o LEFT JOIN payment_rates r ON r.organisation_id = o.id WHERE o.id = $1`, organisationID).
		Scan(&r.OrganisationName, &r.Basis, &r.HourlyPence, &r.SessionPence, &r.SessionMinutes, &r.TravelPence, &r.FoodPence,
			&r.ChildcarePence, &r.OtherPence, &r.Source, (*nullTime)(&r.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.New(errs.NotFound, "No such organisation.")
	}
	if err != nil {
		return r, fmt.Errorf("read rates: %w", err)
	}
	if r.UpdatedAt.IsZero() {
		ex := ExampleRates
		ex.OrganisationID, ex.OrganisationName = r.OrganisationID, r.OrganisationName
		return ex, nil
	}
	return r, nil
}

// SetRates lists the organisations that have set their own rates.
func SetRates(ctx context.Context, d *db.DB) ([]Rates, error) {
	return db.Collect(ctx, d.Read, func(s db.Scanner) (Rates, error) {
		var r Rates
		err := s.Scan(&r.OrganisationID, &r.OrganisationName, &r.Basis, &r.HourlyPence, &r.SessionPence, &r.SessionMinutes, &r.UpdatedAt)
		return r, err
	}, `SELECT r.organisation_id, o.name, r.basis, r.hourly_pence, r.session_pence, r.session_minutes, r.updated_at
		FROM payment_rates r JOIN organisations o ON o.id = r.organisation_id ORDER BY o.name`)
}

// RatesInput is the rates form as typed.
type RatesInput struct {
	Basis, Hourly, Session, SessionHours, Travel, Food, Childcare, Other, Source string
}

// MaySetRates reports whether the person may set the organisation's rates: its facilitators,
// council officers and finance team.
func MaySetRates(id *auth.Identity, organisationID int64) bool {
	return id.HasIn(auth.Facilitator, organisationID) || id.HasIn(auth.CouncilOfficer, organisationID) || id.HasIn(auth.Finance, organisationID)
}

// SaveRates checks and stores an organisation's rates, audited.
func SaveRates(ctx context.Context, d *db.DB, by *auth.Identity, organisationID int64, in RatesInput, now time.Time) error {
	var v errs.Validation
	r := Rates{OrganisationID: organisationID, Basis: in.Basis, Source: strings.TrimSpace(in.Source)}
	v.Check(r.Basis == "hour" || r.Basis == "session", "basis", "Choose whether you pay by the hour or by the session")
	amount := func(field, label, s string, required bool) int64 {
		if strings.TrimSpace(s) == "" && !required {
			return 0
		}
		p, msg := ParsePence(s)
		if msg != "" {
			v.Add(field, label+" "+msg)
		}
		return p
	}
	r.HourlyPence = amount("hourly", "The hourly rate", in.Hourly, r.Basis != "session")
	r.SessionPence = amount("session", "The session rate", in.Session, r.Basis == "session")
	hours, err := strconv.ParseFloat(strings.TrimSpace(in.SessionHours), 64)
	if err != nil || hours <= 0 || hours > 12 {
		v.Add("session_hours", "Enter how many hours a usual meeting lasts, such as 2 or 1.5, up to 12")
	}
	r.SessionMinutes = int64(hours*60 + 0.5)
	r.TravelPence = amount("travel", "The travel limit", in.Travel, false)
	r.FoodPence = amount("food", "The food and drink limit", in.Food, false)
	r.ChildcarePence = amount("childcare", "The childcare limit", in.Childcare, false)
	r.OtherPence = amount("other", "The limit for other costs", in.Other, false)
	if r.Source == "" {
		v.Add("source", "Say where your rates come from, such as your organisation's policy or the NIHR guidance")
	}
	v.Check(utf8.RuneCountInString(r.Source) <= 1000, "source", "Where the rates come from must be 1,000 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		before, err := GetRates(ctx, tx, organisationID)
		if err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_rates (organisation_id, basis, hourly_pence, session_pence, session_minutes,
			travel_pence, food_pence, childcare_pence, other_pence, source, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (organisation_id) DO UPDATE SET basis = excluded.basis, hourly_pence = excluded.hourly_pence,
			session_pence = excluded.session_pence, session_minutes = excluded.session_minutes, travel_pence = excluded.travel_pence,
			food_pence = excluded.food_pence, childcare_pence = excluded.childcare_pence, other_pence = excluded.other_pence,
			source = excluded.source, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			organisationID, r.Basis, r.HourlyPence, r.SessionPence, r.SessionMinutes, r.TravelPence, r.FoodPence, r.ChildcarePence,
			r.OtherPence, r.Source, utc(now), nullID(actorID)); err != nil {
			return err
		}
		before.OrganisationName, r.OrganisationName = "", ""
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "rates.set",
			Subject: fmt.Sprintf("organisation:%d", organisationID), Scope: fmt.Sprintf("organisation:%d", organisationID),
			Before: before, After: r, At: now})
	})
}

// ParsePence reads an amount of money such as "12.50", "£12", "1,250" or "0" as pence. It
// returns a message ending a sentence when the amount is not one.
func ParsePence(s string) (int64, string) {
	s = strings.ReplaceAll(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "£")), ",", "")
	if s == "" {
		return 0, "must be entered, such as 12.50"
	}
	if strings.HasPrefix(s, "-") {
		return 0, "cannot be negative"
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if hasPoint && (len(frac) == 0 || len(frac) > 2) {
		return 0, "must be in pounds and pence, such as 12.50"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	p, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || strings.ContainsAny(whole+frac, "+ ") || p > 1_000_000 {
		return 0, "must be an amount of money, such as 12.50"
	}
	return p*100 + f, ""
}

// poundsText writes pence for a form field: "12.50", or "12" for whole pounds.
func poundsText(p int64) string {
	if p%100 == 0 {
		return strconv.FormatInt(p/100, 10)
	}
	return fmt.Sprintf("%d.%02d", p/100, p%100)
}

// nullTime scans a nullable time into a time.Time, zero for NULL.
type nullTime time.Time

func (n *nullTime) Scan(v any) error {
	var t sql.NullTime
	if err := t.Scan(v); err != nil {
		return err
	}
	*n = nullTime(t.Time)
	return nil
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
