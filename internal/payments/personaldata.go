package payments

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/personaldata"
)

// ReceiptMonths is how long a receipt image is kept after its claim is paid or declined: long
// enough for the paying organisation to check a claim and answer a query about it, after which
// the amounts, dates and payee reference on the claim are the record.
const ReceiptMonths = 12

// PersonalData is the payments capability's part of "Download my data", "Delete my account"
// and the retention job: payment choices, claims with their expenses and receipts, which quick
// questions the person answered, and what they did as a facilitator or finance officer.
type PersonalData struct{}

var _ interface {
	personaldata.Source
	personaldata.Expirer
} = PersonalData{}

// Name names the capability.
func (PersonalData) Name() string { return "payments" }

// Claims lists the payments columns that refer to people.
func (PersonalData) Claims() []personaldata.Column {
	return []personaldata.Column{
		{Table: "payment_rates", Column: "updated_by"}, {Table: "payment_preferences", Column: "person_id"},
		{Table: "payment_claims", Column: "person_id"}, {Table: "payment_claims", Column: "approved_by"},
		{Table: "payment_claims", Column: "paid_by"}, {Table: "payment_feedback_given", Column: "person_id"},
		{Table: "payment_seat_totals", Column: "person_id"},
	}
}

// Export returns the person's payment choices, their claims (with the payee reference the
// finance export uses for them), the receipts they sent (described; the images are on each
// claim's page), which quick questions they answered, and how many of each panel's meetings
// "who was at the table" counts them at. Their answers are not linked to
// them, by design, so they cannot be exported. Claims they approved or marked paid are
// another person's, listed by claim number and time.
func (PersonalData) Export(ctx context.Context, d *db.DB, personID int64) ([]personaldata.Table, error) {
	queries := []struct{ name, sql string }{
		{"payment_preferences", `SELECT method, charity, weekly_limit_pence, updated_at FROM payment_preferences WHERE person_id = $1`},
		{"payment_claims", `SELECT c.id AS claim, o.name AS paid_by_organisation, c.source, c.title, c.held_at, c.minutes, c.time_pence,
			c.method, c.taken_pence, c.charity, c.travel_pence, c.food_pence, c.childcare_pence, c.other_pence, c.expenses_note,
			c.status, c.created_at, c.approved_at, c.paid_on, c.paid_reference
			FROM payment_claims c JOIN organisations o ON o.id = c.organisation_id WHERE c.person_id = $1 ORDER BY c.held_at, c.id`},
		{"payment_receipts", `SELECT c.id AS claim, c.title, r.content_type, r.size, r.uploaded_at
			FROM payment_receipts r JOIN payment_claims c ON c.id = r.claim_id WHERE c.person_id = $1 ORDER BY r.uploaded_at`},
		{"payment_quick_questions_answered", `SELECT g.source, COALESCE(m.title, a.title, '') AS title, COALESCE(m.starts_at, a.held_on) AS held_at
			FROM payment_feedback_given g
			LEFT JOIN panel_meetings m ON g.source = 'meeting' AND m.id = g.source_id
			LEFT JOIN funding_activities a ON g.source = 'activity' AND a.id = g.source_id
			WHERE g.person_id = $1 ORDER BY held_at`},
		// The count "who was at the table" keeps of the person's places at each panel's meetings;
		// an erasure leaves it, as it leaves their attendance.
		{"payment_seat_totals", `SELECT p.name AS panel, t.seats AS meetings_attended FROM payment_seat_totals t
			JOIN panels p ON p.id = t.panel_id WHERE t.person_id = $1 ORDER BY p.name`},
		{"payments_records_you_made", `SELECT 'rates set' AS kind, o.name AS what, r.updated_at AS at
				FROM payment_rates r JOIN organisations o ON o.id = r.organisation_id WHERE r.updated_by = $1
			UNION ALL SELECT 'claim approved', 'claim ' || c.id, c.approved_at FROM payment_claims c WHERE c.approved_by = $1
			UNION ALL SELECT 'claim marked paid', 'claim ' || c.id, c.paid_on FROM payment_claims c WHERE c.paid_by = $1
			ORDER BY at`},
	}
	var out []personaldata.Table
	for _, q := range queries {
		t, err := personaldata.Query(ctx, d.Read, q.name, q.sql, personID)
		if err != nil {
			return nil, err
		}
		if t.Name == "payment_claims" {
			withPayeeReference(&t, personID)
		}
		out = append(out, t)
	}
	return out, nil
}

// withPayeeReference adds the reference the finance export names the person by.
func withPayeeReference(t *personaldata.Table, personID int64) {
	t.Columns = append(t.Columns, "payee_reference")
	for i := range t.Rows {
		t.Rows[i] = append(t.Rows[i], PayeeReference(personID))
	}
}

// Erase keeps every claim, because claims are the paying organisations' financial records:
// the amounts for time and each kind of expense, the way it was paid (earnings or not, and
// the charity paid instead), the dates, the finance system's payment reference and the payee
// reference (made from the person's id, which stays on the tombstone) are what their accounts
// and a query from the person's benefits office need. No bank details are ever stored. What
// is about the person alone goes whatever they chose: their payment choices (which say
// whether they are on benefits and their earnings limit), what they wrote about their
// expenses, and their receipt images, each receipt's deletion recorded in the audit trail.
// Which quick questions they answered stays, without a name, so the number answered still
// matches the answers.
func (PersonalData) Erase(ctx context.Context, tx *sql.Tx, e personaldata.Erasure) error {
	id := e.PersonID
	receipts, err := db.Collect(ctx, tx, scanReceiptInfo, `SELECT r.claim_id, c.organisation_id, r.content_type, r.size, r.uploaded_at
		FROM payment_receipts r JOIN payment_claims c ON c.id = r.claim_id WHERE c.person_id = $1 ORDER BY r.claim_id`, id)
	if err != nil {
		return err
	}
	if err := deleteReceipts(ctx, tx, receipts, "the claimant deleted their account", e.At); err != nil {
		return err
	}
	return personaldata.Exec(ctx, tx,
		personaldata.Step{SQL: "DELETE FROM payment_preferences WHERE person_id = $1", Args: []any{id}},
		personaldata.Step{SQL: "UPDATE payment_claims SET expenses_note = $1 WHERE person_id = $2 AND expenses_note <> ''",
			Args: []any{personaldata.Removed, id}},
	)
}

// Expire deletes receipt images ReceiptMonths after their claim was paid (paid_on) or
// declined. A declined claim has no date of its own, so its last recorded change in the audit
// trail (the choice to decline) stands for it, and never earlier than the upload. The claim
// keeps its amounts; an audit record says a receipt existed, its type and size, when it was
// sent and why it went.
func (PersonalData) Expire(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	cutoff := utc(now.AddDate(0, -ReceiptMonths, 0))
	n := 0
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		receipts, err := db.Collect(ctx, tx, scanReceiptInfo, `SELECT r.claim_id, c.organisation_id, r.content_type, r.size, r.uploaded_at
			FROM payment_receipts r JOIN payment_claims c ON c.id = r.claim_id
			WHERE (c.status = $1 AND c.paid_on <= $2)
			   OR (c.status = $3 AND r.uploaded_at <= $2 AND NOT EXISTS (SELECT 1 FROM audit_log a
					WHERE a.subject = 'claim:' || c.id AND a.at > $2))
			ORDER BY r.claim_id`, Paid, cutoff, Declined)
		if err != nil {
			return err
		}
		n = len(receipts)
		return deleteReceipts(ctx, tx, receipts, fmt.Sprintf("kept %d months after the claim was paid or declined", ReceiptMonths), now)
	})
	if err != nil {
		return 0, fmt.Errorf("expire receipts: %w", err)
	}
	return n, nil
}

// receiptInfo is what the audit trail keeps of a deleted receipt.
type receiptInfo struct {
	claimID, organisationID int64
	contentType             string
	size                    int64
	uploadedAt              time.Time
}

func scanReceiptInfo(s db.Scanner) (receiptInfo, error) {
	var r receiptInfo
	return r, s.Scan(&r.claimID, &r.organisationID, &r.contentType, &r.size, &r.uploadedAt)
}

// deleteReceipts deletes the receipts' images, recording for each that it existed.
func deleteReceipts(ctx context.Context, tx *sql.Tx, receipts []receiptInfo, why string, at time.Time) error {
	for _, r := range receipts {
		if _, err := tx.ExecContext(ctx, "DELETE FROM payment_receipts WHERE claim_id = $1", r.claimID); err != nil {
			return fmt.Errorf("delete the receipt of claim %d: %w", r.claimID, err)
		}
		err := audit.Record(ctx, tx, audit.Entry{ActorName: "Roundtable", Action: "claim.receipt_deleted",
			Subject: fmt.Sprintf("claim:%d", r.claimID), Scope: fmt.Sprintf("organisation:%d", r.organisationID), At: at,
			Before: map[string]any{"content_type": r.contentType, "size": r.size, "uploaded_at": utc(r.uploadedAt)},
			After:  map[string]any{"reason": why}})
		if err != nil {
			return err
		}
	}
	return nil
}
