package evaluation_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/standards"
)

// ratings is a full rating form: the same level for every unit (the indicators, then
// relationships, id 0), with evidence.
func ratings(ids []int64, levels ...int) url.Values {
	v := url.Values{}
	for i, id := range append(ids, 0) {
		v.Set(fmt.Sprintf("level-%d", id), fmt.Sprint(levels[i%len(levels)]))
		v.Set(fmt.Sprintf("evidence-%d", id), "Seen at the forum.")
	}
	return v
}

// TestEvaluationOverHTTP walks a cycle from commission to action plan over HTTP, checking on
// the way who may see and do what (across councils, panels and assessor organisations) and
// that bad input is refused with an error summary and nothing saved.
func TestEvaluationOverHTTP(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
		w := newWorld(t, d, now)
		ctx := context.Background()
		inds, err := standards.VersionIndicators(ctx, d, w.version.ID)
		if err != nil || len(inds) != 4 {
			t.Fatalf("indicators: %v %d", err, len(inds))
		}
		var ids []int64
		for _, i := range inds {
			ids = append(ids, i.ID)
		}

		// Commissioning: the funder only; every field named when wrong.
		w.expect("GET", "/evaluation/cycles/new", "funder", nil, 200, "Commission an evaluation cycle", "Test co-production standard, version 1.0")
		for _, who := range []string{"officer", "sam", "facilitator", "assessor"} {
			w.expect("GET", "/evaluation/cycles/new", who, nil, 403)
		}
		w.expect("POST", "/evaluation/cycles", "funder", url.Values{}, 422, `href="#title"`, `href="#version"`, `href="#assessor"`, `href="#starts"`, `href="#ends"`, `href="#panels"`)
		cycle := url.Values{"title": {"Evaluation 2026"}, "version": {fmt.Sprint(w.version.ID)}, "assessor": {fmt.Sprint(w.ids["review"])},
			"starts-day": {"1"}, "starts-month": {"9"}, "starts-year": {"2026"}, "ends-day": {"31"}, "ends-month": {"8"}, "ends-year": {"2026"},
			"panels": {fmt.Sprint(w.ids["panel-luton"])}}
		w.expect("POST", "/evaluation/cycles", "funder", cycle, 422, "The end date must be after the start date")
		cycle.Set("ends-month", "13")
		w.expect("POST", "/evaluation/cycles", "funder", cycle, 422, "must be a real date")
		cycle.Set("ends-month", "12")
		cycle.Set("assessor", fmt.Sprint(w.ids["luton"]))
		w.expect("POST", "/evaluation/cycles", "funder", cycle, 422, "Choose an independent assessor from the list")
		if n := w.count("SELECT count(*) FROM evaluation_cycles"); n != 0 {
			t.Fatalf("refused cycles were saved: %d", n)
		}
		cycle.Set("assessor", fmt.Sprint(w.ids["review"]))
		cyc := w.expect("POST", "/evaluation/cycles", "funder", cycle, 303).Header().Get("Location")
		w.expect("GET", cyc, "funder", nil, 200, "Evaluation 2026", "luton panel", "Independent Co-production Review")
		w.expect("GET", cyc, "otherfacilitator", nil, 404)
		w.expect("GET", cyc, "otherassessor", nil, 404)
		w.expect("GET", cyc, "officer", nil, 403)

		// Councils join with a panel of the cycle.
		w.expect("POST", cyc+"/councils", "funder", url.Values{}, 422, `href="#council"`, `href="#panel"`)
		w.expect("POST", cyc+"/councils", "funder", url.Values{"council": {"E99999999"}, "panel": {fmt.Sprint(w.ids["panel-westminster"])}}, 422,
			"E99999999 is not the GSS code", "Choose one of the cycle")
		w.expect("POST", cyc+"/councils", "officer", url.Values{"council": {lutonCode}}, 403)
		w.expect("POST", cyc+"/councils", "funder", url.Values{"council": {strings.ToLower(lutonCode)}, "panel": {fmt.Sprint(w.ids["panel-luton"])}}, 303)
		w.expect("POST", cyc+"/councils", "funder", url.Values{"council": {lutonCode}, "panel": {fmt.Sprint(w.ids["panel-luton"])}}, 422, "Luton is already in this cycle")
		w.expect("POST", cyc+"/councils", "funder", url.Values{"council": {bedfordCode}, "panel": {fmt.Sprint(w.ids["panel-luton"])}}, 303)
		var luton, bedford int64
		if err := d.Read.QueryRowContext(ctx, "SELECT id FROM evaluation_teams WHERE council_gss = $1", lutonCode).Scan(&luton); err != nil {
			t.Fatal(err)
		}
		if err := d.Read.QueryRowContext(ctx, "SELECT id FROM evaluation_teams WHERE council_gss = $1", bedfordCode).Scan(&bedford); err != nil {
			t.Fatal(err)
		}
		team, bteam := fmt.Sprintf("/evaluation/teams/%d", luton), fmt.Sprintf("/evaluation/teams/%d", bedford)

		// Research training: members record their own, facilitators their panel's.
		w.expect("POST", "/evaluation/researchers/training", "sam", url.Values{}, 422, `href="#course"`, `href="#completed"`)
		w.expect("POST", "/evaluation/researchers/training", "sam", url.Values{"course": {"Peer research"}, "completed-day": {"2"}, "completed-month": {"9"}, "completed-year": {"2026"}}, 422, "today or in the past")
		w.expect("POST", "/evaluation/researchers/training", "sam", url.Values{"course": {"Peer research"}, "completed-day": {"2"}, "completed-month": {"6"}, "completed-year": {"2026"}}, 303)
		w.expect("POST", "/evaluation/researchers/training", "sam", url.Values{"person": {fmt.Sprint(w.ids["lee"])}, "course": {"x"}, "completed-day": {"2"}, "completed-month": {"6"}, "completed-year": {"2026"}}, 404)
		w.expect("POST", "/evaluation/researchers/training", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["outsider"])}, "course": {"x"}, "completed-day": {"2"}, "completed-month": {"6"}, "completed-year": {"2026"}}, 404)
		w.expect("POST", "/evaluation/researchers/training", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["lee"])}, "course": {"Community research (2 days)"}, "completed-day": {"3"}, "completed-month": {"6"}, "completed-year": {"2026"}}, 303)
		w.expect("GET", "/evaluation/researchers", "facilitator", nil, 200, "Test sam", "Peer research, completed 2 June 2026", "Community research (2 days)")
		w.expect("GET", "/evaluation/researchers", "officer", nil, 403)

		// A declared conflict keeps Lee off Bedford's team.
		w.expect("POST", "/evaluation/researchers/conflicts", "lee", url.Values{}, 422, `href="#conflict_council"`, `href="#reason"`)
		w.expect("POST", "/evaluation/researchers/conflicts", "lee", url.Values{"conflict_council": {fmt.Sprint(w.ids["bedford"])}, "reason": {"I get support from its housing team."}}, 303)
		w.expect("POST", bteam+"/members", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["lee"])}}, 422, "has declared a conflict of interest with Bedford")
		w.expect("POST", team+"/members", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["kim"])}}, 422, "has no research training recorded")
		w.expect("POST", team+"/members", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["outsider"])}}, 422, "Choose a member of luton panel")
		w.expect("POST", team+"/members", "facilitator", url.Values{}, 422, `href="#person"`)
		w.expect("POST", team+"/members", "otherfacilitator", url.Values{"person": {fmt.Sprint(w.ids["sam"])}}, 404)
		w.expect("POST", team+"/members", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["sam"])}}, 303)
		w.expect("POST", team+"/members", "facilitator", url.Values{"person": {fmt.Sprint(w.ids["lee"])}}, 303)

		// Evaluators see only their own council's team until findings are published.
		w.expect("GET", team, "sam", nil, 200, "Rate Luton")
		w.expect("GET", bteam, "sam", nil, 404)
		for _, who := range []string{"kim", "outsider", "otherfacilitator", "otherassessor"} {
			w.expect("GET", team, who, nil, 404)
			want := 404
			if who == "otherfacilitator" || who == "otherassessor" {
				want = 403 // only members rate
			}
			w.expect("GET", team+"/rate", who, nil, want)
		}
		w.expect("GET", team, "officer", nil, 403)

		// Rating: every unit, on the ladder, with evidence at the ends.
		w.expect("POST", team+"/rate", "sam", url.Values{}, 422, fmt.Sprintf(`href="#level-%d"`, ids[0]), `href="#level-0"`)
		bad := ratings(ids, 6)
		bad.Set(fmt.Sprintf("evidence-%d", ids[1]), "")
		bad.Set(fmt.Sprintf("level-%d", ids[2]), "9")
		w.expect("POST", team+"/rate", "sam", bad, 422, fmt.Sprintf(`href="#evidence-%d"`, ids[1]), fmt.Sprintf(`href="#level-%d"`, ids[2]))
		if n := w.count("SELECT count(*) FROM evaluation_ratings"); n != 0 {
			t.Fatalf("refused ratings were saved: %d", n)
		}
		samRatings := ratings(ids, 5, 3)
		samRatings.Set("notes-0", "Sam's private note about the housing team")
		w.expect("POST", team+"/rate", "sam", samRatings, 303)
		w.expect("GET", team+"/rate", "sam", nil, 200, "Sam&#39;s private note")
		w.expect("POST", team+"/rate", "kim", samRatings, 404)
		w.expect("GET", team+"/moderate", "facilitator", nil, 200, "At least two evaluators must rate")
		w.expect("POST", team+"/moderate", "facilitator", ratings(ids, 5), 422, "At least two evaluators")
		w.expect("POST", team+"/rate", "lee", ratings(ids, 5, 2), 303)

		// Moderation: a level no evaluator gave needs a reason.
		w.expect("GET", team+"/moderate", "facilitator", nil, 200, "Test sam", "Test lee", "Krippendorff")
		w.expect("GET", team+"/moderate", "sam", nil, 403)
		w.expect("GET", team+"/moderate", "otherfacilitator", nil, 404)
		agree := url.Values{}
		for i, id := range append(ids, 0) {
			agree.Set(fmt.Sprintf("level-%d", id), []string{"5", "3", "5", "3", "5"}[i])
		}
		agree.Set(fmt.Sprintf("level-%d", ids[1]), "1")
		w.expect("POST", team+"/moderate", "facilitator", agree, 422, fmt.Sprintf(`href="#reason-%d"`, ids[1]), "differs from every evaluator")
		agree.Set(fmt.Sprintf("reason-%d", ids[1]), "The forum was cancelled twice without notice.")
		w.expect("POST", team+"/moderate", "facilitator", agree, 303)
		w.expect("POST", team+"/rate", "sam", samRatings, 422, "agreed")

		// The council sees nothing until the findings are published.
		w.expect("GET", "/evaluation/councils/"+lutonCode, "officer", nil, 200, "No evaluation has been published", "evaluation in progress")
		w.lacks("/evaluation/councils/"+lutonCode, "officer", "1: Educating")
		w.expect("POST", team+"/findings", "facilitator", url.Values{}, 422, `href="#findings"`, `href="#recommendations"`)
		w.expect("POST", team+"/findings", "sam", url.Values{"findings": {"x"}, "recommendations": {"y"}}, 403)
		w.expect("POST", team+"/findings", "facilitator", url.Values{"findings": {"Strong on shared decisions."}, "recommendations": {"Hold the forum monthly.\nPay people for their time."}}, 303)
		w.expect("POST", team+"/findings", "facilitator", url.Values{"findings": {"Again"}, "recommendations": {"Again"}}, 422, "already published")

		// The independent assessor of the cycle's organisation rates the same units.
		w.expect("GET", team+"/assess", "otherassessor", nil, 404)
		w.expect("POST", team+"/assess", "otherassessor", ratings(ids, 4), 404)
		w.expect("POST", team+"/assess", "assessor", url.Values{}, 422, `href="#level-0"`)
		w.expect("POST", team+"/assess", "assessor", ratings(ids, 4), 303)

		// The council sees three ratings side by side: never an evaluator's own.
		page := w.expect("GET", "/evaluation/councils/"+lutonCode, "officer", nil, 200, "ratings side by side", "5: Co-design", "1: Educating", "4: Engagement",
			"Strong on shared decisions.", "Hold the forum monthly.", "Needs support").Body.String()
		for _, private := range []string{"Sam&#39;s private note", "Test sam", "Test lee", "Seen at the forum"} {
			if strings.Contains(page, private) {
				t.Errorf("the council page shows %q", private)
			}
		}
		w.expect("GET", "/evaluation/councils/"+lutonCode, "funder", nil, 200, "ratings side by side")
		for _, who := range []string{"bedfordofficer", "sam", "assessor", "partner"} {
			if _, ok := w.ids[who]; ok {
				w.expect("GET", "/evaluation/councils/"+lutonCode, who, nil, 404)
			}
		}
		w.expect("GET", "/evaluation/councils/E99999999", "officer", nil, 404)

		// Training recommended for weak indicators; booking up to capacity.
		w.expect("POST", "/evaluation/training/modules", "officer", url.Values{"module_title": {"x"}}, 403)
		w.expect("POST", "/evaluation/training/modules", "funder", url.Values{}, 422, `href="#module_title"`, `href="#summary"`, `href="#keys"`)
		w.expect("POST", "/evaluation/training/modules", "funder", url.Values{"module_title": {"From consultation to co-design"}, "summary": {"Sharing the decision."},
			"keys": {inds[1].Key + ", relationships"}}, 303)
		w.expect("POST", "/evaluation/training/modules", "funder", url.Values{"module_title": {"Unrelated module"}, "summary": {"x"}, "keys": {"9.9"}}, 303)
		var module int64
		if err := d.Read.QueryRowContext(ctx, "SELECT id FROM training_modules WHERE title = 'From consultation to co-design'").Scan(&module); err != nil {
			t.Fatal(err)
		}
		sess := fmt.Sprintf("/evaluation/training/modules/%d/sessions", module)
		w.expect("POST", sess, "funder", url.Values{}, 422, `href="#starts"`, `href="#place"`, `href="#capacity"`, `href="#trainers"`, `href="#co_trainers"`)
		session := url.Values{"starts-day": {"1"}, "starts-month": {"8"}, "starts-year": {"2026"}, "starts-time": {"10:00"}, "place": {"Luton Library"},
			"capacity": {"1"}, "trainers": {"Amira"}, "co_trainers": {"Sam"}}
		w.expect("POST", sess, "funder", session, 422, "must start in the future")
		session.Set("starts-month", "10")
		w.expect("POST", sess, "funder", session, 303)
		w.expect("POST", "/evaluation/training/modules/999999/sessions", "funder", session, 404)
		w.expect("GET", "/evaluation/training", "", nil, 200, "From consultation to co-design", "Luton Library", "10am on 1 October 2026")
		page = w.expect("GET", "/evaluation/councils/"+lutonCode, "officer", nil, 200, "Training recommended for you", "From consultation to co-design").Body.String()
		if strings.Contains(page, "Unrelated module") {
			t.Error("a module for no weak indicator is recommended")
		}
		var sid int64
		if err := d.Read.QueryRowContext(ctx, "SELECT id FROM training_sessions").Scan(&sid); err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("/evaluation/training/sessions/%d", sid)
		w.expect("POST", s+"/book", "sam", nil, 403)
		w.expect("POST", s+"/book", "officer", url.Values{}, 303)
		w.expect("POST", s+"/book", "officer", url.Values{}, 303) // twice is harmless
		w.expect("POST", s+"/book", "bedfordofficer", url.Values{}, 409, "full")
		w.expect("GET", s, "officer", nil, 200, "You have a place")
		w.lacks(s, "bedfordofficer", "Test officer")
		w.expect("POST", s+"/attendance", "funder", url.Values{"attended": {fmt.Sprint(w.ids["officer"])}}, 409, "once the session has started")
		w.clock.Set(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
		w.expect("POST", s+"/attendance", "officer", url.Values{}, 403)
		w.expect("POST", s+"/attendance", "funder", url.Values{"attended": {fmt.Sprint(w.ids["officer"])}}, 303)

		// The funder's national list names Luton and why.
		w.expect("GET", "/evaluation/support", "funder", nil, 200, "Luton", "at or below consultation on the ladder", "1.2 Inclusive opportunities: 1 Educating", "2.2 Working together")
		w.expect("GET", "/evaluation/support", "officer", nil, 403)

		// The action plan, tracked to done.
		w.expect("POST", team+"/actions", "officer", url.Values{}, 422, `href="#what"`, `href="#owner"`, `href="#due"`)
		w.expect("POST", team+"/actions", "bedfordofficer", url.Values{"what": {"x"}, "owner": {"y"}, "due-day": {"1"}, "due-month": {"1"}, "due-year": {"2027"}}, 404)
		w.expect("POST", team+"/plan", "officer", url.Values{}, 409, "at least one action")
		w.expect("POST", team+"/actions", "officer", url.Values{"what": {"Hold the forum monthly"}, "owner": {"Head of Housing"}, "due-day": {"1"}, "due-month": {"1"}, "due-year": {"2027"}}, 303)
		w.expect("POST", team+"/plan", "officer", url.Values{}, 303)
		var action int64
		if err := d.Read.QueryRowContext(ctx, "SELECT id FROM evaluation_actions").Scan(&action); err != nil {
			t.Fatal(err)
		}
		w.expect("POST", fmt.Sprintf("%s/actions/%d/done", bteam, action), "officer", url.Values{}, 404)
		w.expect("POST", fmt.Sprintf("%s/actions/%d/done", team, action), "officer", url.Values{}, 303)
		w.expect("GET", "/evaluation/councils/"+lutonCode, "officer", nil, 200, "Hold the forum monthly", "Head of Housing", "Done", "Published on")

		// An example of strong practice, published once the council agrees.
		w.expect("POST", team+"/examples", "facilitator", url.Values{"indicator": {fmt.Sprint(ids[1])}, "example_title": {"x"}, "example_body": {"y"}}, 422, "co-design or above")
		w.expect("POST", team+"/examples", "facilitator", url.Values{"indicator": {fmt.Sprint(ids[0])}, "example_title": {"Shared commissioning"}, "example_body": {"Members sit on every panel."}}, 303)
		w.lacks("/evaluation/practice", "", "Shared commissioning")
		var ex int64
		if err := d.Read.QueryRowContext(ctx, "SELECT id FROM evaluation_examples").Scan(&ex); err != nil {
			t.Fatal(err)
		}
		w.expect("POST", fmt.Sprintf("/evaluation/examples/%d/consent", ex), "bedfordofficer", url.Values{}, 404)
		w.expect("POST", fmt.Sprintf("/evaluation/examples/%d/consent", ex), "officer", url.Values{}, 303)
		w.expect("GET", "/evaluation/practice", "", nil, 200, "Shared commissioning", "Luton")

		// Agreement is shown on the cycle, and every decision is in the audit log.
		w.expect("GET", cyc, "funder", nil, 200, "Krippendorff", "Findings published")
		if n := w.count(`SELECT count(*) FROM audit_log WHERE action IN ('evaluation.rated', 'evaluation.moderated', 'evaluation.findings_published',
			'evaluation.independently_assessed', 'evaluation.plan_published', 'evaluation.action_done', 'evaluation.conflict_declared')`); n != 8 {
			t.Errorf("%d evaluation decisions in the audit log, want 8 (two evaluators rated)", n)
		}
	})
}
