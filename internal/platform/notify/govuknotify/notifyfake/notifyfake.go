// Package notifyfake is a stand-in for GOV.UK Notify's API for tests: it checks each
// request's token and body as Notify documents, renders the template, keeps every message
// it accepts, and can fail on purpose, refuse numbers that do not exist, and post delivery
// receipts. It implements only what package govuknotify uses: sending texts and emails and
// getting one message's status.
package notifyfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/internal/platform/notify/govuknotify"
)

// Template is a template registered with the fake, as a service sets one up in Notify.
// Body and Subject hold ((placeholders)) filled from the personalisation.
type Template struct {
	ID      string // a UUID
	Type    string // "sms" or "email"
	Subject string // emails only
	Body    string
}

// Message is one text or email the fake accepted.
type Message struct {
	ID              string
	Type            string // "sms" or "email"
	To              string // as the request gave it
	TemplateID      string
	Personalisation map[string]string
	Subject         string // rendered; emails only
	Body            string // rendered
	Reference       string
	Segments        int // texts only: govuknotify.Segments(Body)
	Status          govuknotify.Status
	CreatedAt       time.Time
}

// Server is a running fake. Its methods may be called while requests are served.
type Server struct {
	URL       string // base URL for govuknotify.Client.BaseURL
	ServiceID string

	secret string
	srv    *httptest.Server

	mu          sync.Mutex
	now         func() time.Time
	templates   map[string]Template
	messages    []Message
	failLeft    int
	failStatus  int
	nonexistent map[string]bool
	requests    int
}

// Start serves the fake API on a local port until the test ends. The service accepts
// tokens signed with secret whose iss is serviceID; APIKey gives a key that makes them.
func Start(t testing.TB, serviceID, secret string) *Server {
	t.Helper()
	s := &Server{
		ServiceID:   serviceID,
		secret:      secret,
		now:         time.Now,
		templates:   map[string]Template{},
		nonexistent: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/notifications/sms", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s.send("sms")) })
	mux.HandleFunc("POST /v2/notifications/email", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s.send("email")) })
	mux.HandleFunc("GET /v2/notifications/{id}", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s.status) })
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// APIKey is an API key for this service, in Notify's form name-serviceid-secret.
func (s *Server) APIKey() string { return "notifyfake-" + s.ServiceID + "-" + s.secret }

// SetNow sets the server's clock, against which a token's iat is checked.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddTemplate registers a template, replacing any with the same ID.
func (s *Server) AddTemplate(t Template) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates[strings.ToLower(t.ID)] = t
}

// FailNext makes the next n authenticated requests fail with status: 429 as Notify's rate
// limit does, or 500 or 503 as when Notify fails inside.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failStatus = n, status
}

// NonExistent marks a phone number or email address as one that does not exist: messages
// to it are accepted, as Notify accepts them, and end in permanent-failure.
func (s *Server) NonExistent(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nonexistent[recipientKey(to)] = true
}

// SetStatus changes a message's status, as the provider's reports change it in Notify. It
// reports whether there is such a message.
func (s *Server) SetStatus(id string, st govuknotify.Status) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.messages {
		if s.messages[i].ID == id {
			s.messages[i].Status = st
			return true
		}
	}
	return false
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		m.Personalisation = clone(m.Personalisation)
		out[i] = m
	}
	return out
}

// Requests counts every request the fake has answered, failed ones included, so a test can
// tell how many times a client tried.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// SendReceipt posts a delivery receipt for message id to url with the bearer token, as
// Notify does to a service's callback URL, and sets the message's status. It fails if there
// is no such message or the receiver does not answer 2xx.
func (s *Server) SendReceipt(url, token, id string, status govuknotify.Status) error {
	s.mu.Lock()
	var m *Message
	for i := range s.messages {
		if s.messages[i].ID == id {
			m = &s.messages[i]
		}
	}
	if m == nil {
		s.mu.Unlock()
		return fmt.Errorf("notifyfake: no message with id %s", id)
	}
	m.Status = status
	now := s.now().UTC()
	var ref any
	if m.Reference != "" {
		ref = m.Reference
	}
	body, _ := json.Marshal(map[string]any{
		"id":                m.ID,
		"reference":         ref,
		"to":                m.To,
		"status":            status,
		"created_at":        timestamp(m.CreatedAt),
		"completed_at":      timestamp(now),
		"sent_at":           timestamp(m.CreatedAt),
		"notification_type": m.Type,
		"template_id":       m.TemplateID,
		"template_version":  1,
	})
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notifyfake: the callback answered %s", resp.Status)
	}
	return nil
}

// apiErr is an error answer in Notify's form.
type apiErr struct {
	status int
	typ    string
	msg    string
}

// handler answers a request with a status and a JSON body, or an apiErr.
type handler func(r *http.Request) (int, any, *apiErr)

// serve checks the token, applies any failure asked for, then runs h.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, h handler) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	status, body, e := 0, any(nil), s.authenticate(r)
	if e == nil {
		e = s.injectedFailure()
	}
	if e == nil {
		status, body, e = h(r)
	}
	if e != nil {
		status = e.status
		body = map[string]any{
			"status_code": e.status,
			"errors":      []map[string]string{{"error": e.typ, "message": e.msg}},
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) injectedFailure() *apiErr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft <= 0 {
		return nil
	}
	s.failLeft--
	if s.failStatus == http.StatusTooManyRequests {
		return &apiErr{429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"}
	}
	return &apiErr{s.failStatus, "Exception", "Internal server error"}
}

// authenticate checks the bearer token in the order Notify's API does, with its messages.
func (s *Server) authenticate(r *http.Request) *apiErr {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &apiErr{401, "AuthError", "Unauthorized: authentication token must be provided"}
	}
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return &apiErr{401, "AuthError", "Unauthorized: authentication bearer scheme must be used"}
	}
	parts := strings.Split(h[7:], ".")
	invalid := &apiErr{403, "AuthError", "Invalid token: signature, api token is not valid"}
	if len(parts) != 3 {
		return invalid
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss *string  `json:"iss"`
		Iat *float64 `json:"iat"`
	}
	if decodePart(parts[0], &header) != nil || decodePart(parts[1], &claims) != nil {
		return invalid
	}
	if claims.Iss == nil {
		return &apiErr{403, "AuthError", "Invalid token: iss field not provided"}
	}
	if *claims.Iss != s.ServiceID {
		return &apiErr{403, "AuthError", "Invalid token: service not found"}
	}
	if header.Alg != "HS256" {
		return &apiErr{403, "AuthError", "Invalid token: algorithm used is not HS256"}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return &apiErr{403, "AuthError", "Invalid token: API key not found"}
	}
	if claims.Iat == nil {
		return &apiErr{403, "AuthError", "Invalid token: iat field not provided"}
	}
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	skew := *claims.Iat - float64(now.Unix())
	if skew < -30 || skew > 30 {
		return &apiErr{403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"}
	}
	return nil
}

func decodePart(p string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// send handles POST /v2/notifications/{typ}.
func (s *Server) send(typ string) handler {
	recipientField := map[string]string{"sms": "phone_number", "email": "email_address"}[typ]
	return func(r *http.Request) (int, any, *apiErr) {
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&raw); err != nil || raw == nil {
			return 0, nil, &apiErr{400, "BadRequestError", "Invalid JSON supplied in POST data"}
		}
		allowed := []string{recipientField, "template_id", "personalisation", "reference"}
		for k := range raw {
			if !slices.Contains(allowed, k) {
				return 0, nil, badValue(fmt.Sprintf("Additional properties are not allowed (%s was unexpected)", k))
			}
		}
		to, e := stringField(raw, recipientField, true)
		if e != nil {
			return 0, nil, e
		}
		templateID, e := stringField(raw, "template_id", true)
		if e != nil {
			return 0, nil, e
		}
		reference, e := stringField(raw, "reference", false)
		if e != nil {
			return 0, nil, e
		}
		pers := map[string]string{}
		if p, ok := raw["personalisation"]; ok {
			var m map[string]any
			if json.Unmarshal(p, &m) != nil {
				return 0, nil, badValue("personalisation " + string(p) + " is not of type object")
			}
			for k, v := range m {
				if s, ok := v.(string); ok {
					pers[k] = s
				} else if v != nil {
					pers[k] = fmt.Sprint(v)
				}
			}
		}
		if typ == "sms" {
			if msg := checkUKMobile(to); msg != "" {
				return 0, nil, badValue("phone_number " + msg)
			}
		} else if !validEmail(to) {
			return 0, nil, badValue("email_address Not a valid email address")
		}
		if !govuknotify.IsUUID(templateID) {
			return 0, nil, badValue("template_id is not a valid UUID")
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		t, ok := s.templates[strings.ToLower(templateID)]
		if !ok {
			return 0, nil, &apiErr{400, "BadRequestError", "Template not found"}
		}
		if t.Type != typ {
			return 0, nil, &apiErr{400, "BadRequestError", fmt.Sprintf("%s template is not suitable for %s notification", t.Type, typ)}
		}
		subject, missingS := render(t.Subject, pers)
		body, missingB := render(t.Body, pers)
		if missing := union(missingS, missingB); len(missing) > 0 {
			return 0, nil, &apiErr{400, "BadRequestError", "Missing personalisation: " + strings.Join(missing, ", ")}
		}
		m := Message{
			ID: newUUID(), Type: typ, To: to, TemplateID: t.ID, Personalisation: pers,
			Body: body, Reference: reference, Status: govuknotify.StatusDelivered, CreatedAt: s.now().UTC(),
		}
		if typ == "sms" {
			m.Segments = govuknotify.Segments(body)
		} else {
			m.Subject = subject
		}
		if s.nonexistent[recipientKey(to)] {
			m.Status = govuknotify.StatusPermanentFailure
		}
		s.messages = append(s.messages, m)

		content := map[string]any{"body": body}
		if typ == "sms" {
			content["from_number"] = "GOVUK"
		} else {
			content["subject"] = subject
			content["from_email"] = "notifyfake@notifications.service.gov.uk"
		}
		var ref any
		if reference != "" {
			ref = reference
		}
		return http.StatusCreated, map[string]any{
			"id":        m.ID,
			"reference": ref,
			"content":   content,
			"uri":       s.URL + "/v2/notifications/" + m.ID,
			"template":  map[string]any{"id": t.ID, "version": 1, "uri": s.URL + "/v2/template/" + t.ID},
		}, nil
	}
}

// status handles GET /v2/notifications/{id}.
func (s *Server) status(r *http.Request) (int, any, *apiErr) {
	id := r.PathValue("id")
	if !govuknotify.IsUUID(id) {
		return 0, nil, badValue("notification_id is not a valid UUID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if !strings.EqualFold(m.ID, id) {
			continue
		}
		var ref, completed any
		if m.Reference != "" {
			ref = m.Reference
		}
		if m.Status.Final() {
			completed = timestamp(s.now())
		}
		n := map[string]any{
			"id":           m.ID,
			"reference":    ref,
			"type":         m.Type,
			"status":       m.Status,
			"template":     map[string]any{"id": m.TemplateID, "version": 1, "uri": s.URL + "/v2/template/" + m.TemplateID + "/version/1"},
			"body":         m.Body,
			"created_at":   timestamp(m.CreatedAt),
			"sent_at":      timestamp(m.CreatedAt),
			"completed_at": completed,
		}
		if m.Type == "sms" {
			n["phone_number"] = m.To
			n["subject"] = nil
		} else {
			n["email_address"] = m.To
			n["subject"] = m.Subject
		}
		return http.StatusOK, n, nil
	}
	return 0, nil, &apiErr{404, "NoResultFound", "No result found"}
}

func badValue(msg string) *apiErr { return &apiErr{400, "ValidationError", msg} }

// stringField reads a string property, with Notify's schema messages when it is missing or
// not a string.
func stringField(raw map[string]json.RawMessage, name string, required bool) (string, *apiErr) {
	v, ok := raw[name]
	if !ok {
		if required {
			return "", badValue(name + " is a required property")
		}
		return "", nil
	}
	var s *string
	if json.Unmarshal(v, &s) != nil || (s == nil && required) {
		return "", badValue(fmt.Sprintf("%s %s is not of type string", name, v))
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// checkUKMobile returns Notify's complaint about a phone number, or "" for a UK mobile
// number. Like Notify, it ignores spaces, brackets, hyphens and dots, and takes 07…,
// 447… and +447….
func checkUKMobile(number string) string {
	n := strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t()-.\u00a0", r) {
			return -1
		}
		return r
	}, number)
	n = strings.TrimPrefix(n, "+")
	if n == "" {
		return "Not enough digits"
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return "Must not contain letters or symbols"
		}
	}
	switch {
	case strings.HasPrefix(n, "44"):
		n = n[2:]
	case strings.HasPrefix(n, "0"):
		n = n[1:]
	case strings.HasPrefix(n, "7"):
	default:
		return "Not a UK mobile number"
	}
	n = strings.TrimPrefix(n, "0") // +44 (0)7…
	if !strings.HasPrefix(n, "7") {
		return "Not a UK mobile number"
	}
	if len(n) > 10 {
		return "Too many digits"
	}
	if len(n) < 10 {
		return "Not enough digits"
	}
	return ""
}

// recipientKey is the form in which two ways of writing one number or address match.
func recipientKey(to string) string {
	if strings.Contains(to, "@") {
		return strings.ToLower(strings.TrimSpace(to))
	}
	n := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, to)
	n = strings.TrimPrefix(strings.TrimPrefix(n, "44"), "0")
	return n
}

var emailPattern = regexp.MustCompile(`^[^\s@"(),:;<>\[\\\]]+@([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}$`)

func validEmail(s string) bool {
	return len(s) <= 320 && emailPattern.MatchString(s) && !strings.Contains(s, "..")
}

var placeholder = regexp.MustCompile(`\(\(([^()]+)\)\)`)

// placeholderKey makes ((First Name)) and first_name the same, as Notify matches
// placeholders without regard to case, spaces, hyphens and underscores.
func placeholderKey(name string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" _-", r) {
			return -1
		}
		return r
	}, strings.ToLower(name))
}

// render fills ((placeholders)) from pers and lists those with no value, in order.
func render(tmpl string, pers map[string]string) (string, []string) {
	values := map[string]string{}
	for k, v := range pers {
		values[placeholderKey(k)] = v
	}
	var missing []string
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-2])
		if v, ok := values[placeholderKey(name)]; ok {
			return v
		}
		if !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
		return m
	})
	return out, missing
}

func union(a, b []string) []string {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
