package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReportCountsAndFails(t *testing.T) {
	in := `{"Action":"run","Package":"p/db","Test":"TestX"}
{"Action":"pass","Package":"p/db","Test":"TestX/sqlite"}
{"Action":"skip","Package":"p/db","Test":"TestX/postgres"}
{"Action":"pass","Package":"p/db","Test":"TestX"}
{"Action":"output","Package":"p/e2e","Test":"TestPages/admin","Output":"axe: color-contrast on /\n"}
{"Action":"fail","Package":"p/e2e","Test":"TestPages/admin"}
{"Action":"fail","Package":"p/e2e"}
`
	var out bytes.Buffer
	if code := report(strings.NewReader(in), &out, true); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"--- FAIL: p/e2e TestPages/admin\naxe: color-contrast on /",
		"PostgreSQL tests: 0 passed, 0 failed, 1 skipped",
		"Browser tests: 0 passed, 1 failed, 0 skipped",
		"skipped in CI, which must not happen: p/db TestX/postgres",
		"2 passed, 1 failed, 1 skipped\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	ok := `{"Action":"pass","Package":"p/db","Test":"TestX/postgres"}
{"Action":"pass","Package":"p/db","Test":"TestX"}
`
	if code := report(strings.NewReader(ok), &out, true); code != 0 || !strings.Contains(out.String(), "PostgreSQL tests: 1 passed") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	if code := report(strings.NewReader(""), &out, true); code != 1 {
		t.Fatal("a run with no tests passed")
	}
}
