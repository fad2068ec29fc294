package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/notifytest"
)

// TestBackgroundEmails runs the app's background jobs against a real SMTP server: a meeting
// arranged for a panel reaches the member who has an email address, by email, soon after the
// commit (the outbox is woken, not left for its next minute's poll).
func TestBackgroundEmails(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		in := notifytest.Start(t, "")
		a, err := app.New(d, app.Config{BaseURL: "https://roundtable.example", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Mailer: notify.SMTP{Addr: in.Addr, From: "roundtable@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		org, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "Test panel group", StakeholderType: directory.LivedExperience})
		if err != nil {
			t.Fatal(err)
		}
		panelID, err := panels.CreatePanel(ctx, d, panels.NewPanel{Name: "Test panel", Slug: "test", Kind: panels.Local, OrganisationID: org}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		member, _ := accountstest.Person(t, d, "Test member", auth.Member, org)
		if _, err := d.Write.Exec(`UPDATE people SET email = 'member@example.org' WHERE id = $1`, member); err != nil {
			t.Fatal(err)
		}
		facilitator, _ := accountstest.Person(t, d, "Test facilitator", auth.Facilitator, org)
		go a.Background(ctx)
		who := &auth.Identity{PersonID: facilitator, DisplayName: "Test facilitator", Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: org}}}
		if _, err := panels.CreateMeeting(ctx, d, panelID, panels.NewMeeting{Title: "Summer meeting", Date: time.Now().AddDate(0, 0, 7).Format("2006-01-02"),
			Time: "10:00", Place: "Town hall", Agenda: "Welcome"}, who, time.Now()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(in.Emails()) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		emails := in.Emails()
		if len(emails) != 1 {
			t.Fatalf("%d emails arrived, want 1", len(emails))
		}
		if emails[0].To != "member@example.org" || !bytes.Contains(emails[0].Data, []byte("Subject: New meeting: Summer meeting")) ||
			!bytes.Contains(emails[0].Data, []byte("https://roundtable.example/panels/test/meetings/")) {
			t.Errorf("email to %s:\n%s", emails[0].To, emails[0].Data)
		}
	})
}
