package payments_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/consent"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web"
	"roundtable/internal/platform/web/browsertest"
)

// said gives the panel four recommendations, one drafted by each member and one by the
// facilitator, decided by consent and sent to Luton council, which accepts Ann's and the
// facilitator's and does not accept Ben's; Cal's waits for an answer.
func (w *world) said() {
	w.t.Helper()
	ctx := context.Background()
	answers := map[string]string{"ann": panels.Accepted, "ben": panels.NotAccepted, "facilitator": panels.Accepted}
	ids := map[string]int64{}
	for _, who := range []string{"ann", "ben", "cal", "facilitator"} {
		role := auth.Member
		if who == "facilitator" {
			role = auth.Facilitator
		}
		id, err := panels.CreateRecommendation(ctx, w.d, w.luton.ID, panels.NewRecommendation{Title: "Idea from " + who, Body: "Because.",
			Addressee: "E06000032", CloseDate: w.clock.Now().In(web.London).Format("2006-01-02"), Quorum: "1"}, w.identity(who, role, "luton"), w.clock.Now())
		if err != nil {
			w.t.Fatal(err)
		}
		rec, _ := panels.GetRecommendation(ctx, w.d, id)
		if err := panels.Respond(ctx, w.d, rec, w.identity("ann", auth.Member, "luton"), consent.Consent, "", w.clock.Now()); err != nil {
			w.t.Fatal(err)
		}
		ids[who] = id
	}
	w.clock.Advance(24 * time.Hour)
	for who, id := range ids {
		rec, _ := panels.GetRecommendation(ctx, w.d, id)
		if _, err := panels.CloseRound(ctx, w.d, rec, w.identity("facilitator", auth.Facilitator, "luton"), w.clock.Now()); err != nil {
			w.t.Fatal(err)
		}
		if a := answers[who]; a != "" {
			if err := panels.AnswerRecommendation(ctx, w.d, panels.Addressee{CouncilGSS: "E06000032"}, id, a, "Our reasons for "+who+".",
				w.identity("officer", auth.CouncilOfficer, "council"), w.clock.Now()); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

// TestBrowserJourney is the "done when" journey, in a real browser with axe-core on every
// page, on both databases: a meeting with three members makes three claims; one member
// declines, one takes a voucher after the weekly-limit warning, one is paid by transfer; each
// sees what happened to what they said; the panel's "who was at the table" page shows the
// right shares.
func TestBrowserJourney(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.said()
		ctx := context.Background()
		starts := w.clock.Now().Add(time.Hour)
		mid, err := panels.CreateMeeting(ctx, d, w.luton.ID, panels.NewMeeting{Title: "Panel meeting on pay", Date: starts.In(web.London).Format("2006-01-02"),
			Time: starts.In(web.London).Format("15:04"), Place: "Luton Library", Agenda: "Paying people"}, w.identity("facilitator", auth.Facilitator, "luton"), w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(3 * time.Hour)
		j := browsertest.Start(t, w.app.Handler)
		meeting := fmt.Sprintf("/panels/luton/meetings/%d", mid)

		// The facilitator records who came: three members make three claims.
		j.SignIn(w.logins["facilitator"], accountstest.Password)
		j.Visit(meeting, "Record this meeting")
		for _, who := range []string{"ann", "ben", "cal"} {
			browsertest.Eval[bool](j, fmt.Sprintf(`document.querySelector('input[name="attended"][value="%d"]').checked = true`, w.ids[who]))
		}
		j.Submit(meeting+"/record", map[string]string{"notes": "We agreed how people are paid."}, false, "Attendance and notes are saved")
		j.Visit("/payments", "Claims to approve", "Test ann", "Test ben", "Test cal")
		j.SignOut()
		claim := map[string]string{}
		for _, who := range []string{"ann", "ben", "cal"} {
			claim[who] = fmt.Sprintf("/payments/claims/%d", w.claimOf(who, mid).ID)
		}

		// Ben records his weekly limit, is warned, and takes a voucher.
		j.SignIn(w.logins["ben"], accountstest.Password)
		j.Visit("/payments/preferences", "weekly earnings limit")
		j.Submit("/payments/preferences", map[string]string{"limit": "-40"}, true, "cannot be negative")
		j.Submit("/payments/preferences", map[string]string{"limit": "40"}, false, "Your payment choices are saved", "£50\nowed to you")
		j.Visit(claim["ben"], "£50", "you can earn £40 more that week")
		j.Submit(claim["ben"]+"/choice", map[string]string{"method": "transfer"}, true, "over the weekly limit of £40", "take £40 or less")
		j.Submit(claim["ben"]+"/choice", map[string]string{"method": "voucher"}, false, "Your choice is saved", "A shopping voucher")
		j.SignOut()

		// Ann declines; Cal chooses a bank transfer.
		j.SignIn(w.logins["ann"], accountstest.Password)
		j.Visit(claim["ann"], "How do you want to be paid?")
		j.Submit(claim["ann"]+"/choice", map[string]string{"method": "decline"}, false, "Declined")
		j.SignOut()
		j.SignIn(w.logins["cal"], accountstest.Password)
		j.Visit(claim["cal"])
		j.Submit(claim["cal"]+"/choice", map[string]string{"method": "less", "less": "-1"}, true, "cannot be negative")
		j.Submit(claim["cal"]+"/choice", map[string]string{"method": "transfer"}, false, "Bank transfer")
		j.SignOut()

		// The facilitator approves Ben's and Cal's claims; finance pays Cal's.
		j.SignIn(w.logins["facilitator"], accountstest.Password)
		for _, who := range []string{"ben", "cal"} {
			j.Visit(claim[who], "Approve this claim")
			j.Submit(claim[who]+"/approve", nil, false, "The claim is approved")
		}
		j.SignOut()
		j.SignIn(w.logins["finance"], accountstest.Password)
		j.Visit("/payments", "Approved claims to pay", "Test ben", "Test cal")
		j.Visit(claim["cal"], "Record the payment", "RT-P")
		today := w.clock.Now().In(web.London)
		paid := map[string]string{"paid-day": fmt.Sprint(today.Day()), "paid-month": fmt.Sprint(int(today.Month())), "paid-year": fmt.Sprint(today.Year())}
		j.Submit(claim["cal"]+"/paid", paid, true, "Enter the payment reference")
		paid["reference"] = "BACS-0042"
		j.Submit(claim["cal"]+"/paid", paid, false, "The claim is marked as paid")
		j.Visit("/payments/export", "Export approved claims")
		j.SignOut()

		// Each member sees what happened to their claim and to what they said.
		for who, want := range map[string][]string{
			"ann": {"Declined", "Idea from ann", "Accepted", "Our reasons for ann."},
			"ben": {"Approved", "A shopping voucher", "Idea from ben", "Not accepted", "Our reasons for ben."},
			"cal": {"Paid", "£50\npaid to you", "Idea from cal", "Waiting for an answer"},
		} {
			j.SignIn(w.logins[who], accountstest.Password)
			j.Visit("/payments/mine", want...)
			if who == "ann" {
				q := fmt.Sprintf("/payments/feedback/meeting/%d", mid)
				j.Visit(q, "Did you feel listened to?")
				j.Submit(q, map[string]string{}, true, "Say whether you felt listened to")
				j.Submit(q, map[string]string{"listened": "yes", "again": "yes"}, false, "Your answers are anonymous")
			}
			j.SignOut()
		}

		// Who was at the table: members made 3 of the 4 contributions; 1 of their 3 was acted on.
		j.SignIn(w.logins["facilitator"], accountstest.Password)
		st := j.Visit("/panels/luton/table", "made 75% of 4 contributions", "33% of theirs were acted on",
			"3 of 4 contributions have had an answer (75%)", "100% of 1 answers said they felt listened to")
		j.Contains("table", st, "Lived experience\t3\t3\t75%\t33%\t2")
		j.SignOut()
		j.SignIn(w.logins["funder"], accountstest.Password)
		j.Visit("/payments/table", "across England", "Luton Homelessness Partnership")
		apptest.TotalsRight(t, d)
	})
}
