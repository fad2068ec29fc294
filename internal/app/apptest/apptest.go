// Package apptest holds checks that tests of every capability share.
package apptest

import (
	"context"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
)

// TotalsRight fails the test when any running total differs from a count from scratch, as
// `roundtable figures verify` would report it: run it at the end of a capability's journey.
func TotalsRight(t testing.TB, d *db.DB) {
	t.Helper()
	diffs, err := app.VerifyTotals(context.Background(), d)
	if err != nil {
		t.Fatalf("verify the running totals: %v", err)
	}
	for _, x := range diffs {
		t.Errorf("running total wrong: %s", x)
	}
}

// Message is a message queued to a person in the outbox, as a test checks it.
type Message struct{ Subject, Body, Short, Link string }

// MessagesTo lists the messages queued to a person, oldest first.
func MessagesTo(t testing.TB, d *db.DB, personID int64) []Message {
	t.Helper()
	rows, err := d.Read.Query(`SELECT subject, body, short, link FROM panel_messages WHERE person_id = $1 ORDER BY id`, personID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.Subject, &m.Body, &m.Short, &m.Link); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
