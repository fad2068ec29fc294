package payments

import (
	"context"
	"fmt"

	"roundtable/internal/platform/db"
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

// PaymentTimesByRegion counts claims and payment times by the paying organisation's region,
// in one query. Declined claims are left out: the person chose not to be paid.
func PaymentTimesByRegion(ctx context.Context, d *db.DB) ([]PaymentTimes, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (p PaymentTimes, err error) {
		err = s.Scan(&p.Region, &p.Claims, &p.Paid, &p.DaysToPay)
		return p, err
	}, `SELECT COALESCE(rg.name, ''), COUNT(*), SUM(CASE WHEN pc.status = 'paid' THEN 1 ELSE 0 END),
	COALESCE(SUM(CASE WHEN pc.status = 'paid' AND pc.paid_on >= pc.held_at THEN `+daysToPay[d.Dialect]+` ELSE 0 END), 0)
FROM payment_claims pc JOIN organisations o ON o.id = pc.organisation_id LEFT JOIN regions rg ON rg.id = o.region_id
WHERE pc.status <> 'declined'
GROUP BY COALESCE(rg.name, '') ORDER BY COALESCE(rg.name, '')`)
	if err != nil {
		return nil, fmt.Errorf("payment times: %w", err)
	}
	return out, nil
}
