package accounts_test

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/notify/govuknotify/notifyfake"
	"roundtable/internal/platform/personaldata"
)

func TestParseUKMobile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"07700900982":     "+447700900982",
		"07700 900 982":   "+447700900982",
		" 07700-900982 ":  "+447700900982",
		"+447700900982":   "+447700900982",
		"+44 7700 900982": "+447700900982",
		"447700900982":    "+447700900982",
		"00447700900982":  "+447700900982",
		"(07700) 900982":  "+447700900982",
		"":                "",
		"0770090098":      "", // too short
		"077009009821":    "", // too long
		"01234567890":     "", // a landline
		"+33612345678":    "", // not the UK
		"+4407700900982":  "",
		"07700 900 98x":   "",
		"07700+900982":    "",
		"０７７００９００９８２":     "", // full-width digits are not read as digits
	} {
		got, ok := accounts.ParseUKMobile(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseUKMobile(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestContactChoice(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := accountstest.Organisation(t, d, "Blackpool Lived Experience Team")
		noEmail, _ := accountstest.Person(t, d, "Sam Stone", auth.Member, org)
		withEmail := mustCreate(t, d, accounts.NewPerson{DisplayName: "Eve Email", Email: "eve@example.org", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: org}}})

		get := func(id int64) accounts.Person {
			t.Helper()
			p, err := accounts.GetPerson(ctx, d, accounts.Everyone, id)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if p := get(noEmail); p.Contact != accounts.ContactDefault || p.Mobile != "" {
			t.Fatalf("a new person has contact %q, mobile %q", p.Contact, p.Mobile)
		}

		// Bad input names the field and changes nothing.
		for _, c := range []struct {
			change accounts.ContactChange
			field  string
		}{
			{accounts.ContactChange{Contact: accounts.ContactText, Mobile: "01234 567890"}, "mobile"},
			{accounts.ContactChange{Contact: accounts.ContactText}, "mobile"},
			{accounts.ContactChange{Contact: "pigeon", Mobile: "07700900982"}, "contact"},
			{accounts.ContactChange{Contact: accounts.ContactEmail}, "contact"}, // no email address
			{accounts.ContactChange{Contact: accounts.ContactBoth, Mobile: "07700900982"}, "contact"},
		} {
			err := accounts.SetContact(ctx, d, noEmail, c.change)
			e := wantCode(t, err, errs.Invalid)
			if e.Fields[c.field] == "" {
				t.Errorf("SetContact(%+v): fields %v, want one for %s", c.change, e.Fields, c.field)
			}
			if p := get(noEmail); p.Contact != accounts.ContactDefault || p.Mobile != "" {
				t.Errorf("a refused change was saved: %q %q", p.Contact, p.Mobile)
			}
		}

		if err := accounts.SetContact(ctx, d, noEmail, accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700 900 982"}); err != nil {
			t.Fatal(err)
		}
		if p := get(noEmail); p.Contact != accounts.ContactText || p.Mobile != "+447700900982" || p.MobileDisplay() != "07700 900982" {
			t.Fatalf("after choosing texts: %q %q %q", p.Contact, p.Mobile, p.MobileDisplay())
		}
		// Removing the number stops texts: with no email, the facilitator passes messages on.
		if err := accounts.RemoveMobile(ctx, d, noEmail); err != nil {
			t.Fatal(err)
		}
		if p := get(noEmail); p.Contact != accounts.ContactFacilitator || p.Mobile != "" {
			t.Fatalf("after removing the number: %q %q", p.Contact, p.Mobile)
		}
		if err := accounts.SetContact(ctx, d, withEmail, accounts.ContactChange{Contact: accounts.ContactBoth, Mobile: "+447700900123"}); err != nil {
			t.Fatal(err)
		}
		if err := accounts.RemoveMobile(ctx, d, withEmail); err != nil {
			t.Fatal(err)
		}
		if p := get(withEmail); p.Contact != accounts.ContactEmail || p.Mobile != "" {
			t.Fatalf("both, after removing the number: %q %q", p.Contact, p.Mobile)
		}
		if err := accounts.RemoveMobile(ctx, d, 999999); !errs.Is(err, errs.NotFound) {
			t.Errorf("RemoveMobile(nobody) = %v", err)
		}

		// The number is in "download my data" and goes with the account.
		if err := accounts.SetContact(ctx, d, noEmail, accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700900982"}); err != nil {
			t.Fatal(err)
		}
		tables, err := accounts.PersonalData{}.Export(ctx, d, noEmail)
		if err != nil {
			t.Fatal(err)
		}
		if !exportHolds(tables, "account", "mobile", "+447700900982") || !exportHolds(tables, "account", "contact_by", "text") {
			t.Errorf("the export lacks the mobile number or choice: %+v", tables[0])
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			return accounts.PersonalData{}.Erase(ctx, tx, personaldata.Erasure{PersonID: noEmail, At: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM people WHERE id = $1 AND (mobile IS NOT NULL OR contact_by IS NOT NULL)", noEmail).Scan(&n); err != nil || n != 0 {
			t.Errorf("after erasure the person keeps a number or choice (%d, %v)", n, err)
		}
	})
}

func exportHolds(tables []personaldata.Table, table, column, value string) bool {
	for _, t := range tables {
		if t.Name != table {
			continue
		}
		for i, c := range t.Columns {
			if c != column {
				continue
			}
			for _, row := range t.Rows {
				if row[i] == value {
					return true
				}
			}
		}
	}
	return false
}

// A facilitator texts a sign-in code to a member with no email, through the stand-in for
// GOV.UK Notify: the facilitator never sees the code, it works, and it goes at any hour (the
// test's clock reads 23:30, in quiet hours).
func TestTextSignInCode(t *testing.T) {
	t.Parallel()
	fake := notifyfake.Start(t, "26785a09-ab16-4eb0-8407-a37497a57506", "3d844edf-8d35-48ac-975b-e847b4f122b0")
	const tmpl = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	fake.AddTemplate(notifyfake.Template{ID: tmpl, Type: "sms", Body: "((message))"})
	c, err := govuknotify.New(fake.APIKey())
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = fake.URL
	w := newWorld(t, app.Config{Texter: notify.NotifyTexter{Client: c, TemplateID: tmpl}})
	fake.SetNow(time.Now)
	ctx := context.Background()
	member := w.path("/people/%d", "member")

	if rec := w.do("POST", member+"/code/text", w.cookies["facilitator"], url.Values{}); rec.Code != 409 || !strings.Contains(rec.Body.String(), "has no mobile number") {
		t.Fatalf("without a number: %d", rec.Code)
	}
	if err := accounts.SetContact(ctx, w.d, w.ids["member"], accounts.ContactChange{Contact: accounts.ContactText, Mobile: "07700 900 301"}); err != nil {
		t.Fatal(err)
	}
	page := w.do("GET", member, w.cookies["facilitator"], nil)
	if !strings.Contains(page.Body.String(), "Text a sign-in code") {
		t.Fatal("the person's page offers no texted code")
	}

	// Notify is down: the facilitator is told, and to use paper.
	fake.FailNext(1, 503)
	rec := w.do("POST", member+"/code/text", w.cookies["facilitator"], url.Values{})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "could not be texted") || !strings.Contains(rec.Body.String(), "on paper") {
		t.Fatalf("while Notify is down: %d\n%s", rec.Code, rec.Body)
	}

	rec = w.do("POST", member+"/code/text", w.cookies["facilitator"], url.Values{})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Sign-in code sent") || !strings.Contains(rec.Body.String(), "07700 900301") {
		t.Fatalf("texting the code: %d\n%s", rec.Code, rec.Body)
	}
	texts := fake.Messages()
	if len(texts) != 1 || texts[0].To != "+447700900301" {
		t.Fatalf("texts: %+v", texts)
	}
	code := regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}`).FindString(texts[0].Body)
	if code == "" || texts[0].Segments > 2 || !strings.Contains(texts[0].Body, "mo.member") {
		t.Fatalf("the text: %q (%d segments)", texts[0].Body, texts[0].Segments)
	}
	if strings.Contains(rec.Body.String(), code) {
		t.Error("the facilitator's page shows the code")
	}
	rec = w.do("POST", "/sign-in/code", nil, url.Values{"code": {code}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Choose your passphrase") {
		t.Errorf("the texted code does not work: %d", rec.Code)
	}
}
