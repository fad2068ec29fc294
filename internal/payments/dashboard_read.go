package payments

import (
	"context"
	"fmt"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/totals"
)

// PaymentTimes counts the claims for people's time paid by the organisations of one region,
// for the national dashboard (internal/insight).
type PaymentTimes struct {
	// Region is the paying organisation's region, or "" for organisations without one.
	Region string
	// Claims counts claims not declined; Paid those paid. DaysToPay adds up, over paid claims,
	// the days from the meeting or activity to the payment.
	Claims, Paid int64
	DaysToPay    float64
}

// AverageDays is the mean days from the meeting or activity to payment; ok is false when
// none is paid.
func (p PaymentTimes) AverageDays() (days float64, ok bool) {
	if p.Paid == 0 {
		return 0, false
	}
	return p.DaysToPay / float64(p.Paid), true
}

// daysToPay is the time from the meeting or activity to payment in days, in each dialect.
var daysToPay = map[db.Dialect]string{
	db.SQLite:   `julianday(pc.paid_on) - julianday(pc.held_at)`,
	db.Postgres: `EXTRACT(EPOCH FROM (pc.paid_on - pc.held_at)) / 86400.0`,
}

// PaymentTotals are the running totals behind PaymentTimesByRegion, by paying organisation,
// recounted in the transaction of each change to a claim. Declined claims are left out: the
// person chose not to be paid.
var PaymentTotals = totals.Totals{
	Name: "claims for people's time and how soon they were paid, by paying organisation", Table: "payment_totals", Key: "organisation_id",
	Columns: []string{"claims", "paid", "days_to_pay"}, KeyOf: "pc.organisation_id",
	Count: func(d db.Dialect) string {
		return `SELECT pc.organisation_id, COUNT(*), SUM(CASE WHEN pc.status = 'paid' THEN 1 ELSE 0 END),
	COALESCE(SUM(CASE WHEN pc.status = 'paid' AND pc.paid_on >= pc.held_at THEN ` + daysToPay[d] + ` ELSE 0 END), 0)
FROM payment_claims pc WHERE pc.status <> 'declined' AND {{only}} GROUP BY pc.organisation_id`
	},
}

// PaymentTimesByRegion counts claims and payment times by the paying organisation's region,
// from the running totals: one row per organisation.
func PaymentTimesByRegion(ctx context.Context, d *db.DB) ([]PaymentTimes, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (p PaymentTimes, err error) {
		err = s.Scan(&p.Region, &p.Claims, &p.Paid, &p.DaysToPay)
		return p, err
	}, `SELECT COALESCE(rg.name, ''), SUM(t.claims), SUM(t.paid), SUM(t.days_to_pay)
FROM payment_totals t JOIN organisations o ON o.id = t.organisation_id LEFT JOIN regions rg ON rg.id = o.region_id
GROUP BY COALESCE(rg.name, '') ORDER BY COALESCE(rg.name, '')`)
	if err != nil {
		return nil, fmt.Errorf("payment times: %w", err)
	}
	return out, nil
}
