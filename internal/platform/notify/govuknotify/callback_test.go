package govuknotify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roundtable/internal/platform/notify/govuknotify"
)

const callbackToken = "a-long-random-callback-token"

// receiptJSON is a receipt in the form Notify's documentation gives.
const receiptJSON = `{
  "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
  "reference": "outbox-42",
  "to": "07700912345",
  "status": "permanent-failure",
  "created_at": "2017-05-14T12:15:30.000000Z",
  "completed_at": "2017-05-14T12:15:35.000000Z",
  "sent_at": null,
  "notification_type": "sms",
  "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
  "template_version": 1
}`

func callback(auth, body string) *http.Request {
	r := httptest.NewRequest("POST", "/notify/receipts", strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestParseCallback(t *testing.T) {
	rc, err := govuknotify.ParseCallback(callback("Bearer "+callbackToken, receiptJSON), callbackToken)
	if err != nil {
		t.Fatal(err)
	}
	want := govuknotify.Receipt{
		ID: "740e5834-3a29-46b4-9a6f-16142fde533a", Reference: "outbox-42", To: "07700912345",
		Status: govuknotify.StatusPermanentFailure, NotificationType: "sms",
		CreatedAt:   time.Date(2017, 5, 14, 12, 15, 30, 0, time.UTC),
		CompletedAt: time.Date(2017, 5, 14, 12, 15, 35, 0, time.UTC),
		TemplateID:  "f33517ff-2a88-4f6e-b855-c550268ce08a", TemplateVersion: 1,
	}
	if !rc.CreatedAt.Equal(want.CreatedAt) || !rc.CompletedAt.Equal(want.CompletedAt) || !rc.SentAt.IsZero() {
		t.Errorf("times: %+v", rc)
	}
	rc.CreatedAt, rc.CompletedAt = want.CreatedAt, want.CompletedAt
	if rc != want {
		t.Errorf("receipt\n got %+v\nwant %+v", rc, want)
	}
}

func TestParseCallbackRefuses(t *testing.T) {
	unknown := strings.Replace(receiptJSON, "permanent-failure", "lost-in-the-post", 1)
	for _, tc := range []struct {
		name, auth, body, token string
		want                    error
	}{
		{"wrong token", "Bearer wrong", receiptJSON, callbackToken, govuknotify.ErrUnauthenticated},
		{"token with a suffix", "Bearer " + callbackToken + "x", receiptJSON, callbackToken, govuknotify.ErrUnauthenticated},
		{"token prefix only", "Bearer " + callbackToken[:5], receiptJSON, callbackToken, govuknotify.ErrUnauthenticated},
		{"no header", "", receiptJSON, callbackToken, govuknotify.ErrUnauthenticated},
		{"not bearer", "Basic " + callbackToken, receiptJSON, callbackToken, govuknotify.ErrUnauthenticated},
		{"no token set up", "Bearer ", receiptJSON, "", govuknotify.ErrUnauthenticated},
		{"bad JSON", "Bearer " + callbackToken, `{"id": `, callbackToken, govuknotify.ErrMalformed},
		{"not an object", "Bearer " + callbackToken, `[]`, callbackToken, govuknotify.ErrMalformed},
		{"unknown status", "Bearer " + callbackToken, unknown, callbackToken, govuknotify.ErrMalformed},
		{"no id", "Bearer " + callbackToken, strings.Replace(receiptJSON, `"id"`, `"idx"`, 1), callbackToken, govuknotify.ErrMalformed},
		{"letter", "Bearer " + callbackToken, strings.Replace(receiptJSON, `"sms"`, `"letter"`, 1), callbackToken, govuknotify.ErrMalformed},
		{"bad time", "Bearer " + callbackToken, strings.Replace(receiptJSON, "2017-05-14T12:15:30.000000Z", "yesterday", 1), callbackToken, govuknotify.ErrMalformed},
		{"too big", "Bearer " + callbackToken, strings.Replace(receiptJSON, "07700912345", strings.Repeat("7", 70<<10), 1), callbackToken, govuknotify.ErrMalformed},
	} {
		_, err := govuknotify.ParseCallback(callback(tc.auth, tc.body), tc.token)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		other := govuknotify.ErrMalformed
		if tc.want == govuknotify.ErrMalformed {
			other = govuknotify.ErrUnauthenticated
		}
		if errors.Is(err, other) {
			t.Errorf("%s: the error is both unauthenticated and malformed: %v", tc.name, err)
		}
	}
}

// The fake's receipts are ones ParseCallback reads, and a receiver that refuses the token
// makes SendReceipt fail.
func TestFakeReceiptsEndToEnd(t *testing.T) {
	srv, c := setup(t)
	got := make(chan govuknotify.Receipt, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, err := govuknotify.ParseCallback(r, callbackToken)
		switch {
		case errors.Is(err, govuknotify.ErrUnauthenticated):
			w.WriteHeader(http.StatusUnauthorized)
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
		default:
			got <- rc
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer receiver.Close()

	sent, err := c.SendEmail(context.Background(), govuknotify.Email{EmailAddress: "ana@example.org", TemplateID: emailTmpl, Personalisation: map[string]string{"name": "A", "date": "B"}, Reference: "ref-7"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SendReceipt(receiver.URL, "not the token", sent.ID, govuknotify.StatusDelivered); err == nil {
		t.Error("SendReceipt with the wrong token succeeded")
	}
	if err := srv.SendReceipt(receiver.URL, callbackToken, sent.ID, govuknotify.StatusTemporaryFailure); err != nil {
		t.Fatal(err)
	}
	rc := <-got
	if rc.ID != sent.ID || rc.Reference != "ref-7" || rc.To != "ana@example.org" || rc.Status != govuknotify.StatusTemporaryFailure || rc.NotificationType != "email" || rc.CompletedAt.IsZero() {
		t.Errorf("receipt %+v", rc)
	}
	n, err := c.Status(context.Background(), sent.ID)
	if err != nil || n.Status != govuknotify.StatusTemporaryFailure {
		t.Errorf("status after the receipt: %q, %v", n.Status, err)
	}
	if err := srv.SendReceipt(receiver.URL, callbackToken, otherUUID, govuknotify.StatusDelivered); err == nil {
		t.Error("SendReceipt for an unknown message succeeded")
	}
}

func FuzzParseCallback(f *testing.F) {
	f.Add("Bearer "+callbackToken, receiptJSON)
	f.Add("Bearer "+callbackToken, `{"id":"1","status":"delivered","notification_type":"email"}`)
	f.Add("Bearer "+callbackToken, `{"id":"1","status":"","notification_type":"sms"}`)
	f.Add("Bearer x", receiptJSON)
	f.Add("", "")
	f.Fuzz(func(t *testing.T, auth, body string) {
		rc, err := govuknotify.ParseCallback(callback(auth, body), callbackToken)
		authed := auth == "Bearer "+callbackToken
		switch {
		case !authed && !errors.Is(err, govuknotify.ErrUnauthenticated):
			t.Fatalf("accepted Authorization %q: %v", auth, err)
		case authed && errors.Is(err, govuknotify.ErrUnauthenticated):
			t.Fatalf("refused the right token: %v", err)
		case err == nil && (rc.ID == "" || !rc.Status.Known() || (rc.NotificationType != "sms" && rc.NotificationType != "email")):
			t.Fatalf("accepted an invalid receipt %+v", rc)
		case err != nil && !errors.Is(err, govuknotify.ErrUnauthenticated) && !errors.Is(err, govuknotify.ErrMalformed):
			t.Fatalf("an error that is neither kind: %v", err)
		}
	})
}
