package evaluation

import (
	"fmt"
	"math"
)

// Krippendorff's alpha measures how far independent raters agree beyond what chance would give:
// 1 is perfect agreement, 0 is no better than chance, below 0 is systematic disagreement. It
// copes with missing ratings (not every evaluator rates every unit), which peer evaluation has,
// and with any number of raters. The computation follows Krippendorff, "Computing
// Krippendorff's Alpha-Reliability" (2011): build the coincidence matrix of values paired within
// each unit, then compare observed with expected disagreement under a distance metric.

// Metric is a squared distance between two values, given the coincidence-matrix marginals
// (how often each value was used), which the ordinal metric needs.
type Metric func(c, k int, marginals map[int]float64, values []int) float64

// Ordinal is the metric for ranked values such as the ladder's levels: the distance between two
// ranks grows with how many ratings lie between them, not with the gap in numbers.
func Ordinal(c, k int, n map[int]float64, values []int) float64 {
	if c == k {
		return 0
	}
	if c > k {
		c, k = k, c
	}
	var sum float64
	for _, g := range values {
		if g >= c && g <= k {
			sum += n[g]
		}
	}
	d := sum - (n[c]+n[k])/2
	return d * d
}

// Nominal is the metric for unordered categories: any difference counts the same.
func Nominal(c, k int, _ map[int]float64, _ []int) float64 {
	if c == k {
		return 0
	}
	return 1
}

// Interval is the metric for values whose differences are meaningful.
func Interval(c, k int, _ map[int]float64, _ []int) float64 {
	d := float64(c - k)
	return d * d
}

// Ratio is the metric for values with a true zero.
func Ratio(c, k int, _ map[int]float64, _ []int) float64 {
	if c+k == 0 {
		return 0
	}
	d := float64(c-k) / float64(c+k)
	return d * d
}

// Alpha computes Krippendorff's alpha. units holds, for each unit (an indicator for a council),
// the values the raters gave it; a rater who did not rate the unit is simply left out. Units
// with fewer than two values cannot be paired and are ignored. ok is false when alpha is not
// defined: no unit rated twice, or every value the same (no variation to agree about).
func Alpha(units [][]int, metric Metric) (alpha float64, ok bool) {
	// The coincidence matrix: within a unit rated m times, each ordered pair of values from
	// different raters counts 1/(m-1).
	o := map[[2]int]float64{}
	n := map[int]float64{}
	for _, u := range units {
		m := len(u)
		if m < 2 {
			continue
		}
		w := 1 / float64(m-1)
		for i, c := range u {
			for j, k := range u {
				if i != j {
					o[[2]int{c, k}] += w
				}
			}
			n[c]++
		}
	}
	if len(n) == 0 {
		return 0, false
	}
	values := make([]int, 0, len(n))
	var total float64
	for v, count := range n {
		values = append(values, v)
		total += count
	}
	if len(values) < 2 {
		return 0, false
	}
	var observed, expected float64
	for _, c := range values {
		for _, k := range values {
			d := metric(c, k, n, values)
			observed += o[[2]int{c, k}] * d
			expected += n[c] * n[k] * d
		}
	}
	if expected == 0 {
		return 0, false
	}
	return 1 - (total-1)*observed/expected, true
}

// Agreement is alpha rounded for display, with whether it was defined.
type Agreement struct {
	Alpha   float64
	Defined bool
	// Units counts the units rated at least twice.
	Units int
}

// agreementOf computes the ordinal alpha over units, as pages show it.
func agreementOf(units [][]int) Agreement {
	a, ok := Alpha(units, Ordinal)
	paired := 0
	for _, u := range units {
		if len(u) >= 2 {
			paired++
		}
	}
	return Agreement{Alpha: math.Round(a*1000) / 1000, Defined: ok, Units: paired}
}

// Reading says in plain English how to read the agreement, using Krippendorff's advice that
// alpha of 0.8 or more can be relied on and 0.667 to 0.8 only for tentative conclusions.
func (a Agreement) Reading() string {
	switch {
	case !a.Defined:
		return "Not enough ratings yet to measure agreement"
	case a.Alpha >= 0.8:
		return "Evaluators agreed closely"
	case a.Alpha >= 0.667:
		return "Evaluators mostly agreed; treat conclusions as tentative"
	default:
		return "Evaluators disagreed a lot; talk through the differences"
	}
}

// Summary is the agreement in one sentence, for pages.
func (a Agreement) Summary() string {
	if !a.Defined {
		return a.Reading() + "."
	}
	items := "items"
	if a.Units == 1 {
		items = "item"
	}
	return fmt.Sprintf("Krippendorff’s alpha %.3f over %d rated %s. %s.", a.Alpha, a.Units, items, a.Reading())
}
