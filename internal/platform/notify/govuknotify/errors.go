package govuknotify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
)

// APIError is an answer from Notify that is not a success: its HTTP status and the errors
// in its body. Notify's error types (BadRequestError, ValidationError, AuthError,
// RateLimitError, TooManyRequestsError, Exception) are stable; its messages may change, so
// code should decide on StatusCode or the types and only show the messages to people.
type APIError struct {
	StatusCode int           `json:"status_code"`
	Errors     []ErrorDetail `json:"errors"`
}

// ErrorDetail is one error in an APIError: its type and a message in plain English, such as
// "phone_number Not a UK mobile number".
type ErrorDetail struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "GOV.UK Notify answered %d", e.StatusCode)
	for i, d := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if d.Error != "" {
			b.WriteString(d.Error + ": ")
		}
		b.WriteString(d.Message)
	}
	return b.String()
}

// Message is Notify's own words on what was wrong, fit to show to the person who sent the
// message (for example "phone_number Not a UK mobile number"), without the status code.
func (e *APIError) Message() string {
	msgs := make([]string, 0, len(e.Errors))
	for _, d := range e.Errors {
		if d.Message != "" {
			msgs = append(msgs, d.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// HasType reports whether the error includes an error of the given Notify type, e.g.
// "ValidationError".
func (e *APIError) HasType(typ string) bool {
	for _, d := range e.Errors {
		if d.Error == typ {
			return true
		}
	}
	return false
}

// Retryable reports whether sending again later may succeed: when Notify is limiting the
// rate (429), when it failed inside (5xx) or timed out (408), and when the request never got
// an answer (a network error or a timeout). It is false for a request Notify refused for what it says
// (400, 403, 404): sending it again would be refused again. A caller that gave up
// (context.Canceled) is not retried either.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		return ae.StatusCode == 429 || ae.StatusCode == 408 || ae.StatusCode >= 500
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true
	}
	return false
}
