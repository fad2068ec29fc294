package govuknotify

import "strings"

// gsmBasic is the GSM 03.38 default alphabet: each of these costs one 7-bit septet.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: each costs two septets, an escape and the
// character.
const gsmExtension = "\f^{}\\[~]|€"

// Segments is how many text messages a body is sent as, which is what a text costs. A body
// wholly in the GSM 7-bit alphabet fits 160 characters in one message and 153 in each part
// of a longer one (the rest of a part holds the header that joins them), with ^ { } [ ] ~
// \ | € and form feed counting as two. One character outside that alphabet, such as an
// emoji or ŵ, sends the whole body as UCS-2: 70 UTF-16 units in one message, 67 per part,
// and an emoji is two units. A character's units are never split between parts, as phones
// could not join them again. An empty body is 0 messages.
func Segments(body string) int {
	if body == "" {
		return 0
	}
	gsm := true
	for _, r := range body {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExtension, r) {
			gsm = false
			break
		}
	}
	single, part := 70, 67
	if gsm {
		single, part = 160, 153
	}
	widths := make([]int, 0, len(body))
	total := 0
	for _, r := range body {
		w := 1
		switch {
		case gsm && strings.ContainsRune(gsmExtension, r):
			w = 2
		case !gsm && r > 0xFFFF: // a surrogate pair in UTF-16
			w = 2
		}
		widths = append(widths, w)
		total += w
	}
	if total <= single {
		return 1
	}
	n, used := 1, 0
	for _, w := range widths {
		if used+w > part {
			n, used = n+1, 0
		}
		used += w
	}
	return n
}
