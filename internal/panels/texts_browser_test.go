package panels_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/notify/govuknotify/notifyfake"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserTexts is issue 14's story in a real browser, with axe-core on every page, on both
// databases and with the outbox running in the background against the stand-in for GOV.UK
// Notify over HTTP: a member with no email chooses texts; the facilitator arranges a meeting;
// the text arrives within the outbox's poll; the facilitator moves the meeting and the change
// is texted; the member's page shows them too; the member turns texts off, and the next
// message is not texted.
func TestBrowserTexts(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		fake, texter := fakeNotify(t, w.clock.Now)
		const poll = 200 * time.Millisecond
		a, err := app.New(d, app.Config{Now: w.clock.Now, Log: slog.New(slog.DiscardHandler), Texter: texter, OutboxPoll: poll})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		go a.Background(ctx)
		j := browsertest.Start(t, a.Handler)

		lee := w.invite("Lee", w.luton)
		p, err := accounts.GetPerson(ctx, d, accounts.Everyone, lee)
		if err != nil {
			t.Fatal(err)
		}
		facilitator, err := accounts.GetPerson(ctx, d, accounts.Everyone, w.ids["facilitator"])
		if err != nil {
			t.Fatal(err)
		}
		// waitForText waits up to a few polls for the n-th text to Lee's number.
		waitForText := func(n int) []notifyfake.Message {
			t.Helper()
			deadline := time.Now().Add(10 * poll)
			for time.Now().Before(deadline) {
				if got := textsTo(fake, "+447700900003"); len(got) >= n {
					return got
				}
				time.Sleep(poll / 4)
			}
			return textsTo(fake, "+447700900003")
		}

		// Lee, who has no email, chooses texts; a number that is not a UK mobile is refused.
		j.SignIn(p.Login, "three random words here")
		j.Visit("/account", "Only through my facilitator")
		j.Visit("/account/contact", "How do you want to be told about new messages?")
		j.Submit("/account/contact", map[string]string{"contact": "text", "mobile": "020 7946 0000"}, true,
			"Enter a UK mobile number, like 07700 900 982")
		j.Submit("/account/contact", map[string]string{"contact": "text", "mobile": "07700 900 003"}, false,
			"Your choice is saved. By text message.", "Mobile: 07700 900003")
		j.SignOut()

		// The facilitator arranges a meeting: the text reaches Notify within the poll.
		j.SignIn(facilitator.Login, accountstest.Password)
		j.Visit("/panels/luton/meetings/new")
		j.Submit("/panels/luton/meetings", map[string]string{"title": "Panel meeting", "date": "2026-06-10", "time": "13:30",
			"place": "Luton Central Library", "agenda": "Welcome"}, false, "Panel meeting")
		texts := waitForText(1)
		if len(texts) != 1 || texts[0].Body != "Roundtable: New meeting: Panel meeting, 1:30pm on 10 June 2026 at Luton Central Library. Please say if you are coming." {
			t.Fatalf("texts to Lee: %+v", texts)
		}
		// The facilitator moves it to a bigger room: Lee is texted the change.
		var meeting int64
		if err := d.Read.QueryRow(`SELECT max(id) FROM panel_meetings`).Scan(&meeting); err != nil {
			t.Fatal(err)
		}
		edit := fmt.Sprintf("/panels/luton/meetings/%d/edit", meeting)
		j.Visit(fmt.Sprintf("/panels/luton/meetings/%d", meeting), "Change the time, place or agenda")
		j.Visit(edit, "Change the meeting", "each member is told")
		j.Submit(edit, map[string]string{"place": ""}, true, "Enter a place or an online link")
		j.Submit(edit, map[string]string{"place": "Luton Town Hall, Room 2"}, false, "The meeting is changed", "Luton Town Hall, Room 2")
		texts = waitForText(2)
		if len(texts) != 2 || texts[1].Body != "Roundtable: Meeting changed: Panel meeting, now 1:30pm on 10 June 2026 at Luton Town Hall, Room 2." {
			t.Fatalf("texts to Lee: %+v", texts)
		}
		j.Visit(fmt.Sprintf("/panels/luton/members/%d", lee), "New meeting: Panel meeting", "Meeting changed: Panel meeting", "Sent by text message.")
		j.SignOut()

		// Lee's page shows the message and that it was texted; Lee turns texts off.
		j.SignIn(p.Login, "three random words here")
		j.Visit("/panels/messages", "New meeting: Panel meeting", "Sent by text message.")
		j.Visit("/account/contact")
		j.Submit("/account/contact/remove-mobile", nil, false, "Your mobile number is removed", "Only through my facilitator")
		j.SignOut()

		// The next message is not texted.
		j.SignIn(facilitator.Login, accountstest.Password)
		j.Visit("/panels/luton/meetings/new")
		j.Submit("/panels/luton/meetings", map[string]string{"title": "Second meeting", "date": "2026-06-17", "time": "13:30",
			"place": "Luton Central Library", "agenda": "Welcome"}, false, "Second meeting")
		st := j.Visit(fmt.Sprintf("/panels/luton/members/%d", lee), "Second meeting", "is told about messages only through you")
		if got := waitForText(3); len(got) != 2 {
			t.Errorf("Lee was texted after turning texts off: %+v", got)
		}
		j.Lacks("Lee's page", st, "07700")
		j.SignOut()
	})
}
