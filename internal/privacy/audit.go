package privacy

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// auditPerPage is how many records one page of the audit browser shows.
const auditPerPage = 50

// AuditView is the audit browser: the filter form and one page of records, newest first.
type AuditView struct {
	web.Page
	// Count is the number of matching records, written out.
	Count   string
	Actions []web.Option
	Records []audit.Stored
	Total   int
	Pager   web.Pager
	// Filtered is set when any filter is in use.
	Filtered bool
}

func (h *Handlers) auditList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := web.Form{Values: r.URL.Query()}
	actions, err := audit.Actions(ctx, h.db)
	if err != nil {
		return err
	}
	v := &AuditView{Page: web.Page{Title: "Audit trail", Wide: true}, Actions: []web.Option{{Value: "", Text: "Any action"}}}
	for _, a := range actions {
		v.Actions = append(v.Actions, web.Option{Value: a, Text: a})
	}
	filter, err := readFilter(f)
	if err != nil {
		return h.render.Mistakes(w, r, "privacy/audit", v, f, err)
	}
	v.Form = f
	v.Pager = web.PageFrom(r, auditPerPage, "Pages of audit records")
	page, err := audit.List(ctx, h.db, filter, v.Pager.Number, auditPerPage)
	if err != nil {
		return err
	}
	v.Records, v.Total, v.Count = page.Records, page.Total, web.FormatNumber(int64(page.Total))
	v.Pager.Of(r, page.Total)
	v.Filtered = filter != audit.Filter{}
	return h.render.Render(w, r, http.StatusOK, "privacy/audit", v)
}

// readFilter reads the filter form; a date given in part, or not a real date, is a mistake
// named by its field. Dates are days in London: "to" includes the whole of its day.
func readFilter(f web.Form) (audit.Filter, error) {
	fl := audit.Filter{Who: f.Get("who"), Action: f.Get("action"), Subject: f.Get("subject")}
	var v errs.Validation
	from, okFrom := readDay(f, "from")
	to, okTo := readDay(f, "to")
	v.Check(okFrom, "from", "Enter a real date for ‘from’, like 27 3 2026, or leave it empty")
	v.Check(okTo, "to", "Enter a real date for ‘to’, like 27 3 2026, or leave it empty")
	if okFrom && okTo && !from.IsZero() && !to.IsZero() {
		v.Check(!to.Before(from), "to", "The ‘to’ date must be the same as or after the ‘from’ date")
	}
	fl.From = from
	if !to.IsZero() {
		fl.To = to.AddDate(0, 0, 1)
	}
	return fl, v.Err()
}

// readDay reads a day from NAME-day, NAME-month and NAME-year: zero and ok when all are empty.
func readDay(f web.Form, name string) (time.Time, bool) {
	d, m, y := strings.TrimSpace(f.Get(name+"-day")), strings.TrimSpace(f.Get(name+"-month")), strings.TrimSpace(f.Get(name+"-year"))
	if d == "" && m == "" && y == "" {
		return time.Time{}, true
	}
	di, err1 := strconv.Atoi(d)
	mi, err2 := strconv.Atoi(m)
	yi, err3 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || err3 != nil || yi < 2000 || yi > 2200 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, web.London)
	if t.Day() != di || int(t.Month()) != mi {
		return time.Time{}, false
	}
	return t, true
}

// AuditRecordView is one record with its before and after values.
type AuditRecordView struct {
	web.Page
	Record audit.Stored
}

func (h *Handlers) auditRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "No such record.")
	}
	rec, err := audit.Get(r.Context(), h.db, id)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "No such record.")
	}
	if err != nil {
		return err
	}
	return h.render.Render(w, r, http.StatusOK, "privacy/audit-record", &AuditRecordView{
		Page: web.Page{Title: "Audit record " + strconv.FormatInt(id, 10), Back: "/audit"}, Record: rec})
}

// Before is the record's value before the change, as named values for reading.
func (v *AuditRecordView) Before() []Value { return values(v.Record.Before) }

// After is the record's value after the change.
func (v *AuditRecordView) After() []Value { return values(v.Record.After) }

// Value is one named part of a before or after value.
type Value struct{ Name, Text string }

// values splits a JSON object into its fields, in name order; anything else is one value.
func values(s string) []Value {
	if s == "" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &obj); err != nil {
		return []Value{{Name: "Value", Text: s}}
	}
	out := make([]Value, 0, len(obj))
	for k, raw := range obj {
		var str string
		text := string(raw)
		if json.Unmarshal(raw, &str) == nil {
			text = str
		}
		out = append(out, Value{Name: k, Text: text})
	}
	slices.SortFunc(out, func(a, b Value) int { return strings.Compare(a.Name, b.Name) })
	return out
}
