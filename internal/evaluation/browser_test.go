package evaluation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web/browsertest"
	"roundtable/internal/standards"
)

// TestBrowserJourney is the "done when", in a real browser with axe-core on every page
// and on both databases: the funder opens a cycle; two trained members rate a council
// independently; moderation agrees ratings; the independent assessor rates; the council sees
// the three side by side, gets training recommended for its weak indicators, books a session
// and publishes an action plan.
func TestBrowserJourney(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC))
		inds, err := standards.VersionIndicators(context.Background(), d, w.version.ID)
		if err != nil {
			t.Fatal(err)
		}
		units := append([]int64{}, 0)
		for _, i := range inds {
			units = append(units, i.ID)
		}
		j := browsertest.Start(t, w.app.Handler)

		// The funder opens a cycle for Luton, carried out by the Luton panel.
		j.SignIn(w.logins["funder"], accountstest.Password)
		j.Visit("/evaluation", "Commission a cycle")
		j.Visit("/evaluation/cycles/new", "Commission an evaluation cycle")
		j.Submit("/evaluation/cycles", map[string]string{}, true, "Enter a name for the cycle", "Choose at least one panel")
		st := j.Submit("/evaluation/cycles", map[string]string{"title": "Evaluation 2026", "version": fmt.Sprint(w.version.ID),
			"assessor": fmt.Sprint(w.ids["review"]), "starts-day": "1", "starts-month": "9", "starts-year": "2026",
			"ends-day": "31", "ends-month": "12", "ends-year": "2026", "panels": fmt.Sprint(w.ids["panel-luton"])}, false, "Cycle commissioned")
		cycle := st.Path
		j.Submit(cycle+"/councils", map[string]string{"council": "E06000032", "panel": fmt.Sprint(w.ids["panel-luton"])}, false, "Council added", "Luton")
		team := browsertest.Eval[string](j, `new URL(document.querySelector('a[href^="/evaluation/teams/"]').href).pathname`)
		j.SignOut()

		// The facilitator records the members' research training and builds the team.
		j.SignIn(w.logins["facilitator"], accountstest.Password)
		j.Visit("/evaluation/researchers", "Test sam", "No research training recorded")
		for _, who := range []string{"sam", "lee"} {
			j.Submit("/evaluation/researchers/training", map[string]string{"person": fmt.Sprint(w.ids[who]), "course": "Peer research methods",
				"completed-day": "12", "completed-month": "5", "completed-year": "2026"}, false, "Research training recorded")
		}
		j.Visit(team, "Add an evaluator", "Test kim has no research training recorded")
		for _, who := range []string{"sam", "lee"} {
			j.Submit(team+"/members", map[string]string{"person": fmt.Sprint(w.ids[who])}, false, "Evaluator added")
		}
		j.SignOut()

		// Two trained members rate on their own.
		for who, level := range map[string]string{"sam": "5", "lee": "3"} {
			j.SignIn(w.logins[who], accountstest.Password)
			j.Visit(team, "Rate Luton")
			j.Visit(team+"/rate", "Quality of relationships")
			j.Submit(team+"/rate", map[string]string{}, true, "Choose a level for Quality of relationships")
			values := map[string]string{}
			for _, u := range units {
				values[fmt.Sprintf("level-%d", u)] = level
				values[fmt.Sprintf("evidence-%d", u)] = "Heard at the forum."
			}
			j.Submit(team+"/rate", values, false, "Your ratings are saved", "You have rated every indicator")
			j.SignOut()
		}

		// Moderation agrees the team's ratings, then the findings are published.
		j.SignIn(w.logins["facilitator"], accountstest.Password)
		j.Visit(team+"/moderate", "Test sam", "Test lee", "Krippendorff")
		agreed := map[string]string{}
		for _, u := range units {
			agreed[fmt.Sprintf("level-%d", u)] = "3"
		}
		agreed[fmt.Sprintf("level-%d", units[1])] = "5"
		j.Submit(team+"/moderate", agreed, false, "The team’s ratings are agreed", "5: Co-design", "3: Consultation")
		j.Submit(team+"/findings", map[string]string{"findings": "People are asked but rarely hear back.", "recommendations": "Report back after every forum."}, false, "Findings published")
		j.SignOut()

		// The independent assessor rates the same indicators.
		j.SignIn(w.logins["assessor"], accountstest.Password)
		j.Visit(team, "Assess Luton")
		j.Visit(team + "/assess")
		values := map[string]string{}
		for _, u := range units {
			values[fmt.Sprintf("level-%d", u)] = "4"
		}
		j.Submit(team+"/assess", values, false, "Independent assessment saved")
		j.SignOut()

		// The funder sees Luton needs support and offers training on its weak indicators.
		j.SignIn(w.logins["funder"], accountstest.Password)
		j.Visit("/evaluation/support", "Luton", "at or below consultation")
		j.Visit("/evaluation/training")
		j.Submit("/evaluation/training/modules", map[string]string{"module_title": "Reporting back", "summary": "Telling people what changed.",
			"keys": inds[1].Key + ", relationships"}, false, "Training module added")
		// Each module's "Add a session" link opens its form.
		add := browsertest.Eval[string](j, `new URL(document.querySelector('a[href*="/evaluation/training?module="]').href).pathname +
			new URL(document.querySelector('a[href*="/evaluation/training?module="]').href).search`)
		j.Visit(add, "Add a session of")
		action := browsertest.Eval[string](j, `new URL(document.querySelector('form[action*="/sessions"]').action).pathname`)
		j.Submit(action, map[string]string{"starts-day": "14", "starts-month": "10", "starts-year": "2026", "starts-time": "10:00",
			"place": "Luton Central Library", "online": "no", "capacity": "12", "trainers": "Amira Hassan", "co_trainers": "Sam"}, false, "Session added", "Luton Central Library")
		j.SignOut()

		// The council sees the three ratings side by side, books the training and publishes a plan.
		j.SignIn(w.logins["officer"], accountstest.Password)
		j.Visit("/evaluation", "See Luton’s evaluation")
		st = j.Visit("/evaluation/councils/E06000032", "ratings side by side", "3: Consultation", "4: Engagement", "Not rated",
			"Report back after every forum.", "Training recommended for you", "Reporting back")
		j.Lacks("council page", st, "Heard at the forum", "Test sam", "Test lee")
		session := browsertest.Eval[string](j, `new URL(document.querySelector('a[href^="/evaluation/training/sessions/"]').href).pathname`)
		j.Visit(session, "Luton Central Library", "12 of 12 left")
		j.Submit(session+"/book", nil, false, "Your place is booked", "You have a place")
		j.Visit("/evaluation/councils/E06000032", "Training your staff have booked")
		planAction := browsertest.Eval[string](j, `new URL(document.querySelector('form[action$="/actions"]').action).pathname`)
		j.Submit(planAction, map[string]string{}, true, "Enter what will be done")
		j.Submit(planAction, map[string]string{"what": "Report back in writing after every forum", "owner": "Head of Housing",
			"due-day": "31", "due-month": "3", "due-year": "2027"}, false, "Action added", "Head of Housing")
		planPublish := browsertest.Eval[string](j, `new URL(document.querySelector('form[action$="/plan"]').action).pathname`)
		j.Submit(planPublish, nil, false, "Action plan published")
	})
}
