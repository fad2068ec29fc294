package funding_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/testclock"
)

const (
	lutonCode   = "E06000032"
	bedfordCode = "E06000055"
)

type clock = testclock.Clock

// world is the whole application on a real database with the council register and one
// person for each role that matters here, including a second council's officer and a member
// of another group.
type world struct {
	t     testing.TB
	d     *db.DB
	app   *app.App
	clock *clock
	ids   map[string]int64
	// logins are the sign-in names, whose password is accountstest.Password.
	logins map[string]string
}

func importRegister(t testing.TB, d *db.DB) {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(context.Background(), d, f); err != nil {
		t.Fatal(err)
	}
}

func council(t testing.TB, d *db.DB, code string) int64 {
	t.Helper()
	c, err := directory.CouncilByCode(context.Background(), d, code)
	if err != nil {
		t.Fatal(err)
	}
	return c.OrganisationID
}

func newWorld(t testing.TB, d *db.DB, now time.Time) *world {
	t.Helper()
	importRegister(t, d)
	clk := testclock.New(now)
	a, err := app.New(d, app.Config{Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, app: a, clock: clk, ids: map[string]int64{}, logins: map[string]string{}}
	ctx := context.Background()
	lhp, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "Luton Homelessness Partnership",
		StakeholderType: directory.LocalVoluntaryOrganisation, Region: "East of England"})
	if err != nil {
		t.Fatal(err)
	}
	harbour, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "Harbour Support Services (example)",
		StakeholderType: directory.SupportProvider, Region: "East of England"})
	if err != nil {
		t.Fatal(err)
	}
	other := accountstest.Organisation(t, d, "Westminster Lived Experience Group")
	mhclg, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "Ministry of Housing, Communities and Local Government",
		StakeholderType: directory.Funder})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["luton"], w.ids["bedford"], w.ids["lhp"], w.ids["harbour"] = council(t, d, lutonCode), council(t, d, bedfordCode), lhp, harbour
	for _, p := range []struct {
		who  string
		role auth.Role
		org  int64
	}{
		{"funder", auth.Funder, mhclg},
		{"officer", auth.CouncilOfficer, w.ids["luton"]},
		{"bedford", auth.CouncilOfficer, w.ids["bedford"]},
		{"member", auth.Member, lhp},
		{"outsider", auth.Member, other},
		{"partner", auth.Partner, harbour},
		{"facilitator", auth.Facilitator, lhp},
		{"assessor", auth.Assessor, other},
		{"admin", auth.Admin, 0},
	} {
		id, login := accountstest.Person(t, d, "Test "+p.who, p.role, p.org)
		w.ids[p.who], w.logins[p.who] = id, login
	}
	return w
}

// do sends a request through the whole handler as who ("" for nobody), with a session started
// at the world's time.
func (w *world) do(method, path, who string, form url.Values) *httptest.ResponseRecorder {
	w.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if who != "" {
		req.AddCookie(accountstest.Session(w.t, w.d, w.ids[who], w.clock.Now()))
	}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, req)
	return rec
}

func (w *world) expect(method, path, who string, form url.Values, status int, contains ...string) *httptest.ResponseRecorder {
	w.t.Helper()
	rec := w.do(method, path, who, form)
	if rec.Code != status {
		w.t.Fatalf("%s %s as %q: status %d, want %d\n%s", method, path, who, rec.Code, status, excerpt(rec.Body.String()))
	}
	body := rec.Body.String()
	for _, c := range contains {
		if !strings.Contains(body, c) {
			w.t.Errorf("%s %s as %q: body lacks %q\n%s", method, path, who, c, excerpt(body))
		}
	}
	return rec
}

func excerpt(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}

var idInPath = regexp.MustCompile(`/(\d+)$`)

func lastID(t testing.TB, location string) int64 {
	t.Helper()
	m := idInPath.FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("no id in %q", location)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func programmeForm(name string, opens, closes time.Time) url.Values {
	o, c := opens.In(london()), closes.In(london())
	return url.Values{"name": {name}, "purpose": {"Move-on homes with support for people sleeping rough."}, "homes": {"3,300"},
		"opens-day": {fmt.Sprint(o.Day())}, "opens-month": {fmt.Sprint(int(o.Month()))}, "opens-year": {fmt.Sprint(o.Year())}, "opens-time": {o.Format("15:04")},
		"closes-day": {fmt.Sprint(c.Day())}, "closes-month": {fmt.Sprint(int(c.Month()))}, "closes-year": {fmt.Sprint(c.Year())}, "closes-time": {c.Format("15:04")},
		"types":     {"lived_experience", "support_provider"},
		"questions": {"Who took part in shaping this proposal, and how?\nWhat changed because of what people said?"}}
}

func london() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}

// TestProgrammeToSubmittedBid walks the whole journey over HTTP: the funder drafts and
// publishes a programme; the council logs its co-production, fills in the task list and
// submits; the person who took part sees what happened to what they said. On the way it checks
// who may see what, and that bad input is refused with an error summary and nothing saved.
func TestProgrammeToSubmittedBid(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)

		// Programmes: only the funder creates; bad input names each field.
		w.expect("GET", "/funding/programmes/new", "funder", nil, 200, "Create a funding programme", `name="closes-day"`)
		for _, who := range []string{"officer", "member", "partner", "assessor", "admin"} {
			w.expect("GET", "/funding/programmes/new", who, nil, 403)
		}
		if rec := w.do("GET", "/funding/programmes/new", "", nil); rec.Code != 303 || !strings.HasPrefix(rec.Header().Get("Location"), "/sign-in") {
			t.Fatalf("signed out: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		w.expect("POST", "/funding/programmes/new", "funder", url.Values{"name": {""}}, 422,
			"There is a problem", `href="#name"`, `href="#purpose"`, `href="#homes"`, `href="#opens"`, `href="#closes"`, `href="#types"`, `href="#questions"`)
		bad := programmeForm("Bad dates", start, start.Add(24*time.Hour))
		bad.Set("closes-day", "31")
		bad.Set("closes-month", "2")
		w.expect("POST", "/funding/programmes/new", "funder", bad, 422, "must be a real date")
		bad = programmeForm("Backwards", start, start.Add(-24*time.Hour))
		w.expect("POST", "/funding/programmes/new", "funder", bad, 422, "The closing date must be after the opening date")
		if n := count(t, d, "funding_programmes"); n != 0 {
			t.Fatalf("refused programmes were saved: %d", n)
		}

		bad = programmeForm("Unknown council", start, start.Add(24*time.Hour))
		bad.Set("eligible", "E06000032\nE99999999")
		w.expect("POST", "/funding/programmes/new", "funder", bad, 422, `href="#eligible"`, "E99999999 is not the GSS code")
		// A programme for Bedford only: Luton's officer cannot start a bid.
		only := programmeForm("Bedford only", start, start.Add(24*time.Hour))
		only.Set("eligible", "e06000055")
		onlyPath := w.expect("POST", "/funding/programmes/new", "funder", only, 303).Header().Get("Location")
		w.expect("POST", onlyPath+"/pots", "funder", url.Values{"pot_name": {"P"}, "kind": {"capital"}, "amount": {"10"}, "limit": {"10"}}, 303)
		w.expect("POST", onlyPath+"/publish", "funder", url.Values{}, 303)
		w.expect("GET", onlyPath, "officer", nil, 200, "Luton is not one of the councils that can bid", "Bedford")
		w.expect("POST", onlyPath+"/bids", "officer", url.Values{}, 409, "not one of the councils")
		w.expect("GET", onlyPath, "bedford", nil, 200, "Start a bid for Bedford")
		closes := time.Date(2026, 3, 30, 23, 59, 0, 0, london()) // BST began on 29 March 2026
		rec := w.expect("POST", "/funding/programmes/new", "funder", programmeForm("Move-on Fund", start, closes), 303)
		pid := lastID(t, rec.Header().Get("Location"))
		prog := fmt.Sprintf("/funding/programmes/%d", pid)
		w.expect("GET", prog, "funder", nil, 200, "Move-on Fund", "(draft)", "Only the funder can see it", "Co-production", "Lived experience group", "11:59pm on 30 March 2026")

		// A draft is not found by anyone else.
		for _, who := range []string{"officer", "member", "partner", "assessor"} {
			w.expect("GET", prog, who, nil, 404)
		}
		w.expect("GET", "/funding", "officer", nil, 200)
		if strings.Contains(w.do("GET", "/funding", "officer", nil).Body.String(), "Move-on Fund") {
			t.Error("a council sees a draft programme in the list")
		}

		// Pots: whole pounds, not negative, the limit within the pot.
		w.expect("POST", prog+"/publish", "funder", url.Values{}, 409, "Add at least one pot")
		for _, tc := range []struct{ amount, limit, want string }{
			{"-5", "10", "cannot be negative"},
			{"100.50", "10", "whole pounds"},
			{"100", "200", "cannot be more than the whole pot"},
			{"lots", "10", "must be a number of pounds"},
		} {
			w.expect("POST", prog+"/pots", "funder", url.Values{"pot_name": {"Capital"}, "kind": {"capital"}, "amount": {tc.amount}, "limit": {tc.limit}}, 422, tc.want)
		}
		w.expect("POST", prog+"/pots", "funder", url.Values{}, 422, `href="#pot_name"`, `href="#kind"`, `href="#amount"`, `href="#limit"`)
		w.expect("POST", prog+"/pots", "officer", url.Values{"pot_name": {"Mine"}}, 403)
		if n := countWhere(t, d, "SELECT count(*) FROM funding_pots WHERE programme_id = $1", pid); n != 0 {
			t.Fatalf("refused pots were saved: %d", n)
		}
		w.expect("POST", prog+"/pots", "funder", url.Values{"pot_name": {"Move-on homes"}, "kind": {"capital"}, "amount": {"£130,000,000"}, "limit": {"2,000,000"}}, 303)
		w.expect("POST", prog+"/pots", "funder", url.Values{"pot_name": {"Support"}, "kind": {"revenue"}, "amount": {"31000000"}, "limit": {"500000"}}, 303)
		w.expect("GET", prog, "funder", nil, 200, "£130,000,000", "£2,000,000", "£161,000,000", "Revenue")
		w.expect("POST", prog+"/publish", "funder", url.Values{}, 303)
		w.expect("POST", prog+"/publish", "funder", url.Values{}, 303) // twice is harmless
		w.expect("POST", prog+"/pots", "funder", url.Values{"pot_name": {"Late"}, "kind": {"capital"}, "amount": {"1"}, "limit": {"1"}}, 409)
		w.expect("GET", prog, "officer", nil, 200, "Start a bid for Luton", "28 days and 12 hours left")
		w.expect("GET", prog, "member", nil, 200, "Move-on Fund")
		w.expect("GET", "/funding", "officer", nil, 200, "Move-on Fund", "Open")

		// The council starts its bid; starting again returns the same bid.
		w.expect("POST", prog+"/bids", "member", url.Values{}, 403)
		rec = w.expect("POST", prog+"/bids", "officer", url.Values{}, 303)
		bid := rec.Header().Get("Location")
		if again := w.expect("POST", prog+"/bids", "officer", url.Values{}, 303).Header().Get("Location"); again != bid {
			t.Fatalf("second start went to %s, not %s", again, bid)
		}
		w.expect("GET", bid, "officer", nil, 200, "Your bid to Move-on Fund", "Not started", "28 days and 12 hours left", "completed 0 of 5 sections")
		// Nobody else sees or changes it: another council, the funder and members before
		// submission all get not found.
		for _, who := range []string{"bedford", "member", "outsider", "partner", "funder", "assessor", "admin"} {
			w.expect("GET", bid, who, nil, 404)
			w.expect("GET", bid+"/pack", who, nil, 404)
			w.expect("GET", bid+"/log.csv", who, nil, 404)
		}
		w.expect("GET", bid+"/sections/about", "bedford", nil, 404)
		w.expect("POST", bid+"/sections/about", "bedford", url.Values{"title": {"Stolen"}, "completed": {"no"}}, 404)
		w.expect("POST", bid+"/submit", "bedford", url.Values{}, 404)
		w.expect("GET", bid+"/sections/nonsense", "officer", nil, 404)

		// The co-production log.
		w.expect("GET", "/funding/log", "officer", nil, 200, "Nothing logged yet")
		w.expect("GET", "/funding/log", "member", nil, 403)
		w.expect("POST", "/funding/log/new", "officer", url.Values{"held-day": {"30"}, "held-month": {"2"}, "held-year": {"2026"}}, 422,
			`href="#title"`, `href="#held"`, `href="#format"`, `href="#hours"`, "must be a real date")
		w.expect("POST", "/funding/log/new", "officer", url.Values{"title": {"Future"}, "held-day": {"1"}, "held-month": {"1"}, "held-year": {"2027"}, "format": {"meeting"}, "hours": {"2"}}, 422,
			"today or in the past")
		rec = w.expect("POST", "/funding/log/new", "officer", url.Values{"title": {"Workshop on move-on support"}, "held-day": {"20"}, "held-month": {"2"},
			"held-year": {"2026"}, "format": {"workshop"}, "place": {"Luton Library"}, "access": {"Step-free. Travel and food paid."}, "hours": {"2.5"}}, 303)
		act := rec.Header().Get("Location")
		w.expect("GET", act, "officer", nil, 200, "Workshop on move-on support", "2.5", "Test member, Luton Homelessness Partnership")
		w.expect("GET", act, "bedford", nil, 404)
		w.expect("POST", act+"/participants", "bedford", url.Values{"type": {"lived_experience"}, "count": {"3"}}, 404)
		w.expect("POST", act+"/participants", "officer", url.Values{"type": {""}}, 422, `href="#type"`, `href="#count"`)
		w.expect("POST", act+"/participants", "officer", url.Values{"type": {"lived_experience"}, "person": {fmt.Sprint(w.ids["member"])}}, 303)
		w.expect("POST", act+"/participants", "officer", url.Values{"type": {"lived_experience"}, "count": {"5"}}, 303)
		w.expect("POST", act+"/participants", "officer", url.Values{"type": {"council"}, "count": {"2"}}, 303)
		w.expect("POST", act+"/contributions", "officer", url.Values{}, 422, `href="#ctype"`, `href="#said"`)
		w.expect("POST", act+"/contributions", "officer", url.Values{"ctype": {"lived_experience"}, "speaker": {fmt.Sprint(w.ids["member"])},
			"said": {"Support must carry on after people move in, not stop at the door."}, "quote": {"yes"}}, 303)
		w.expect("POST", act+"/contributions", "officer", url.Values{"ctype": {"lived_experience"}, "said": {"Let people choose the area they live in."}}, 303)
		page := w.expect("GET", act, "officer", nil, 200, "Test member (Lived experience)", "Anonymous (Lived experience)", "Waiting", "What did you do with it?").Body.String()
		cids := regexp.MustCompile(`contributions/(\d+)/response`).FindAllStringSubmatch(page, -1)
		if len(cids) != 2 {
			t.Fatalf("found %d answer forms, want 2", len(cids))
		}
		w.expect("POST", act+"/contributions/"+cids[0][1]+"/response", "officer", url.Values{"response": {"adopted"}}, 422,
			fmt.Sprintf(`href="#reason-%s"`, cids[0][1]))
		w.expect("POST", act+"/contributions/"+cids[0][1]+"/response", "bedford", url.Values{"response": {"adopted"}, "reason": {"x"}}, 404)
		w.expect("POST", act+"/contributions/"+cids[0][1]+"/response", "officer", url.Values{"response": {"adopted"},
			"reason": {"Harbour will give tenancy support for two years in every home."}}, 303)
		w.expect("POST", act+"/contributions/"+cids[1][1]+"/response", "officer", url.Values{"response": {"not_taken_forward"},
			"reason": {"The homes are in two places only; we explained why at the next meeting."}}, 303)

		// A standing group is added in one step, skipping people already there.
		rec = w.expect("POST", "/funding/log/new", "officer", url.Values{"title": {"Strategy group"}, "held-day": {"1"}, "held-month": {"3"},
			"held-year": {"2026"}, "format": {"meeting"}, "hours": {"1"}}, 303)
		act2 := rec.Header().Get("Location")
		w.expect("POST", act2+"/group", "officer", url.Values{}, 422, `href="#group"`, `href="#group_type"`)
		w.expect("POST", act2+"/participants", "officer", url.Values{"type": {"lived_experience"}, "person": {fmt.Sprint(w.ids["member"])}}, 303)
		w.expect("POST", act2+"/group", "bedford", url.Values{"group": {fmt.Sprint(w.ids["lhp"])}, "group_type": {"lived_experience"}}, 404)
		w.expect("POST", act2+"/group", "officer", url.Values{"group": {fmt.Sprint(w.ids["lhp"])}, "group_type": {"local_voluntary_organisation"}}, 303)
		w.expect("GET", act2, "officer", nil, 200, "Test facilitator")
		if n := countWhere(t, d, "SELECT count(*) FROM funding_participants WHERE activity_id = $1", lastID(t, act2)); n != 2 {
			t.Errorf("%d participants after adding the group, want 2 (the member once, the facilitator)", n)
		}

		// The task list: saving a section, bad amounts refused and nothing saved.
		sec := bid + "/sections/"
		w.expect("POST", sec+"about", "officer", url.Values{}, 422, `href="#completed"`)
		w.expect("POST", sec+"about", "officer", url.Values{"title": {"Luton move-on homes"}, "completed": {"no"}}, 303)
		w.expect("GET", bid, "officer", nil, 200, "In progress")
		w.expect("POST", sec+"about", "officer", url.Values{"title": {"Luton move-on homes"}, "completed": {"yes"}}, 422, `href="#summary"`, `href="#contact"`)
		w.expect("POST", sec+"about", "officer", url.Values{"title": {"Luton move-on homes"}, "summary": {"24 homes with support."}, "contact": {"Grace Mensah"}, "completed": {"yes"}}, 303)
		potIDs := regexp.MustCompile(`name="pot-(\d+)"`).FindAllStringSubmatch(w.expect("GET", sec+"amounts", "officer", nil, 200, "Up to £2,000,000").Body.String(), -1)
		if len(potIDs) != 2 {
			t.Fatalf("found %d pots on the form", len(potIDs))
		}
		p1, p2 := "pot-"+potIDs[0][1], "pot-"+potIDs[1][1]
		w.expect("POST", sec+"amounts", "officer", url.Values{p1: {"2,000,001"}, p2: {"-1"}, "homes": {"24"}, "completed": {"yes"}}, 422,
			"must be £2,000,000 or less", "cannot be negative", `href="#`+p1+`"`, `href="#`+p2+`"`)
		w.expect("POST", sec+"amounts", "officer", url.Values{p1: {"1500000.50"}, p2: {"1"}, "homes": {"24"}, "completed": {"yes"}}, 422, "whole pounds")
		w.expect("POST", sec+"amounts", "officer", url.Values{p1: {"1000"}, "completed": {"yes"}}, 422, `href="#`+p2+`"`, `href="#homes"`)
		if n := count(t, d, "funding_bid_amounts"); n != 0 {
			t.Fatalf("refused amounts were saved: %d", n)
		}
		w.expect("POST", sec+"amounts", "officer", url.Values{p1: {"1,800,000"}, p2: {"420,000"}, "homes": {"24"}, "completed": {"yes"}}, 303)
		w.expect("POST", sec+"support", "officer", url.Values{"support": {"Tenancy support from Harbour for two years."}, "completed": {"yes"}}, 303)
		w.expect("GET", sec+"evidence", "officer", nil, 200, "Workshop on move-on support")
		w.expect("POST", sec+"evidence", "officer", url.Values{"evidence": {"People shaped the support."}, "completed": {"yes"}}, 422, `href="#activities"`)
		aid := strings.TrimPrefix(act, "/funding/log/")
		w.expect("POST", sec+"evidence", "officer", url.Values{"evidence": {"People shaped the support."}, "activities": {aid}, "completed": {"yes"}}, 303)
		// Not submittable until every section is complete.
		w.expect("POST", bid+"/submit", "officer", url.Values{}, 409, "Complete every section")
		w.expect("POST", sec+"declarations", "officer", url.Values{"declared_by": {"Director of Housing"}, "completed": {"yes"}}, 422, `href="#declared"`)
		w.expect("POST", sec+"declarations", "officer", url.Values{"declared_by": {"Director of Housing"}, "declared": {"yes"}, "completed": {"yes"}}, 303)

		// Check answers shows the evidence built from the log.
		w.expect("GET", bid+"/check", "officer", nil, 200, "£2,220,000", "£1,800,000", "6, giving 15 hours in all", "2 things said; 2 answered; 50% adopted or adapted",
			"Missing", "Support must carry on after people move in", "Submit the bid")
		w.expect("GET", bid+"/check", "member", nil, 403)
		csv := w.expect("GET", bid+"/log.csv", "officer", nil, 200, "activity_date,activity", "2026-02-20,Workshop on move-on support,Workshop,Luton Library,2.5,8,6",
			"Test member", "Not taken forward").Body.String()
		if lines := strings.Count(csv, "\n"); lines != 3 {
			t.Errorf("CSV has %d lines, want a header and 2 rows:\n%s", lines, csv)
		}

		w.expect("POST", bid+"/submit", "officer", url.Values{}, 303)
		w.expect("GET", bid, "officer", nil, 200, "Bid submitted")
		w.expect("POST", bid+"/submit", "officer", url.Values{}, 303) // harmless
		// The outcomes figures list the submitted bid, not yet scored.
		scoredBidsRight(t, d, funding.ScoredBid{CouncilGSS: lutonCode})
		// The member was told when the council answered what they said ("you said, we did";
		// the anonymous speaker cannot be), and once when the final bid went, with a link to it.
		told := apptest.MessagesTo(t, d, w.ids["member"])
		if want := []string{"You said, we did: Workshop on move-on support", "The bid you helped with has been sent: Move-on Fund"}; !slices.Equal(subjects(told), want) {
			t.Errorf("member was told %q, want %q", subjects(told), want)
		} else if !strings.Contains(told[0].Body, "What they did: Adopted. Why: Harbour will give tenancy support") || told[0].Link != "/payments/mine" ||
			told[1].Link != bid || !strings.Contains(told[1].Short, "has sent the bid you helped with to Move-on Fund") {
			t.Errorf("messages to the member: %+v", told)
		}
		if n := countWhere(t, d, "SELECT count(*) FROM audit_log WHERE action = 'bid.submitted'"); n != 1 {
			t.Errorf("%d submissions in the audit log, want 1", n)
		}
		w.expect("POST", sec+"about", "officer", url.Values{"title": {"Changed"}, "completed": {"no"}}, 409, "can no longer be changed")
		w.expect("GET", sec+"about", "officer", nil, 409)

		// Share and thank: the council records each thank-you.
		w.expect("GET", bid, "officer", nil, 200, "Share the bid and thank people", "I have thanked Test member", "7 more people took part without being named")
		w.expect("POST", bid+"/thanks", "bedford", url.Values{"person": {fmt.Sprint(w.ids["member"])}}, 404)
		w.expect("POST", bid+"/thanks", "officer", url.Values{"person": {fmt.Sprint(w.ids["outsider"])}}, 404)
		w.expect("POST", bid+"/thanks", "officer", url.Values{"person": {fmt.Sprint(w.ids["member"])}}, 303)
		w.expect("POST", bid+"/thanks", "officer", url.Values{"person": {fmt.Sprint(w.ids["member"])}}, 303)
		if n := count(t, d, "funding_thanks"); n != 1 {
			t.Errorf("%d thanks recorded, want 1", n)
		}
		w.expect("GET", bid, "member", nil, 200, "shared the bid with you and thanked you on 2 March 2026")

		// Now the person who took part sees the bid and what happened to what they said; the
		// funder sees it; others still do not.
		w.expect("GET", "/funding", "member", nil, 200, "Bids you helped shape", "Luton move-on homes")
		w.expect("GET", bid, "member", nil, 200, "What happened to what you said", "Support must carry on", "Adopted", "Harbour will give tenancy support")
		w.expect("GET", bid, "funder", nil, 200, "Luton: bid to Move-on Fund", "£2,220,000")
		w.expect("GET", prog, "funder", nil, 200, "Submitted", "£2,220,000")
		w.expect("GET", bid+"/log.csv", "funder", nil, 200)
		w.expect("GET", bid+"/log.csv", "member", nil, 404)
		w.expect("GET", bid+"/pack", "officer", nil, 200, "You said, we did", "Let people choose the area", "Not taken forward")
		for _, who := range []string{"bedford", "outsider", "partner", "assessor"} {
			w.expect("GET", bid, who, nil, 404)
		}

		// Assessment: assessors declare interests, then score; two scores, then moderation.
		assessorsForm := func(who string) url.Values { return url.Values{"assessor": {fmt.Sprint(w.ids[who])}} }
		w.expect("POST", prog+"/assessors", "funder", url.Values{"assessor": {""}}, 422, `href="#assessor"`)
		w.expect("POST", prog+"/assessors", "funder", assessorsForm("officer"), 422, "Choose an assessor from the list")
		w.expect("POST", prog+"/assessors", "officer", assessorsForm("assessor"), 403)
		for _, who := range []string{"assessor", "member", "outsider"} {
			w.expect("POST", prog+"/assessors", "funder", assessorsForm(who), 303)
		}
		w.expect("GET", prog, "funder", nil, 200, "Test assessor", "Test outsider")
		w.expect("GET", "/funding/assess", "assessor", nil, 200, "Luton move-on homes", "Declare interests")
		w.expect("GET", "/funding", "assessor", nil, 200, "Bids to assess")
		w.expect("GET", bid, "assessor", nil, 200, "Assess this bid")
		assess := bid + "/assess"
		for _, who := range []string{"bedford", "partner", "officer", "funder"} {
			w.expect("GET", assess, who, nil, 404)
		}
		w.expect("POST", bid+"/score", "assessor", url.Values{"score": {"5"}, "notes": {"Good"}}, 409, "Declare any conflict of interest")
		w.expect("POST", bid+"/conflict", "assessor", url.Values{}, 422, `href="#conflicted"`)
		w.expect("POST", bid+"/conflict", "assessor", url.Values{"conflicted": {"yes"}}, 422, `href="#note"`)
		w.expect("POST", bid+"/conflict", "bedford", url.Values{"conflicted": {"no"}}, 404)
		w.expect("POST", bid+"/conflict", "assessor", url.Values{"conflicted": {"no"}}, 303)
		w.expect("POST", bid+"/conflict", "assessor", url.Values{"conflicted": {"yes"}, "note": {"changed my mind"}}, 409)
		w.expect("GET", assess, "assessor", nil, 200, "Your score for co-production", "6: Co-production")
		w.expect("POST", bid+"/score", "assessor", url.Values{"score": {"9"}}, 422, `href="#score"`, `href="#notes"`)
		w.expect("POST", bid+"/score", "assessor", url.Values{"score": {"5"}, "notes": {"People changed where the homes are and the support."}}, 303)
		// The member took part in the bid, so declares a conflict and cannot score.
		w.expect("POST", bid+"/conflict", "member", url.Values{"conflicted": {"yes"}, "note": {"I took part in the workshop."}}, 303)
		w.expect("POST", bid+"/score", "member", url.Values{"score": {"6"}, "notes": {"Great"}}, 409, "conflict of interest")
		mod := bid + "/moderate"
		w.expect("GET", mod, "funder", nil, 200, "At least 2 assessors", "I took part in the workshop.")
		w.expect("POST", mod, "funder", url.Values{"score": {"5"}, "notes": {"x"}, "funded": {"no"}}, 409, "At least 2 assessors")
		w.expect("POST", bid+"/conflict", "outsider", url.Values{"conflicted": {"no"}}, 303)
		w.expect("POST", bid+"/score", "outsider", url.Values{"score": {"4"}, "notes": {"Some required partners were missing."}}, 303)
		w.expect("GET", mod, "officer", nil, 403)
		w.expect("GET", mod, "funder", nil, 200, "Some required partners were missing.", "Record the outcome", `value="1800000"`)
		w.expect("POST", mod, "funder", url.Values{}, 422, `href="#score"`, `href="#notes"`, `href="#funded"`)
		w.expect("POST", mod, "funder", url.Values{"score": {"5"}, "notes": {"Strong."}, "funded": {"yes"}, "award-" + potIDs[0][1]: {"2,500,000"}, "award-" + potIDs[1][1]: {"10.5"}}, 422,
			"must be £2,000,000 or less", "whole pounds")
		if n := count(t, d, "funding_outcomes"); n != 0 {
			t.Fatalf("refused outcome saved")
		}
		w.expect("GET", bid+"/outcome", "officer", nil, 404)
		rec = w.expect("POST", mod, "funder", url.Values{"score": {"5"}, "notes": {"People shaped where the homes are and the support."}, "funded": {"yes"},
			"award-" + potIDs[0][1]: {"1,800,000"}, "award-" + potIDs[1][1]: {"400,000"}}, 303)
		if loc := rec.Header().Get("Location"); loc != bid+"/outcome" {
			t.Fatalf("moderation went to %s", loc)
		}
		scoredBidsRight(t, d, funding.ScoredBid{CouncilGSS: lutonCode, Score: 5, Scored: true})
		w.expect("GET", bid+"/outcome", "officer", nil, 200, "Your bid is funded", "£2,200,000 awarded", "£400,000", "5 out of 6: Co-design", "People shaped where the homes are")
		w.expect("GET", bid+"/outcome", "member", nil, 200, "Your bid is funded")
		w.expect("GET", bid, "officer", nil, 200, "Read the outcome letter")
		for _, who := range []string{"bedford", "partner"} {
			w.expect("GET", bid+"/outcome", who, nil, 404)
		}
		w.expect("POST", mod, "funder", url.Values{"score": {"1"}, "notes": {"Again"}, "funded": {"no"}}, 409)
		w.expect("POST", bid+"/score", "outsider", url.Values{"score": {"6"}, "notes": {"Later"}}, 409, "moderated")
		if n := countWhere(t, d, "SELECT count(*) FROM audit_log WHERE action IN ('conflict.declared', 'bid.scored', 'bid.decided')"); n != 6 {
			t.Errorf("%d assessment records in the audit log, want 6", n)
		}
		apptest.TotalsRight(t, d)
	})
}

// scoredBidsRight checks the scored bids the outcomes figures read (from the running totals)
// against the bids and outcomes themselves, and that they are the ones wanted (programme
// left out), and that every running total is right.
func scoredBidsRight(t *testing.T, d *db.DB, want ...funding.ScoredBid) {
	t.Helper()
	ctx := context.Background()
	got, err := funding.ScoredBids(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	// Counted from scratch, as the outcomes figures were before the running totals.
	counted, err := db.Collect(ctx, d.Read, func(s db.Scanner) (b funding.ScoredBid, err error) {
		var score *int64
		err = s.Scan(&b.ProgrammeID, &b.ProgrammeName, &b.OpensAt, &b.CouncilGSS, &score)
		if score != nil {
			b.Score, b.Scored = int(*score), true
		}
		b.OpensAt = b.OpensAt.UTC()
		return b, err
	}, `SELECT p.id, p.name, p.opens_at, c.gss_code, o.score
FROM funding_bids b JOIN funding_programmes p ON p.id = b.programme_id JOIN councils c ON c.organisation_id = b.council_id
	LEFT JOIN funding_outcomes o ON o.bid_id = b.id
WHERE p.published_at IS NOT NULL AND b.submitted_at IS NOT NULL
ORDER BY p.opens_at, p.id, c.gss_code`)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, counted) {
		t.Errorf("scored bids from the running totals:\n%+v\ncounted from the bids:\n%+v", got, counted)
	}
	var short []funding.ScoredBid
	for _, b := range got {
		short = append(short, funding.ScoredBid{CouncilGSS: b.CouncilGSS, Score: b.Score, Scored: b.Scored})
	}
	if !slices.Equal(short, want) {
		t.Errorf("scored bids %+v, want %+v", short, want)
	}
	apptest.TotalsRight(t, d)
}

func count(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	return countWhere(t, d, "SELECT count(*) FROM "+table)
}

func countWhere(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The funding page lists programmes a page at a time, newest closing first; drafts only for
// the funder.
func TestProgrammesPaged(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)
		ctx := context.Background()
		// 21 published programmes closing a day apart, and one draft closing last of all.
		for i := range 22 {
			id, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: fmt.Sprintf("Programme %02d", i), Purpose: "Homes.",
				HomesTarget: 10, OpensAt: start, ClosesAt: start.AddDate(0, 0, 1+i), RequiredTypes: []directory.StakeholderType{directory.LivedExperience},
				Questions: []string{"Who took part?"}}, start)
			if err != nil {
				t.Fatal(err)
			}
			if i < 21 {
				if err := funding.AddPot(ctx, d, nil, id, funding.NewPot{Name: "Capital", Kind: "capital", AmountPence: 100_000, BidLimitPence: 100_000}, start); err != nil {
					t.Fatal(err)
				}
				if err := funding.Publish(ctx, d, nil, id, start); err != nil {
					t.Fatal(err)
				}
			}
		}
		names := regexp.MustCompile(`>(Programme \d\d)</a>`)
		listed := func(body string) []string {
			var out []string
			for _, m := range names.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		// The officer: published ones only, 20 on the first page from the latest closing.
		first := w.expect("GET", "/funding", "officer", nil, 200, `href="/funding?page=2"`).Body.String()
		if got := listed(first); len(got) != 20 || got[0] != "Programme 20" || got[19] != "Programme 01" {
			t.Errorf("officer's first page: %v", got)
		}
		second := w.expect("GET", "/funding?page=2", "officer", nil, 200, `href="/funding"`).Body.String()
		if got := listed(second); len(got) != 1 || got[0] != "Programme 00" || strings.Contains(second, "page=3") {
			t.Errorf("officer's second page: %v", got)
		}
		// The funder sees the draft first, so the pages hold one more programme in all.
		if got := listed(w.expect("GET", "/funding", "funder", nil, 200).Body.String()); len(got) != 20 || got[0] != "Programme 21" {
			t.Errorf("funder's first page: %v", got)
		}
		if got := listed(w.expect("GET", "/funding?page=2", "funder", nil, 200).Body.String()); len(got) != 2 {
			t.Errorf("funder's second page: %v", got)
		}
	})
}

func subjects(ms []apptest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

// TestBidListsPaged: an assessor's bids to assess (50 a page) and a funder's bids on a
// programme (25 a page) are paged, counted right, the next page holding the next bids, and a
// page past the last a clear 404.
func TestBidListsPaged(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)
		ctx := context.Background()
		prog, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "Paged programme", Purpose: "Homes.",
			HomesTarget: 10, OpensAt: start, ClosesAt: start.AddDate(0, 1, 0), RequiredTypes: []directory.StakeholderType{directory.LivedExperience},
			Questions: []string{"Who took part?"}}, start)
		if err != nil {
			t.Fatal(err)
		}
		if err := funding.AddPot(ctx, d, nil, prog, funding.NewPot{Name: "Capital", Kind: "capital", AmountPence: 100_000, BidLimitPence: 100_000}, start); err != nil {
			t.Fatal(err)
		}
		if err := funding.Publish(ctx, d, nil, prog, start); err != nil {
			t.Fatal(err)
		}
		w.expect("POST", fmt.Sprintf("/funding/programmes/%d/assessors", prog), "funder", url.Values{"assessor": {fmt.Sprint(w.ids["assessor"])}}, 303)
		// 60 councils' bids, written straight in: the first 55 submitted, the rest drafts.
		rows, err := d.Read.QueryContext(ctx, "SELECT organisation_id FROM councils WHERE organisation_id IS NOT NULL ORDER BY organisation_id LIMIT 60")
		if err != nil {
			t.Fatal(err)
		}
		var councils []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			councils = append(councils, id)
		}
		rows.Close()
		for i, c := range councils {
			var submitted any
			if i < 55 {
				submitted = start
			}
			if _, err := d.Write.ExecContext(ctx, `INSERT INTO funding_bids (programme_id, council_id, title, created_at, updated_at, submitted_at)
				VALUES ($1, $2, $3, $4, $4, $5)`, prog, c, fmt.Sprintf("Bid number %02d", i), start, submitted); err != nil {
				t.Fatal(err)
			}
		}
		if err := app.RebuildTotals(ctx, d); err != nil {
			t.Fatal(err)
		}
		titles := regexp.MustCompile(`>Bid number (\d\d)</a>`)
		listed := func(body string) []string {
			var out []string
			for _, m := range titles.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		// The assessor: 55 submitted bids, 50 then 5, in the order they were started.
		w.expect("GET", "/funding", "assessor", nil, 200, `Bids to assess</a> (55)`)
		first := w.expect("GET", "/funding/assess", "assessor", nil, 200, "55 bids", `href="/funding/assess?page=2"`).Body.String()
		if got := listed(first); len(got) != 50 || got[0] != "00" || got[49] != "49" {
			t.Errorf("assessor's first page: %v", got)
		}
		second := w.expect("GET", "/funding/assess?page=2", "assessor", nil, 200, `href="/funding/assess"`, "Declare interests").Body.String()
		if got := listed(second); len(got) != 5 || got[0] != "50" || got[4] != "54" || strings.Contains(second, "page=3") {
			t.Errorf("assessor's second page: %v", got)
		}
		w.expect("GET", "/funding/assess?page=3", "assessor", nil, 404, "Page not found")
		// The funder's programme page: all 60 bids, drafts included, 25 a page.
		page := fmt.Sprintf("/funding/programmes/%d", prog)
		cells := regexp.MustCompile(`Bid number|Being written`)
		body := w.expect("GET", page, "funder", nil, 200, "60 councils have started a bid", `href="`+page+`?page=2"`).Body.String()
		if n := strings.Count(body, `/moderate">Scores and outcome`); n != 25 {
			t.Errorf("funder's first page has %d submitted bids, want 25", n)
		}
		body = w.expect("GET", page+"?page=3", "funder", nil, 200, `href="`+page+`?page=2"`).Body.String()
		if n, drafts := strings.Count(body, `/moderate">Scores and outcome`), strings.Count(body, "Being written"); n != 5 || drafts != 5 {
			t.Errorf("funder's third page has %d submitted and %d drafts, want 5 and 5 (%v)", n, drafts, cells.FindAllString(body, -1))
		}
		w.expect("GET", page+"?page=4", "funder", nil, 404, "Page not found")
		// The report: its summary over all 55 submitted bids on every page, the table 25 a page.
		report := page + "/report"
		row := regexp.MustCompile(`<a class="govuk-link" href="/funding/bids/\d+">`)
		for n, want := range map[string]int{"": 25, "?page=2": 25, "?page=3": 5} {
			body := w.expect("GET", report+n, "funder", nil, 200, "Bids submitted</dt><dd class=\"govuk-summary-list__value\">55</dd>", "0 of 55").Body.String()
			if got := len(row.FindAllString(body, -1)); got != want {
				t.Errorf("report%s lists %d bids, want %d", n, got, want)
			}
		}
		w.expect("GET", report+"?page=2", "funder", nil, 200, `href="`+report+`?page=3"`, "Page 2 of 3")
		w.expect("GET", report+"?page=4", "funder", nil, 404, "Page not found")

		// The member took part in an activity each submitted bid used as evidence (sent a
		// minute apart): their pages list the newest five, and all 55 come 20 a page.
		var activity int64
		if err := d.Write.QueryRowContext(ctx, `INSERT INTO funding_activities (council_id, title, held_on, format, minutes, created_at)
			VALUES ($1, 'Shared workshop', $2, 'in_person', 60, $2) RETURNING id`, councils[0], start).Scan(&activity); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO funding_participants (activity_id, stakeholder_type, person_id) VALUES ($1, 'lived_experience', $2)`,
			activity, w.ids["member"]); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO funding_bid_activities (bid_id, activity_id)
			SELECT id, $1 FROM funding_bids WHERE programme_id = $2 AND submitted_at IS NOT NULL`, activity, prog); err != nil {
			t.Fatal(err)
		}
		for i := range 55 {
			if _, err := d.Write.ExecContext(ctx, `UPDATE funding_bids SET submitted_at = $1 WHERE programme_id = $2 AND title = $3`,
				start.Add(time.Duration(i)*time.Minute), prog, fmt.Sprintf("Bid number %02d", i)); err != nil {
				t.Fatal(err)
			}
		}
		home := w.expect("GET", "/funding", "member", nil, 200, "Bids you helped shape", `href="/funding/took-part">All 55 bids you helped shape`).Body.String()
		if n := strings.Count(home, "Bid number"); n != 5 || !strings.Contains(home, "Bid number 54") || strings.Contains(home, "Bid number 49") {
			t.Errorf("the member's funding page lists %d bids, want the newest 5", n)
		}
		w.expect("GET", "/payments/mine", "member", nil, 200, `href="/funding/took-part">All 55 final documents you helped shape`)
		var all []string
		for n := 1; n <= 3; n++ {
			body := w.expect("GET", fmt.Sprintf("/funding/took-part?page=%d", n), "member", nil, 200, "There are 55, newest first").Body.String()
			all = append(all, listed(body)...)
		}
		if len(all) != 55 || all[0] != "54" || all[54] != "00" {
			t.Errorf("the member's bids over three pages: %v", all)
		}
		w.expect("GET", "/funding/took-part?page=4", "member", nil, 404, "Page not found")
		w.expect("GET", "/funding/took-part", "assessor", nil, 200, "None yet.")
	})
}

// TestAssessorsFoundByName: with more panel members than the list holds, the funder finds
// them by the start of their name; the few assessors and funder's staff are always listed.
func TestAssessorsFoundByName(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)
		ctx := context.Background()
		prog, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "Found programme", Purpose: "Homes.",
			HomesTarget: 10, OpensAt: start, ClosesAt: start.AddDate(0, 1, 0), RequiredTypes: []directory.StakeholderType{directory.LivedExperience},
			Questions: []string{"Who took part?"}}, start)
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/funding/programmes/%d", prog)
		// Few members: everyone is listed and there is nothing to find.
		body := w.expect("GET", page, "funder", nil, 200, "(Independent assessor)").Body.String()
		if strings.Contains(body, "Find a panel member by name") || !strings.Contains(body, "(Member with lived experience)") {
			t.Fatalf("with few members the list should hold them all and ask for no name")
		}
		lhp := w.ids["lhp"]
		for i := range 101 {
			var id int64
			if err := d.Write.QueryRowContext(ctx, `INSERT INTO people (login, display_name, created_at) VALUES ($1, $2, $3) RETURNING id`,
				fmt.Sprintf("many%03d", i), fmt.Sprintf("Zed Many %03d", i), start).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Write.ExecContext(ctx, `INSERT INTO memberships (person_id, organisation_id, role, created_at) VALUES ($1, $2, 'member', $3)`, id, lhp, start); err != nil {
				t.Fatal(err)
			}
		}
		body = w.expect("GET", page, "funder", nil, 200, "Find a panel member by name", "(Independent assessor)").Body.String()
		if strings.Contains(body, "Zed Many") {
			t.Errorf("with 100 or more members, none should be listed before a name is given")
		}
		body = w.expect("GET", page+"?member=zed+many+05", "funder", nil, 200, "Zed Many 050", "Zed Many 059", "(Independent assessor)").Body.String()
		if strings.Contains(body, "Zed Many 060") || strings.Contains(body, "Zed Many 049") {
			t.Errorf("the search should list only names starting with it")
		}
		w.expect("GET", page+"?member=%25", "funder", nil, 200, "No panel member’s name starts with “%”")
	})
}
