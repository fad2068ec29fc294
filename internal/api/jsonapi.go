package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// apiError is an error answered as {"error": {...}} with its status.
type apiError struct {
	Status   int               `json:"-"`
	Code     string            `json:"code"`
	Message  string            `json:"message"`
	Fields   map[string]string `json:"fields,omitempty"`
	Problems []problemJSON     `json:"problems,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

type problemJSON struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func notFound(message string) error {
	return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: message}
}

// badParameter is a query parameter the API cannot use.
func badParameter(name, message string) error {
	return &apiError{Status: http.StatusBadRequest, Code: "invalid_parameter", Message: message, Fields: map[string]string{name: message}}
}

// toAPIError maps any error to what the client is told: the one place the API turns domain
// errors into statuses. Anything unexpected is a 500 with a reference that is also logged;
// the error itself is never shown.
func (h *Handlers) toAPIError(r *http.Request, err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: fmt.Sprintf("The body is larger than the %d bytes accepted.", mbe.Limit)}
	}
	if e, ok := errs.As(err); ok {
		out := &apiError{Code: string(e.Code), Message: e.Error()}
		switch e.Code {
		case errs.NotFound:
			out.Status = http.StatusNotFound
		case errs.Forbidden:
			out.Status = http.StatusForbidden
		case errs.Conflict:
			out.Status = http.StatusConflict
		default:
			out.Status = http.StatusBadRequest
		}
		if len(e.Order) > 0 {
			out.Fields = e.Fields
		}
		return out
	}
	ref := web.NewReference()
	h.opt.Log.Error("api request failed", "ref", ref, "method", r.Method, "path", r.URL.Path, "err", err)
	return &apiError{Status: http.StatusInternalServerError, Code: "internal",
		Message: "Sorry, there is a problem with the service. Reference: " + ref}
}

// json adapts an endpoint that returns its status and body to the router. The endpoint's
// error is answered in JSON, never as an HTML page.
func (h *Handlers) json(serve func(r *http.Request) (int, any, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		status, body, err := serve(r)
		if err != nil {
			ae := h.toAPIError(r, err)
			status, body = ae.Status, errorBody{ae}
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="roundtable"`)
			}
		}
		if r.Method == http.MethodGet {
			// Open data: any web page may read it.
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		writeJSON(w, status, body)
		return nil
	}
}

type errorBody struct {
	Error *apiError `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil { // the API's own types always marshal; this is a programming mistake
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"Sorry, there is a problem with the service."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// Dates and times in ISO 8601: instants in UTC, days as YYYY-MM-DD.
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optionalInstant(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := instant(t)
	return &s
}

func optionalDay(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

// Pages of a long list: limit items after the cursor.
const (
	defaultLimit = 100
	maxLimit     = 500
)

func pageLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badParameter("limit", fmt.Sprintf("limit must be a whole number from 1 to %d", maxLimit))
	}
	return n, nil
}
