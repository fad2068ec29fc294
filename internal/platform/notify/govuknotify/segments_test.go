package govuknotify_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"roundtable/internal/platform/notify/govuknotify"
)

func TestSegments(t *testing.T) {
	a := strings.Repeat
	for _, tc := range []struct {
		name string
		body string
		want int
	}{
		{"empty", "", 0},
		{"one character", "a", 1},
		{"160 GSM", a("a", 160), 1},
		{"161 GSM", a("a", 161), 2},
		{"306 GSM", a("a", 306), 2},
		{"307 GSM", a("a", 307), 3},
		{"459 GSM", a("a", 459), 3},
		{"460 GSM", a("a", 460), 4},
		{"GSM accents and Greek", a("é", 80) + a("Δ", 80), 1},
		{"159 and a euro is 161 septets", a("a", 159) + "€", 2},
		{"158 and a euro is 160 septets", a("a", 158) + "€", 1},
		{"80 carets", a("^", 80), 1},
		{"81 carets", a("^", 81), 2},
		{"extension characters", "{}[]~|\\", 1},
		{"an escape pair is not split", a("a", 152) + "€" + a("a", 152), 3},
		{"emoji forces UCS-2", a("a", 69) + "😀", 2},
		{"emoji is two units", a("a", 68) + "😀", 1},
		{"70 Welsh", a("ŵ", 70), 1},
		{"71 Welsh", a("ŵ", 71), 2},
		{"134 UCS-2", a("ŵ", 134), 2},
		{"135 UCS-2", a("ŵ", 135), 3},
		{"a surrogate pair is not split", a("ŵ", 66) + "😀" + a("ŵ", 66), 3},
		{"curly quote is not GSM", a("a", 100) + "’", 2},
		{"invalid UTF-8", "a\xff", 1},
	} {
		if got := govuknotify.Segments(tc.body); got != tc.want {
			t.Errorf("%s: %d segments, want %d", tc.name, got, tc.want)
		}
	}
}

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "a", strings.Repeat("a", 160), strings.Repeat("€", 81), "😀", "ŵ^€", "a\xffb", strings.Repeat("a", 152) + "€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := govuknotify.Segments(s)
		if (n == 0) != (s == "") {
			t.Fatalf("%q: %d segments", s, n)
		}
		// Each part holds at least 67 units and no character is more than 2, so no more
		// than one part per 33 characters, rounded up.
		if max := (utf8.RuneCountInString(s) + 32) / 33; n > max {
			t.Fatalf("%q: %d segments, more than %d", s, n, max)
		}
		// Adding a character never makes a text cheaper.
		for _, more := range []string{"a", "€", "😀"} {
			if m := govuknotify.Segments(s + more); m < n {
				t.Fatalf("%q: %d segments, but %d with %q added", s, n, m, more)
			}
		}
	})
}
