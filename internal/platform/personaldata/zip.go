package personaldata

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Readme opens every download, saying what the files are.
const Readme = `This is everything Roundtable holds about you.

data.json has all of it in one file. Each CSV file is one table, which opens in a spreadsheet.
Times are in UTC. Numbers of people, such as "person_id", are Roundtable's own references.
Money is in pence.

To have something corrected or deleted, use "Delete my account" on your account page, or ask
your facilitator or an administrator.
`

// WriteZip writes the download: README.txt, data.json with every table, and one CSV per table.
// Tables with the same name (two sources never should) are numbered rather than lost.
func WriteZip(w io.Writer, personID int64, at time.Time, tables []Table) error {
	z := zip.NewWriter(w)
	header := func(name string) (io.Writer, error) {
		return z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at.UTC()})
	}
	f, err := header("README.txt")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, Readme); err != nil {
		return err
	}
	doc := struct {
		PersonID   int64                          `json:"person_id"`
		ExportedAt string                         `json:"exported_at"`
		Tables     map[string][]map[string]string `json:"tables"`
	}{personID, at.UTC().Format(time.RFC3339), map[string][]map[string]string{}}
	seen := map[string]int{}
	names := make([]string, len(tables))
	for i, t := range tables {
		name := t.Name
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s_%d", name, seen[name])
		}
		names[i] = name
		objs := make([]map[string]string, 0, len(t.Rows))
		for _, r := range t.Rows {
			o := make(map[string]string, len(t.Columns))
			for j, c := range t.Columns {
				o[c] = r[j]
			}
			objs = append(objs, o)
		}
		doc.Tables[name] = objs
	}
	if f, err = header("data.json"); err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	for i, t := range tables {
		if f, err = header(names[i] + ".csv"); err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if err := cw.Write(t.Columns); err != nil {
			return err
		}
		for _, r := range t.Rows {
			if err := cw.Write(safeCells(r)); err != nil {
				return err
			}
		}
		if cw.Flush(); cw.Error() != nil {
			return cw.Error()
		}
	}
	return z.Close()
}

// safeCells stops a spreadsheet from running text that starts like a formula (numbers are
// left alone).
func safeCells(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		if _, err := strconv.ParseFloat(c, 64); err != nil && c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@') {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}
