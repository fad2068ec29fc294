package notify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/notifytest"
)

func TestSMTPDelivers(t *testing.T) {
	for _, user := range []string{"", "roundtable"} {
		in := notifytest.Start(t, user)
		addr := in.Addr
		m := notify.SMTP{Addr: addr, From: "roundtable@example.org", Username: user, Password: "secret"}
		err := m.Send(context.Background(), notify.Email{To: "lee@example.org", Subject: "Your claim is paid — £40",
			Body: "Hello Lee,\n.\nA line with a lone dot above must not end the message.\nRoundtable"})
		if err != nil {
			t.Fatalf("user %q: send: %v", user, err)
		}
		emails := in.Emails()
		if len(emails) != 1 {
			t.Fatalf("user %q: received %d emails, want 1", user, len(emails))
		}
		got := emails[0]
		if got.From != "roundtable@example.org" || got.To != "lee@example.org" || got.User != user {
			t.Errorf("envelope from %q to %q as %q", got.From, got.To, got.User)
		}
		for _, want := range []string{"Subject: =?utf-8?q?Your_claim_is_paid_=E2=80=94_=C2=A340?=", "Content-Type: text/plain; charset=utf-8",
			"Hello Lee,\r\n.\r\nA line with a lone dot", "Roundtable\r\n"} {
			if !bytes.Contains(got.Data, []byte(want)) {
				t.Errorf("user %q: message lacks %q:\n%s", user, want, got.Data)
			}
		}
	}
}

func TestSMTPRefuses(t *testing.T) {
	addr := notifytest.Start(t, "roundtable").Addr
	m := notify.SMTP{Addr: addr, From: "roundtable@example.org", Username: "roundtable", Password: "wrong"}
	if err := m.Send(context.Background(), notify.Email{To: "lee@example.org", Subject: "x", Body: "x"}); err == nil {
		t.Error("a wrong password was accepted")
	}
	m.Password = "secret"
	if err := m.Send(context.Background(), notify.Email{To: "lee@example.org\r\nBcc: everyone@example.org", Subject: "x", Body: "x"}); err == nil ||
		!strings.Contains(err.Error(), "line break") {
		t.Errorf("an address with a line break: %v", err)
	}
	m.Addr = "127.0.0.1:1"
	if err := m.Send(context.Background(), notify.Email{To: "lee@example.org", Subject: "x", Body: "x"}); err == nil {
		t.Error("no server, yet no error")
	}
}
