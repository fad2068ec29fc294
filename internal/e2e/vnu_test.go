package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// vnuReport is the Nu checker's JSON output.
type vnuReport struct {
	Messages []vnuMessage `json:"messages"`
}

type vnuMessage struct {
	Type      string `json:"type"`
	SubType   string `json:"subType"`
	URL       string `json:"url"`
	LastLine  int    `json:"lastLine"`
	FirstCol  int    `json:"firstColumn"`
	Message   string `json:"message"`
	Extract   string `json:"extract"`
	LastCol   int    `json:"lastColumn"`
	FirstLine int    `json:"firstLine"`
}

// validateHTML runs the W3C Nu checker once over every saved page: one Java start for the
// whole run, not one per page.
func validateHTML(t *testing.T, pages *savedPages) {
	if len(pages.files) == 0 {
		t.Fatal("no pages were saved: the crawl found nothing to validate (this check runs after TestSite/crawl)")
	}
	msgs := runVNU(t, pages.files)
	byFile := map[string]string{}
	for f, u := range pages.url {
		byFile["file:"+f] = u
	}
	for _, m := range msgs {
		where := byFile[m.URL]
		if where == "" {
			where = m.URL
		}
		t.Errorf("invalid HTML on %s, line %d: %s\n  %s", where, m.LastLine, m.Message, strings.TrimSpace(m.Extract))
	}
	t.Logf("validated %d pages", len(pages.files))
}

// runVNU checks the files in one Java run and returns the errors (not the info messages).
func runVNU(t *testing.T, files []string) []vnuMessage {
	t.Helper()
	needFile(t, vnuFile, "run make assets to install web/node_modules")
	java := needJava(t)
	args := append([]string{"-jar", vnuFile, "--errors-only", "--format", "json"}, files...)
	cmd := exec.Command(java, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run() // exits 1 when a page has errors; the report says which
	var rep vnuReport
	if err := json.Unmarshal(stderr.Bytes(), &rep); err != nil {
		t.Fatalf("vnu did not report JSON (%v): %v\n%s%s", runErr, err, stdout.String(), stderr.String())
	}
	var errs []vnuMessage
	for _, m := range rep.Messages {
		if m.Type != "info" {
			errs = append(errs, m)
		}
	}
	if runErr != nil && len(errs) == 0 {
		t.Fatalf("vnu failed: %v\n%s", runErr, stderr.String())
	}
	return errs
}
