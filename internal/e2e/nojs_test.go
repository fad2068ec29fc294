package e2e

import (
	"os"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// testNoJavaScript signs in with the page's scripts switched off: every page must work
// without JavaScript, and signing in is the door to all of them.
func testNoJavaScript(t *testing.T, s *testSite) {
	if !s.hasRoute("GET /sign-in") || len(s.Accounts) == 0 {
		msg := "no sign-in page or no demo accounts yet"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b := newBrowser(t)
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("switch JavaScript off: %v", err)
	}
	a := s.Accounts[0]
	if err := b.signIn(ctx, s.URL, a.Login, a.Password); err != nil {
		t.Fatalf("sign in as %s with JavaScript off: %v", a.Role, err)
	}
	// The page's scripts really were off: govuk-frontend marks the body when it runs.
	js, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains('js-enabled')`))
	if err != nil {
		t.Fatal(err)
	}
	if js {
		t.Errorf("the page's scripts ran, so this did not test the page without JavaScript")
	}
	// Signing out is a form too (a POST), so it works without JavaScript as well.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action="/sign-out"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if out != 0 {
		t.Errorf("still signed in after pressing Sign out")
	}
}
