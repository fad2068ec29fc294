package govuknotify

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Callbacks from Notify fail in one of two ways, told apart with errors.Is so the handler
// can answer 401 to one and 400 to the other.
var (
	// ErrUnauthenticated: the request did not carry the callback's bearer token.
	ErrUnauthenticated = errors.New("the delivery receipt does not carry the callback's bearer token")
	// ErrMalformed: the token was right but the body is not a receipt this package knows.
	ErrMalformed = errors.New("the delivery receipt is malformed")
)

// maxReceipt bounds a receipt's body: Notify's are a few hundred bytes.
const maxReceipt = 64 << 10

// Receipt is what Notify posts to the service's callback URL when a text or email is
// delivered or fails.
type Receipt struct {
	ID               string    `json:"id"`        // Notify's id, as in Sent.ID
	Reference        string    `json:"reference"` // the sender's Reference, or empty
	To               string    `json:"to"`
	Status           Status    `json:"status"`
	NotificationType string    `json:"notification_type"` // "sms" or "email"
	CreatedAt        time.Time `json:"created_at"`
	SentAt           time.Time `json:"sent_at"`      // zero when Notify sent null
	CompletedAt      time.Time `json:"completed_at"` // zero when Notify sent null
	TemplateID       string    `json:"template_id"`
	TemplateVersion  int       `json:"template_version"`
}

// ParseCallback checks that a delivery receipt came from Notify, by the bearer token the
// service gave Notify for its callbacks, and reads it. An error wraps ErrUnauthenticated
// (answer 401) or ErrMalformed (answer 400). An empty bearerToken accepts nothing, so a
// callback URL set up without a token cannot be written to by anyone.
func ParseCallback(r *http.Request, bearerToken string) (Receipt, error) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// Both sides are compared whole and in constant time, so timing tells nothing of the token.
	if !ok || bearerToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(bearerToken)) != 1 {
		return Receipt{}, ErrUnauthenticated
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxReceipt+1))
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: reading the body: %v", ErrMalformed, err)
	}
	if len(b) > maxReceipt {
		return Receipt{}, fmt.Errorf("%w: the body is over %d bytes", ErrMalformed, maxReceipt)
	}
	var rc Receipt
	if err := json.Unmarshal(b, &rc); err != nil {
		return Receipt{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case rc.ID == "":
		return Receipt{}, fmt.Errorf("%w: it has no id", ErrMalformed)
	case !rc.Status.Known():
		return Receipt{}, fmt.Errorf("%w: the status %q is not one Notify documents", ErrMalformed, rc.Status)
	case rc.NotificationType != "sms" && rc.NotificationType != "email":
		return Receipt{}, fmt.Errorf("%w: the notification type %q is neither sms nor email", ErrMalformed, rc.NotificationType)
	}
	return rc, nil
}
