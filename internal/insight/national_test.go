package insight_test

import (
	"fmt"
	"testing"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// TestFiguresFollowTheData: the national figures are worked out for each request from running
// totals, so a change shows on the next page, with no kept copy to wait for: the world loaded,
// a bid moderated and an evaluation published through the capabilities' own writers. After
// each change the running totals agree with the rows they count.
func TestFiguresFollowTheData(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d, false)
		want := func(file string, rows ...[]string) {
			t.Helper()
			got := csvOf(t, s, "anonymous", "/data/co-production/"+file+".csv")
			if len(got) == 0 || fmt.Sprint(got[1:]) != fmt.Sprint(rows) {
				t.Errorf("%s:\n got %q\nwant %q", file, got, rows)
			}
			apptest.TotalsRight(t, d)
		}
		want("maturity-by-region", []string{"England", "0", "", "", "0"})
		want("outcomes-programmes")

		w := buildWorld(t, d)
		want("maturity-by-region", []string{"East of England", "2", "5", "", "1"}, []string{"North West", "1", "4.5", "", "0"},
			[]string{"England", "3", "4.5", "", "1"})
		scored := []string{"Fund A", "Co-design or co-production (5 to 6)", "1", "1", "2020", "40", "2022", "30", "-10", "40", "30", "-10"}
		low := []string{"Fund A", "Consultation or below (0 to 3)", "1", "1", "2020", "10", "2022", "14", "4", "10", "14", "4"}
		want("outcomes-programmes", low, scored, []string{"Fund A", "Not scored yet", "1", "0", "2020", "", "2022", "", "", "", "", ""})

		// The funder moderates Manchester's bid at 4, after two assessors have scored it.
		var bid int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM funding_bids WHERE council_id = $1`, w.ids["Manchester"]).Scan(&bid); err != nil {
			t.Fatal(err)
		}
		other, _ := accountstest.Person(t, d, "Test Assessor", auth.Assessor, w.org)
		for _, p := range []int64{w.person, other} {
			exec(t, d, `INSERT INTO funding_scores (bid_id, person_id, score, notes, scored_at) VALUES ($1, $2, 4, 'n', $3)`, bid, p, now)
		}
		if err := funding.Moderate(ctx, d, &auth.Identity{PersonID: other}, bid, funding.Decision{Score: 4, Notes: "Engagement."}, nil, now); err != nil {
			t.Fatal(err)
		}
		// Manchester's 2020 count is [c], so it has no figures to compare.
		want("outcomes-programmes", low, []string{"Fund A", "Engagement (4 to 4.5)", "1", "0", "2020", "", "2022", "", "", "", "", ""}, scored)

		// Manchester's second evaluation, all at 0, is published: its latest now, and weak.
		var team int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM evaluation_teams WHERE council_gss = 'E08000003' AND published_at IS NULL`).Scan(&team); err != nil {
			t.Fatal(err)
		}
		tm, err := evaluation.GetTeam(ctx, d, team)
		if err != nil {
			t.Fatal(err)
		}
		facilitator := &auth.Identity{PersonID: w.person, Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: tm.PanelOrgID}}}
		if err := evaluation.PublishFindings(ctx, d, tm, facilitator, "Findings.", "Recommendations.", now); err != nil {
			t.Fatal(err)
		}
		want("maturity-by-region", []string{"East of England", "2", "5", "", "1"}, []string{"North West", "1", "0", "", "1"},
			[]string{"England", "3", "4", "", "2"})
		want("maturity-trend", []string{"Cycle one", "2021-04-01", "3", "4.5", "4"}, []string{"Cycle two", "2023-04-01", "3", "4", ""})
	})
}
