// Package e2e holds the browser tests: the whole application, filled with the demo data,
// served on a local port and driven in headless Chromium (/usr/bin/chromium) through the
// DevTools protocol with chromedp.
//
// TestSite signs in as each demo account through the real sign-in form, then crawls every
// page that role can reach (following links from the start page, plus every GET route the
// router lists, so a capability's new pages are checked as soon as they are registered).
// On each page it runs axe-core (WCAG 2.2 A and AA), checks for one h1, a title, in-page
// links that lead somewhere and a console free of errors (CSP violations included), and
// submits each form empty to check the error summary page the same way. It then validates
// the HTML of every page with the W3C Nu checker in one Java run, walks the start and
// sign-in pages with the Tab key, checks the visitor's pages at 320 CSS pixels wide, and
// signs in and out with JavaScript switched off.
//
// TestHarness shows that each check catches what it is for, on a page built to fail them.
//
// Run: go test -race -count=1 ./internal/e2e/ -v
// It needs chromium, java and web/node_modules (make assets); without them the tests skip,
// except in CI (CI set), where they fail.
package e2e
