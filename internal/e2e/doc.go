// Package e2e holds the browser tests: the whole application, filled with the demo data,
// served on a local port and driven in headless Chromium through the DevTools protocol.
//
// TestSite crawls every page each demo role can reach and checks each one with axe-core
// (WCAG 2.2 A and AA), for one h1, a title and a quiet console; validates the server's HTML
// with the W3C Nu checker; walks the start and sign-in pages with the keyboard; and signs in
// with JavaScript switched off. New pages are found by following links and by the router's
// list of routes, so a capability's pages are checked as soon as they are registered.
//
// Run: go test -race -count=1 ./internal/e2e/ -v
// It needs /usr/bin/chromium and java, and web/node_modules (make assets); without them the
// test skips, except in CI (CI set), where it fails.
package e2e
