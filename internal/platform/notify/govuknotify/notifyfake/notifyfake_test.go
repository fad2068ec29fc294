package notifyfake

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"roundtable/internal/platform/notify/govuknotify"
)

func TestRender(t *testing.T) {
	out, missing := render("Hi ((First Name)), ((first_name))! ((time)) ((place)) ((time))", map[string]string{"first-name": "Ana"})
	if out != "Hi Ana, Ana! ((time)) ((place)) ((time))" {
		t.Errorf("rendered %q", out)
	}
	if !slices.Equal(missing, []string{"time", "place"}) {
		t.Errorf("missing %q, want time and place once each, in order", missing)
	}
}

func TestRecipientKey(t *testing.T) {
	for _, n := range []string{"07700900123", "+447700900123", "447700900123", "+44 (0)7700 900-123"} {
		if k := recipientKey(n); k != "7700900123" {
			t.Errorf("%q: key %q", n, k)
		}
	}
	if recipientKey("Ana@Example.org ") != recipientKey("ana@example.org") {
		t.Error("email addresses differing in case do not match")
	}
}

// A request body with a property Notify does not know is refused, so a client that sent
// one misspelt would be caught.
func TestUnexpectedProperty(t *testing.T) {
	s := Start(t, "0b5a3a7e-4f3c-4a8e-9a55-8d5c2e1f6a01", "c3d2b1a0-9f8e-4d7c-8b6a-5e4f3d2c1b0a")
	body := `{"phone_number":"07700900123","template_id":"11111111-2222-4333-8444-555555555555","personalization":{}}`
	req, _ := http.NewRequest("POST", s.URL+"/v2/notifications/sms", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+govuknotify.Token(s.ServiceID, s.secret, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || s.Requests() != 1 || len(s.Messages()) != 0 {
		t.Errorf("status %d, %d requests, %d messages", resp.StatusCode, s.Requests(), len(s.Messages()))
	}
}
