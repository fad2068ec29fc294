package govuknotify_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/notify/govuknotify/notifyfake"
)

const (
	serviceID  = "0b5a3a7e-4f3c-4a8e-9a55-8d5c2e1f6a01"
	secret     = "c3d2b1a0-9f8e-4d7c-8b6a-5e4f3d2c1b0a"
	smsTmpl    = "11111111-2222-4333-8444-555555555555"
	emailTmpl  = "66666666-7777-4888-9999-aaaaaaaaaaaa"
	otherUUID  = "d1c8a8a2-5b0e-4e57-9a1b-2f3c4d5e6f70"
	meetingSMS = "Hello ((name)), the meeting is at ((time))."
)

// setup starts a fake Notify with one text and one email template, and a client for it.
func setup(t *testing.T) (*notifyfake.Server, *govuknotify.Client) {
	t.Helper()
	srv := notifyfake.Start(t, serviceID, secret)
	srv.AddTemplate(notifyfake.Template{ID: smsTmpl, Type: "sms", Body: meetingSMS})
	srv.AddTemplate(notifyfake.Template{ID: emailTmpl, Type: "email", Subject: "Meeting on ((date))", Body: "Dear ((name)),\n\nSee you on ((date))."})
	c, err := govuknotify.New(srv.APIKey())
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = srv.URL
	return srv, c
}

func TestSendSMS(t *testing.T) {
	srv, c := setup(t)
	sent, err := c.SendSMS(context.Background(), govuknotify.SMS{
		PhoneNumber:     "07700 900123",
		TemplateID:      smsTmpl,
		Personalisation: map[string]string{"name": "Ana", "time": "7pm"},
		Reference:       "outbox-42",
	})
	if err != nil {
		t.Fatal(err)
	}
	const body = "Hello Ana, the meeting is at 7pm."
	if sent.Content.Body != body || sent.Reference != "outbox-42" || sent.Template.ID != smsTmpl || sent.Template.Version != 1 {
		t.Errorf("sent = %+v", sent)
	}
	if !govuknotify.IsUUID(sent.ID) || sent.URI != srv.URL+"/v2/notifications/"+sent.ID || sent.Content.FromNumber == "" {
		t.Errorf("sent = %+v", sent)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.ID != sent.ID || m.Type != "sms" || m.To != "07700 900123" || m.TemplateID != smsTmpl ||
		m.Body != body || m.Reference != "outbox-42" || m.Segments != 1 || m.Personalisation["name"] != "Ana" {
		t.Errorf("recorded %+v", m)
	}
}

func TestSendEmail(t *testing.T) {
	srv, c := setup(t)
	sent, err := c.SendEmail(context.Background(), govuknotify.Email{
		EmailAddress:    "ana@example.org",
		TemplateID:      emailTmpl,
		Personalisation: map[string]string{"name": "Ana", "date": "1 May"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Content.Subject != "Meeting on 1 May" || sent.Content.Body != "Dear Ana,\n\nSee you on 1 May." || sent.Content.FromEmail == "" || sent.Reference != "" {
		t.Errorf("sent = %+v", sent)
	}
	m := srv.Messages()
	if len(m) != 1 || m[0].Type != "email" || m[0].To != "ana@example.org" || m[0].Subject != "Meeting on 1 May" || m[0].Segments != 0 {
		t.Errorf("recorded %+v", m)
	}
}

// A token Notify would refuse is refused, with Notify's words, and is not worth retrying.
func TestAuthErrors(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		key  string
		skew time.Duration // the client's clock minus the server's
		code int
		msg  string
	}{
		{"wrong secret", "k-" + serviceID + "-" + otherUUID, 0, 403, "Invalid token: API key not found"},
		{"wrong issuer", "k-" + otherUUID + "-" + secret, 0, 403, "Invalid token: service not found"},
		{"iat 31s old", "k-" + serviceID + "-" + secret, -31 * time.Second, 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"iat 31s ahead", "k-" + serviceID + "-" + secret, 31 * time.Second, 403, "Error: Your system clock must be accurate to within 30 seconds"},
		{"iat 30s old", "k-" + serviceID + "-" + secret, -30 * time.Second, 0, ""},
		{"iat 30s ahead", "k-" + serviceID + "-" + secret, 30 * time.Second, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := setup(t)
			srv.SetNow(func() time.Time { return now })
			c, err := govuknotify.New(tc.key)
			if err != nil {
				t.Fatal(err)
			}
			c.BaseURL = srv.URL
			c.Now = func() time.Time { return now.Add(tc.skew) }
			_, err = c.SendSMS(context.Background(), govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: smsTmpl, Personalisation: map[string]string{"name": "A", "time": "B"}})
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ae, ok := errors.AsType[*govuknotify.APIError](err)
			if !ok {
				t.Fatalf("error %v, want an APIError", err)
			}
			if ae.StatusCode != tc.code || !ae.HasType("AuthError") || ae.Message() != tc.msg {
				t.Errorf("got %d %+v, want %d AuthError %q", ae.StatusCode, ae.Errors, tc.code, tc.msg)
			}
			if govuknotify.Retryable(err) {
				t.Error("an auth error is retryable")
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages recorded after a refused token", n)
			}
		})
	}
}

// The fake refuses requests without a proper bearer token, as Notify does, so a client that
// sent none would be caught.
func TestFakeRefusesMissingOrForeignTokens(t *testing.T) {
	srv, _ := setup(t)
	header := `eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0` // {"typ":"JWT","alg":"none"}
	good := govuknotify.Token(serviceID, secret, time.Now())
	claims := strings.Split(good, ".")[1]
	for _, tc := range []struct {
		auth string
		code int
		msg  string
	}{
		{"", 401, "Unauthorized: authentication token must be provided"},
		{"Basic " + good, 401, "Unauthorized: authentication bearer scheme must be used"},
		{"Bearer not-a-jwt", 403, "Invalid token: signature, api token is not valid"},
		{"Bearer " + header + "." + claims + ".", 403, "Invalid token: algorithm used is not HS256"},
		{"bearer " + good, 200, ""},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/v2/notifications/"+otherUUID, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := tc.code
		if want == 200 {
			want = 404 // authenticated: no such message
		}
		if resp.StatusCode != want {
			t.Errorf("Authorization %.20q: status %d, want %d (%s)", tc.auth, resp.StatusCode, want, tc.msg)
		}
	}
}

func TestInvalidPhoneNumbers(t *testing.T) {
	_, c := setup(t)
	for number, want := range map[string]string{
		"02079460000":      "phone_number Not a UK mobile number",
		"+12025550123":     "phone_number Not a UK mobile number",
		"0770090012":       "phone_number Not enough digits",
		"077009001234":     "phone_number Too many digits",
		"07700 9OO123":     "phone_number Must not contain letters or symbols",
		"":                 "phone_number Not enough digits",
		"0044 7700 900123": "phone_number Not a UK mobile number",
		"+44 (0)7700 90":   "phone_number Not enough digits",
	} {
		_, err := c.SendSMS(context.Background(), govuknotify.SMS{PhoneNumber: number, TemplateID: smsTmpl, Personalisation: map[string]string{"name": "A", "time": "B"}})
		ae, ok := errors.AsType[*govuknotify.APIError](err)
		if !ok {
			t.Errorf("%q: error %v, want an APIError", number, err)
			continue
		}
		if ae.StatusCode != 400 || !ae.HasType("ValidationError") || ae.Message() != want {
			t.Errorf("%q: got %d %+v, want 400 %q", number, ae.StatusCode, ae.Errors, want)
		}
		if govuknotify.Retryable(err) {
			t.Errorf("%q: a refused number is retryable", number)
		}
	}
	for _, number := range []string{"07700900123", "+447700900123", "447700900123", "+44 (0)7700 900-123"} {
		if _, err := c.SendSMS(context.Background(), govuknotify.SMS{PhoneNumber: number, TemplateID: smsTmpl, Personalisation: map[string]string{"name": "A", "time": "B"}}); err != nil {
			t.Errorf("%q refused: %v", number, err)
		}
	}
}

func TestBadRequests(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		send    func() error
		typ     string
		message string
	}{
		"missing personalisation": {func() error {
			_, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: smsTmpl, Personalisation: map[string]string{"name": "Ana"}})
			return err
		}, "BadRequestError", "Missing personalisation: time"},
		"no personalisation": {func() error {
			_, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: smsTmpl})
			return err
		}, "BadRequestError", "Missing personalisation: name, time"},
		"unknown template": {func() error {
			_, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: otherUUID})
			return err
		}, "BadRequestError", "Template not found"},
		"template id not a uuid": {func() error {
			_, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: "meeting"})
			return err
		}, "ValidationError", "template_id is not a valid UUID"},
		"email template for a text": {func() error {
			_, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: emailTmpl})
			return err
		}, "BadRequestError", "email template is not suitable for sms notification"},
		"bad email address": {func() error {
			_, err := c.SendEmail(ctx, govuknotify.Email{EmailAddress: "ana.example.org", TemplateID: emailTmpl, Personalisation: map[string]string{"name": "A", "date": "B"}})
			return err
		}, "ValidationError", "email_address Not a valid email address"},
	} {
		err := tc.send()
		ae, ok := errors.AsType[*govuknotify.APIError](err)
		if !ok || ae.StatusCode != 400 || !ae.HasType(tc.typ) || ae.Message() != tc.message {
			t.Errorf("%s: got %v, want 400 %s %q", name, err, tc.typ, tc.message)
		}
		if govuknotify.Retryable(err) {
			t.Errorf("%s: retryable", name)
		}
	}
}

// After the failures asked for, the fake answers normally again, and the failures are the
// retryable kind.
func TestRetryableFailures(t *testing.T) {
	for _, tc := range []struct {
		status int
		typ    string
		msg    string
	}{
		{429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"},
		{500, "Exception", "Internal server error"},
		{503, "Exception", "Internal server error"},
	} {
		srv, c := setup(t)
		srv.FailNext(2, tc.status)
		sms := govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: smsTmpl, Personalisation: map[string]string{"name": "A", "time": "B"}}
		for i := range 2 {
			_, err := c.SendSMS(context.Background(), sms)
			ae, ok := errors.AsType[*govuknotify.APIError](err)
			if !ok || ae.StatusCode != tc.status || !ae.HasType(tc.typ) || ae.Message() != tc.msg {
				t.Fatalf("%d, try %d: got %v", tc.status, i, err)
			}
			if !govuknotify.Retryable(err) {
				t.Errorf("%d is not retryable", tc.status)
			}
		}
		if _, err := c.SendSMS(context.Background(), sms); err != nil {
			t.Errorf("%d: third try: %v", tc.status, err)
		}
		if srv.Requests() != 3 || len(srv.Messages()) != 1 {
			t.Errorf("%d: %d requests, %d messages; want 3 and 1", tc.status, srv.Requests(), len(srv.Messages()))
		}
	}
}

// Something in front of Notify may answer with HTML; that is still an APIError by status.
func TestNonJSONErrorBody(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>Bad gateway</html>", http.StatusBadGateway)
	}))
	defer ts.Close()
	c, _ := govuknotify.New("k-" + serviceID + "-" + secret)
	c.BaseURL = ts.URL
	_, err := c.Status(context.Background(), otherUUID)
	ae, ok := errors.AsType[*govuknotify.APIError](err)
	if !ok || ae.StatusCode != 502 || ae.Message() != "Bad Gateway" || !govuknotify.Retryable(err) {
		t.Errorf("got %v", err)
	}
}

func TestNetworkErrorsAreRetryable(t *testing.T) {
	// A port that was listening and is no longer.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, _ := govuknotify.New("k-" + serviceID + "-" + secret)
	c.BaseURL = "http://" + addr
	_, err = c.Status(context.Background(), otherUUID)
	if err == nil || !govuknotify.Retryable(err) {
		t.Errorf("connection refused: %v, retryable %v", err, govuknotify.Retryable(err))
	}

	// A server slower than the client's timeout.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	c.BaseURL = slow.URL
	c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
	_, err = c.Status(context.Background(), otherUUID)
	if err == nil || !govuknotify.Retryable(err) {
		t.Errorf("timeout: %v, retryable %v", err, govuknotify.Retryable(err))
	}

	// A caller that gave up does not want it tried again.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Status(ctx, otherUUID)
	if err == nil || govuknotify.Retryable(err) {
		t.Errorf("cancelled: %v, retryable %v", err, govuknotify.Retryable(err))
	}

	if govuknotify.Retryable(nil) || govuknotify.Retryable(errors.New("something else")) {
		t.Error("nil or a plain error is retryable")
	}
}

func TestStatus(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.NonExistent("07700900666")
	pers := map[string]string{"name": "A", "time": "B"}
	lost, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "+44 7700 900666", TemplateID: smsTmpl, Personalisation: pers, Reference: "r1"})
	if err != nil {
		t.Fatalf("a number that does not exist should still be accepted: %v", err)
	}
	ok, err := c.SendSMS(ctx, govuknotify.SMS{PhoneNumber: "07700900123", TemplateID: smsTmpl, Personalisation: pers})
	if err != nil {
		t.Fatal(err)
	}

	n, err := c.Status(ctx, lost.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Status != govuknotify.StatusPermanentFailure || !n.Status.Failed() || !n.Status.Final() {
		t.Errorf("status %q, want permanent-failure", n.Status)
	}
	if n.ID != lost.ID || n.Type != "sms" || n.PhoneNumber != "+44 7700 900666" || n.Reference != "r1" ||
		n.Body != "Hello A, the meeting is at B." || n.Template.ID != smsTmpl || n.CreatedAt.IsZero() || n.CompletedAt.IsZero() {
		t.Errorf("notification %+v", n)
	}

	n, err = c.Status(ctx, ok.ID)
	if err != nil || n.Status != govuknotify.StatusDelivered || n.Status.Failed() {
		t.Errorf("delivered message: %+v, %v", n, err)
	}
	if !srv.SetStatus(ok.ID, govuknotify.StatusSending) {
		t.Fatal("SetStatus found no message")
	}
	n, err = c.Status(ctx, ok.ID)
	if err != nil || n.Status != govuknotify.StatusSending || n.Status.Final() || !n.CompletedAt.IsZero() {
		t.Errorf("sending message: %+v, %v", n, err)
	}

	_, err = c.Status(ctx, otherUUID)
	if ae, isAPI := errors.AsType[*govuknotify.APIError](err); !isAPI || ae.StatusCode != 404 || !ae.HasType("NoResultFound") || govuknotify.Retryable(err) {
		t.Errorf("unknown id: %v", err)
	}
	_, err = c.Status(ctx, "not-a-uuid")
	if ae, isAPI := errors.AsType[*govuknotify.APIError](err); !isAPI || ae.StatusCode != 400 {
		t.Errorf("bad id: %v", err)
	}
}

// A client made without New says so rather than sending an unsigned request.
func TestZeroClient(t *testing.T) {
	var c govuknotify.Client
	if _, err := c.Status(context.Background(), otherUUID); err == nil || govuknotify.Retryable(err) {
		t.Errorf("zero client: %v", err)
	}
}
