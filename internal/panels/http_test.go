package panels_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// location returns where a 303 sends the browser.
func (w *world) location(rec interface{ Result() *http.Response }) string {
	return rec.Result().Header.Get("Location")
}

// TestJourney is the story: a facilitator invites a member with no email, who signs
// in with a code, fills in a profile and says they are coming to a meeting; the panel agrees
// a recommendation by consent with one objection resolved; the council answers; the public
// register shows it; an overdue answer is flagged.
func TestJourney(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.want(w.do("GET", "/panels/luton", "facilitator", nil), 200, `href="/people/new"`, "Arrange a meeting", `href="/panels/luton/members"`)
		w.want(w.do("GET", "/panels/luton/members", "facilitator", nil), 200, "Test sam", "Test facilitator</a> (facilitator)")
		lee := w.invite("Lee", w.luton)

		// The profile: bad input, then saved; support needs seen only by Lee and facilitators.
		w.want(w.do("GET", "/panels/luton/profile", "Lee", nil), 200, "Your profile", "Childcare")
		rec := w.do("POST", "/panels/luton/profile", "Lee", form("skills", "Cooking for forty", "support", "a pony"))
		w.want(rec, 422, "There is a problem", `href="#support"`, "Choose support from the list", "Cooking for forty")
		rec = w.do("POST", "/panels/luton/profile", "Lee", form("skills", "Cooking for forty", "hopes", "Chair a meeting",
			"support", "childcare", "support", "interpreter", "support_other", "Portuguese interpreter please", "named_publicly", "no"))
		if rec.Code != 303 || w.location(rec) != fmt.Sprintf("/panels/luton/members/%d", lee) {
			t.Fatalf("save profile: %d %s", rec.Code, w.location(rec))
		}
		profile := fmt.Sprintf("/panels/luton/members/%d", lee)
		w.want(w.do("GET", profile, "Lee", nil), 200, "Cooking for forty", "Childcare", "Portuguese interpreter please")
		w.want(w.do("GET", profile, "facilitator", nil), 200, "Cooking for forty", "Childcare", "Portuguese interpreter please")
		rec = w.do("GET", profile, "sam", nil)
		w.want(rec, 200, "Cooking for forty")
		w.wantNot(rec, "Childcare", "Portuguese interpreter please")
		for _, who := range []string{"bpool-facilitator", "bpool-member", "officer", "funder", "admin"} {
			w.want(w.do("GET", profile, who, nil), 404)
		}
		// Lee chose not to be named: the public page does not name Lee.
		w.wantNot(w.do("GET", "/panels/luton", "", nil), "Lee", "Test sam")

		// A meeting: bad input, then arranged; Lee says they are coming.
		w.want(w.do("POST", "/panels/luton/meetings", "facilitator", form("date", "tomorrow")), 422,
			"Enter a title", "Enter the date of the meeting", "Enter a place or an online link", "Enter the agenda")
		rec = w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30",
			"place", "Luton Central Library", "access_info", "Step-free entrance", "agenda", "Welcome\nMove-on homes"))
		if rec.Code != 303 {
			t.Fatalf("arrange meeting: %d %s", rec.Code, rec.Body.String())
		}
		meeting := w.location(rec)
		w.want(w.do("POST", "/panels/blackpool/meetings", "facilitator", form("title", "x")), 404)
		w.want(w.do("POST", meeting+"/reply", "Lee", form("answer", "")), 422, "Choose whether you are coming")
		if rec := w.do("POST", meeting+"/reply", "Lee", form("answer", "yes")); rec.Code != 303 {
			t.Fatalf("reply: %d", rec.Code)
		}
		w.want(w.do("GET", meeting, "Lee", nil), 200, "1:30pm on 10 June 2026", "Step-free entrance", "Coming")
		w.want(w.do("GET", meeting, "bpool-member", nil), 404)
		w.want(w.do("POST", meeting+"/reply", "bpool-member", form("answer", "yes")), 404)
		w.want(w.do("POST", meeting+"/record", "sam", form("notes", "x")), 403)
		w.want(w.do("POST", meeting+"/record", "bpool-facilitator", form("notes", "x")), 404)

		// A recommendation: drafted, decided by consent with an objection resolved.
		w.want(w.do("POST", "/panels/luton/recommendations", "sam", form("title", "", "quorum", "x")), 422,
			"Enter a title", "Choose who the recommendation is for", "Enter the close date", "Enter how many members must take part")
		rec = w.do("POST", "/panels/luton/recommendations", "sam", form("title", "Tenancy support for 12 months",
			"body", "Support stops too soon.", "addressee", lutonGSS, "close_date", "2026-06-08", "quorum", "3", "response_weeks", "8"))
		if rec.Code != 303 {
			t.Fatalf("draft: %d %s", rec.Code, rec.Body.String())
		}
		recPath := w.location(rec)
		for _, who := range []string{"", "bpool-member", "officer", "funder", "partner"} {
			w.want(w.do("GET", recPath, who, nil), 404)
		}
		w.wantNot(w.do("GET", "/recommendations", "", nil), "Tenancy support for 12 months")
		// Members are told, on their messages page; their facilitator sees it on their profile.
		w.want(w.do("GET", "/panels/messages", "Lee", nil), 200, "New meeting: Panel meeting", "Please respond: Tenancy support for 12 months", recPath)
		w.want(w.do("GET", profile, "facilitator", nil), 200, "Please respond: Tenancy support for 12 months")
		w.wantNot(w.do("GET", profile, "sam", nil), "Please respond")
		w.wantNot(w.do("GET", "/panels/messages", "bpool-member", nil), "Tenancy support")
		w.want(w.do("POST", recPath+"/respond", "Lee", form("kind", "object")), 422, "Give a reason for your objection")
		for who, kind := range map[string]string{"Lee": "object", "sam": "consent", "aisha": "concern"} {
			if rec := w.do("POST", recPath+"/respond", who, form("kind", kind, "reason", "Tenants should decide when it ends")); rec.Code != 303 {
				t.Fatalf("respond as %s: %d %s", who, rec.Code, rec.Body.String())
			}
		}
		w.want(w.do("POST", recPath+"/respond", "bpool-member", form("kind", "object", "reason", "x")), 404)
		w.want(w.do("POST", recPath+"/respond", "facilitator", form("kind", "consent")), 403)
		w.want(w.do("GET", recPath, "facilitator", nil), 200, "Resolve an objection", "Stands", "Tenants should decide when it ends")
		w.want(w.do("POST", recPath+"/resolve", "facilitator", form("person", fmt.Sprint(lee), "note", "")), 422, "Say how the objection was resolved")
		w.want(w.do("POST", recPath+"/resolve", "bpool-facilitator", form("person", fmt.Sprint(lee), "note", "x")), 404)
		if rec := w.do("POST", recPath+"/resolve", "facilitator", form("person", fmt.Sprint(lee), "note", "We changed the wording")); rec.Code != 303 {
			t.Fatalf("resolve: %d", rec.Code)
		}
		w.want(w.do("POST", recPath+"/close", "facilitator", nil), 409, "open until")

		w.advance(8 * 24 * time.Hour) // past the end of 8 June
		w.want(w.do("POST", recPath+"/respond", "sam", form("kind", "object", "reason", "Too late")), 409, "Responses are no longer taken")
		if rec := w.do("POST", recPath+"/close", "facilitator", nil); rec.Code != 303 {
			t.Fatalf("close: %d %s", rec.Code, rec.Body.String())
		}
		rec = w.do("GET", recPath, "", nil)
		w.want(rec, 200, "Waiting for an answer", "3 members took part (3 needed)", "all resolved", "Luton")
		w.wantNot(rec, "Lee", "Test sam", "Tenants should decide")
		w.want(w.do("GET", "/recommendations", "", nil), 200, "Tenancy support for 12 months")
		w.want(w.do("GET", "/panels/messages", "officer", nil), 200, "A recommendation for you to answer: Tenancy support for 12 months")
		w.wantNot(w.do("GET", "/panels/messages", "bpool-officer", nil), "Tenancy support")
		w.wantNot(w.do("GET", "/panels/messages", "funder", nil), "Tenancy support")

		// The answer: only Luton's officer, always with reasons.
		w.want(w.do("POST", recPath+"/answer", "bpool-officer", form("answer", "accepted", "reasons", "x")), 403)
		w.want(w.do("POST", recPath+"/answer", "funder", form("answer", "accepted", "reasons", "x")), 403)
		w.want(w.do("POST", recPath+"/answer", "sam", form("answer", "accepted", "reasons", "x")), 403)
		w.want(w.do("GET", recPath, "officer", nil), 200, "Answer this recommendation")
		w.wantNot(w.do("GET", recPath, "bpool-officer", nil), "Answer this recommendation")
		w.want(w.do("POST", recPath+"/answer", "officer", form("answer", "", "reasons", "")), 422, "Choose your answer", "Enter your reasons")
		if rec := w.do("POST", recPath+"/answer", "officer", form("answer", "partly_accepted", "reasons", "12 months from April")); rec.Code != 303 {
			t.Fatalf("answer: %d %s", rec.Code, rec.Body.String())
		}
		w.want(w.do("GET", recPath, "", nil), 200, "Partly accepted", "12 months from April")
		w.want(w.do("GET", "/panels/messages", "Lee", nil), 200, "Answered: Tenancy support for 12 months", "Luton answered the panel&#39;s recommendation: Partly accepted.")
		w.want(w.do("POST", recPath+"/updates", "bpool-officer", form("note", "x")), 403)
		w.want(w.do("POST", recPath+"/updates", "officer", form("note", "")), 422, "Enter what has happened")
		if rec := w.do("POST", recPath+"/updates", "facilitator", form("note", "The contract is changed", "done", "yes")); rec.Code != 303 {
			t.Fatalf("update: %d", rec.Code)
		}
		w.want(w.do("GET", recPath, "", nil), 200, "The contract is changed", "Marked as done")
		w.want(w.do("GET", "/recommendations?status=done", "", nil), 200, "Tenancy support for 12 months")
		w.wantNot(w.do("GET", "/recommendations?status=awaiting", "", nil), "Tenancy support for 12 months")

		// An answer that does not come in time is flagged to the addressee and on the panel's page.
		rec = w.do("POST", "/panels/luton/recommendations", "facilitator", form("title", "Pay people for their time",
			"body", "Pay for time, travel and food.", "addressee", "funder", "close_date", w.clock.Now().In(londonTZ()).Format("2006-01-02"), "quorum", "1", "response_weeks", "2"))
		if rec.Code != 303 {
			t.Fatalf("draft 2: %d %s", rec.Code, rec.Body.String())
		}
		pay := w.location(rec)
		if rec := w.do("POST", pay+"/respond", "sam", form("kind", "consent")); rec.Code != 303 {
			t.Fatalf("respond 2: %d", rec.Code)
		}
		w.advance(24 * time.Hour)
		if rec := w.do("POST", pay+"/close", "facilitator", nil); rec.Code != 303 {
			t.Fatalf("close 2: %d %s", rec.Code, rec.Body.String())
		}
		w.want(w.do("GET", "/recommendations/to-answer", "funder", nil), 200, "Pay people for their time", "Waiting for an answer")
		w.wantNot(w.do("GET", "/panels/luton", "", nil), "overdue")
		w.advance(15 * 24 * time.Hour)
		w.want(w.do("GET", "/recommendations/to-answer", "funder", nil), 200, "1 answer is overdue", "Answer overdue")
		w.wantNot(w.do("GET", "/recommendations/to-answer", "officer", nil), "Pay people for their time")
		w.want(w.do("GET", "/panels/luton", "", nil), 200, "1 answer is overdue")
		w.want(w.do("GET", pay, "", nil), 200, "It is overdue")
		rec = w.do("GET", "/recommendations?status=overdue", "", nil)
		w.want(rec, 200, "Pay people for their time")
		w.wantNot(rec, "Tenancy support for 12 months")
		w.want(w.do("GET", "/recommendations?region=north-west", "", nil), 200, "No recommendations match")
		w.want(w.do("GET", "/recommendations?council="+lutonGSS, "", nil), 200, "Tenancy support for 12 months")
		apptest.TotalsRight(t, d)
	})
}

// TestWhoSeesWhat checks each page for every kind of person: the panel's own people, another
// panel's, each other role, and someone signed out.
func TestWhoSeesWhat(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		rec := w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30",
			"place", "Library", "agenda", "Welcome"))
		meeting := w.location(rec)
		rec = w.do("POST", "/panels/luton/recommendations", "facilitator", form("title", "A draft", "body", "Why",
			"addressee", lutonGSS, "close_date", "2026-06-08", "quorum", "1"))
		draft := w.location(rec)
		if meeting == "" || draft == "" {
			t.Fatal("setting up: no meeting or draft")
		}
		member := fmt.Sprintf("/panels/luton/members/%d", w.ids["sam"])
		everyone := []string{"", "facilitator", "sam", "bpool-member", "bpool-facilitator", "officer", "bpool-officer", "funder", "partner", "assessor", "admin"}
		for _, c := range []struct {
			path string
			ok   []string // 200
			// everyone else signed in gets notFound or 403, and signed out is sent to sign in
			// (or 200 for a public page).
			public bool
			refuse int
		}{
			{"/panels", everyone, true, 0},
			{"/panels/luton", everyone, true, 0},
			{"/recommendations", everyone, true, 0},
			{"/panels/messages", everyone[1:], false, 0},
			{member, []string{"facilitator", "sam"}, false, 404},
			{meeting, []string{"facilitator", "sam"}, false, 404},
			{draft, []string{"facilitator", "sam"}, true, 404},
			{"/panels/luton/profile", []string{"sam"}, false, 0},
			{"/panels/luton/meetings/new", []string{"facilitator"}, false, 0},
			{"/panels/luton/recommendations/new", []string{"facilitator", "sam"}, false, 0},
			{"/recommendations/to-answer", []string{"officer", "bpool-officer", "funder"}, false, 403},
		} {
			for _, who := range everyone {
				rec := w.do("GET", c.path, who, nil)
				allowed := false
				for _, ok := range c.ok {
					allowed = allowed || ok == who
				}
				switch {
				case allowed:
					if rec.Code != 200 {
						t.Errorf("%s as %q: %d, want 200", c.path, who, rec.Code)
					}
				case who == "" && !c.public:
					if rec.Code != 303 || !strings.HasPrefix(w.location(rec), "/sign-in") {
						t.Errorf("%s signed out: %d %s, want sign in", c.path, rec.Code, w.location(rec))
					}
				case rec.Code != 403 && rec.Code != 404:
					t.Errorf("%s as %q: %d, want refused", c.path, who, rec.Code)
				case c.refuse != 0 && rec.Code != c.refuse && who != "":
					t.Errorf("%s as %q: %d, want %d", c.path, who, rec.Code, c.refuse)
				}
				if allowed && len(rec.Body.String()) > 30*1024 {
					t.Errorf("%s as %q: %d bytes of HTML, over 30 KB", c.path, who, len(rec.Body.String()))
				}
			}
		}
		// Another panel's facilitator cannot arrange a meeting or draft for Luton, even through
		// their own role.
		w.want(w.do("POST", "/panels/luton/meetings", "bpool-facilitator", form("title", "x")), 404)
		w.want(w.do("POST", "/panels/luton/recommendations", "bpool-member", form("title", "x")), 404)
		w.want(w.do("POST", "/panels/luton/profile", "bpool-member", form("skills", "x")), 404)
		w.want(w.do("GET", "/panels/nowhere", "", nil), 404)
		w.want(w.do("GET", "/recommendations/99999", "", nil), 404)
		w.want(w.do("GET", "/recommendations/abc", "", nil), 404)
	})
}

// TestRegisterPages checks the register is shown 25 at a time, with the filters kept.
func TestRegisterPages(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for i := range 27 {
			rec := w.do("POST", "/panels/luton/recommendations", "facilitator", form("title", fmt.Sprintf("Recommendation number %02d", i),
				"body", "Because.", "addressee", lutonGSS, "close_date", "2026-06-01", "quorum", "1"))
			path := w.location(rec)
			if rec := w.do("POST", path+"/respond", "sam", form("kind", "consent")); rec.Code != 303 {
				t.Fatalf("respond: %d", rec.Code)
			}
		}
		w.advance(24 * time.Hour)
		for i := 1; i <= 27; i++ {
			if rec := w.do("POST", fmt.Sprintf("/recommendations/%d/close", i), "facilitator", nil); rec.Code != 303 {
				t.Fatalf("close %d: %d", i, rec.Code)
			}
		}
		rec := w.do("GET", "/recommendations?council="+lutonGSS, "", nil)
		w.want(rec, 200, "Recommendations, page 1", "Recommendation number 26", `href="/recommendations?council=`+lutonGSS+`&amp;page=2"`)
		w.wantNot(rec, "Recommendation number 01", "Previous")
		rec = w.do("GET", "/recommendations?council="+lutonGSS+"&page=2", "", nil)
		w.want(rec, 200, "Recommendation number 01", "Recommendation number 00", "Previous")
		w.wantNot(rec, "Recommendation number 02<", "Next")

		// The panel's page lists its recommendations ten at a time, and counts every overdue
		// answer, not only those on the page.
		rec = w.do("GET", "/panels/luton", "", nil)
		w.want(rec, 200, "Recommendation number 26", "Recommendation number 17", `href="/panels/luton?page=2"`)
		w.wantNot(rec, "Recommendation number 16", "overdue")
		rec = w.do("GET", "/panels/luton?page=3", "sam", nil)
		w.want(rec, 200, "Recommendation number 06", "Recommendation number 00", `href="/panels/luton?page=2"`)
		w.wantNot(rec, "Recommendation number 07", "Next")
		w.advance(365 * 24 * time.Hour)
		w.want(w.do("GET", "/panels/luton", "", nil), 200, "27 answers are overdue")
	})
}

// TestPanelListsPaged: a panel's page shows its next meetings and the last ones held, with
// every meeting on the meetings page and every member on the members page, each a page at a
// time, counted right; a page past the last is not found.
func TestPanelListsPaged(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		// 30 meetings a week apart, the last 7 still to come.
		now := w.clock.Now()
		for i := range 30 {
			at := now.Add(time.Duration(i-22) * 7 * 24 * time.Hour).Add(time.Hour)
			if _, err := d.Write.ExecContext(ctx, `INSERT INTO panel_meetings (panel_id, title, starts_at, created_at) VALUES ($1, $2, $3, $4)`,
				w.luton.ID, fmt.Sprintf("Meeting number %02d", i), at.UTC(), now.UTC()); err != nil {
				t.Fatal(err)
			}
		}
		// 60 more members, named so that they sort after the world's own.
		for i := range 60 {
			accountstest.Person(t, d, fmt.Sprintf("Zed member %02d", i), auth.Member, w.luton.OrganisationID)
		}
		numbers := func(rec *httptest.ResponseRecorder, re string) []string {
			var out []string
			for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(rec.Body.String(), -1) {
				out = append(out, m[1])
			}
			return out
		}
		meeting := `>Meeting number (\d\d)</a>`
		// The panel's page: the next 5 to come, soonest last, then the last 5 held.
		rec := w.do("GET", "/panels/luton", "sam", nil)
		w.want(rec, 200, "All 30 meetings", "All 64 members and facilitators")
		if got := fmt.Sprint(numbers(rec, meeting)); got != "[26 25 24 23 22 21 20 19 18 17]" {
			t.Errorf("panel page's meetings: %s", got)
		}
		w.wantNot(rec, "Zed member")
		// The meetings page: 20, then 10, newest first.
		rec = w.do("GET", "/panels/luton/meetings", "facilitator", nil)
		w.want(rec, 200, "30 meetings, 8 still to come", `href="/panels/luton/meetings?page=2"`)
		if got := numbers(rec, meeting); len(got) != 20 || got[0] != "29" || got[19] != "10" {
			t.Errorf("meetings page 1: %v", got)
		}
		rec = w.do("GET", "/panels/luton/meetings?page=2", "sam", nil)
		w.want(rec, 200, `href="/panels/luton/meetings"`)
		if got := numbers(rec, meeting); len(got) != 10 || got[0] != "09" || got[9] != "00" {
			t.Errorf("meetings page 2: %v", got)
		}
		w.want(w.do("GET", "/panels/luton/meetings?page=3", "sam", nil), 404)
		// The members page: 50, then 14, members by name, then the facilitator.
		member := `>(Test \w+|Zed member \d\d)</a>`
		rec = w.do("GET", "/panels/luton/members", "sam", nil)
		w.want(rec, 200, "64 members and facilitators", `href="/panels/luton/members?page=2"`)
		if got := numbers(rec, member); len(got) != 50 || got[0] != "Test aisha" || got[49] != "Zed member 46" {
			t.Errorf("members page 1: %v", got)
		}
		rec = w.do("GET", "/panels/luton/members?page=2", "sam", nil)
		if got := numbers(rec, member); len(got) != 14 || got[0] != "Zed member 47" || got[13] != "Test facilitator" {
			t.Errorf("members page 2: %v", got)
		}
		w.want(w.do("GET", "/panels/luton/members?page=3", "sam", nil), 404)
		// Outside the panel neither list is there.
		for _, who := range []string{"", "bpool-member", "officer"} {
			if who == "" {
				w.want(w.do("GET", "/panels/luton/members", who, nil), 303)
				continue
			}
			w.want(w.do("GET", "/panels/luton/members", who, nil), 404)
			w.want(w.do("GET", "/panels/luton/meetings", who, nil), 404)
		}
	})
}
