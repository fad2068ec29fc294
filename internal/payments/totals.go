package payments

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"roundtable/internal/funding"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/totals"
)

// Running totals behind the national "who was at the table" page, so that it reads a few rows
// per panel and programme rather than every claim and every meeting's attendance. Each is
// recounted in the transaction of the change it counts: a claim paid, a quick answer given,
// attendance recorded, a bid submitted (funding recounts ProgrammeTotals, see init).

// PanelTotals count, for each panel, the paid claims for its recorded meetings with their days
// to payment, and the quick answers given after them.
var PanelTotals = totals.Totals{
	Name: "claims paid and quick answers after each panel's recorded meetings", Table: "payment_panel_totals", Key: "panel_id",
	Columns: []string{"paid", "days_to_pay", "answers", "listened", "again"}, KeyOf: "m.panel_id",
	Count: func(db.Dialect) string { return panelTotalsSQL },
}

var panelTotalsSQL = `SELECT key_id, SUM(paid), SUM(days), SUM(answers), SUM(listened), SUM(again) FROM (
	SELECT m.panel_id AS key_id, 1 AS paid, COALESCE(pc.days_to_pay, 0) AS days, 0 AS answers, 0 AS listened, 0 AS again
	FROM panel_meetings m JOIN payment_claims pc ON pc.source = 'meeting' AND pc.source_id = m.id AND pc.status = 'paid'
	WHERE m.recorded_at IS NOT NULL AND {{only}}
	UNION ALL
	SELECT m.panel_id, 0, 0, 1, CASE WHEN pf.listened = 'yes' THEN 1 ELSE 0 END, CASE WHEN pf.again = 'yes' THEN 1 ELSE 0 END
	FROM panel_meetings m JOIN payment_feedback pf ON pf.source = 'meeting' AND pf.source_id = m.id
	WHERE m.recorded_at IS NOT NULL AND {{only}}
) t GROUP BY key_id`

// ProgrammeTotals count, for each funding programme, the paid claims for the activities its
// submitted bids use, with their days to payment, and the quick answers given after them (an
// activity that several bids use counts for each, as on each bid's own page).
var ProgrammeTotals = totals.Totals{
	Name: "claims paid and quick answers behind each programme's submitted bids", Table: "payment_programme_totals", Key: "programme_id",
	Columns: []string{"paid", "days_to_pay", "answers", "listened", "again"}, KeyOf: "b.programme_id",
	Count: func(db.Dialect) string { return programmeTotalsSQL },
}

var programmeTotalsSQL = `SELECT key_id, SUM(paid), SUM(days), SUM(answers), SUM(listened), SUM(again) FROM (
	SELECT b.programme_id AS key_id, 1 AS paid, COALESCE(pc.days_to_pay, 0) AS days, 0 AS answers, 0 AS listened, 0 AS again
	FROM funding_bids b JOIN funding_bid_activities ba ON ba.bid_id = b.id
	JOIN payment_claims pc ON pc.source = 'activity' AND pc.source_id = ba.activity_id AND pc.status = 'paid'
	WHERE b.submitted_at IS NOT NULL AND {{only}}
	UNION ALL
	SELECT b.programme_id, 0, 0, 1, CASE WHEN pf.listened = 'yes' THEN 1 ELSE 0 END, CASE WHEN pf.again = 'yes' THEN 1 ELSE 0 END
	FROM funding_bids b JOIN funding_bid_activities ba ON ba.bid_id = b.id
	JOIN payment_feedback pf ON pf.source = 'activity' AND pf.source_id = ba.activity_id
	WHERE b.submitted_at IS NOT NULL AND {{only}}
) t GROUP BY key_id`

// SeatTotals count the places each person took at each panel's recorded meetings. They are
// kept by person, not split into members and facilitators, because that depends on the
// person's role in the panel's organisation now, which the page reads as it did before; and
// keyed by person, so that recording a meeting recounts the few rows of each person on it.
var SeatTotals = totals.Totals{
	Name: "places taken at each panel's recorded meetings, by person", Table: "payment_seat_totals", Key: "person_id",
	Group: []string{"panel_id"}, Columns: []string{"seats"}, KeyOf: "a.person_id",
	Count: func(db.Dialect) string {
		return `SELECT a.person_id, m.panel_id, COUNT(*) FROM panel_attendance a JOIN panel_meetings m ON m.id = a.meeting_id
WHERE m.recorded_at IS NOT NULL AND {{only}} GROUP BY a.person_id, m.panel_id`
	},
}

func init() {
	// Submitting a bid adds its activities to the programme's figures; funding cannot name
	// payments' totals itself.
	funding.RecountOnSubmit(ProgrammeTotals)
}

// recountOccasion writes afresh the totals that count a meeting's or an activity's paid claims
// and quick answers: its panel's, or those of every programme whose submitted bids use it.
func recountOccasion(ctx context.Context, tx *sql.Tx, d db.Dialect, source string, id int64) error {
	if source == FromMeeting {
		var panelID int64
		if err := tx.QueryRowContext(ctx, "SELECT panel_id FROM panel_meetings WHERE id = $1", id).Scan(&panelID); err != nil {
			return fmt.Errorf("recount meeting %d: %w", id, err)
		}
		return PanelTotals.Recount(ctx, tx, d, panelID)
	}
	programmes, err := db.Collect(ctx, tx, func(s db.Scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, `SELECT DISTINCT b.programme_id FROM funding_bid_activities ba JOIN funding_bids b ON b.id = ba.bid_id
		WHERE ba.activity_id = $1 AND b.submitted_at IS NOT NULL`, id)
	if err != nil {
		return fmt.Errorf("recount activity %d: %w", id, err)
	}
	for _, p := range programmes {
		if err := ProgrammeTotals.Recount(ctx, tx, d, p); err != nil {
			return err
		}
	}
	return nil
}

// daysToPayBatch is how many claims one statement updates when days to payment are written
// afresh.
const daysToPayBatch = 500

// WriteDaysToPay writes each paid claim's days to payment (London calendar days from the
// meeting or activity to the payment, as MarkPaid does) where it is missing or differs, and
// clears it from claims not paid: after the migration that added it, a bulk load, or servers
// of an older version that paid claims without it. Part of `roundtable figures rebuild`.
func WriteDaysToPay(ctx context.Context, tx *sql.Tx) error {
	type paid struct {
		id   int64
		held time.Time
		on   sql.NullTime
		days sql.NullInt64
	}
	ps, err := db.Collect(ctx, tx, func(s db.Scanner) (paid, error) {
		var p paid
		return p, s.Scan(&p.id, &p.held, &p.on, &p.days)
	}, `SELECT id, held_at, paid_on, days_to_pay FROM payment_claims WHERE status = 'paid' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read paid claims: %w", err)
	}
	// Claims grouped by their days, so that one statement writes many.
	byDays := map[int][]int64{}
	for _, p := range ps {
		if !p.on.Valid {
			continue // VerifyDaysToPay names it
		}
		if n := daysBetween(p.held, p.on.Time); !p.days.Valid || p.days.Int64 != int64(n) {
			byDays[n] = append(byDays[n], p.id)
		}
	}
	for n, ids := range byDays {
		for batch := range slices.Chunk(ids, daysToPayBatch) {
			list := make([]string, len(batch))
			for i, id := range batch {
				list[i] = fmt.Sprint(id)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE payment_claims SET days_to_pay = $1 WHERE id IN (`+strings.Join(list, ", ")+`)`, n); err != nil {
				return fmt.Errorf("write days to payment: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payment_claims SET days_to_pay = NULL WHERE status <> 'paid' AND days_to_pay IS NOT NULL`); err != nil {
		return fmt.Errorf("clear days to payment: %w", err)
	}
	return nil
}

// VerifyDaysToPay works out every paid claim's days to payment again and names each claim
// whose kept days differ, or a claim not paid that has some. Part of `roundtable figures
// verify`.
func VerifyDaysToPay(ctx context.Context, d *db.DB) ([]string, error) {
	type claim struct {
		id     int64
		status string
		held   time.Time
		on     sql.NullTime
		days   sql.NullInt64
	}
	cs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (claim, error) {
		var c claim
		return c, s.Scan(&c.id, &c.status, &c.held, &c.on, &c.days)
	}, `SELECT id, status, held_at, paid_on, days_to_pay FROM payment_claims WHERE status = 'paid' OR days_to_pay IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read paid claims: %w", err)
	}
	var out []string
	for _, c := range cs {
		kept := "none"
		if c.days.Valid {
			kept = fmt.Sprint(c.days.Int64)
		}
		switch {
		case c.status != Paid:
			out = append(out, fmt.Sprintf("claim %d: days to payment is %s, but it is not paid", c.id, kept))
		case !c.on.Valid:
			out = append(out, fmt.Sprintf("claim %d: paid without a date", c.id))
		case !c.days.Valid || c.days.Int64 != int64(daysBetween(c.held, c.on.Time)):
			out = append(out, fmt.Sprintf("claim %d: days to payment is %s, counted %d", c.id, kept, daysBetween(c.held, c.on.Time)))
		}
	}
	return out, nil
}
