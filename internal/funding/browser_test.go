package funding_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

const (
	chromium = "/usr/bin/chromium"
	axeJS    = "../../web/node_modules/axe-core/axe.min.js"
)

const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
  resultTypes: ['violations'],
}).then(r => r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join('; ')))`

// pageState is what a step reads back from the page.
type pageState struct {
	Path   string `json:"path"`
	Title  string `json:"title"`
	Errors bool   `json:"errors"`
	Text   string `json:"text"`
}

const stateJS = `({path: location.pathname, title: document.title, errors: !!document.querySelector('.govuk-error-summary'),
  text: document.querySelector('main').innerText})`

// journey drives one browser through the site, checking every page with axe-core.
type journey struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
}

func (j *journey) check(what string) pageState {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](j.axe)); err != nil {
		j.t.Fatalf("%s: inject axe: %v", what, err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		j.t.Fatalf("%s: axe: %v", what, err)
	}
	for _, v := range vs {
		j.t.Errorf("%s: axe: %s", what, v)
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](stateJS))
	if err != nil {
		j.t.Fatalf("%s: read page: %v", what, err)
	}
	return st
}

// visit opens a page and checks it.
func (j *journey) visit(path string, want ...string) pageState {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(j.base+path)); err != nil {
		j.t.Fatalf("open %s: %v", path, err)
	}
	st := j.check(path)
	j.contains(path, st, want...)
	return st
}

func (j *journey) contains(what string, st pageState, want ...string) {
	j.t.Helper()
	for _, w := range want {
		if !strings.Contains(st.Text, w) {
			j.t.Errorf("%s: page %s lacks %q", what, st.Path, w)
		}
	}
}

// submit fills the form on the open page whose action is action and presses its button.
// Values are set on text fields and selects, and tick the radio or checkbox with that value.
// It fails the test if the page that comes back shows an error summary, unless wantErrors.
func (j *journey) submit(action string, values map[string]string, wantErrors bool, want ...string) pageState {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	a, _ := json.Marshal(action)
	v, _ := json.Marshal(values)
	js := fmt.Sprintf(`(() => {
  const f = [...document.querySelectorAll('main form')].find(f => new URL(f.action).pathname === %s);
  if (!f) return 'no form for ' + %s;
  for (const [k, v] of Object.entries(%s || {})) {
    const els = [...f.querySelectorAll('[name="' + k + '"]')];
    if (!els.length) return 'no field ' + k;
    for (const el of els) {
      if (el.type === 'radio' || el.type === 'checkbox') { el.checked = el.value === v; } else { el.value = v; }
    }
  }
  document.querySelectorAll('[data-journey]').forEach(x => x.removeAttribute('data-journey'));
  f.setAttribute('data-journey', '1');
  return '';
})()`, a, a, v)
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil || msg != "" {
		j.t.Fatalf("fill %s: %v %s", action, err, msg)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[data-journey] button[type=submit]`))); err != nil {
		j.t.Fatalf("submit %s: %v", action, err)
	}
	st := j.check("POST " + action)
	if st.Errors != wantErrors {
		j.t.Fatalf("POST %s: error summary shown %v, want %v\n%s", action, st.Errors, wantErrors, st.Text)
	}
	j.contains("POST "+action, st, want...)
	return st
}

func (j *journey) signIn(login string) {
	j.t.Helper()
	j.visit("/sign-in")
	j.submit("/sign-in", map[string]string{"login": login, "password": accountstest.Password}, false)
}

func (j *journey) signOut() {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`))); err != nil {
		j.t.Fatalf("sign out: %v", err)
	}
}

// TestBrowserJourney walks, in a real browser with axe-core on every page and on both
// databases: a programme from draft to published; a bid from start through the co-production
// log to submission; assessment by two assessors; moderation to the outcome letter.
func TestBrowserJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, f := range []string{chromium, axeJS} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing", f)
			}
			t.Skipf("%s is missing", f)
		}
	}
	axe, err := os.ReadFile(axeJS)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)
		srv := httptest.NewServer(w.app.Handler)
		defer srv.Close()
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()),
			chromedp.WindowSize(1280, 1000), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true))
		defer cancelAlloc()
		ctx, cancel := chromedp.NewContext(alloc)
		defer cancel()
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("start chromium: %v", err)
		}
		j := &journey{t: t, ctx: ctx, base: srv.URL, axe: string(axe)}

		// The funder drafts, adds pots and publishes.
		j.signIn(w.logins["funder"])
		j.visit("/funding/programmes/new", "Create a funding programme")
		j.submit("/funding/programmes/new", map[string]string{}, true, "Enter the programme's name")
		form := map[string]string{"name": "Move-on Fund", "purpose": "Homes with support.", "homes": "3300",
			"opens-day": "1", "opens-month": "3", "opens-year": "2026", "opens-time": "09:00",
			"closes-day": "30", "closes-month": "3", "closes-year": "2026", "closes-time": "23:59",
			"types": "lived_experience", "questions": "Who took part, and how?"}
		st := j.submit("/funding/programmes/new", form, false, "(draft)", "Only the funder can see it")
		prog := st.Path
		j.submit(prog+"/pots", map[string]string{"pot_name": "Homes", "kind": "capital", "amount": "130000000", "limit": "-1"}, true, "cannot be negative")
		j.submit(prog+"/pots", map[string]string{"pot_name": "Homes", "kind": "capital", "amount": "130000000", "limit": "2000000"}, false, "£2,000,000")
		j.submit(prog+"/assessors", map[string]string{"assessor": fmt.Sprint(w.ids["assessor"])}, false)
		j.submit(prog+"/assessors", map[string]string{"assessor": fmt.Sprint(w.ids["outsider"])}, false, "Test outsider")
		j.submit(prog+"/publish", nil, false, "Programme published")
		j.signOut()

		// The council logs its co-production, fills in the task list and submits.
		j.signIn(w.logins["officer"])
		j.visit(prog, "Start a bid for Luton")
		st = j.submit(prog+"/bids", nil, false, "Not started", "left")
		bid := st.Path
		j.visit("/funding/log/new")
		st = j.submit("/funding/log/new", map[string]string{"title": "Workshop", "held-day": "20", "held-month": "2", "held-year": "2026",
			"format": "workshop", "hours": "2"}, false, "Workshop")
		act := st.Path
		j.submit(act+"/participants", map[string]string{"type": "lived_experience", "person": fmt.Sprint(w.ids["member"])}, false, "Test member")
		j.submit(act+"/contributions", map[string]string{"ctype": "lived_experience", "speaker": fmt.Sprint(w.ids["member"]), "said": "Keep the support going.", "quote": "yes"}, false)
		st = j.visit(act, "Keep the support going")
		ctx2, cancel2 := context.WithTimeout(ctx, 10*time.Second)
		respond, err := chromedp.Run(ctx2, chromedp.Evaluate[string](`new URL(document.querySelector('form[action$="/response"]').action).pathname`))
		cancel2()
		if err != nil {
			t.Fatal(err)
		}
		j.submit(respond, map[string]string{"response": "adopted", "reason": ""}, true, "Enter the reason")
		j.submit(respond, map[string]string{"response": "adopted", "reason": "Two years of support in every home."}, false, "Adopted")
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
			st = j.visit(page)
			if s.key == "amounts" {
				ctx3, cancel3 := context.WithTimeout(ctx, 10*time.Second)
				pot, err := chromedp.Run(ctx3, chromedp.Evaluate[string](`document.querySelector('input[name^="pot-"]').name`))
				cancel3()
				if err != nil {
					t.Fatal(err)
				}
				s.values[pot] = "2,000,001"
				s.values["completed"] = "yes"
				j.submit(page, s.values, true, "must be £2,000,000 or less")
				s.values[pot] = "1,500,000"
			}
			s.values["completed"] = "yes"
			j.submit(page, s.values, false, "Completed")
		}
		j.visit(bid+"/check", "£1,500,000", "1, giving 2 hours in all", "1 thing said")
		j.submit(bid+"/submit", nil, false, "Bid submitted")
		j.visit(bid+"/pack", "You said, we did", "Keep the support going")
		j.signOut()

		// Two assessors declare interests and score.
		for _, who := range []string{"assessor", "outsider"} {
			j.signIn(w.logins[who])
			j.visit("/funding/assess", "Declare interests")
			j.visit(bid + "/assess")
			j.submit(bid+"/conflict", map[string]string{}, true, "Select whether you have a conflict of interest")
			j.submit(bid+"/conflict", map[string]string{"conflicted": "no"}, false, "Your score for co-production")
			j.submit(bid+"/score", map[string]string{"score": "5", "notes": "People shaped the support."}, false, "Scored")
			j.signOut()
		}

		// The funder moderates to an outcome; the council reads its letter.
		j.signIn(w.logins["funder"])
		j.visit(prog+"/report", "Is the co-production requirement working?")
		j.visit(bid+"/moderate", "People shaped the support.")
		j.submit(bid+"/moderate", map[string]string{"score": "5", "notes": "Co-design.", "funded": "yes"}, false, "Your bid is funded", "£1,500,000 awarded")
		j.signOut()
		j.signIn(w.logins["officer"])
		j.visit(bid+"/outcome", "Your bid is funded", "5 out of 6: Co-design")
	})
}
