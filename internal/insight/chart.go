package insight

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"roundtable/internal/platform/web"
)

// Charts are drawn on the server as SVG: no script, no chart library. Every chart has a
// title and a description for screen readers, and its page gives a text summary and a table
// of the same numbers.

const (
	barColour  = "#1d70b8"
	textColour = "#0b0c0c"
	gridColour = "#b1b4b6"
)

type svg struct {
	b strings.Builder
}

func (s *svg) text(x, y float64, anchor string, size int, bold bool, t string) {
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d"%s fill="%s">%s</text>`,
		x, y, anchor, size, weight, textColour, html.EscapeString(t))
}

func (s *svg) line(x1, y1, x2, y2 float64, colour string) {
	fmt.Fprintf(&s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, x1, y1, x2, y2, colour)
}

func (s *svg) rect(x, y, w, h float64) {
	fmt.Fprintf(&s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, h, barColour)
}

func (s *svg) open(id string, w, h int, title, desc string) {
	fmt.Fprintf(&s.b, `<svg class="rt-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" xmlns="http://www.w3.org/2000/svg">`, w, h, id, id)
	fmt.Fprintf(&s.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
}

func (s *svg) close() template.HTML {
	s.b.WriteString(`</svg>`)
	return template.HTML(s.b.String()) //nolint:gosec // every text is escaped above
}

// niceMax rounds a chart's top value up to 1, 2 or 5 times a power of ten, and returns the
// step between gridlines.
func niceMax(v int64) (top, step int64) {
	if v <= 0 {
		return 5, 1
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if s := m * p; s*5 >= v {
				return s * ((v + s - 1) / s), s
			}
		}
	}
}

// BarChart draws one area's totals by year; hidden counts show as [c] with no bar.
func BarChart(id, title, desc string, years []YearFigures) template.HTML {
	const w, h, left, right, top, bottom = 420, 260, 44, 8, 24, 36
	var s svg
	s.open(id, w, h, title, desc)
	var hi int64
	for _, y := range years {
		if y.Total.Shown() {
			hi = max(hi, y.Total.Value)
		}
	}
	ymax, step := niceMax(hi)
	plotH := float64(h - top - bottom)
	scale := func(v int64) float64 { return float64(h-bottom) - float64(v)/float64(ymax)*plotH }
	for v := int64(0); v <= ymax; v += step {
		s.line(left, scale(v), w-right, scale(v), gridColour)
		s.text(left-8, scale(v)+5, "end", 14, false, web.FormatNumber(v))
	}
	n := max(len(years), 1)
	slot := float64(w-left-right) / float64(n)
	for i, y := range years {
		x := left + slot*float64(i)
		cx := x + slot/2
		if y.Total.Shown() {
			s.rect(x+slot*0.2, scale(y.Total.Value), slot*0.6, float64(h-bottom)-scale(y.Total.Value))
		}
		s.text(cx, scale(valueOr0(y.Total))-6, "middle", 16, true, y.Total.String())
		s.text(cx, h-bottom+22, "middle", 15, false, fmt.Sprint(y.Year))
	}
	s.line(left, h-bottom, w-right, h-bottom, textColour)
	return s.close()
}

func valueOr0(c Count) int64 {
	if c.Shown() {
		return c.Value
	}
	return 0
}

// RegionPanels draws small multiples: one small chart per region, its totals by year, all on
// the same scale so that regions compare fairly. Each is its own SVG, so that on a phone
// they stack one above another at a readable size.
func RegionPanels(regions []Series) []template.HTML {
	const w, h, left, right, top, bottom = 240, 150, 8, 8, 22, 24
	var hi int64
	for _, r := range regions {
		for _, y := range r.Years {
			if y.Total.Shown() {
				hi = max(hi, y.Total.Value)
			}
		}
	}
	ymax, _ := niceMax(hi)
	var out []template.HTML
	for i, r := range regions {
		var parts []string
		for _, y := range r.Years {
			parts = append(parts, fmt.Sprintf("%d: %s", y.Year, y.Total))
		}
		var s svg
		s.open(fmt.Sprintf("region-%d", i), w, h, r.Name+": people seen sleeping rough each autumn",
			strings.Join(parts, "; ")+".")
		base := float64(h - bottom)
		plotH := float64(h - top - bottom)
		s.line(left, base, w-right, base, textColour)
		n := max(len(r.Years), 1)
		slot := float64(w-left-right) / float64(n)
		for j, y := range r.Years {
			x := left + slot*float64(j)
			bh := float64(valueOr0(y.Total)) / float64(ymax) * plotH
			if y.Total.Shown() {
				s.rect(x+slot*0.15, base-bh, slot*0.7, bh)
			}
			if j == 0 || j == n-1 {
				s.text(x+slot/2, base-bh-4, "middle", 13, true, y.Total.String())
				s.text(x+slot/2, base+17, "middle", 13, false, fmt.Sprint(y.Year))
			}
		}
		out = append(out, s.close())
	}
	return out
}

// Bar is one bar of a horizontal bar chart: its length and the words written after it.
// A missing bar (no figure, or one kept private) draws no bar, only its words.
type Bar struct {
	Value   float64
	Text    string
	Missing bool
}

// BarGroup is one row label with a bar for each series.
type BarGroup struct {
	Label string
	Bars  []Bar
}

// seriesColours tell the series apart; every bar's words name its series too, so colour is
// never the only difference.
var seriesColours = []string{barColour, "#4c2c92", "#00703c"}

// HBarChart draws labelled groups of horizontal bars on one scale from 0 to top. Labels sit
// above their bars, so that long names fit on a phone.
func HBarChart(id, title, desc string, groups []BarGroup, top float64) template.HTML {
	const w, textRoom, barH, gap, labelH = 420, 170, 20, 4, 22
	per := 0
	for _, g := range groups {
		per = max(per, len(g.Bars))
	}
	h := 8 + len(groups)*(labelH+per*(barH+gap)+10)
	var s svg
	s.open(id, w, h, title, desc)
	if top <= 0 {
		top = 1
	}
	plot := float64(w - textRoom)
	y := 8.0
	for _, g := range groups {
		s.text(0, y+15, "start", 15, true, g.Label)
		y += labelH
		for i, b := range g.Bars {
			bw := 0.0
			if !b.Missing {
				bw = min(max(b.Value, 0)/top, 1) * plot
				fmt.Fprintf(&s.b, `<rect x="0" y="%.1f" width="%.1f" height="%d" fill="%s"/>`, y, bw, barH, seriesColours[i%len(seriesColours)])
			}
			s.text(bw+6, y+15, "start", 14, false, b.Text)
			y += barH + gap
		}
		y += 10
	}
	s.line(0, 8, 0, y-10, textColour)
	return s.close()
}
