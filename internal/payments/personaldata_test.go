package payments_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/payments"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/personaldata/personaldatatest"
)

var png = []byte("\x89PNG\r\n\x1a\n0000IHDR")

// claimsWorld is a paying organisation, the claimant, another member, a facilitator and a
// finance officer, with claims in every state written as the payments package writes them.
type claimsWorld struct {
	t                            *testing.T
	d                            *db.DB
	org, person, other, fac, fin int64
	now                          time.Time
}

func newClaimsWorld(t *testing.T, d *db.DB) *claimsWorld {
	w := &claimsWorld{t: t, d: d, now: time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)}
	w.org = accountstest.Organisation(t, d, "Luton Homelessness Partnership")
	w.person, _ = accountstest.Person(t, d, "Rowan Vale", auth.Member, w.org)
	w.other, _ = accountstest.Person(t, d, "Other Member", auth.Member, w.org)
	w.fac, _ = accountstest.Person(t, d, "Fay Facilitator", auth.Facilitator, w.org)
	w.fin, _ = accountstest.Person(t, d, "Fin Finance", auth.Finance, w.org)
	return w
}

// claim writes a claim for £50 of time and £7.50 of travel, with a receipt uploaded at
// uploaded (none when zero), and returns its id.
func (w *claimsWorld) claim(who int64, title, status string, paidOn, uploaded time.Time) int64 {
	w.t.Helper()
	var paid, approvedBy, paidBy any
	reference := ""
	if !paidOn.IsZero() {
		paid, paidBy, reference = paidOn, w.fin, "BACS-"+title
	}
	if status == payments.Approved || status == payments.Paid {
		approvedBy = w.fac
	}
	var id int64
	err := w.d.Write.QueryRow(`INSERT INTO payment_claims (organisation_id, person_id, source, source_id, title, held_at, minutes, time_pence,
		method, taken_pence, travel_pence, expenses_note, status, created_at, approved_by, approved_at, paid_on, paid_reference, paid_by)
		VALUES ($1, $2, 'meeting', $3, $4, $5, 120, 5000, 'voucher', 5000, 750, 'Bus from my hostel in Dunstable', $6, $5, $7, $8, $9, $10, $11) RETURNING id`,
		w.org, who, time.Now().UnixNano(), title, w.now.AddDate(-2, 0, 0), status, approvedBy, paid, paid, reference, paidBy).Scan(&id)
	if err != nil {
		w.t.Fatal(err)
	}
	if !uploaded.IsZero() {
		if _, err := w.d.Write.Exec(`INSERT INTO payment_receipts (claim_id, content_type, size, data, uploaded_at) VALUES ($1, 'image/png', $2, $3, $4)`,
			id, len(png), png, uploaded); err != nil {
			w.t.Fatal(err)
		}
	}
	return id
}

func (w *claimsWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.Read.QueryRow(q, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestPaymentsPersonalData: the source claims exactly the payments columns that refer to
// people; the download names the paying organisation and carries the payee reference; erasure,
// either way the person chooses, keeps every claim with its amounts, dates and references,
// and removes their payment choices, expense notes and receipt images (recording that each
// receipt existed), leaving other people's untouched.
func TestPaymentsPersonalData(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(fmt.Sprintf("remove contributions %v", remove), func(t *testing.T) {
			dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				src := payments.PersonalData{}
				personaldatatest.ClaimsMatchSchema(t, d, src)
				w := newClaimsWorld(t, d)
				empty, err := src.Export(ctx, d, w.person)
				if err != nil {
					t.Fatal(err)
				}
				for _, tb := range empty {
					if len(tb.Columns) == 0 || len(tb.Rows) != 0 {
						t.Errorf("%s: columns %v, %d rows before the person has any", tb.Name, tb.Columns, len(tb.Rows))
					}
				}

				mine := w.claim(w.person, "March meeting", payments.Paid, w.now.AddDate(0, -1, 0), w.now.AddDate(0, -2, 0))
				w.claim(w.person, "April meeting", payments.Owed, time.Time{}, w.now.AddDate(0, 0, -1))
				theirs := w.claim(w.other, "March meeting", payments.Paid, w.now.AddDate(0, -1, 0), w.now.AddDate(0, -2, 0))
				if _, err := d.Write.Exec(`INSERT INTO payment_preferences (person_id, method, charity, weekly_limit_pence, updated_at) VALUES ($1, 'voucher', '', 1500, $2), ($3, 'cash', '', NULL, $2)`,
					w.person, w.now, w.other); err != nil {
					t.Fatal(err)
				}
				if _, err := d.Write.Exec(`INSERT INTO payment_feedback_given (source, source_id, person_id) VALUES ('meeting', 1, $1)`, w.person); err != nil {
					t.Fatal(err)
				}

				tables, err := src.Export(ctx, d, w.person)
				if err != nil {
					t.Fatal(err)
				}
				cs := personaldatatest.Rows(t, tables, "payment_claims")
				if len(cs) != 2 || cs[0]["paid_by_organisation"] != "Luton Homelessness Partnership" || cs[0]["payee_reference"] != payments.PayeeReference(w.person) ||
					cs[0]["time_pence"] != "5000" || cs[0]["paid_reference"] != "BACS-March meeting" {
					t.Errorf("claims: %v", cs)
				}
				if rs := personaldatatest.Rows(t, tables, "payment_receipts"); len(rs) != 2 || rs[0]["content_type"] != "image/png" || rs[0]["title"] == "" {
					t.Errorf("receipts: %v", rs)
				}
				if ps := personaldatatest.Rows(t, tables, "payment_preferences"); len(ps) != 1 || ps[0]["weekly_limit_pence"] != "1500" {
					t.Errorf("preferences: %v", ps)
				}
				if qs := personaldatatest.Rows(t, tables, "payment_quick_questions_answered"); len(qs) != 1 {
					t.Errorf("quick questions: %v", qs)
				}
				finTables, err := src.Export(ctx, d, w.fin)
				if err != nil {
					t.Fatal(err)
				}
				if made := personaldatatest.Rows(t, finTables, "payments_records_you_made"); len(made) != 2 || made[0]["kind"] != "claim marked paid" {
					t.Errorf("finance's records: %v", made)
				}

				// What the organisation's accounts rely on, before and after.
				const ledger = `SELECT count(*) || ' ' || sum(time_pence) || ' ' || sum(taken_pence) || ' ' || sum(travel_pence) || ' ' ||
					count(paid_on) || ' ' || count(approved_at) || ' ' || min(paid_reference) || ' ' || max(paid_reference) || ' ' || sum(person_id)
					FROM payment_claims`
				var before, after string
				if err := d.Read.QueryRow(ledger).Scan(&before); err != nil {
					t.Fatal(err)
				}
				feedbackBefore := w.count("SELECT count(*) FROM payment_feedback_given")
				err = d.Tx(ctx, func(tx *sql.Tx) error {
					return src.Erase(ctx, tx, personaldata.Erasure{PersonID: w.person, RemoveContributions: remove, At: w.now, Names: []string{"Rowan Vale"}})
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := d.Read.QueryRow(ledger).Scan(&after); err != nil || after != before {
					t.Errorf("the claims' ledger changed: %q before, %q after (%v)", before, after, err)
				}
				if n := w.count("SELECT count(*) FROM payment_feedback_given"); n != feedbackBefore {
					t.Errorf("%d quick-question records, want %d", n, feedbackBefore)
				}
				if n := w.count("SELECT count(*) FROM payment_preferences WHERE person_id = $1", w.person); n != 0 {
					t.Error("the person's payment choices are still there")
				}
				if n := w.count("SELECT count(*) FROM payment_receipts r JOIN payment_claims c ON c.id = r.claim_id WHERE c.person_id = $1", w.person); n != 0 {
					t.Errorf("%d of the person's receipts left", n)
				}
				if n := w.count("SELECT count(*) FROM payment_claims WHERE person_id = $1 AND expenses_note LIKE '%Dunstable%'", w.person); n != 0 {
					t.Error("the person's expense notes are still there")
				}
				if n := w.count("SELECT count(*) FROM audit_log WHERE action = 'claim.receipt_deleted' AND subject = $1 AND before_json LIKE '%image/png%'", fmt.Sprint("claim:", mine)); n != 1 {
					t.Errorf("%d records that the receipt existed, want 1", n)
				}
				// The other member's choices, note and receipt are theirs and stay.
				if n := w.count(`SELECT count(*) FROM payment_claims c JOIN payment_receipts r ON r.claim_id = c.id
					WHERE c.id = $1 AND c.expenses_note LIKE '%Dunstable%'`, theirs); n != 1 || w.count("SELECT count(*) FROM payment_preferences") != 1 {
					t.Error("the other member's payment records changed")
				}
				if _, problems, err := audit.Verify(ctx, d); err != nil || len(problems) > 0 {
					t.Errorf("audit trail: %v %v", problems, err)
				}
			})
		})
	}
}

// TestReceiptRetention deletes a receipt image twelve months after its claim was paid or
// declined, and no sooner; the claim stays and the audit trail records that the receipt
// existed. A claim not yet paid keeps its receipt however old.
func TestReceiptRetention(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newClaimsWorld(t, d)
		year := -payments.ReceiptMonths
		old := w.now.AddDate(0, year-2, 0)
		expired := []int64{
			w.claim(w.person, "paid long ago", payments.Paid, w.now.AddDate(0, year, -1), old),
			w.claim(w.person, "declined long ago", payments.Declined, time.Time{}, old),
		}
		kept := []int64{
			w.claim(w.person, "paid recently", payments.Paid, w.now.AddDate(0, year, 1), old),
			w.claim(w.person, "declined recently", payments.Declined, time.Time{}, old),
			w.claim(w.person, "approved, not paid", payments.Approved, time.Time{}, old),
			w.claim(w.other, "owed", payments.Owed, time.Time{}, old),
		}
		// The second declined claim was declined a month ago: its receipt was sent long before.
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			return audit.Record(ctx, tx, audit.Entry{ActorID: w.person, ActorName: "Rowan Vale", Action: "claim.chosen",
				Subject: fmt.Sprint("claim:", kept[1]), At: w.now.AddDate(0, -1, 0), After: map[string]any{"status": payments.Declined}})
		})
		if err != nil {
			t.Fatal(err)
		}

		n, err := payments.PersonalData{}.Expire(ctx, d, w.now)
		if err != nil || n != len(expired) {
			t.Fatalf("deleted %d (%v), want %d", n, err, len(expired))
		}
		for _, id := range expired {
			if w.count("SELECT count(*) FROM payment_receipts WHERE claim_id = $1", id) != 0 {
				t.Errorf("claim %d still has its receipt", id)
			}
			if w.count("SELECT count(*) FROM payment_claims WHERE id = $1 AND travel_pence = 750", id) != 1 {
				t.Errorf("claim %d lost its amounts", id)
			}
			if w.count("SELECT count(*) FROM audit_log WHERE action = 'claim.receipt_deleted' AND subject = $1 AND before_json LIKE '%image/png%'", fmt.Sprint("claim:", id)) != 1 {
				t.Errorf("no record that claim %d had a receipt", id)
			}
		}
		for _, id := range kept {
			if w.count("SELECT count(*) FROM payment_receipts WHERE claim_id = $1", id) != 1 {
				t.Errorf("claim %d lost its receipt too soon", id)
			}
		}
		if n, err := (payments.PersonalData{}).Expire(ctx, d, w.now); err != nil || n != 0 {
			t.Errorf("a second run deleted %d (%v)", n, err)
		}
		if _, problems, err := audit.Verify(ctx, d); err != nil || len(problems) > 0 {
			t.Errorf("audit trail: %v %v", problems, err)
		}
	})
}
