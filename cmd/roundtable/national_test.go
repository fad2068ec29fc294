package main

import (
	"strings"
	"testing"

	"roundtable/internal/platform/shareddata"
)

// TestDemoAtNationalScale runs `demo --scale national` at a small fraction of the national
// sizes and checks it reports each part's time and the row counts; a wrong scale is a usage
// error that changes nothing.
func TestDemoAtNationalScale(t *testing.T) {
	env := map[string]string{"ROUNDTABLE_DATA": t.TempDir()}
	if _, _, err := runCmd(t, env, "demo", "--scale", "galactic"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--scale") {
		t.Errorf("--scale galactic: %v", err)
	}
	out, _, err := runCmd(t, env, "demo", "--scale", "national", "--factor", "0.002", "--authorities", shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"co-production logs and contributions", "funding_contributions 2,000", "payment_claims 400", "sam"} {
		if !strings.Contains(words, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCmd(t, env, "audit", "verify")
	if err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %v\n%s", err, out)
	}
}
