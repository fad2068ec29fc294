package audit_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// Redacting blanks only the erased person's fields, the chain still verifies, and a redacted
// field given text again, or a digest kept on a record not marked redacted, is found.
func TestRedactKeepsTheChain(t *testing.T) {
	dbtest.Each(t, audit.Migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		entries := []audit.Entry{
			{ActorID: 9, ActorName: "Rowan Vale", Action: "consent.responded", Subject: "recommendation:1", After: map[string]any{"reason": "Too soon"}},
			{ActorID: 2, ActorName: "Jo", Action: "contribution.added", Subject: "contribution:1", After: map[string]any{"PersonID": 9, "Said": "Words"}},
			{ActorID: 2, ActorName: "Jo", Action: "contribution.added", Subject: "contribution:2", After: map[string]any{"PersonID": 19, "Said": "Other words"}},
			{ActorID: 2, ActorName: "Jo", Action: "person.created", Subject: "person:9", After: map[string]any{"display_name": "Rowan Vale"}},
		}
		for _, e := range entries {
			if err := d.Tx(ctx, func(tx *sql.Tx) error { return audit.Record(ctx, tx, e) }); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		err := d.Tx(ctx, func(tx *sql.Tx) (err error) {
			n, err = audit.Redact(ctx, tx, audit.Redaction{PersonID: 9, Terms: []string{"Rowan Vale"}})
			return err
		})
		if err != nil || n != 2 {
			t.Fatalf("redacted %d records, want 2 (what they did, the record about them): %v", n, err)
		}
		if _, p := verify(t, d); len(p) != 0 {
			t.Fatalf("after redaction: %v", p)
		}
		page, err := audit.List(ctx, d, audit.Filter{}, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			text := r.ActorName + r.Before + r.After
			if strings.Contains(text, "Rowan") {
				t.Errorf("record %d still names the person: %+v", r.ID, r)
			}
			if r.Subject == "contribution:2" && (r.Redacted || !strings.Contains(r.After, "Other words")) {
				t.Errorf("another person's record was redacted: %+v", r)
			}
			if r.Subject == "contribution:1" && !strings.Contains(r.After, "Words") {
				t.Errorf("the kept contribution lost its words: %+v", r)
			}
		}
		// Everything: their contribution's words go too.
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Redact(ctx, tx, audit.Redaction{PersonID: 9, Everything: true})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, p := verify(t, d); len(p) != 0 {
			t.Fatalf("after full redaction: %v", p)
		}
		var words int
		_ = d.Read.QueryRow("SELECT count(*) FROM audit_log WHERE after_json LIKE '%\"Words\"%'").Scan(&words)
		if words != 0 {
			t.Error("the contribution's words are still in the log")
		}
		// Writing text back into a redacted field is found.
		if _, err := d.Write.Exec("UPDATE audit_log SET actor_name = 'Someone' WHERE actor_name_digest <> ''"); err != nil {
			t.Fatal(err)
		}
		if _, p := verify(t, d); len(p) == 0 {
			t.Error("text written into a redacted field was not found")
		}
	})
}
