package panels_test

import (
	"fmt"
	"strings"
	"testing"

	"roundtable/internal/panels"
)

// FuzzParsePounds: a rate of pay is refused or read as pence that show again as the same
// amount.
func FuzzParsePounds(f *testing.F) {
	for _, s := range []string{"15", "15.5", "£1,250.00", "£.5", "1.234", "-3", "999999999.99", "", " 7 ", "1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pence, ok := panels.ParsePounds(s)
		if !ok {
			return
		}
		if pence < 0 {
			t.Fatalf("ParsePounds(%q) = %d", s, pence)
		}
		shown := fmt.Sprintf("%d.%02d", pence/100, pence%100)
		if again, ok := panels.ParsePounds(shown); !ok || again != pence {
			t.Fatalf("ParsePounds(%q) = %d, shown as %s, reads back as %d", s, pence, shown, again)
		}
		if strings.Contains(s, "-") {
			t.Fatalf("ParsePounds(%q) accepted a negative amount", s)
		}
	})
}

// FuzzParseLondon: a meeting's date and time are refused or read as that day and time in
// London.
func FuzzParseLondon(f *testing.F) {
	f.Add("2026-03-29", "01:30")
	f.Add("2026-10-25", "01:30")
	f.Add("2026-02-30", "10:00")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, date, clock string) {
		got, err := panels.ParseLondon(date, clock)
		if err != nil {
			return
		}
		if d := got.Format("2006-01-02"); d != strings.TrimSpace(date) && !strings.HasPrefix(strings.TrimSpace(date), d) {
			t.Fatalf("ParseLondon(%q, %q) = %s", date, clock, got)
		}
	})
}
