package funding_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserJourney walks, in a real browser with axe-core on every page and on both
// databases: a programme from draft to published; a bid from start through the co-production
// log to submission; assessment by two assessors; moderation to the outcome letter.
func TestBrowserJourney(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)
		j := browsertest.Start(t, w.app.Handler)

		// The funder drafts, adds pots and publishes.
		j.SignIn(w.logins["funder"], accountstest.Password)
		j.Visit("/funding/programmes/new", "Create a funding programme")
		j.Submit("/funding/programmes/new", map[string]string{}, true, "Enter the programme's name")
		form := map[string]string{"name": "Move-on Fund", "purpose": "Homes with support.", "homes": "3300",
			"opens-day": "1", "opens-month": "3", "opens-year": "2026", "opens-time": "09:00",
			"closes-day": "30", "closes-month": "3", "closes-year": "2026", "closes-time": "23:59",
			"types": "lived_experience", "questions": "Who took part, and how?"}
		st := j.Submit("/funding/programmes/new", form, false, "(draft)", "Only the funder can see it")
		prog := st.Path
		j.Submit(prog+"/pots", map[string]string{"pot_name": "Homes", "kind": "capital", "amount": "130000000", "limit": "-1"}, true, "cannot be negative")
		j.Submit(prog+"/pots", map[string]string{"pot_name": "Homes", "kind": "capital", "amount": "130000000", "limit": "2000000"}, false, "£2,000,000")
		j.Submit(prog+"/assessors", map[string]string{"assessor": fmt.Sprint(w.ids["assessor"])}, false)
		j.Submit(prog+"/assessors", map[string]string{"assessor": fmt.Sprint(w.ids["outsider"])}, false, "Test outsider")
		j.Submit(prog+"/publish", nil, false, "Programme published")
		j.SignOut()

		// The council logs its co-production, fills in the task list and submits.
		j.SignIn(w.logins["officer"], accountstest.Password)
		j.Visit(prog, "Start a bid for Luton")
		st = j.Submit(prog+"/bids", nil, false, "Not started", "left")
		bid := st.Path
		j.Visit("/funding/log/new")
		st = j.Submit("/funding/log/new", map[string]string{"title": "Workshop", "held-day": "20", "held-month": "2", "held-year": "2026",
			"format": "workshop", "hours": "2"}, false, "Workshop")
		act := st.Path
		j.Submit(act+"/participants", map[string]string{"type": "lived_experience", "person": fmt.Sprint(w.ids["member"])}, false, "Test member")
		j.Submit(act+"/contributions", map[string]string{"ctype": "lived_experience", "speaker": fmt.Sprint(w.ids["member"]), "said": "Keep the support going.", "quote": "yes"}, false)
		st = j.Visit(act, "Keep the support going")
		respond := browsertest.Eval[string](j, `new URL(document.querySelector('form[action$="/response"]').action).pathname`)
		j.Submit(respond, map[string]string{"response": "adopted", "reason": ""}, true, "Enter the reason")
		j.Submit(respond, map[string]string{"response": "adopted", "reason": "Two years of support in every home."}, false, "Adopted")
		for _, s := range []struct {
			key    string
			values map[string]string
		}{
			{"about", map[string]string{"title": "Luton homes", "summary": "Homes.", "contact": "Grace"}},
			{"amounts", map[string]string{"homes": "24"}},
			{"support", map[string]string{"support": "Two years of support."}},
			{"evidence", map[string]string{"evidence": "People shaped it.", "activities": strings.TrimPrefix(act, "/funding/log/")}},
			{"declarations", map[string]string{"declared_by": "Director", "declared": "yes"}},
		} {
			page := bid + "/sections/" + s.key
			st = j.Visit(page)
			if s.key == "amounts" {
				pot := browsertest.Eval[string](j, `document.querySelector('input[name^="pot-"]').name`)
				s.values[pot] = "2,000,001"
				s.values["completed"] = "yes"
				j.Submit(page, s.values, true, "must be £2,000,000 or less")
				s.values[pot] = "1,500,000"
			}
			s.values["completed"] = "yes"
			j.Submit(page, s.values, false, "Completed")
		}
		j.Visit(bid+"/check", "£1,500,000", "1, giving 2 hours in all", "1 thing said")
		j.Submit(bid+"/submit", nil, false, "Bid submitted")
		j.Visit(bid+"/pack", "You said, we did", "Keep the support going")
		j.SignOut()

		// Two assessors declare interests and score.
		for _, who := range []string{"assessor", "outsider"} {
			j.SignIn(w.logins[who], accountstest.Password)
			j.Visit("/funding/assess", "Declare interests")
			j.Visit(bid + "/assess")
			j.Submit(bid+"/conflict", map[string]string{}, true, "Select whether you have a conflict of interest")
			j.Submit(bid+"/conflict", map[string]string{"conflicted": "no"}, false, "Your score for co-production")
			j.Submit(bid+"/score", map[string]string{"score": "5", "notes": "People shaped the support."}, false, "Scored")
			j.SignOut()
		}

		// The funder moderates to an outcome; the council reads its letter.
		j.SignIn(w.logins["funder"], accountstest.Password)
		j.Visit(prog+"/report", "Is the co-production requirement working?")
		j.Visit(bid+"/moderate", "People shaped the support.")
		j.Submit(bid+"/moderate", map[string]string{"score": "5", "notes": "Co-design.", "funded": "yes"}, false, "Your bid is funded", "£1,500,000 awarded")
		j.SignOut()
		j.SignIn(w.logins["officer"], accountstest.Password)
		j.Visit(bid+"/outcome", "Your bid is funded", "5 out of 6: Co-design")
		apptest.TotalsRight(t, d)
	})
}
