package panels_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserJourney is the story in a real browser, with axe-core on every page and
// on both databases: a facilitator invites a member who has no email; the member signs in
// with the code, fills in their profile and says they are coming to a meeting; the panel
// agrees a recommendation by consent with one objection resolved; the council answers it;
// the public register shows it; an overdue answer is flagged.
func TestBrowserJourney(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		j := browsertest.Start(t, w.app.Handler)
		loginOf := func(id int64) string {
			p, err := accounts.GetPerson(context.Background(), d, accounts.Everyone, id)
			if err != nil {
				t.Fatal(err)
			}
			return p.Login
		}
		login := func(key string) string { return loginOf(w.ids[key]) }
		as := func(key string) { j.SignIn(login(key), accountstest.Password) }

		// The facilitator adds Lee, who has no email, and gives them a sign-in code on paper.
		as("facilitator")
		j.Visit("/panels/luton", "Arrange a meeting")
		j.Visit("/people/new")
		j.Submit("/people/new", map[string]string{"display_name": ""}, true, "Enter")
		st := j.Submit("/people/new", map[string]string{"display_name": "Lee", "email": "", "role": "member",
			"organisation": fmt.Sprint(w.luton.OrganisationID)}, false, "Lee is added")
		person := st.Path
		var lee int64
		if _, err := fmt.Sscanf(person, "/people/%d", &lee); err != nil {
			t.Fatalf("Lee's page is %s: %v", person, err)
		}
		j.Submit(person+"/code", nil, false, "This code is shown only once")
		code := browsertest.Eval[string](j, `document.querySelector('.rt-code').innerText.trim()`)
		j.SignOut()

		// Lee signs in with the code and chooses a passphrase.
		j.Visit("/sign-in/code", "Use your sign-in code")
		j.Submit("/sign-in/code", map[string]string{"code": "NOPE-NOPE-NOPE"}, true)
		j.Submit("/sign-in/code", map[string]string{"code": code}, false, "Choose your passphrase", "Hello Lee")
		j.Submit("/sign-in/code/passphrase", map[string]string{"password": "orange kettle bicycle", "confirm": "orange kettle bicycle"}, false)

		// Lee fills in the profile; support needs are checked against the list.
		j.Visit("/panels/luton/profile", "Your profile")
		st = j.Submit("/panels/luton/profile", map[string]string{"skills": "Cooking for forty", "hopes": "Chair a meeting",
			"support": "childcare", "named_publicly": "no"}, false, "Cooking for forty", "Childcare")
		j.SignOut()

		// The facilitator arranges a meeting; Lee says they are coming.
		as("facilitator")
		j.Visit("/panels/luton/meetings/new")
		j.Submit("/panels/luton/meetings", map[string]string{"title": ""}, true, "Enter a title")
		st = j.Submit("/panels/luton/meetings", map[string]string{"title": "Panel meeting", "date": "2026-06-10", "time": "13:30",
			"place": "Luton Central Library", "access_info": "Step-free entrance", "agenda": "Welcome\nMove-on homes"}, false, "Panel meeting")
		meeting := st.Path
		j.SignOut()
		j.SignIn(loginOf(lee), "orange kettle bicycle")
		j.Visit("/panels/messages", "New meeting: Panel meeting")
		j.Visit(meeting, "1:30pm on 10 June 2026", "Step-free entrance")
		j.Submit(meeting+"/reply", map[string]string{"answer": "yes"}, false, "Coming")

		// Lee drafts a recommendation to Luton council.
		j.Visit("/panels/luton/recommendations/new")
		st = j.Submit("/panels/luton/recommendations", map[string]string{"title": "Tenancy support for 12 months",
			"body": "Support stops too soon.", "addressee": lutonGSS, "close_date": "2026-06-08", "quorum": "3", "response_weeks": "8"}, false,
			"Tenancy support for 12 months")
		rec := st.Path

		// Lee objects, Sam consents, Aisha consents with a concern.
		j.Submit(rec+"/respond", map[string]string{"kind": "object", "reason": ""}, true, "Give a reason for your objection")
		j.Submit(rec+"/respond", map[string]string{"kind": "object", "reason": "Tenants should decide when it ends"}, false)
		j.SignOut()
		for key, kind := range map[string]string{"sam": "consent", "aisha": "concern"} {
			as(key)
			j.Visit(rec, "Tenancy support for 12 months")
			j.Submit(rec+"/respond", map[string]string{"kind": kind, "reason": "Twelve months at least"}, false)
			j.SignOut()
		}

		// The facilitator resolves the objection; after the close date the round is closed.
		as("facilitator")
		j.Visit(rec, "Resolve an objection", "Tenants should decide when it ends")
		j.Submit(rec+"/resolve", map[string]string{"person": fmt.Sprint(lee), "note": ""}, true, "Say how the objection was resolved")
		j.Submit(rec+"/resolve", map[string]string{"person": fmt.Sprint(lee), "note": "We changed the wording"}, false)
		j.SignOut()
		w.clock.Advance(8 * 24 * time.Hour) // past the end of 8 June
		as("facilitator")
		j.Visit(rec)
		j.Submit(rec+"/close", nil, false, "Waiting for an answer")
		j.SignOut()

		// Luton council answers; the public register shows the answer, with nobody named.
		as("officer")
		j.Visit("/recommendations/to-answer", "Tenancy support for 12 months")
		j.Visit(rec, "Answer this recommendation")
		j.Submit(rec+"/answer", map[string]string{"answer": "", "reasons": ""}, true, "Choose your answer", "Enter your reasons")
		j.Submit(rec+"/answer", map[string]string{"answer": "partly_accepted", "reasons": "12 months from April"}, false, "Partly accepted")
		j.SignOut()
		st = j.Visit("/recommendations", "Tenancy support for 12 months")
		st = j.Visit(rec, "Partly accepted", "12 months from April", "3 members took part (3 needed)")
		j.Lacks("public recommendation", st, "Lee", "Tenants should decide")

		// A recommendation to the funder that is not answered in time is flagged.
		as("facilitator")
		today := w.clock.Now().In(londonTZ()).Format("2006-01-02")
		j.Visit("/panels/luton/recommendations/new")
		st = j.Submit("/panels/luton/recommendations", map[string]string{"title": "Pay people for their time",
			"body": "Pay for time, travel and food.", "addressee": "funder", "close_date": today, "quorum": "1", "response_weeks": "2"}, false)
		pay := st.Path
		j.SignOut()
		as("sam")
		j.Visit(pay)
		j.Submit(pay+"/respond", map[string]string{"kind": "consent"}, false)
		j.SignOut()
		w.clock.Advance(24 * time.Hour)
		as("facilitator")
		j.Visit(pay)
		j.Submit(pay+"/close", nil, false, "Waiting for an answer")
		j.SignOut()
		w.clock.Advance(15 * 24 * time.Hour)
		as("funder")
		j.Visit("/recommendations/to-answer", "1 answer is overdue", "Answer overdue")
		j.SignOut()
		j.Visit("/panels/luton", "1 answer is overdue")
		j.Visit("/recommendations?status=overdue", "Pay people for their time")
	})
}
