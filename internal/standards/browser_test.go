package standards_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserJourney is the "done when", in a real browser with axe-core on every
// page, on both databases: a member proposes an amendment; two others consent, one objects
// and the objection is resolved; the facilitator records consent; the draft changes with
// provenance; version 1.1 is published; the diff against 1.0 shows the change; a council
// adopts 1.1 and self-assesses.
func TestBrowserJourney(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		j := browsertest.Start(t, s.app.Handler)
		base := s.std.Path()
		as := func(who string) {
			j.SignIn(s.logins[who], accountstest.Password)
		}

		// Sam proposes an amendment to clause 2.
		as("sam")
		j.Visit("/standards", "Co-production standard")
		j.Visit(base, "The working draft", "2. Working together")
		j.Visit(base+"/proposals/new?kind=add", "Propose a new clause", "Describe each level for indicator 1")
		j.Visit(base+"/proposals/new?kind=remove&clause=1", "Propose removing clause 1")
		j.Visit(base+"/proposals/new?kind=amend&clause=2", "Propose an amendment to clause 2")
		j.Submit(base+"/proposals", map[string]string{"wording": "", "reason": ""}, true, "Enter the clause's wording", "Enter why you propose this")
		st := j.Submit(base+"/proposals", map[string]string{
			"wording":    "The council and people with lived experience decide together, from the very start.",
			"reason":     "People were asked too late last year.",
			"close_date": "2026-03-06", "quorum": "3"}, false, "Your proposal is made", "[removed: together.] [added: together, from the very start.]")
		proposal := st.Path
		j.SignOut()

		// Two consent; one objects, first without a reason.
		for _, who := range []string{"aisha", "bpool"} {
			as(who)
			j.Visit(proposal)
			j.Submit(proposal+"/respond", map[string]string{"kind": "consent"}, false, "Your response is saved")
			j.SignOut()
		}
		as("marek")
		j.Visit(proposal)
		j.Submit(proposal+"/respond", map[string]string{"kind": "object", "reason": ""}, true, "Give a reason for your objection")
		j.Submit(proposal+"/respond", map[string]string{"kind": "object", "reason": "Say who decides when the start is."}, false, "Stands")
		j.SignOut()

		// The facilitator resolves the objection and, after the close, records consent.
		as("facilitator")
		j.Visit("/standards/new", "Start a standard", "Luton Homelessness Partnership")
		j.Visit(proposal, "1 objection stands", "You can record the outcome after the round closes")
		j.Submit(proposal+"/resolve", map[string]string{"person": fmt.Sprint(s.ids["marek"]), "note": "The group agreed the start is the first meeting; Marek agrees."}, false, "Resolved")
		j.SignOut()
		s.clock.Set(time.Date(2026, 3, 7, 9, 0, 0, 0, time.UTC))
		as("facilitator")
		j.Visit(proposal, "Record the outcome")
		j.Submit(proposal+"/decide", map[string]string{"statement": ""}, true, "Enter a short statement of the outcome")
		j.Submit(proposal+"/decide", map[string]string{"statement": "Agreed by consent: decide together from the very start."}, false,
			"The group consented. The draft is changed.", "Accepted", "3 people took part (3 needed)")

		// The draft changed, and the clause shows where the change came from.
		j.Visit(base, "from the very start")
		j.Visit(base+"/clauses/2", "History of clause 2", "amended, from Luton Homelessness Partnership", "Proposed by Test sam",
			"from the very start.]", "Agreed by consent: decide together")

		// Version 1.1 is published and the diff against 1.0 shows the change.
		j.Visit(base+"/publish", "What changed since version 1.0", "from the very start.]")
		j.Submit(base+"/publish", map[string]string{"change": "minor", "notes": ""}, true, "Enter what changed in this version")
		j.Submit(base+"/publish", map[string]string{"change": "minor", "notes": "Clause 2 now says decisions are made together from the very start."}, false,
			"Version 1.1 is published", "Version 1.1", "from the very start")
		j.SignOut()
		st = j.Visit(base+"/diff?from=1.0&to=1.1", "Changes from version 1.0 to 1.1", "Clause 2", "from the very start.]")
		j.Lacks("the diff", st, "Clause 1")
		j.Visit(base+"/versions/1.0", "Version 1.0", "Written by proposals from Luton Homelessness Partnership", "Co-production")
		j.Visit(base+"/diff", "Compare versions")
		j.Submit(base+"/diff", map[string]string{"from": "1.0", "to": "1.1"}, false, "from the very start.]")

		// The council adopts 1.1 and rates itself.
		as("officer")
		j.Visit("/standards", "Your council's adoption and self-assessment")
		council := "/standards/adoptions/councils/" + lutonCode
		j.Visit(council, "has not adopted a co-production standard yet")
		j.Visit(council + "/adopt")
		j.Submit(council+"/adopt", map[string]string{}, true, "Choose the version the council adopted", "Enter the date adopted", "Enter who signed it off")
		version := browsertest.Eval[string](j, `[...document.querySelectorAll('#version option')].find(o => o.text.endsWith('version 1.1')).value`)
		st = j.Submit(council+"/adopt", map[string]string{"version": version, "adopted-day": "7", "adopted-month": "3", "adopted-year": "2026",
			"signed_off_by": "Grace Mensah, Head of Housing"}, false, "The adoption is recorded", "Indicator 2.1")
		self := st.Path
		j.Submit(self, map[string]string{"evidence-2-1": "Minutes of the March meeting."}, true, "Choose a level for indicator 2.1")
		j.Submit(self, map[string]string{"level-2-1": "5", "evidence-2-1": "Minutes of the March meeting.", "level-1-1": "3", "evidence-1-1": "A survey."}, false,
			"The self-assessment is saved", "version 1.1", "Co-design", "Minutes of the March meeting.", "Consultation")
		st = j.Visit("/standards/adoptions", "Luton", "1.1", "Grace Mensah, Head of Housing")
		if !strings.Contains(st.Text, "7 March 2026") {
			t.Errorf("the national list lacks the date adopted:\n%s", st.Text)
		}
	})
}
