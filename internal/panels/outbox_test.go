package panels_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/notify"
)

// mailbox is a Mailer that keeps what it is given and can be told to fail; SMTP delivery
// itself is tested against a real SMTP server in platform/notify.
type mailbox struct {
	mu   sync.Mutex
	sent []notify.Email
	fail bool
}

func (m *mailbox) Send(_ context.Context, e notify.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("mail server down")
	}
	m.sent = append(m.sent, e)
	return nil
}

func TestOutboxEmailsAndReminds(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		// Sam has an email address; Lee has none.
		if _, err := d.Write.Exec(`UPDATE people SET email = 'sam@example.org' WHERE id = $1`, w.ids["sam"]); err != nil {
			t.Fatal(err)
		}
		lee := w.invite("Lee", w.luton)
		box := &mailbox{fail: true}
		o := panels.Outbox{DB: d, Mailer: box, BaseURL: "https://roundtable.example", Now: w.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

		rec := w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30",
			"place", "Library", "agenda", "Welcome"))
		if rec.Code != 303 {
			t.Fatalf("arrange meeting: %d", rec.Code)
		}
		// The mail server is down: nothing is lost, and it is tried again later, not at once.
		if n, err := o.SendEmail(ctx); err != nil || n != 0 {
			t.Fatalf("send while down: %d %v", n, err)
		}
		box.fail = false
		if n, err := o.SendEmail(ctx); err != nil || n != 0 {
			t.Fatalf("send before the retry time: %d %v, want 0", n, err)
		}
		w.clock.Advance(3 * time.Minute)
		if n, err := o.SendEmail(ctx); err != nil || n != 1 {
			t.Fatalf("send after the retry time: %d %v, want 1 (Sam only; Lee has no email)", n, err)
		}
		if got := box.sent[0]; got.To != "sam@example.org" || got.Subject != "New meeting: Panel meeting" ||
			!strings.Contains(got.Body, "https://roundtable.example/panels/luton/meetings/") {
			t.Errorf("email: %+v", got)
		}
		if n, _ := o.SendEmail(ctx); n != 0 {
			t.Errorf("sent %d again", n)
		}
		// Lee, with no email, still finds it on their page, as new until marked read.
		w.want(w.do("GET", "/panels/messages", "Lee", nil), 200, "New meeting: Panel meeting", "You have 1 new message", "Mark all as read")
		w.want(w.do("POST", "/panels/messages/read", "Lee", nil), 303)
		rec = w.do("GET", "/panels/messages", "Lee", nil)
		w.want(rec, 200, "New meeting: Panel meeting")
		w.wantNot(rec, "Mark all as read", ">New<")
		if n, err := panels.Unread(ctx, d, lee); err != nil || n != 0 {
			t.Errorf("Lee's unread: %d %v", n, err)
		}
		if n, err := panels.Unread(ctx, d, w.ids["sam"]); err != nil || n != 1 {
			t.Errorf("Sam's unread: %d %v; marking Lee's read must not touch Sam's", n, err)
		}
		w.want(w.do("POST", "/panels/messages/read", "", nil), 403, "Your session has ended") // signed out

		// An answer that becomes overdue is reminded once, to the council and the facilitators.
		rec = w.do("POST", "/panels/luton/recommendations", "facilitator", form("title", "Open the day centre on Sundays",
			"body", "People have nowhere to go.", "addressee", lutonGSS, "close_date", w.clock.Now().In(londonTZ()).Format("2006-01-02"),
			"quorum", "1", "response_weeks", "1"))
		recPath := w.location(rec)
		w.want(w.do("POST", recPath+"/respond", "sam", form("kind", "consent")), 303)
		w.advance(24 * time.Hour)
		w.want(w.do("POST", recPath+"/close", "facilitator", nil), 303)
		if n, err := o.RemindOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("remind before due: %d %v", n, err)
		}
		w.advance(9 * 24 * time.Hour)
		if n, err := o.RemindOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("remind when due: %d %v", n, err)
		}
		if n, err := o.RemindOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("reminded twice: %d %v", n, err)
		}
		w.want(w.do("GET", "/panels/messages", "officer", nil), 200, "Answer overdue: Open the day centre on Sundays")
		w.want(w.do("GET", "/panels/messages", "facilitator", nil), 200, "No answer yet: Open the day centre on Sundays")
		w.wantNot(w.do("GET", "/panels/messages", "bpool-officer", nil), "Open the day centre")
		w.wantNot(w.do("GET", "/panels/messages", "sam", nil), "Answer overdue")
	})
}

// dyingMailer accepts one email, then ends the sending server's context, as if the server
// were killed after sending but before recording that it sent.
type dyingMailer struct {
	mailbox
	kill context.CancelFunc
}

func (m *dyingMailer) Send(ctx context.Context, e notify.Email) error {
	err := m.mailbox.Send(ctx, e)
	m.kill()
	return err
}

func TestOutboxSeveralServersSendEachMessageOnce(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		if _, err := d.Write.Exec(`UPDATE people SET email = 'sam@example.org' WHERE id = $1`, w.ids["sam"]); err != nil {
			t.Fatal(err)
		}
		queue := func(from, n int) {
			t.Helper()
			for i := from; i < from+n; i++ {
				if _, err := d.Write.Exec(`INSERT INTO panel_messages (person_id, subject, body, created_at) VALUES ($1, $2, 'Hello', $3)`,
					w.ids["sam"], fmt.Sprintf("message %d", i), w.clock.Now().UTC()); err != nil {
					t.Fatal(err)
				}
			}
		}
		received := func(boxes ...*mailbox) map[string]int {
			got := map[string]int{}
			for _, b := range boxes {
				for _, e := range b.sent {
					got[e.Subject]++
				}
			}
			return got
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

		// Four servers send 300 messages at the same moment: each arrives once.
		queue(0, 300)
		boxes := make([]*mailbox, 4)
		var wg sync.WaitGroup
		for i := range boxes {
			boxes[i] = &mailbox{}
			o := panels.Outbox{DB: d, Mailer: boxes[i], Now: w.clock.Now, Log: quiet}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := o.SendEmail(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got := received(boxes...)
		if len(got) != 300 {
			t.Fatalf("%d different messages arrived, want 300", len(got))
		}
		shared := 0
		for subject, n := range got {
			if n != 1 {
				t.Errorf("%s arrived %d times", subject, n)
			}
		}
		for _, b := range boxes {
			if len(b.sent) > 0 {
				shared++
			}
		}
		t.Logf("300 messages, each once, sent by %d of 4 servers", shared)

		// A server dies holding a claim: the others leave its messages alone until the lease
		// runs out, then send them. The one it sent but had not recorded goes twice.
		queue(1000, 50)
		dieCtx, kill := context.WithCancel(ctx)
		dying := &dyingMailer{kill: kill}
		lease := 2 * time.Minute
		if _, err := (panels.Outbox{DB: d, Mailer: dying, Now: w.clock.Now, Log: quiet, Lease: lease}).SendEmail(dieCtx); !errors.Is(err, context.Canceled) {
			t.Fatalf("the dying server: %v", err)
		}
		survivor := &mailbox{}
		o := panels.Outbox{DB: d, Mailer: survivor, Now: w.clock.Now, Log: quiet, Lease: lease}
		if n, err := o.SendEmail(ctx); err != nil || n != 30 {
			t.Fatalf("survivor sent %d (%v), want the 30 not claimed", n, err)
		}
		w.clock.Advance(lease + time.Second)
		if n, err := o.SendEmail(ctx); err != nil || n != 20 {
			t.Fatalf("after the lease, survivor sent %d (%v), want the dead server's 20", n, err)
		}
		got = received(&dying.mailbox, survivor)
		twice := 0
		for i := 1000; i < 1050; i++ {
			switch got[fmt.Sprintf("message %d", i)] {
			case 1:
			case 2:
				twice++
			default:
				t.Errorf("message %d arrived %d times", i, got[fmt.Sprintf("message %d", i)])
			}
		}
		if twice != 1 {
			t.Errorf("%d messages went twice after the crash, want exactly the 1 sent but not recorded", twice)
		}
	})
}
