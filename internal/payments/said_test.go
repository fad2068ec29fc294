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

// TestWhatTheySaidPaged: each page of what a person said is the same slice of the whole list,
// newest first, and says rightly whether more follow.
func TestWhatTheySaidPaged(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		v := standardstest.Published(t, d)
		var proposer int64
		if err := d.Read.QueryRow(`SELECT proposed_by FROM standard_proposals WHERE standard_id = $1 ORDER BY id LIMIT 1`, v.StandardID).Scan(&proposer); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		all, err := payments.WhatTheySaid(ctx, d, proposer)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 2 {
			t.Fatalf("want at least two things said, got %d", len(all))
		}
		for i := range all {
			page, more, err := payments.WhatTheySaidPage(ctx, d, proposer, 1, i)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) != 1 || page[0] != all[i] || more != (i < len(all)-1) {
				t.Errorf("page %d: %+v more=%v, want %+v more=%v", i+1, page, more, all[i], i < len(all)-1)
			}
		}
		if page, more, err := payments.WhatTheySaidPage(ctx, d, proposer, 1, len(all)); err != nil || len(page) != 0 || more {
			t.Errorf("past the end: %v %v %v", page, more, err)
		}
	})
}
