// Package errs holds Roundtable's domain errors. Stores and services return them with a code;
// the web layer maps each code to an HTTP status in one place, and shows the message (plain
// English, safe to show) and the per-field messages in a GOV.UK error summary.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies what went wrong.
type Code string

const (
	Invalid   Code = "invalid"   // the request is wrong; the fields say how
	NotFound  Code = "not_found" // nothing by that name, or nothing the asker may see
	Forbidden Code = "forbidden" // the asker may not do this
	Conflict  Code = "conflict"  // the request clashes with what is stored (a duplicate, a stale state)
)

// Error is a domain error. Message is shown to the user; Fields maps form field names to
// messages, in the order given by Order.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	Order   []string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if len(e.Order) > 0 {
		return e.Fields[e.Order[0]]
	}
	return string(e.Code)
}

// New makes an error with a code and a message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or "" for other errors.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Validation gathers field messages while a form is checked; Err returns nil when nothing was
// added, so validation code reads as a list of rules.
type Validation struct {
	fields map[string]string
	order  []string
}

// Add records a message for a field; the first message for a field wins.
func (v *Validation) Add(field, message string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; ok {
		return
	}
	v.fields[field] = message
	v.order = append(v.order, field)
}

// Check adds the message when ok is false.
func (v *Validation) Check(ok bool, field, message string) {
	if !ok {
		v.Add(field, message)
	}
}

// Has reports whether the field already has a message.
func (v *Validation) Has(field string) bool { _, ok := v.fields[field]; return ok }

// Err returns an Invalid error with the fields, or nil.
func (v *Validation) Err() error {
	if len(v.order) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Fields: v.fields, Order: v.order}
}
