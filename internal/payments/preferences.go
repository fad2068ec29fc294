package payments

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/funding"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Preferences are a person's own choices for every claim.
type Preferences struct {
	Method     string // a default way to be paid; "" for none
	Charity    string
	HasLimit   bool
	LimitPence int64 // the weekly permitted-earnings limit they recorded
}

// LimitMoney shows the weekly limit.
func (p Preferences) LimitMoney() string { return funding.Money(p.LimitPence) }

func getPreferences(ctx context.Context, q querier, personID int64) (Preferences, error) {
	var p Preferences
	var limit sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT method, charity, weekly_limit_pence FROM payment_preferences WHERE person_id = $1", personID).
		Scan(&p.Method, &p.Charity, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	p.HasLimit, p.LimitPence = limit.Valid, limit.Int64
	return p, err
}

// GetPreferences reads a person's preferences; someone who has set none has empty ones.
func GetPreferences(ctx context.Context, d *db.DB, personID int64) (Preferences, error) {
	return getPreferences(ctx, d.Read, personID)
}

// PreferencesInput is the preferences form as typed.
type PreferencesInput struct{ Method, Charity, Limit string }

// SavePreferences stores a person's own preferences. An empty limit means none.
func SavePreferences(ctx context.Context, d *db.DB, by *auth.Identity, in PreferencesInput, now time.Time) error {
	var v errs.Validation
	p := Preferences{Method: in.Method, Charity: strings.TrimSpace(in.Charity)}
	if p.Method != "" {
		_, ok := methodOf(p.Method)
		v.Check(ok && p.Method != "less", "method", "Choose how you usually want to be paid")
	}
	if p.Method == "charity" {
		v.Check(p.Charity != "", "charity", "Enter the name of the charity")
	} else {
		p.Charity = ""
	}
	v.Check(utf8.RuneCountInString(p.Charity) <= 200, "charity", "The charity's name must be 200 characters or fewer")
	if strings.TrimSpace(in.Limit) != "" {
		var msg string
		p.LimitPence, msg = ParsePence(in.Limit)
		if msg != "" {
			v.Add("limit", "Your weekly limit "+msg)
		}
		p.HasLimit = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	var limit any
	if p.HasLimit {
		limit = p.LimitPence
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_preferences (person_id, method, charity, weekly_limit_pence, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET method = excluded.method, charity = excluded.charity,
			weekly_limit_pence = excluded.weekly_limit_pence, updated_at = excluded.updated_at`,
			by.PersonID, p.Method, p.Charity, limit, utc(now)); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "payment_preferences.saved",
			Subject: fmt.Sprintf("person:%d", by.PersonID), At: now, After: p})
	})
}

// Receipt is a stored receipt.
type Receipt struct {
	ContentType string
	Data        []byte
}

// receiptTypes are the kinds of file accepted, by their content.
var receiptTypes = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}

// ReceiptType works out what a file is from its first bytes, never its name: a JPEG, PNG or
// WebP photo, or a PDF. ok is false for anything else.
func ReceiptType(data []byte) (string, bool) {
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		return "application/pdf", true
	}
	t := http.DetectContentType(data)
	_, ok := receiptTypes[t]
	return t, ok && t != "application/pdf"
}

// ExpensesInput is the expenses form as typed, with a receipt if one was sent.
type ExpensesInput struct {
	Travel, Food, Childcare, Other, Note string
	Receipt                              []byte // nil when none was sent
	ReceiptTooBig                        bool
}

// SaveExpenses records the claimant's expenses, each within the paying organisation's limit,
// and a receipt if one was sent, while the claim is owed.
func SaveExpenses(ctx context.Context, d *db.DB, by *auth.Identity, claimID int64, in ExpensesInput, now time.Time) error {
	var v errs.Validation
	amounts := map[string]int64{}
	for _, f := range []struct{ key, label, value string }{{"travel", "Travel", in.Travel}, {"food", "Food and drink", in.Food},
		{"childcare", "Childcare", in.Childcare}, {"other", "Other costs", in.Other}} {
		if f.value == "" {
			continue
		}
		p, msg := ParsePence(f.value)
		if msg != "" {
			v.Add(f.key, f.label+" "+msg)
		}
		amounts[f.key] = p
	}
	note := strings.TrimSpace(in.Note)
	v.Check(utf8.RuneCountInString(note) <= 1000, "note", "What the expenses were for must be 1,000 characters or fewer")
	var receiptType string
	switch {
	case in.ReceiptTooBig:
		v.Add("receipt", fmt.Sprintf("The receipt must be smaller than %d MB", MaxReceipt>>20))
	case in.Receipt != nil:
		var ok bool
		if receiptType, ok = ReceiptType(in.Receipt); !ok {
			v.Add("receipt", "The receipt must be a photo (JPEG, PNG or WebP) or a PDF")
		}
	}
	if len(amounts) == 0 && in.Receipt == nil && !v.Has("receipt") {
		v.Add("travel", "Enter at least one amount, such as your travel")
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
			return errs.New(errs.Conflict, "This claim is already %s, so expenses cannot change now.", strings.ToLower(c.StatusLabel()))
		}
		rates, err := GetRates(ctx, tx, c.OrganisationID)
		if err != nil {
			return err
		}
		for _, cap := range rates.Caps() {
			if a, ok := amounts[cap.Key]; ok && a > cap.Pence {
				v.Add(cap.Key, fmt.Sprintf("%s can be up to %s for one claim", cap.Label, cap.Money()))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		after := map[string]int64{"travel": c.TravelPence, "food": c.FoodPence, "childcare": c.ChildcarePence, "other": c.OtherPence}
		for k, a := range amounts {
			after[k] = a
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payment_claims SET travel_pence = $1, food_pence = $2, childcare_pence = $3, other_pence = $4,
			expenses_note = $5 WHERE id = $6`, after["travel"], after["food"], after["childcare"], after["other"], note, c.ID); err != nil {
			return err
		}
		if in.Receipt != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO payment_receipts (claim_id, content_type, size, data, uploaded_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (claim_id) DO UPDATE SET content_type = excluded.content_type, size = excluded.size, data = excluded.data,
				uploaded_at = excluded.uploaded_at`, c.ID, receiptType, len(in.Receipt), in.Receipt, utc(now)); err != nil {
				return err
			}
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "claim.expenses",
			Subject: fmt.Sprintf("claim:%d", c.ID), Scope: fmt.Sprintf("organisation:%d", c.OrganisationID), At: now,
			Before: map[string]int64{"travel": c.TravelPence, "food": c.FoodPence, "childcare": c.ChildcarePence, "other": c.OtherPence},
			After:  map[string]any{"amounts": after, "receipt_bytes": len(in.Receipt), "receipt_type": receiptType}})
	})
}

// GetReceipt reads a claim's receipt. Whether the reader may see it is the caller's check.
func GetReceipt(ctx context.Context, d *db.DB, claimID int64) (Receipt, error) {
	var r Receipt
	err := d.Read.QueryRowContext(ctx, "SELECT content_type, data FROM payment_receipts WHERE claim_id = $1", claimID).Scan(&r.ContentType, &r.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.New(errs.NotFound, "No receipt.")
	}
	return r, err
}
