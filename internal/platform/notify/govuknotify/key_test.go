package govuknotify_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"roundtable/internal/platform/notify/govuknotify"
)

const (
	docService = "26785a09-ab16-4eb0-8407-a37497a57506"
	docSecret  = "3d844edf-8d35-48ac-975b-e847b4f122b0"
)

// The example key from Notify's documentation, with a name that itself holds hyphens.
func TestNewParsesKey(t *testing.T) {
	c, err := govuknotify.New("my_test-key-" + docService + "-" + docSecret + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.ServiceID() != docService {
		t.Errorf("service id %q, want %q", c.ServiceID(), docService)
	}
	if c.BaseURL != govuknotify.DefaultBaseURL {
		t.Errorf("base URL %q", c.BaseURL)
	}
}

func TestNewRejectsMalformedKeys(t *testing.T) {
	for name, key := range map[string]string{
		"empty":               "",
		"only uuids":          docService + "-" + docSecret,
		"no name":             "-" + docService + "-" + docSecret,
		"secret too short":    "key-" + docService + "-" + docSecret[:35],
		"secret not a uuid":   "key-" + docService + "-" + strings.Repeat("z", 36),
		"service not a uuid":  "key-" + strings.Repeat("z", 36) + "-" + docSecret,
		"wrong separator":     "key-" + docService + "_" + docSecret,
		"secret alone":        docSecret,
		"name and secret":     "key-" + docSecret,
		"trailing characters": "key-" + docService + "-" + docSecret + "x",
	} {
		_, err := govuknotify.New(key)
		if err == nil {
			t.Errorf("%s: accepted %q", name, key)
			continue
		}
		if strings.Contains(err.Error(), docSecret[:8]) || strings.Contains(err.Error(), "zzzzzzzz") {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
	}
}

// However a client is printed or logged, the secret stays out.
func TestClientHidesSecret(t *testing.T) {
	c, err := govuknotify.New("live-" + docService + "-" + docSecret)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		out = append(out, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c))
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "notify", c)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "notify", *c)
	out = append(out, logged.String())
	secretHex := fmt.Sprintf("%x", docSecret)
	for _, s := range out {
		if strings.Contains(s, docSecret) || strings.Contains(s, secretHex) || strings.Contains(s, docSecret[:8]) {
			t.Errorf("printed the secret: %s", s)
		}
	}
	if !strings.Contains(logged.String(), docService) || !strings.Contains(out[0], docService) {
		t.Errorf("the service id should be shown: %q / %q", out[0], logged.String())
	}
}

// The expected token was made with Python's hmac and base64 from Notify's documented
// example, an implementation independent of this one.
func TestToken(t *testing.T) {
	const want = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiIyNjc4NWEwOS1hYjE2LTRlYjAtODQwNy1hMzc0OTdhNTc1MDYiLCJpYXQiOjE1Njg4MTg1Nzh9.YT_aQYNif0l3HaPwy62Cj9g0qsYzjnj1K5pLwkELiFw"
	if got := govuknotify.Token(docService, docSecret, time.Unix(1568818578, 999)); got != want {
		t.Errorf("token\n got %s\nwant %s", got, want)
	}
}
