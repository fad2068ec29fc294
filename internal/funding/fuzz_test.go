package funding

import (
	"net/url"
	"strconv"
	"testing"

	"roundtable/internal/platform/web"
)

// FuzzParsePounds: any text is either refused with a reason or read as a whole number of
// pounds, in pence, that reads back the same when shown as pounds.
func FuzzParsePounds(f *testing.F) {
	for _, s := range []string{"1,250,000", "£500", " £ 12 ", "-5", "1.50", "99999999999999999999", "", "1e6", "0x10", "£1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pence, problem := ParsePounds(s)
		if problem != "" {
			if pence != 0 {
				t.Fatalf("ParsePounds(%q) refused (%s) but gave %d", s, problem, pence)
			}
			return
		}
		if pence < 0 || pence%100 != 0 {
			t.Fatalf("ParsePounds(%q) = %d pence", s, pence)
		}
		if again, problem := ParsePounds(strconv.FormatInt(pence/100, 10)); problem != "" || again != pence {
			t.Fatalf("ParsePounds(%q) = %d, which reads back as %d (%s)", s, pence, again, problem)
		}
	})
}

// FuzzParseHours: a length is refused or is between a minute and a day.
func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"2", "1.5", "0", "-1", "24", "24.01", "NaN", "Inf", "1e1", "0x1p-2", " 3 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if minutes, ok := ParseHours(s); ok && (minutes < 0 || minutes > 24*60) {
			t.Fatalf("ParseHours(%q) = %d minutes", s, minutes)
		}
	})
}

// FuzzParseDateTime: a GOV.UK date input is refused with a message or read as that very day
// and time in London.
func FuzzParseDateTime(f *testing.F) {
	f.Add("20", "8", "2020", "23:59")
	f.Add("29", "2", "2021", "")
	f.Add("29", "3", "2026", "01:30")  // the hour that does not exist in London
	f.Add("25", "10", "2026", "01:30") // the hour that happens twice
	f.Add("", "", "", "")
	f.Add("1", "13", "2020", "24:00")
	f.Fuzz(func(t *testing.T, day, month, year, clock string) {
		form := url.Values{"d-day": {day}, "d-month": {month}, "d-year": {year}, "d-time": {clock}}
		got, msg := parseDateTime(web.Form{Values: form}, "d", "date")
		if msg != "" {
			if !got.IsZero() {
				t.Fatalf("refused (%s) but gave %s", msg, got)
			}
			return
		}
		d, _ := strconv.Atoi(day)
		m, _ := strconv.Atoi(month)
		y, _ := strconv.Atoi(year)
		if got.Location() != london || got.Day() != d || int(got.Month()) != m || got.Year() != y {
			t.Fatalf("%q %q %q %q read as %s", day, month, year, clock, got)
		}
	})
}
