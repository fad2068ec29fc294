package payments_test

import (
	"context"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/payments"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/standards/standardstest"
)

// TestWhatTheySaidIncludesStandards: a member's "you said, we did" lists the proposals they
// made to a co-production standard, with what the drafting group decided.
func TestWhatTheySaidIncludesStandards(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		v := standardstest.Published(t, d)
		var proposer int64
		if err := d.Read.QueryRow(`SELECT proposed_by FROM standard_proposals WHERE standard_id = $1 ORDER BY id LIMIT 1`, v.StandardID).Scan(&proposer); err != nil {
			t.Fatal(err)
		}
		said, err := payments.WhatTheySaid(context.Background(), d, proposer)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, s := range said {
			if strings.Contains(s.Where, v.StandardTitle) {
				found = append(found, s.What+" | "+s.Outcome)
				if !s.Answered || !s.ActedOn || !strings.HasPrefix(s.Link, "/standards/") {
					t.Errorf("%+v: want answered, acted on, linked to the proposal", s)
				}
			}
		}
		if len(found) != 2 || !strings.Contains(found[0], "Agreed by consent") {
			t.Errorf("proposals in what they said: %q", found)
		}
	})
}
