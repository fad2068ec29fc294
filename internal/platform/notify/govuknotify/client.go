// Package govuknotify sends text messages and emails through GOV.UK Notify's REST API
// (https://docs.notifications.service.gov.uk/rest-api.html), reads back their status, and
// reads the delivery receipts Notify posts to a callback URL.
//
// Notify sends what a template says, filled in with personalisation, so the words of each
// message live in Notify's templates, not here. The sub-package notifyfake is a local
// stand-in for Notify for tests.
package govuknotify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is Notify's API.
const DefaultBaseURL = "https://api.notifications.service.gov.uk"

// maxResponse bounds how much of an answer is read: Notify's are a few kilobytes.
const maxResponse = 1 << 20

// Client calls Notify with one API key. The zero value is not usable: make one with New.
// Its fields may be changed before first use, not during.
type Client struct {
	// BaseURL is DefaultBaseURL unless set, e.g. to a notifyfake server's URL.
	BaseURL string
	// HTTPClient makes the requests; when nil, a client with a 30-second timeout.
	HTTPClient *http.Client
	// Now is the clock that dates the tokens; time.Now when nil.
	Now func() time.Time

	keyName   string
	serviceID string
	secret    string
}

// defaultHTTP is shared so that connections to Notify are reused between clients.
var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// New makes a client from an API key as Notify shows it:
// "{key_name}-{service_id}-{secret_key}". It refuses a key not of that form, without
// repeating the key in the error.
func New(apiKey string) (*Client, error) {
	name, service, secret, err := parseKey(strings.TrimSpace(apiKey))
	if err != nil {
		return nil, err
	}
	return &Client{BaseURL: DefaultBaseURL, keyName: name, serviceID: service, secret: secret}, nil
}

// ServiceID is the Notify service the key belongs to.
func (c Client) ServiceID() string { return c.serviceID }

// String names the key and service but never the secret, so a client can be logged.
func (c Client) String() string {
	return fmt.Sprintf("GOV.UK Notify client (key %q, service %s)", c.keyName, c.serviceID)
}

// Format writes String for every verb, %#v and %d included, so that no way of printing a
// client shows its secret.
func (c Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue keeps the secret out of structured logs.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key_name", c.keyName), slog.String("service_id", c.serviceID), slog.String("base_url", c.baseURL()))
}

// SMS is one text message to send: a template filled in with Personalisation, whose keys
// are the template's ((placeholders)). Reference is an id of the sender's own, returned in
// the status and the delivery receipt; Notify asks that it hold no personal data.
type SMS struct {
	PhoneNumber     string            `json:"phone_number"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation,omitempty"`
	Reference       string            `json:"reference,omitempty"`
}

// Email is one email to send, like SMS.
type Email struct {
	EmailAddress    string            `json:"email_address"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation,omitempty"`
	Reference       string            `json:"reference,omitempty"`
}

// Sent is Notify's answer to a message it has accepted. Accepted is not delivered: Status
// or a Receipt tells of that.
type Sent struct {
	ID        string      `json:"id"`
	Reference string      `json:"reference"`
	Content   SentContent `json:"content"`
	URI       string      `json:"uri"`
	Template  TemplateRef `json:"template"`
}

// SentContent is the message as Notify rendered it: Body always, Subject and FromEmail for
// an email, FromNumber (the sender's name or number) for a text.
type SentContent struct {
	Body       string `json:"body"`
	Subject    string `json:"subject,omitempty"`
	FromNumber string `json:"from_number,omitempty"`
	FromEmail  string `json:"from_email,omitempty"`
}

// TemplateRef names the template, and its version, that a message was made from.
type TemplateRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	URI     string `json:"uri"`
}

// Notification is a message as Notify knows it now, from Status.
type Notification struct {
	ID           string      `json:"id"`
	Reference    string      `json:"reference"`
	Type         string      `json:"type"` // "sms" or "email"
	Status       Status      `json:"status"`
	PhoneNumber  string      `json:"phone_number"`
	EmailAddress string      `json:"email_address"`
	Body         string      `json:"body"`
	Subject      string      `json:"subject"`
	Template     TemplateRef `json:"template"`
	CreatedAt    time.Time   `json:"created_at"`
	SentAt       time.Time   `json:"sent_at"`      // zero until handed to a provider
	CompletedAt  time.Time   `json:"completed_at"` // zero until delivered or failed
}

// SendSMS asks Notify to send a text message.
func (c *Client) SendSMS(ctx context.Context, m SMS) (Sent, error) {
	var s Sent
	err := c.do(ctx, http.MethodPost, "/v2/notifications/sms", m, http.StatusCreated, &s)
	return s, err
}

// SendEmail asks Notify to send an email.
func (c *Client) SendEmail(ctx context.Context, m Email) (Sent, error) {
	var s Sent
	err := c.do(ctx, http.MethodPost, "/v2/notifications/email", m, http.StatusCreated, &s)
	return s, err
}

// Status fetches what Notify knows of one message, by the ID it gave in Sent. Notify keeps
// messages for 7 days; after that, or for an id it never gave, the answer is a 404 APIError.
func (c *Client) Status(ctx context.Context, id string) (Notification, error) {
	var n Notification
	err := c.do(ctx, http.MethodGet, "/v2/notifications/"+url.PathEscape(id), nil, http.StatusOK, &n)
	return n, err
}

func (c *Client) baseURL() string {
	if c.BaseURL == "" {
		return DefaultBaseURL
	}
	return strings.TrimRight(c.BaseURL, "/")
}

// do sends one request with a fresh token and decodes the answer into out when the status
// is want, or into an *APIError when it is not.
func (c *Client) do(ctx context.Context, method, path string, in any, want int, out any) error {
	if c.secret == "" {
		return errors.New("the GOV.UK Notify client has no API key: make it with govuknotify.New")
	}
	var reqBody io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode the request to GOV.UK Notify: %w", err)
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL()+path, reqBody)
	if err != nil {
		return fmt.Errorf("make the request to GOV.UK Notify: %w", err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	req.Header.Set("Authorization", "Bearer "+Token(c.serviceID, c.secret, now()))
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "roundtable-govuknotify")
	hc := c.HTTPClient
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("call GOV.UK Notify: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read GOV.UK Notify's answer: %w", err)
	}
	if resp.StatusCode != want {
		return apiError(resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		// The request succeeded, so this is not retryable: sending again could send twice.
		return fmt.Errorf("GOV.UK Notify answered %d but its body could not be read: %v", resp.StatusCode, err)
	}
	return nil
}

// apiError reads Notify's error body; an answer from something in front of Notify (a
// proxy's HTML page, say) still gives an APIError with the HTTP status.
func apiError(status int, body []byte) *APIError {
	var e APIError
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		e = APIError{Errors: []ErrorDetail{{Message: http.StatusText(status)}}}
	}
	e.StatusCode = status // the HTTP status is what happened, whatever the body says
	return &e
}
