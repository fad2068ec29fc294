package insight

import (
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/web"
)

// A Figure is one chart of the co-production pages with its text summary and the table of
// the same numbers, which is also its CSV download: one Table serves the page and the file,
// so the two cannot disagree.

// Cell is one table cell: Text as the page shows it, Data as the CSV holds it.
type Cell struct{ Text, Data string }

// Column heads a table column; numeric columns are right-aligned.
type Column struct {
	Name    string
	Numeric bool
}

// Table is the numbers behind a chart. The first cell of each row heads the row.
type Table struct {
	Caption string
	Columns []Column
	Rows    [][]Cell
}

// Figure is a chart with its summary, table and download.
type Figure struct {
	// ID names the figure in links and its CSV file: /data/co-production/ID.csv.
	ID      string
	Heading string
	Summary []string
	Chart   template.HTML
	Table   Table
	// CSV is the download's address.
	CSV string
	// Notes say how to read the figure.
	Notes []string
}

// WriteCSV writes the table: a header of column names, then the rows' data.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Name
	}
	_ = cw.Write(head)
	for _, r := range t.Rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = c.Data
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// Body is the table's rows as HTML for the page's <tbody>: the first cell heads its row and
// numeric columns are right-aligned. It is written here rather than in the template because
// the outcomes page has thousands of cells, and html/template's reflection over each cell made
// rendering most of that page's time; the text is escaped as the template would.
func (t Table) Body() template.HTML {
	var b strings.Builder
	b.Grow(len(t.Rows) * (40 + 70*len(t.Columns))) // about the markup of each row and cell
	for _, r := range t.Rows {
		b.WriteString("<tr class=\"govuk-table__row\">")
		for i, c := range r {
			switch {
			case i == 0:
				b.WriteString(`<th scope="row" class="govuk-table__header">`)
			case i < len(t.Columns) && t.Columns[i].Numeric:
				b.WriteString(`<td class="govuk-table__cell govuk-table__cell--numeric">`)
			default:
				b.WriteString(`<td class="govuk-table__cell">`)
			}
			b.WriteString(html.EscapeString(c.Text))
			if i == 0 {
				b.WriteString("</th>")
			} else {
				b.WriteString("</td>")
			}
		}
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String()) // every cell's text is escaped above
}

// text is a cell of words, the same on the page and in the file.
func text(s string) Cell { return Cell{Text: s, Data: s} }

// whole is a count that is not of people (councils, recommendations): never hidden.
func whole(n int64) Cell { return Cell{Text: web.FormatNumber(n), Data: fmt.Sprint(n)} }

// countCell shows a count of people, [c] when hidden.
func countCell(c Count) Cell { return Cell{Text: c.String(), Data: c.Data()} }

// peopleCounts makes counts of people, hiding those under SuppressBelow. When exactly one in a
// group that adds up to a published total is hidden, the smallest other is hidden too, so that
// it cannot be worked out by subtraction.
func peopleCounts(ns []int64, total int64) (counts []Count, all Count) {
	counts = make([]Count, len(ns))
	hidden := 0
	for i, n := range ns {
		counts[i] = Count{Value: n, Hidden: n < SuppressBelow}
		if counts[i].Hidden {
			hidden++
		}
	}
	all = Count{Value: total, Hidden: total < SuppressBelow}
	if hidden == 1 && !all.Hidden {
		smallest := -1
		for i, c := range counts {
			if !c.Hidden && (smallest < 0 || c.Value < counts[smallest].Value) {
				smallest = i
			}
		}
		if smallest >= 0 {
			counts[smallest].Hidden = true
		}
	}
	return counts, all
}

// share is part of whole as a percentage cell; it is [c] when either count is hidden (a share
// of a shown total would give the hidden part away) and "none" of nothing.
func share(part, of Count) (Cell, Bar) {
	switch {
	case part.Hidden || of.Hidden:
		return Cell{Text: "[c]", Data: "[c]"}, Bar{Missing: true, Text: "[c]"}
	case of.Value == 0:
		return Cell{Text: "none", Data: ""}, Bar{Missing: true, Text: "none"}
	}
	p := float64(part.Value) * 100 / float64(of.Value)
	s := fmt.Sprintf("%.0f%%", p)
	return Cell{Text: s, Data: fmt.Sprintf("%.1f", p)}, Bar{Value: p, Text: s}
}

// ratio is a share of counts that are not of people.
func ratio(part, of int64) (Cell, Bar) {
	return share(Count{Value: part}, Count{Value: of})
}

// levelCell shows a median level on the ladder: "4.5 (Engagement to co-design)".
func levelCell(m float64, ok bool) Cell {
	if !ok {
		return Cell{Text: "not rated", Data: ""}
	}
	return Cell{Text: fmt.Sprintf("%s (%s)", levelNumber(m), levelName(m)), Data: levelNumber(m)}
}

func levelBar(series string, m float64, ok bool) Bar {
	if !ok {
		return Bar{Missing: true, Text: series + ": not rated"}
	}
	return Bar{Value: m, Text: series + ": " + levelNumber(m)}
}

func levelNumber(m float64) string {
	if m == math.Trunc(m) {
		return fmt.Sprintf("%.0f", m)
	}
	return fmt.Sprintf("%.1f", m)
}

// levelName names a median level; a half-way median names both levels.
func levelName(m float64) string {
	lo := ladder.Level(int(m))
	if float64(lo) == m {
		return lo.Name()
	}
	return lo.Name() + " to " + (lo + 1).Name()
}

// median of values; ok is false when there are none.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}
