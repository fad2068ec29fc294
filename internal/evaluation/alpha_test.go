package evaluation

import (
	"math"
	"testing"
)

// byUnit turns a raters-by-units table, with -1 for a missing rating, into the values of each
// unit, as Alpha takes them.
func byUnit(raters [][]int) [][]int {
	units := make([][]int, len(raters[0]))
	for _, row := range raters {
		for u, v := range row {
			if v >= 0 {
				units[u] = append(units[u], v)
			}
		}
	}
	return units
}

const x = -1 // a missing rating

// krippendorff2011 is the worked example of Krippendorff, "Computing Krippendorff's
// Alpha-Reliability" (2011), section C: four observers, twelve units, values 1 to 5, with
// missing values. The paper gives alpha for each metric; the Python krippendorff package
// (tests/test_krippendorff.py) and R's irr::kripp.alpha reproduce them.
var krippendorff2011 = [][]int{
	{1, 2, 3, 3, 2, 1, 4, 1, 2, x, x, x},
	{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, x, 3},
	{x, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, x},
	{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, x},
}

// wikipedia is the computational example of the Wikipedia article on Krippendorff's alpha:
// three coders, fifteen units; the Python krippendorff package checks 0.691358 (nominal) and
// 0.810845 (interval) against it.
var wikipedia = [][]int{
	{x, x, x, x, x, 3, 4, 1, 2, 1, 1, 3, 3, x, 3},
	{1, x, 2, 1, 3, 3, 4, 3, x, x, x, x, x, x, x},
	{x, x, 2, 1, 3, 4, 4, x, 2, 1, 1, 3, 3, x, 4},
}

func TestAlphaPublishedExamples(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   [][]int
		metric Metric
		want   float64
		places int
	}{
		{"Krippendorff 2011 ordinal", krippendorff2011, Ordinal, 0.815, 3},
		{"Krippendorff 2011 nominal", krippendorff2011, Nominal, 0.743, 3},
		{"Krippendorff 2011 interval", krippendorff2011, Interval, 0.849, 3},
		{"Krippendorff 2011 ratio", krippendorff2011, Ratio, 0.797, 3},
		{"Wikipedia nominal", wikipedia, Nominal, 0.691358, 6},
		{"Wikipedia interval", wikipedia, Interval, 0.810845, 6},
	} {
		got, ok := Alpha(byUnit(tc.data), tc.metric)
		scale := math.Pow(10, float64(tc.places))
		if !ok || math.Round(got*scale)/scale != tc.want {
			t.Errorf("%s: alpha %.6f (defined %v), want %v", tc.name, got, ok, tc.want)
		}
	}
}

func TestAlphaEdges(t *testing.T) {
	// Perfect agreement is 1 whatever the metric.
	if a, ok := Alpha(byUnit([][]int{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}), Ordinal); !ok || a != 1 {
		t.Errorf("perfect agreement: %v %v", a, ok)
	}
	// The ordinal metric depends only on order: shifting and stretching the ranks changes nothing.
	shifted := make([][]int, len(krippendorff2011))
	for i, row := range krippendorff2011 {
		for _, v := range row {
			if v >= 0 {
				v = v*10 + 7
			}
			shifted[i] = append(shifted[i], v)
		}
	}
	a, _ := Alpha(byUnit(krippendorff2011), Ordinal)
	b, _ := Alpha(byUnit(shifted), Ordinal)
	if math.Abs(a-b) > 1e-12 {
		t.Errorf("ordinal alpha changed under a monotone relabelling: %v vs %v", a, b)
	}
	// Not defined: nothing rated twice, or no variation at all.
	if _, ok := Alpha(byUnit([][]int{{1, x}, {x, 2}}), Ordinal); ok {
		t.Error("alpha defined with no unit rated twice")
	}
	if _, ok := Alpha(byUnit([][]int{{3, 3}, {3, 3}}), Ordinal); ok {
		t.Error("alpha defined with a single value")
	}
	if _, ok := Alpha(nil, Ordinal); ok {
		t.Error("alpha defined with no data")
	}
	// Systematic disagreement is below zero.
	if a, ok := Alpha(byUnit([][]int{{1, 6, 1, 6}, {6, 1, 6, 1}}), Ordinal); !ok || a >= 0 {
		t.Errorf("opposite raters: alpha %v, want below zero", a)
	}
	if got := agreementOf(byUnit(krippendorff2011)); got.Alpha != 0.815 || got.Units != 11 || got.Reading() != "Evaluators agreed closely" {
		t.Errorf("agreementOf: %+v %q", got, got.Reading())
	}
}
