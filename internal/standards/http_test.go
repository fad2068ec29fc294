package standards_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/testclock"
	"roundtable/internal/standards"
)

type clock = testclock.Clock

// site is the world served by the whole application, with its clock.
type site struct {
	*world
	app   *app.App
	clock *clock
}

// newSite makes the world on every migration, publishes version 1.0 and starts the app at
// 5 March 2026.
func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	w := newWorld(t, d)
	clk := testclock.New(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC))
	if _, err := standards.Publish(context.Background(), d, w.std, false, "The first version.", w.who["facilitator"], clk.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(d, app.Config{Now: clk.Now, Log: slog.New(slog.NewTextHandler(testLog, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &site{world: w, app: a, clock: clk}
}

// expect sends a request as who ("" for nobody) and checks the status and the body.
func (s *site) expect(method, path, who string, form url.Values, status int, contains ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if who != "" {
		req.AddCookie(accountstest.Session(s.t, s.d, s.ids[who], s.clock.Now()))
	}
	rec := httptest.NewRecorder()
	s.app.Handler.ServeHTTP(rec, req)
	if rec.Code != status {
		s.t.Fatalf("%s %s as %q: status %d, want %d\n%s", method, path, who, rec.Code, status, excerpt(rec.Body.String()))
	}
	for _, c := range contains {
		if !strings.Contains(rec.Body.String(), c) {
			s.t.Errorf("%s %s as %q: body lacks %q\n%s", method, path, who, c, excerpt(rec.Body.String()))
		}
	}
	return rec
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 2500 {
		s = s[:2500]
	}
	return s
}

// TestAccess checks who may see and do what, per role and across tenants (another drafting
// group's member, another council's officer), and that empty forms get an error summary.
func TestAccess(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		base := s.std.Path()
		p := s.propose(standards.NewProposal{Kind: standards.AmendClause, ClauseNumber: 1, Title: "Inclusive opportunities",
			Wording: "Paid roles for everyone.", CloseDate: "2026-03-20", Quorum: "2"})
		prop := p.Path()
		lutonPage := "/standards/adoptions/councils/" + lutonCode

		// Published versions, the diff and adoptions are public.
		for _, path := range []string{"/standards", base, base + "/versions/1.0", base + "/diff", "/standards/adoptions", lutonPage} {
			s.expect("GET", path, "", nil, 200)
		}
		s.expect("GET", base, "", nil, 200, "Published version 1.0")
		s.expect("GET", base+"/versions/9.9", "", nil, 404)
		s.expect("GET", "/standards/999", "", nil, 404)
		s.expect("GET", "/standards/adoptions/councils/E99999999", "", nil, 404)

		// The draft, proposals and clause history are for the drafting group only.
		if body := s.expect("GET", base, "officer", nil, 200).Body.String(); strings.Contains(body, "working draft") {
			t.Error("a council officer sees the working draft")
		}
		s.expect("GET", base, "bpool", nil, 200, "The working draft", "Propose a new clause")
		for _, who := range []string{"sam", "bpool", "facilitator"} {
			s.expect("GET", prop, who, nil, 200, "[added: for everyone.]")
		}
		s.expect("GET", prop, "", nil, 303)
		s.expect("GET", prop, "outsider", nil, 404)
		s.expect("GET", prop, "outside-facilitator", nil, 404)
		s.expect("GET", prop, "officer", nil, 403)
		s.expect("GET", base+"/clauses/1", "outsider", nil, 404)
		s.expect("GET", base+"/clauses/1", "sam", nil, 200, "Luton Homelessness Partnership")
		s.expect("GET", base+"/proposals/new?kind=amend&clause=1", "outsider", nil, 404)
		s.expect("GET", base+"/proposals/new?kind=amend&clause=99", "sam", nil, 404)
		s.expect("GET", base+"/proposals/new?kind=nonsense", "sam", nil, 404)
		s.expect("POST", prop+"/respond", "outsider", url.Values{"kind": {"consent"}}, 404)
		s.expect("POST", prop+"/comments", "outsider", url.Values{"comment": {"Hello"}}, 404)
		s.expect("POST", prop+"/decide", "sam", url.Values{"statement": {"Agreed"}}, 403)
		s.expect("POST", prop+"/decide", "outside-facilitator", url.Values{"statement": {"Agreed"}}, 404)
		s.expect("POST", prop+"/resolve", "outside-facilitator", url.Values{"note": {"Done"}}, 404)
		s.expect("GET", base+"/publish", "sam", nil, 403)
		s.expect("GET", base+"/publish", "outside-facilitator", nil, 404)
		s.expect("POST", base+"/publish", "outside-facilitator", url.Values{"notes": {"Mine"}}, 404)

		// A standard not yet published is not found outside its group.
		id, err := standards.CreateStandard(context.Background(), d, standards.NewStandard{Title: "Second standard", Purpose: "Later.",
			PanelIDs: []int64{s.luton.ID}}, s.who["facilitator"], start)
		if err != nil {
			t.Fatal(err)
		}
		s.expect("GET", fmt.Sprintf("/standards/%d", id), "", nil, 404)
		s.expect("GET", fmt.Sprintf("/standards/%d", id), "bpool", nil, 404)
		s.expect("GET", fmt.Sprintf("/standards/%d", id), "sam", nil, 200, "The draft has no clauses yet")
		if strings.Contains(s.expect("GET", "/standards", "", nil, 200).Body.String(), "Second standard") {
			t.Error("an unpublished standard is listed for the public")
		}

		// Empty forms get an error summary naming each field, and nothing is saved.
		s.expect("POST", base+"/proposals", "sam", url.Values{"kind": {"amend"}, "clause": {"1"}}, 422,
			"There is a problem", "Enter the clause&#39;s title", "Enter the clause&#39;s wording", "Enter why you propose this")
		s.expect("POST", base+"/proposals", "sam", url.Values{}, 404)
		s.expect("POST", prop+"/respond", "sam", url.Values{"kind": {"object"}}, 422, "Give a reason for your objection")
		s.expect("POST", prop+"/comments", "sam", url.Values{"comment": {""}}, 422, "Enter your comment")
		s.expect("POST", prop+"/decide", "facilitator", url.Values{"statement": {""}}, 422, "Enter a short statement")
		s.expect("POST", prop+"/decide", "facilitator", url.Values{"statement": {"Too soon"}}, 422, "This round is open until")
		s.expect("POST", base+"/publish", "facilitator", url.Values{"notes": {""}}, 422, "Enter what changed in this version")
		s.expect("POST", base+"/publish", "facilitator", url.Values{"notes": {"Again"}}, 422, "Nothing has changed since version 1.0")
		s.expect("GET", base+"/diff?from=1.0&to=7.0", "", nil, 422, "Choose the version to compare with")
		s.expect("POST", "/standards", "facilitator", url.Values{}, 422, "Enter the standard&#39;s title", "Choose at least one panel")
		s.expect("POST", "/standards", "outside-facilitator", url.Values{"title": {"T"}, "purpose": {"P"}, "panels": {fmt.Sprint(s.luton.ID)}}, 422, "Choose a panel you facilitate")

		// A response after the close date is refused.
		s.clock.Set(time.Date(2026, 3, 21, 9, 0, 0, 0, time.UTC))
		s.expect("POST", prop+"/respond", "sam", url.Values{"kind": {"consent"}}, 422, "Responses are no longer taken")
		if got := s.proposal(p.ID); len(got.Round.Responses) != 0 {
			t.Errorf("responses after the close: %+v", got.Round.Responses)
		}

		// A council edits only its own adoption and self-assessment.
		adopt := lutonPage + "/adopt"
		s.expect("GET", adopt, "officer", nil, 200, "Record an adoption")
		s.expect("GET", adopt, "bedford", nil, 404)
		s.expect("GET", adopt, "sam", nil, 403)
		s.expect("GET", adopt, "", nil, 303)
		s.expect("POST", adopt, "bedford", url.Values{"version": {"1"}}, 404)
		s.expect("POST", adopt, "officer", url.Values{}, 422, "Choose the version the council adopted", "Enter the date adopted", "Enter who signed it off")
		vs, _ := standards.Versions(context.Background(), d, s.std.ID)
		good := url.Values{"version": {fmt.Sprint(vs[0].ID)}, "adopted-day": {"20"}, "adopted-month": {"3"}, "adopted-year": {"2026"}, "signed_off_by": {"Director"}}
		s.expect("POST", adopt, "officer", good, 303)
		s.expect("POST", adopt, "officer", good, 422, "already adopted version 1.0")
		self := fmt.Sprintf("%s/self-assessment/%d", lutonPage, vs[0].ID)
		s.expect("GET", self, "officer", nil, 200, "Indicator 1.1")
		s.expect("GET", self, "bedford", nil, 404)
		s.expect("GET", fmt.Sprintf("/standards/adoptions/councils/%s/self-assessment/%d", bedfordCode, vs[0].ID), "bedford", nil, 404)
		s.expect("POST", self, "bedford", url.Values{"level-1-1": {"5"}, "evidence-1-1": {"x"}}, 404)
		s.expect("POST", self, "officer", url.Values{}, 422, "Rate at least one indicator")
		s.expect("POST", self, "officer", url.Values{"evidence-1-1": {"Minutes"}}, 422, "Choose a level for indicator 1.1")
		s.expect("POST", self, "officer", url.Values{"level-1-1": {"5"}}, 422, "Enter your evidence for indicator 1.1")
		s.expect("POST", self, "officer", url.Values{"level-1-1": {"5"}, "evidence-1-1": {"Minutes of the panel"}}, 303)
		// Only the council, the funder and assessors see the self-assessment.
		s.expect("GET", lutonPage, "officer", nil, 200, "Minutes of the panel", "Co-design")
		s.expect("GET", lutonPage, "assessor", nil, 200, "Minutes of the panel")
		for _, who := range []string{"", "bedford", "sam"} {
			if body := s.expect("GET", lutonPage, who, nil, 200, "version 1.0").Body.String(); strings.Contains(body, "Minutes of the panel") {
				t.Errorf("%q sees Luton's self-assessment", who)
			}
		}
		s.expect("GET", "/standards/adoptions", "", nil, 200, "Luton", "Director")
	})
}

// testLog is where the app under test logs: nowhere, as failures are reported by status.
var testLog io.Writer = io.Discard
