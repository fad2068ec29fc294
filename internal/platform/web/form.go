package web

import (
	"net/http"
	"net/url"
	"strings"

	"roundtable/internal/platform/errs"
)

// Form is a submitted form as a page shows it again: the values typed, and what was wrong.
type Form struct {
	Values url.Values
	Err    *errs.Error
}

// NewForm reads a request's posted form. Values are trimmed of surrounding space.
func NewForm(r *http.Request) Form {
	_ = r.ParseForm()
	v := url.Values{}
	for k, vs := range r.PostForm {
		for _, s := range vs {
			v.Add(k, strings.TrimSpace(s))
		}
	}
	return Form{Values: v}
}

// Get returns the first value of a field.
func (f Form) Get(name string) string {
	if f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Error returns the message for a field, or "".
func (f Form) Error(name string) string {
	if f.Err == nil {
		return ""
	}
	return f.Err.Fields[name]
}

// Summary lists the errors in the order the form shows its fields, for the error summary.
func (f Form) Summary() []FieldError {
	if f.Err == nil {
		return nil
	}
	var out []FieldError
	for _, name := range f.Err.Order {
		out = append(out, FieldError{Field: name, Message: f.Err.Fields[name]})
	}
	if len(out) == 0 && f.Err.Message != "" {
		out = append(out, FieldError{Message: f.Err.Message})
	}
	return out
}

// WithError returns the form carrying err, when err is a domain error the user can fix;
// ok is false for any other error, which the caller returns as it is.
func (f Form) WithError(err error) (Form, bool) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.Conflict) {
		return f, false
	}
	f.Err = e
	return f, true
}

// FieldError is one line of an error summary.
type FieldError struct {
	Field   string
	Message string
}

// Field describes one form control for the shared partials ("input", "textarea", "select",
// "radios"); templates build it with the field function and modifiers:
//
//	{{template "input" (field .Form "email" "Email address" | inputType "email" | autocomplete "email")}}
type Field struct {
	Name         string
	Label        string
	Value        string
	Error        string
	Hint         string
	Type         string
	Autocomplete string
	Width        string
	Options      []Option
}

// Option is one choice of a select or radios control.
type Option struct {
	Value string
	Text  string
	Hint  string
}

func newField(f Form, name, label string) Field {
	return Field{Name: name, Label: label, Value: f.Get(name), Error: f.Error(name), Type: "text"}
}

// DateField describes a GOV.UK date input (day, month, year, and a 24-hour time unless
// NoTime) for the "date-input" partial. Its parts are posted as NAME-day, NAME-month,
// NAME-year and NAME-time.
type DateField struct {
	Name, Label, Hint, Error string
	Day, Month, Year, Time   string
	NoTime                   bool
}

func newDateTimeField(f Form, name, label, hint string) DateField {
	return DateField{Name: name, Label: label, Hint: hint, Error: f.Error(name), Day: f.Get(name + "-day"),
		Month: f.Get(name + "-month"), Year: f.Get(name + "-year"), Time: f.Get(name + "-time")}
}

func newDateField(f Form, name, label, hint string) DateField {
	d := newDateTimeField(f, name, label, hint)
	d.NoTime = true
	return d
}
