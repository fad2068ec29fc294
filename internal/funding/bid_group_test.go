package funding_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// TestLinkStandingGroupToBid: in one step, a council links its standing lived-experience group
// to a bid, and the group's work from the last 12 months becomes the bid's evidence.
func TestLinkStandingGroupToBid(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, now)
		officer := &auth.Identity{PersonID: w.ids["officer"], DisplayName: "Test officer",
			Grants: []auth.Grant{{Role: auth.CouncilOfficer, OrganisationID: w.ids["luton"]}}}
		activity := func(title string, held time.Time, group int64) int64 {
			id, err := funding.AddActivity(ctx, d, officer, w.ids["luton"], funding.NewActivity{Title: title, HeldOn: held, Format: "meeting", Minutes: 90}, held)
			if err != nil {
				t.Fatal(err)
			}
			if group != 0 {
				if _, err := funding.AddGroup(ctx, d, officer, w.ids["luton"], id, group, directory.LivedExperience, held); err != nil {
					t.Fatal(err)
				}
			}
			return id
		}
		strategy := activity("Homelessness strategy workshop", now.AddDate(0, -2, 0), w.ids["lhp"])
		activity("Strategy review 2024", now.AddDate(-2, 0, 0), w.ids["lhp"]) // too old
		activity("Landlord forum", now.AddDate(0, -1, 0), w.ids["harbour"])   // another group
		activity("Drop-in with no group", now.AddDate(0, -1, 0), 0)           // nobody from the group

		p, _ := publishedProgramme(t, d, now.Add(-time.Hour), now.AddDate(0, 0, 28))
		bid, err := funding.StartBid(ctx, d, officer, p.ID, w.ids["luton"], now)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/funding/bids/%d", bid)
		w.expect("GET", path, "officer", nil, 200, "Start from the people you already work with", "Luton Homelessness Partnership")
		w.expect("POST", path+"/group", "officer", url.Values{"standing_group": {""}}, 422, `href="#standing_group"`, "Choose the group")
		for _, who := range []string{"bedford", "member", "funder"} {
			code := 404
			if who != "bedford" {
				code = 403
			}
			w.expect("POST", path+"/group", who, url.Values{"standing_group": {fmt.Sprint(w.ids["lhp"])}}, code)
		}
		if n := countWhere(t, d, `SELECT count(*) FROM funding_bid_activities WHERE bid_id = $1`, bid); n != 0 {
			t.Fatalf("refused requests linked %d activities", n)
		}
		w.expect("POST", path+"/group", "officer", url.Values{"standing_group": {fmt.Sprint(w.ids["lhp"])}}, 303)
		rows := countWhere(t, d, `SELECT count(*) FROM funding_bid_activities WHERE bid_id = $1`, bid)
		only := countWhere(t, d, `SELECT count(*) FROM funding_bid_activities WHERE bid_id = $1 AND activity_id = $2`, bid, strategy)
		if rows != 1 || only != 1 {
			t.Fatalf("linked %d activities (strategy workshop %d), want only the strategy workshop", rows, only)
		}
		// Linking again adds nothing and says so.
		w.expect("POST", path+"/group", "officer", url.Values{"standing_group": {fmt.Sprint(w.ids["lhp"])}}, 303)
		if n := countWhere(t, d, `SELECT count(*) FROM funding_bid_activities WHERE bid_id = $1`, bid); n != 1 {
			t.Errorf("linking twice left %d links", n)
		}
		if n := countWhere(t, d, `SELECT count(*) FROM audit_log WHERE action = 'bid.group_linked'`); n != 2 {
			t.Errorf("%d audit records, want 2", n)
		}
		// After the deadline, nothing more can be linked.
		w.clock.Set(p.ClosesAt)
		w.expect("POST", path+"/group", "officer", url.Values{"standing_group": {fmt.Sprint(w.ids["harbour"])}}, 422, "There is a problem", "can no longer be changed")
	})
}
