package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"roundtable/internal/platform/db"
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
	figuresVerify(t, env)

	// A total changed behind Roundtable's back is named, and rebuild puts it right.
	d, err := db.Open(context.Background(), db.Options{DataDir: env["ROUNDTABLE_DATA"]})
	if err != nil {
		t.Fatal(err)
	}
	var council int64
	if err := d.Write.QueryRow(`UPDATE funding_feedback_totals SET answered = answered + 1 WHERE council_id = (SELECT min(council_id) FROM funding_feedback_totals)
		RETURNING council_id`).Scan(&council); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.Exec(`DELETE FROM payment_totals WHERE organisation_id = (SELECT min(organisation_id) FROM payment_totals)`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out, _, err = runCmd(t, env, "figures", "verify")
	if exitCode(err) != 1 || !strings.Contains(out, fmt.Sprintf("council_id %d: answered is", council)) || !strings.Contains(out, "claims is 0, counted") {
		t.Errorf("figures verify after tampering: %v\n%s", err, out)
	}
	if out, _, err = runCmd(t, env, "figures", "rebuild"); err != nil {
		t.Fatalf("figures rebuild: %v\n%s", err, out)
	}
	figuresVerify(t, env)
	if _, _, err := runCmd(t, env, "figures", "count"); exitCode(err) != 2 {
		t.Errorf("figures count: %v, want a usage error", err)
	}

	// The everyday demo, made through Roundtable's own functions, keeps its totals as it goes.
	plain := map[string]string{"ROUNDTABLE_DATA": t.TempDir()}
	if out, _, err := runCmd(t, plain, "demo", "--authorities", shareddata.Path(t, shareddata.Authorities)); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	figuresVerify(t, plain)
}

// figuresVerify runs `roundtable figures verify` and wants no difference.
func figuresVerify(t *testing.T, env map[string]string) {
	t.Helper()
	out, _, err := runCmd(t, env, "figures", "verify")
	if err != nil || !strings.Contains(out, "0 differences") {
		t.Errorf("figures verify: %v\n%s", err, out)
	}
}
