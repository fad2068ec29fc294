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

// TestContributorChoosesAttribution: the person who said something decides whether their name
// is shown with it and whether it may be quoted; the council's pages follow the choice; nobody
// else can make it for them.
func TestContributorChoosesAttribution(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, now)
		officer := &auth.Identity{PersonID: w.ids["officer"], DisplayName: "Test officer",
			Grants: []auth.Grant{{Role: auth.CouncilOfficer, OrganisationID: w.ids["luton"]}}}
		act, err := funding.AddActivity(ctx, d, officer, w.ids["luton"], funding.NewActivity{Title: "Winter workshop",
			HeldOn: now.AddDate(0, 0, -7), Format: "workshop", Minutes: 120}, now)
		if err != nil {
			t.Fatal(err)
		}
		cid, err := funding.AddContribution(ctx, d, officer, w.ids["luton"], act, funding.NewContribution{Type: directory.LivedExperience,
			PersonID: w.ids["member"], Said: "Open the hostel at weekends.", MayQuote: true}, now)
		if err != nil {
			t.Fatal(err)
		}
		activity := fmt.Sprintf("/funding/log/%d", act)
		w.expect("GET", activity, "officer", nil, 200, "Test member (Lived experience)")

		w.expect("GET", "/funding/my-words", "member", nil, 200, "Open the hostel at weekends.", "Winter workshop", "Waiting for an answer")
		w.expect("GET", "/funding/my-words", "outsider", nil, 200, "No council has recorded anything you said yet.")
		choice := fmt.Sprintf("/funding/my-words/%d", cid)
		for _, who := range []string{"outsider", "officer", "facilitator", "admin"} {
			w.expect("POST", choice, who, url.Values{"named": {"no"}}, 404)
		}
		w.expect("POST", choice, "member", url.Values{"named": {"maybe"}}, 400, "Choose whether your name is shown")
		w.expect("POST", choice, "", url.Values{"named": {"no"}}, 403)
		w.expect("GET", activity, "officer", nil, 200, "Test member (Lived experience)")

		// The member chooses to be anonymous and withdraws the quote.
		rec := w.expect("POST", choice, "member", url.Values{"named": {"no"}}, 303)
		if got := rec.Header().Get("Location"); got != "/funding/my-words" {
			t.Errorf("redirect to %q", got)
		}
		rec = w.expect("GET", activity, "officer", nil, 200, "Anonymous (Lived experience)")
		if contains(rec.Body.String(), "Test member (Lived experience)") {
			t.Error("the council's page still names the member")
		}
		var named, quote int
		if err := d.Read.QueryRow(`SELECT named, may_quote FROM funding_contributions WHERE id = $1`, cid).Scan(&named, &quote); err != nil {
			t.Fatal(err)
		}
		if named != 0 || quote != 0 {
			t.Errorf("stored named=%d may_quote=%d, want 0 0", named, quote)
		}
		if n := countWhere(t, d, `SELECT count(*) FROM audit_log WHERE action = 'contribution.attribution_chosen' AND subject = $1`,
			fmt.Sprintf("contribution:%d", cid)); n != 1 {
			t.Errorf("%d audit records of the choice, want 1", n)
		}
		// And changes their mind.
		w.expect("POST", choice, "member", url.Values{"named": {"yes"}, "quote": {"yes"}}, 303)
		w.expect("GET", activity, "officer", nil, 200, "Test member (Lived experience)")
	})
}
