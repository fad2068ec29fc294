package panels_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/app"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/notify/govuknotify/notifyfake"
)

const (
	fakeService  = "26785a09-ab16-4eb0-8407-a37497a57506"
	fakeSecret   = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	textTemplate = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	receiptToken = "a-long-random-callback-token-for-tests"
)

// fakeNotify starts the stand-in for GOV.UK Notify with a text template that is only
// ((message)), on the test's clock, and a texter that sends through it over HTTP.
func fakeNotify(t *testing.T, now func() time.Time) (*notifyfake.Server, notify.NotifyTexter) {
	t.Helper()
	fake := notifyfake.Start(t, fakeService, fakeSecret)
	fake.SetNow(now)
	fake.AddTemplate(notifyfake.Template{ID: textTemplate, Type: "sms", Body: "((message))"})
	c, err := govuknotify.New(fake.APIKey())
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL, c.Now = fake.URL, now
	return fake, notify.NotifyTexter{Client: c, TemplateID: textTemplate}
}

func textsTo(fake *notifyfake.Server, number string) []notifyfake.Message {
	var out []notifyfake.Message
	for _, m := range fake.Messages() {
		if m.Type == "sms" && m.To == number {
			out = append(out, m)
		}
	}
	return out
}

func queueTo(t *testing.T, d *db.DB, personID int64, subject, body string, at time.Time) {
	t.Helper()
	if _, err := d.Write.Exec(`INSERT INTO panel_messages (person_id, subject, body, created_at) VALUES ($1, $2, $3, $4)`,
		personID, subject, body, at.UTC()); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxTexts(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		o := panels.Outbox{DB: d, Mailer: &mailbox{}, Texter: texter, BaseURL: "https://roundtable.example", Now: w.clock.Now,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		// Receipts come to a server of its own, set up with Notify's callback token.
		withToken, err := app.New(d, app.Config{Now: w.clock.Now, Log: slog.New(slog.DiscardHandler), NotifyCallbackToken: receiptToken})
		if err != nil {
			t.Fatal(err)
		}
		site := httptest.NewServer(withToken.Handler)
		t.Cleanup(site.Close)
		receipts := site.URL + "/notify/receipts"

		// Sam chose texts; Marek gave a number but hears only through his facilitator.
		sam, marek := w.ids["sam"], w.ids["marek"]
		must(t, accounts.SetContact(ctx, d, sam, accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700 900 001"}))
		must(t, accounts.SetContact(ctx, d, marek, accounts.ContactChange{Contact: accounts.ContactFacilitator, Mobile: "07700 900 002"}))
		// Support needs are in the profile; no text may carry them.
		w.want(w.do("POST", "/panels/luton/profile", "sam", form("skills", "Cooking", "support", "interpreter",
			"support_other", "I find crowded rooms hard", "named_publicly", "no")), 303)

		w.want(w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30",
			"place", "Luton Library", "agenda", "Welcome")), 303)

		// Notify limits the rate, then fails inside: the text waits and is tried again.
		fake.FailNext(1, http.StatusTooManyRequests)
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send while rate-limited: %d %v", n, err)
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "The text message is waiting to be tried again.")
		if health, err := panels.Health(ctx, d, w.clock.Now()); err != nil || health[1].Waiting != 1 || health[1].Retrying != 1 {
			t.Errorf("while rate-limited: %+v %v, want 1 waiting, retrying", health, err)
		}
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send before the retry time: %d %v", n, err)
		}
		w.clock.Advance(3 * time.Minute)
		fake.FailNext(1, http.StatusServiceUnavailable)
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send while Notify fails: %d %v", n, err)
		}
		w.clock.Advance(5 * time.Minute)
		if n, err := o.SendTexts(ctx); err != nil || n != 1 {
			t.Fatalf("send once Notify is back: %d %v, want 1 (Sam only)", n, err)
		}
		if got := fake.Requests(); got != 3 {
			t.Errorf("Notify was asked %d times, want 3 (429, 503, then sent)", got)
		}
		texts := textsTo(fake, "+447700900001")
		if len(texts) != 1 {
			t.Fatalf("Sam got %d texts, want 1: %+v", len(texts), fake.Messages())
		}
		got := texts[0]
		if want := "Roundtable: New meeting: Panel meeting, 1:30pm on 10 June 2026 at Luton Library. Please say if you are coming."; got.Body != want {
			t.Errorf("text body:\n%q\nwant\n%q", got.Body, want)
		}
		if got.Segments > 1 || strings.Contains(got.Body, "crowded") || strings.Contains(got.Body, "Welcome") {
			t.Errorf("text is %d segments or tells more than it should: %q", got.Segments, got.Body)
		}
		if len(textsTo(fake, "+447700900002")) != 0 {
			t.Error("Marek was texted though he chose his facilitator only")
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "Sent by text message.")
		marekPage := w.do("GET", fmt.Sprintf("/panels/luton/members/%d", marek), "facilitator", nil)
		w.want(marekPage, 200, "is told about messages only through you", "New meeting: Panel meeting")
		if n, _ := o.SendTexts(ctx); n != 0 {
			t.Errorf("texted %d again", n)
		}

		// Notify's receipt: unauthenticated or malformed changes nothing; delivered shows.
		post := func(token, body string) int {
			t.Helper()
			req, _ := http.NewRequest("POST", receipts, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		forged := fmt.Sprintf(`{"id": %q, "status": "permanent-failure", "notification_type": "sms"}`, got.ID)
		if code := post("", forged); code != 401 {
			t.Errorf("receipt without a token: %d, want 401", code)
		}
		if code := post("wrong-token", forged); code != 401 {
			t.Errorf("receipt with the wrong token: %d, want 401", code)
		}
		if code := post(receiptToken, `{"id": "x", "status": "lost"`); code != 400 {
			t.Errorf("malformed receipt: %d, want 400", code)
		}
		if code := post(receiptToken, `{"id": "9d6b1b8e-0000-4000-8000-000000000000", "status": "delivered", "notification_type": "sms"}`); code != 204 {
			t.Errorf("receipt for an unknown message: %d, want 204", code)
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "Sent by text message.")
		if err := fake.SendReceipt(receipts, receiptToken, got.ID, govuknotify.StatusDelivered); err != nil {
			t.Fatal(err)
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "Sent by text message, and it arrived.")

		// A number Notify refuses (here one saved wrongly) fails at once, with Notify's words,
		// and is not tried again.
		aisha := w.ids["aisha"]
		if _, err := d.Write.Exec(`UPDATE people SET contact_by = 'text', mobile = '+4477009' WHERE id = $1`, aisha); err != nil {
			t.Fatal(err)
		}
		queueTo(t, d, aisha, "A reply about: Peer mentor", "Private words", w.clock.Now())
		before := fake.Requests()
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send to a bad number: %d %v", n, err)
		}
		w.clock.Advance(time.Hour)
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send to a bad number again: %d %v", n, err)
		}
		// Two: Aisha's text of the meeting was waiting too. Each is tried once.
		if fake.Requests() != before+2 {
			t.Errorf("Aisha's two refused texts were tried %d times, want once each", fake.Requests()-before)
		}
		w.want(w.do("GET", "/panels/messages", "aisha", nil), 200, "The text message could not be sent: phone_number Not enough digits")

		// A number that does not exist: Notify takes the text, then its receipt says it failed,
		// and the facilitator sees why on the member's page.
		must(t, accounts.SetContact(ctx, d, marek, accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700 900 002"}))
		fake.NonExistent("+447700900002")
		must(t, d.Tx(ctx, func(tx *sql.Tx) error {
			return panels.NotifyPanel(ctx, tx, w.luton.ID, "Agenda ready", "The agenda is ready.", "", w.clock.Now())
		}))
		// Marek now also gets the text of the meeting, which is less than a day and a half old.
		if n, err := o.SendTexts(ctx); err != nil || n != 3 {
			t.Fatalf("send the panel's news: %d %v, want 3 (Sam, and Marek the news and the meeting)", n, err)
		}
		gone := textsTo(fake, "+447700900002")
		if len(gone) != 2 || gone[1].Body != "Roundtable: Agenda ready. Sign in to Roundtable to read your message." {
			t.Fatalf("Marek's texts: %+v", gone)
		}
		gone = gone[1:]
		if err := fake.SendReceipt(receipts, receiptToken, gone[0].ID, govuknotify.StatusPermanentFailure); err != nil {
			t.Fatal(err)
		}
		w.want(w.do("GET", fmt.Sprintf("/panels/luton/members/%d", marek), "facilitator", nil), 200,
			"The text message could not be sent: the phone network could not deliver it.")

		// The administrators' page counts each channel: Sam's and Marek's texts of the meeting
		// and the agenda went (Sam's meeting text arrived); Aisha's three and Marek's agenda
		// text failed. Nobody has email.
		health, err := panels.Health(ctx, d, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := (panels.ChannelHealth{Name: "Text message", Receipts: true, Sent: 4, Delivered: 1, Failed: 4}); health[1] != want {
			t.Errorf("text health %+v, want %+v", health[1], want)
		}
		if want := (panels.ChannelHealth{Name: "Email"}); health[0] != want {
			t.Errorf("email health %+v, want %+v", health[0], want)
		}
		w.want(w.do("GET", "/admin/messages", "admin", nil), 200, "How messages are being sent", "Text message")
		w.want(w.do("GET", "/admin/messages", "facilitator", nil), 403)

		// Quiet hours: a message queued at 21:30 in London waits until 08:00.
		w.clock.Set(time.Date(2026, 6, 1, 20, 30, 0, 0, time.UTC)) // 21:30 BST
		queueTo(t, d, sam, "Late news", "Body", w.clock.Now())
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send in quiet hours: %d %v", n, err)
		}
		if health, err := panels.Health(ctx, d, w.clock.Now()); err != nil || health[1].Waiting != 1 {
			t.Errorf("in quiet hours, texts waiting: %+v %v, want 1", health, err)
		}
		w.clock.Set(time.Date(2026, 6, 2, 6, 59, 0, 0, time.UTC)) // 07:59 BST
		if n, _ := o.SendTexts(ctx); n != 0 {
			t.Fatalf("sent %d at 07:59", n)
		}
		w.clock.Set(time.Date(2026, 6, 2, 7, 0, 0, 0, time.UTC)) // 08:00 BST
		if n, err := o.SendTexts(ctx); err != nil || n != 1 {
			t.Fatalf("send at 08:00: %d %v", n, err)
		}

		// The daily cap: two texts a day here; the third waits a day.
		capped := o
		capped.TextCap = 2
		w.clock.Set(time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC))
		for i := range 3 {
			queueTo(t, d, sam, fmt.Sprintf("News %d", i), "Body", w.clock.Now())
		}
		if n, err := capped.SendTexts(ctx); err != nil || n != 2 {
			t.Fatalf("send up to the cap: %d %v, want 2", n, err)
		}
		// Sam's waiting texts, however many, do not hold up Marek's.
		for i := range 30 {
			queueTo(t, d, sam, fmt.Sprintf("More news %d", i), "Body", w.clock.Now())
		}
		queueTo(t, d, marek, "News for Marek", "Body", w.clock.Now())
		if n, err := capped.SendTexts(ctx); err != nil || n != 1 {
			t.Fatalf("send with Sam at the cap: %d %v, want Marek's 1", n, err)
		}
		w.clock.Advance(12 * time.Hour)
		if n, _ := capped.SendTexts(ctx); n != 0 {
			t.Fatalf("sent %d over the cap", n)
		}
		w.clock.Set(time.Date(2026, 6, 4, 9, 1, 0, 0, time.UTC))
		if n, err := capped.SendTexts(ctx); err != nil || n != 2 {
			t.Fatalf("send the next day: %d %v, want 2 (the cap)", n, err)
		}
		// The rest of Sam's waiting texts are dropped from the queue: they are now older than
		// a text may be, and are on Sam's messages page.
		w.clock.Set(time.Date(2026, 6, 5, 9, 2, 0, 0, time.UTC))
		if n, err := capped.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("send old news: %d %v, want none", n, err)
		}

		// A long subject is cut cleanly to three texts, with where to read the rest.
		long := "Please respond: " + strings.Repeat("We recommend that the council opens the day centre on Sundays ", 12)
		w.clock.Set(time.Date(2026, 6, 5, 9, 0, 0, 0, time.UTC))
		queueTo(t, d, sam, long, "Body", w.clock.Now())
		if n, err := o.SendTexts(ctx); err != nil || n != 1 {
			t.Fatalf("send a long one: %d %v", n, err)
		}
		all := textsTo(fake, "+447700900001")
		last := all[len(all)-1]
		if last.Segments != 3 || !strings.HasSuffix(last.Body, "Sundays... Read it all: https://roundtable.example/panels/messages") {
			t.Errorf("long text: %d segments, %q", last.Segments, last.Body)
		}

		// Sam turns texts off: the next message is not texted.
		must(t, accounts.SetContact(ctx, d, sam, accounts.ContactChange{Contact: accounts.ContactFacilitator, Mobile: "07700 900 001"}))
		queueTo(t, d, sam, "After texts off", "Body", w.clock.Now())
		if n, err := o.SendTexts(ctx); err != nil || n != 0 {
			t.Fatalf("texted after texts were turned off: %d %v", n, err)
		}
	})
}

// Several servers texting at once send each text once.
func TestOutboxSeveralServersTextEachMessageOnce(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		sam := w.ids["sam"]
		must(t, accounts.SetContact(ctx, d, sam, accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700900001"}))
		for i := range 120 {
			queueTo(t, d, sam, fmt.Sprintf("message %d", i), "Hello", w.clock.Now())
		}
		var wg sync.WaitGroup
		for range 4 {
			o := panels.Outbox{DB: d, Texter: texter, TextCap: 1000, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler)}
			wg.Go(func() {
				if _, err := o.SendTexts(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range fake.Messages() {
			seen[m.Reference]++
		}
		if len(seen) != 120 {
			t.Fatalf("%d different texts arrived, want 120", len(seen))
		}
		for ref, n := range seen {
			if n != 1 {
				t.Errorf("%s arrived %d times", ref, n)
			}
		}

		// A server dies holding a claim, just after Notify took a text: the others leave its
		// texts alone until the lease runs out, then send them; only that one goes twice.
		for i := range 50 {
			queueTo(t, d, sam, fmt.Sprintf("later %d", i), "Hello", w.clock.Now())
		}
		dieCtx, kill := context.WithCancel(ctx)
		lease := 2 * time.Minute
		dying := panels.Outbox{DB: d, Texter: dyingTexter{texter, kill}, TextCap: 1000, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler), Lease: lease}
		if _, err := dying.SendTexts(dieCtx); !errors.Is(err, context.Canceled) {
			t.Fatalf("the dying server: %v", err)
		}
		survivor := panels.Outbox{DB: d, Texter: texter, TextCap: 1000, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler), Lease: lease}
		if n, err := survivor.SendTexts(ctx); err != nil || n != 30 {
			t.Fatalf("survivor sent %d (%v), want the 30 not claimed", n, err)
		}
		w.clock.Advance(lease + time.Second)
		if n, err := survivor.SendTexts(ctx); err != nil || n != 20 {
			t.Fatalf("after the lease, survivor sent %d (%v), want the dead server's 20", n, err)
		}
		seen = map[string]int{}
		for _, m := range fake.Messages() {
			seen[m.Reference]++
		}
		twice := 0
		for ref, n := range seen {
			switch {
			case n == 2:
				twice++
			case n != 1:
				t.Errorf("%s arrived %d times", ref, n)
			}
		}
		if len(seen) != 170 || twice != 1 {
			t.Errorf("%d different texts, %d twice; want 170, and 1 twice (sent but not recorded)", len(seen), twice)
		}
	})
}

// The daily cap holds however many servers claim one person's texts at the same moment: a
// text another server has claimed and not yet sent counts towards it.
func TestOutboxCapHoldsAcrossServers(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		sam := w.ids["sam"]
		must(t, accounts.SetContact(ctx, d, sam, accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700900001"}))
		for round := range 3 {
			for i := range 40 {
				queueTo(t, d, sam, fmt.Sprintf("round %d message %d", round, i), "Hello", w.clock.Now())
			}
			var wg sync.WaitGroup
			for range 4 {
				o := panels.Outbox{DB: d, Texter: texter, TextCap: 5, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler)}
				wg.Go(func() {
					if _, err := o.SendTexts(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if got := len(textsTo(fake, "+447700900001")); got != 5*(round+1) {
				t.Fatalf("round %d: %d texts in all, want %d (the cap of 5 a day)", round, got, 5*(round+1))
			}
			w.clock.Advance(24*time.Hour + time.Minute)
		}
	})
}

// dyingTexter sends one text, then ends its server's context, as if the server were killed
// after Notify took the text but before it was recorded.
type dyingTexter struct {
	notify.NotifyTexter
	kill context.CancelFunc
}

func (d dyingTexter) SendText(ctx context.Context, t notify.Text) (string, error) {
	id, err := d.NotifyTexter.SendText(ctx, t)
	d.kill()
	return id, err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Each message goes on the channels the person chose, and only those.
func TestOutboxChannelsFollowTheChoice(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		box := &mailbox{}
		o := panels.Outbox{DB: d, Mailer: box, Texter: texter, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler)}
		for i, c := range []struct {
			name    string
			contact accounts.Contact
			mobile  string
		}{
			{"Eve", accounts.ContactText, "07700900101"},
			{"Fay", accounts.ContactBoth, "07700900102"},
			{"Gus", accounts.ContactFacilitator, "07700900103"},
			{"Hal", accounts.ContactDefault, ""},
		} {
			id, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: c.name, Email: strings.ToLower(c.name) + "@example.org"}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if c.contact != accounts.ContactDefault {
				must(t, accounts.SetContact(ctx, d, id, accounts.ContactChange{Contact: c.contact, Mobile: c.mobile}))
			}
			queueTo(t, d, id, fmt.Sprintf("News for %s (%d)", c.name, i), "Body", w.clock.Now())
		}
		if n, err := o.SendEmail(ctx); err != nil || n != 2 {
			t.Fatalf("emails sent: %d %v, want 2 (Fay and Hal)", n, err)
		}
		if n, err := o.SendTexts(ctx); err != nil || n != 2 {
			t.Fatalf("texts sent: %d %v, want 2 (Eve and Fay)", n, err)
		}
		var emailed, texted []string
		for _, e := range box.sent {
			emailed = append(emailed, e.To)
		}
		for _, m := range fake.Messages() {
			texted = append(texted, m.To)
		}
		if strings.Join(emailed, " ") != "fay@example.org hal@example.org" || strings.Join(texted, " ") != "+447700900101 +447700900102" {
			t.Errorf("emailed %v, texted %v", emailed, texted)
		}
	})
}

// Email through GOV.UK Notify: the words fill the template; a 500 is tried again, Notify's
// refusal of an address is not, and its words are kept.
func TestOutboxEmailThroughNotify(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		const emailTemplate = "0b4f5e2a-7c55-4a43-9c1e-5d1f0c6b8e21"
		fake.AddTemplate(notifyfake.Template{ID: emailTemplate, Type: "email", Subject: "((subject))", Body: "((body))"})
		o := panels.Outbox{DB: d, Mailer: notify.NotifyMailer{Client: texter.Client, TemplateID: emailTemplate}, BaseURL: "https://roundtable.example",
			Now: w.clock.Now, Log: slog.New(slog.DiscardHandler)}
		if _, err := d.Write.Exec(`UPDATE people SET email = 'sam@example.org' WHERE id = $1`, w.ids["sam"]); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write.Exec(`UPDATE people SET email = 'aisha-at-example' WHERE id = $1`, w.ids["aisha"]); err != nil {
			t.Fatal(err)
		}
		queueTo(t, d, w.ids["sam"], "New meeting: Panel meeting", "A meeting is arranged.", w.clock.Now())
		queueTo(t, d, w.ids["aisha"], "New meeting: Panel meeting", "A meeting is arranged.", w.clock.Now())

		fake.FailNext(1, http.StatusInternalServerError)
		if n, err := o.SendEmail(ctx); err != nil || n != 0 {
			t.Fatalf("send while Notify fails: %d %v", n, err)
		}
		w.clock.Advance(time.Hour)
		if n, err := o.SendEmail(ctx); err != nil || n != 1 {
			t.Fatalf("send again: %d %v, want Sam's", n, err)
		}
		requests := fake.Requests()
		w.advance(24 * time.Hour)
		if n, err := o.SendEmail(ctx); err != nil || n != 0 || fake.Requests() != requests {
			t.Fatalf("Aisha's refused address was tried again: %d %v, %d requests", n, err, fake.Requests()-requests)
		}
		var got []notifyfake.Message
		for _, m := range fake.Messages() {
			if m.Type == "email" {
				got = append(got, m)
			}
		}
		if len(got) != 1 || got[0].To != "sam@example.org" || got[0].Subject != "New meeting: Panel meeting" ||
			!strings.HasPrefix(got[0].Body, "A meeting is arranged.\n\n") {
			t.Errorf("emails: %+v", got)
		}
		var why string
		if err := d.Read.QueryRow(`SELECT email_error FROM panel_messages WHERE person_id = $1`, w.ids["aisha"]).Scan(&why); err != nil || why != "email_address Not a valid email address" {
			t.Errorf("Aisha's email error: %q %v", why, err)
		}
		w.want(w.do("GET", "/panels/messages", "aisha", nil), 200, "The email could not be sent: email_address Not a valid email address")
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "Sent by email.")

		// Notify's receipts for email say whether it arrived, matched by the message's reference.
		withToken, err := app.New(d, app.Config{Now: w.clock.Now, Log: slog.New(slog.DiscardHandler), NotifyCallbackToken: receiptToken})
		if err != nil {
			t.Fatal(err)
		}
		site := httptest.NewServer(withToken.Handler)
		t.Cleanup(site.Close)
		if err := fake.SendReceipt(site.URL+"/notify/receipts", receiptToken, got[0].ID, govuknotify.StatusDelivered); err != nil {
			t.Fatal(err)
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "Sent by email, and it arrived.")
		// Sam's facilitator sees it on Sam's page, as the sender, once the message is about their panel.
		if _, err := d.Write.Exec(`UPDATE panel_messages SET panel_id = $1 WHERE person_id = $2`, w.luton.ID, w.ids["sam"]); err != nil {
			t.Fatal(err)
		}
		w.want(w.do("GET", "/panels/luton/members/"+fmt.Sprint(w.ids["sam"]), "facilitator", nil), 200, "Sent by email, and it arrived.")
		// The mail provider later bounces it for good: the page says so, in words for people.
		if err := fake.SendReceipt(site.URL+"/notify/receipts", receiptToken, got[0].ID, govuknotify.StatusPermanentFailure); err != nil {
			t.Fatal(err)
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "The email could not be delivered: the email address is wrong or no longer exists.")
		// A receipt naming a message that was never emailed (Aisha's), or no message, changes nothing.
		var aishaMsg int64
		if err := d.Read.QueryRow(`SELECT id FROM panel_messages WHERE person_id = $1`, w.ids["aisha"]).Scan(&aishaMsg); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{fmt.Sprint("panel-message-", aishaMsg), "panel-message-999999", "panel-message-1 OR 1=1", ""} {
			known, err := panels.RecordReceipt(ctx, d, govuknotify.Receipt{ID: got[0].ID, Reference: ref, NotificationType: "email", Status: govuknotify.StatusDelivered})
			if err != nil || known {
				t.Errorf("receipt for %q: known %v, %v", ref, known, err)
			}
		}
		w.want(w.do("GET", "/panels/messages", "aisha", nil), 200, "The email could not be sent: email_address Not a valid email address")
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "The email could not be delivered")
	})
}

// The day before a meeting its members are reminded once, by text for those who chose texts,
// except those who said they are not coming.
func TestMeetingReminders(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		o := panels.Outbox{DB: d, Mailer: &mailbox{}, Texter: texter, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler)}
		must(t, accounts.SetContact(ctx, d, w.ids["aisha"], accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700900201"}))
		must(t, accounts.SetContact(ctx, d, w.ids["sam"], accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700900202"}))
		rec := w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30",
			"place", "Luton Library", "agenda", "Welcome"))
		w.want(rec, 303)
		w.want(w.do("POST", w.location(rec)+"/reply", "sam", form("answer", "no")), 303)
		if _, err := o.SendTexts(ctx); err != nil { // the "New meeting" texts
			t.Fatal(err)
		}

		w.advance(time.Date(2026, 6, 9, 12, 0, 0, 0, time.UTC).Sub(w.clock.Now())) // 24.5 hours before
		if n, err := o.RemindMeetings(ctx); err != nil || n != 0 {
			t.Fatalf("reminded %d (%v) more than a day ahead", n, err)
		}
		w.advance(time.Hour)
		if n, err := o.RemindMeetings(ctx); err != nil || n != 1 {
			t.Fatalf("reminded %d (%v), want 1", n, err)
		}
		if n, err := o.RemindMeetings(ctx); err != nil || n != 0 {
			t.Fatalf("reminded %d (%v) twice", n, err)
		}
		if n, err := o.SendTexts(ctx); err != nil || n != 1 {
			t.Fatalf("texted %d (%v), want Aisha's reminder only", n, err)
		}
		got := textsTo(fake, "+447700900201")
		if len(got) != 2 || got[1].Body != "Roundtable: Reminder: Panel meeting, 1:30pm on 10 June 2026 at Luton Library." {
			t.Errorf("Aisha's texts: %+v", got)
		}
		if len(textsTo(fake, "+447700900202")) != 1 {
			t.Error("Sam, who is not coming, was reminded")
		}
		w.want(w.do("GET", "/panels/messages", "marek", nil), 200, "Reminder: Panel meeting")

		// A meeting arranged for tomorrow gets its "New meeting" message, not a reminder too.
		w.want(w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Quick meeting", "date", "2026-06-10", "time", "09:00",
			"place", "Luton Library", "agenda", "Welcome")), 303)
		if n, err := o.RemindMeetings(ctx); err != nil || n != 0 {
			t.Fatalf("reminded %d (%v) of a meeting arranged a day ahead", n, err)
		}
		w.wantNot(w.do("GET", "/panels/messages", "marek", nil), "Reminder: Quick meeting")
	})
}

// A facilitator changes a meeting: a new place tells everyone still coming, a new time tells
// every member and asks them again, an agenda alone tells nobody, and the reminder follows
// the new time. A meeting that has started cannot be changed, and bad input changes nothing.
func TestChangeMeeting(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		o := panels.Outbox{DB: d, Mailer: &mailbox{}, Texter: texter, Now: w.clock.Now, Log: slog.New(slog.DiscardHandler)}
		must(t, accounts.SetContact(ctx, d, w.ids["aisha"], accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700900201"}))
		rec := w.do("POST", "/panels/luton/meetings", "facilitator", form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30",
			"place", "Luton Library", "agenda", "Welcome"))
		w.want(rec, 303)
		meeting := w.location(rec)
		w.want(w.do("POST", meeting+"/reply", "sam", form("answer", "no")), 303)
		w.want(w.do("POST", meeting+"/reply", "marek", form("answer", "yes")), 303)
		if _, err := o.SendTexts(ctx); err != nil {
			t.Fatal(err)
		}
		changes := func(who string) int {
			t.Helper()
			var n int
			if err := d.Read.QueryRow(`SELECT count(*) FROM panel_messages WHERE person_id = $1 AND subject LIKE 'Meeting changed:%'`, w.ids[who]).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		edit := func(fields ...string) url.Values {
			v := form("title", "Panel meeting", "date", "2026-06-10", "time", "13:30", "place", "Luton Library", "agenda", "Welcome")
			for i := 0; i < len(fields); i += 2 {
				v.Set(fields[i], fields[i+1])
			}
			return v
		}

		// Only the panel's facilitator may change it; the form shows what it says now.
		w.want(w.do("GET", meeting+"/edit", "facilitator", nil), 200, "Change the meeting", `value="2026-06-10"`, `value="13:30"`, `value="Luton Library"`)
		w.want(w.do("GET", meeting+"/edit", "sam", nil), 403)
		w.want(w.do("POST", meeting+"/edit", "sam", edit("place", "Elsewhere")), 403)
		// Bad input: named at the field, nothing changed, nobody told.
		w.want(w.do("POST", meeting+"/edit", "facilitator", edit("date", "2026-01-01")), 422, "The meeting must be in the future")
		w.want(w.do("POST", meeting+"/edit", "facilitator", edit("place", "", "online_link", "")), 422, "Enter a place or an online link")
		w.want(w.do("GET", meeting, "facilitator", nil), 200, "Luton Library", "1:30pm on 10 June 2026")

		// The agenda alone: saved, nobody told.
		w.want(w.do("POST", meeting+"/edit", "facilitator", edit("agenda", "Welcome\nHousing plan")), 303)
		w.want(w.do("GET", meeting, "sam", nil), 200, "Housing plan")
		if changes("aisha")+changes("sam")+changes("marek") != 0 {
			t.Error("members were told of a change to the agenda alone")
		}
		// A new place: those still coming are told (Sam said no); replies stand.
		w.want(w.do("POST", meeting+"/edit", "facilitator", edit("place", "Luton Town Hall", "agenda", "Welcome\nHousing plan")), 303)
		if changes("aisha") != 1 || changes("marek") != 1 || changes("sam") != 0 {
			t.Errorf("told of the new place: aisha %d, marek %d, sam %d; want 1, 1, 0", changes("aisha"), changes("marek"), changes("sam"))
		}
		w.want(w.do("GET", meeting, "marek", nil), 200, "Luton Town Hall", "Coming")
		// A new time: every member is told and asked again.
		w.want(w.do("POST", meeting+"/edit", "facilitator", edit("date", "2026-06-12", "time", "10:00", "place", "Luton Town Hall", "agenda", "Welcome\nHousing plan")), 303)
		if changes("aisha") != 2 || changes("marek") != 2 || changes("sam") != 1 {
			t.Errorf("told of the new time: aisha %d, marek %d, sam %d; want 2, 2, 1", changes("aisha"), changes("marek"), changes("sam"))
		}
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "Meeting changed: Panel meeting",
			"It is now at 10am on 12 June 2026, at Luton Town Hall. The time has changed, so please say again if you are coming.")
		if n, err := o.SendTexts(ctx); err != nil || n != 2 {
			t.Fatalf("texted %d (%v), want Aisha's two changes", n, err)
		}
		got := textsTo(fake, "+447700900201")
		if len(got) != 3 || got[2].Body != "Roundtable: Meeting changed: Panel meeting, now 10am on 12 June 2026 at Luton Town Hall. Please say if you are coming." {
			t.Errorf("Aisha's texts: %+v", got)
		}
		if n := auditCount(t, d, "meeting.changed"); n != 3 {
			t.Errorf("%d meeting.changed entries, want 3", n)
		}

		// The reminder follows the new time: none the day before the old one.
		w.advance(time.Date(2026, 6, 9, 13, 0, 0, 0, time.UTC).Sub(w.clock.Now()))
		if n, err := o.RemindMeetings(ctx); err != nil || n != 0 {
			t.Fatalf("reminded %d (%v) the day before the old time", n, err)
		}
		w.advance(time.Date(2026, 6, 11, 9, 30, 0, 0, time.UTC).Sub(w.clock.Now()))
		if n, err := o.RemindMeetings(ctx); err != nil || n != 1 {
			t.Fatalf("reminded %d (%v) the day before the new time, want 1", n, err)
		}
		// Once it has started it cannot be changed.
		w.advance(time.Date(2026, 6, 12, 9, 1, 0, 0, time.UTC).Sub(w.clock.Now()))
		w.want(w.do("GET", meeting+"/edit", "facilitator", nil), 409, "already started")
		w.want(w.do("POST", meeting+"/edit", "facilitator", edit("date", "2026-06-20")), 422, "already started")
	})
}

// A person's messages come a page at a time, newest first, with the count of all unread.
func TestMessagesPaged(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for i := range 25 {
			queueTo(t, d, w.ids["sam"], fmt.Sprintf("Numbered message %02d", i), "Body", w.clock.Now().Add(time.Duration(i)*time.Minute))
		}
		first := w.do("GET", "/panels/messages", "sam", nil)
		w.want(first, 200, "You have 25 new messages.", "Numbered message 24", "Numbered message 05", `href="/panels/messages?page=2"`)
		w.wantNot(first, "Numbered message 04")
		second := w.do("GET", "/panels/messages?page=2", "sam", nil)
		w.want(second, 200, "Numbered message 04", "Numbered message 00", `href="/panels/messages"`)
		w.wantNot(second, "Numbered message 05", "page=3")
		w.want(w.do("GET", "/panels/messages?page=9", "sam", nil), 200, "There are no more messages.")
		w.want(w.do("GET", "/panels/messages?page=-1", "sam", nil), 200, "Numbered message 24")
	})
}
