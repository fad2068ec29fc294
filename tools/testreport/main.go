// Command testreport reads `go test -json` on standard input and prints what ran: the output
// of failed tests, then counts of tests passed, failed and skipped, with the PostgreSQL and
// browser tests counted apart, so a CI log shows that they ran rather than skipped. It exits 1
// when a test failed, a package failed to build, or (in CI) a PostgreSQL or browser test
// skipped.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type counts struct{ passed, failed, skipped int }

func main() {
	os.Exit(report(os.Stdin, os.Stdout, os.Getenv("CI") != ""))
}

func report(in io.Reader, out io.Writer, ci bool) int {
	outputs := map[string]*strings.Builder{} // by package + test
	var all, postgres, browser counts
	var failedTests, skippedInCI []string
	failedPackages := map[string]bool{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(out, string(line)) // build errors arrive as plain text
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			if b.Len() < 64<<10 {
				b.WriteString(e.Output)
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				if e.Action == "fail" {
					failedPackages[e.Package] = true
				}
				continue
			}
			isPG := strings.HasSuffix(e.Test, "/postgres") || strings.Contains(e.Test, "/postgres/")
			// The site-wide crawl, and each capability's journey (TestBrowser...).
			isBrowser := strings.HasSuffix(e.Package, "/e2e") || strings.HasPrefix(e.Test, "TestBrowser")
			for _, c := range []*counts{&all, pick(isPG, &postgres), pick(isBrowser, &browser)} {
				if c == nil {
					continue
				}
				switch e.Action {
				case "pass":
					c.passed++
				case "fail":
					c.failed++
				case "skip":
					c.skipped++
				}
			}
			if e.Action == "fail" {
				failedTests = append(failedTests, key)
			}
			if e.Action == "skip" && ci && (isPG || isBrowser) {
				skippedInCI = append(skippedInCI, key)
			}
		}
	}
	sort.Strings(failedTests)
	for _, k := range failedTests {
		fmt.Fprintf(out, "\n--- FAIL: %s\n%s", k, outputs[k])
	}
	for p := range failedPackages {
		if b := outputs[p+" "]; b != nil && !hasFailedTestIn(failedTests, p) {
			fmt.Fprintf(out, "\n--- FAIL: package %s\n%s", p, b)
		}
	}
	fmt.Fprintf(out, "\nPostgreSQL tests: %d passed, %d failed, %d skipped\n", postgres.passed, postgres.failed, postgres.skipped)
	fmt.Fprintf(out, "Browser tests: %d passed, %d failed, %d skipped\n", browser.passed, browser.failed, browser.skipped)
	for _, k := range skippedInCI {
		fmt.Fprintf(out, "skipped in CI, which must not happen: %s\n", k)
	}
	fmt.Fprintf(out, "%d passed, %d failed, %d skipped\n", all.passed, all.failed, all.skipped)
	if all.failed > 0 || len(failedPackages) > 0 || len(skippedInCI) > 0 || all.passed == 0 {
		return 1
	}
	return 0
}

func pick(ok bool, c *counts) *counts {
	if ok {
		return c
	}
	return nil
}

func hasFailedTestIn(tests []string, pkg string) bool {
	for _, t := range tests {
		if strings.HasPrefix(t, pkg+" ") {
			return true
		}
	}
	return false
}
