package standards

import "strings"

// Op says whether a span of words is kept, inserted or deleted.
type Op string

const (
	Same    Op = "same"
	Insert  Op = "insert"
	Deleted Op = "delete"
)

// Span is a run of words with one Op.
type Span struct {
	Op   Op
	Text string
}

// maxDiffWords bounds the LCS table (words before times words after); longer texts are shown
// as a whole deletion and insertion rather than using quadratic memory.
const maxDiffWords = 4_000_000

// Diff compares two texts word by word (a longest common subsequence), joining runs of words
// with the same Op into one span. Line breaks count as spaces.
func Diff(before, after string) []Span {
	a, b := strings.Fields(before), strings.Fields(after)
	// Trim the common head and tail first: most amendments change a few words in the middle.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var out []Span
	add := func(op Op, words ...string) {
		if len(words) == 0 {
			return
		}
		text := strings.Join(words, " ")
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += " " + text
			return
		}
		out = append(out, Span{Op: op, Text: text})
	}
	add(Same, a[:head]...)
	midA, midB := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(midA)*len(midB) > maxDiffWords {
		add(Deleted, midA...)
		add(Insert, midB...)
	} else {
		// lcs[i][j] is the length of the longest common subsequence of midA[i:] and midB[j:].
		lcs := make([][]int, len(midA)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(midB)+1)
		}
		for i := len(midA) - 1; i >= 0; i-- {
			for j := len(midB) - 1; j >= 0; j-- {
				if midA[i] == midB[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(midA) && j < len(midB) {
			switch {
			case midA[i] == midB[j]:
				add(Same, midA[i])
				i, j = i+1, j+1
			case lcs[i+1][j] >= lcs[i][j+1]:
				add(Deleted, midA[i])
				i++
			default:
				add(Insert, midB[j])
				j++
			}
		}
		add(Deleted, midA[i:]...)
		add(Insert, midB[j:]...)
	}
	add(Same, a[len(a)-tail:]...)
	return out
}

// Changed reports whether a diff has any insertion or deletion.
func Changed(spans []Span) bool {
	for _, s := range spans {
		if s.Op != Same {
			return true
		}
	}
	return false
}
