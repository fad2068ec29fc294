package insight

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"testing"
)

// The rows the template wrote before Table.Body took over: Body must give the same page.
var oldRows = template.Must(template.New("rows").Parse(`{{range .Rows}}<tr class="govuk-table__row">` +
	`{{range $i, $c := .}}{{if eq $i 0}}<th scope="row" class="govuk-table__header">{{$c.Text}}</th>` +
	`{{else}}<td class="govuk-table__cell{{if (index $.Columns $i).Numeric}} govuk-table__cell--numeric{{end}}">{{$c.Text}}</td>{{end}}{{end}}` +
	"</tr>\n{{end}}"))

// escapes are the entities html/template and html.EscapeString spell differently.
var escapes = strings.NewReplacer("&#43;", "+", "&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&apos;", "'")

func TestTableBodyIsTheTemplatesRows(t *testing.T) {
	tb := Table{
		Columns: []Column{{Name: "Council"}, {Name: "Level", Numeric: true}, {Name: "Note"}},
		Rows: [][]Cell{
			{text("Brighton & Hove"), text("4.5"), text(`<script>alert("x")</script>`)},
			{text("Bury St Edmunds's"), text("+3 (+40%)"), text("")},
		},
	}
	var want bytes.Buffer
	if err := oldRows.Execute(&want, tb); err != nil {
		t.Fatal(err)
	}
	got := string(tb.Body())
	if escapes.Replace(got) != escapes.Replace(want.String()) {
		t.Errorf("Body:\n%s\ntemplate:\n%s", got, want.String())
	}
	if strings.Contains(got, "<script>") || !strings.Contains(got, "&lt;script&gt;") {
		t.Errorf("cell text not escaped: %s", got)
	}
	if n := len(regexp.MustCompile(`govuk-table__cell--numeric">`).FindAllString(got, -1)); n != 2 {
		t.Errorf("%d numeric cells, want 2: %s", n, got)
	}
}
