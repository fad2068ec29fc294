package payments_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/funding"
	"roundtable/internal/payments"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("err = %v (%q), want %q", err, errs.CodeOf(err), code)
	}
}

// TestAttendanceMakesClaims: recording a meeting through the panel's page owes each member,
// not the facilitator, at the example rates; taking someone off withdraws an owed claim; the
// audit log holds each change.
func TestAttendanceMakesClaims(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		m := w.meeting("ann", "ben", "cal", "facilitator")
		for _, who := range []string{"ann", "ben", "cal"} {
			c := w.claimOf(who, m)
			if c.Status != payments.Owed || c.TimePence != 5000 || c.OrganisationID != w.luton.OrganisationID {
				t.Errorf("%s: %+v, want owed £50 from Luton", who, c)
			}
		}
		if cs, _ := payments.ClaimsOfPerson(context.Background(), d, w.ids["facilitator"]); len(cs) != 0 {
			t.Errorf("the facilitator has %d claims, want 0", len(cs))
		}
		w.record(m, "ann", "ben")
		if cs, _ := payments.ClaimsOfPerson(context.Background(), d, w.ids["cal"]); len(cs) != 0 {
			t.Errorf("cal, taken off, still has %d claims", len(cs))
		}
		var n int
		if err := d.Read.QueryRow("SELECT count(*) FROM audit_log WHERE action IN ('claim.owed', 'claim.withdrawn')").Scan(&n); err != nil || n != 4 {
			t.Errorf("audit records = %d (%v), want 4", n, err)
		}
		apptest.TotalsRight(t, d)
	})
}

// TestWeeklyLimitAndChoices: a choice that would pass the weekly limit is refused in plain
// English until the person takes a voucher, takes less, or confirms; amounts are never
// negative; "take less" cannot exceed the time's worth; declining declines.
func TestWeeklyLimitAndChoices(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		m := w.meeting("ann", "ben")
		ben, ann := w.identity("ben", auth.Member, "luton"), w.identity("ann", auth.Member, "luton")
		if err := payments.SavePreferences(ctx, d, ben, payments.PreferencesInput{Limit: "40"}, start); err != nil {
			t.Fatal(err)
		}
		c := w.claimOf("ben", m)
		err := payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "transfer"}, w.clock.Now())
		wantCode(t, err, errs.Invalid)
		if e, _ := errs.As(err); !strings.Contains(e.Fields["method"], "over the weekly limit of £40") || !strings.Contains(e.Fields["method"], "take £40 or less") {
			t.Errorf("warning = %q", e.Fields["method"])
		}
		wantCode(t, payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "less", Less: "-5"}, w.clock.Now()), errs.Invalid)
		wantCode(t, payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "less", Less: "50.01"}, w.clock.Now()), errs.Invalid)
		wantCode(t, payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "charity"}, w.clock.Now()), errs.Invalid)
		wantCode(t, payments.Choose(ctx, d, ann, c.ID, payments.Choice{Method: "voucher"}, w.clock.Now()), errs.NotFound)
		if err := payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "less", Less: "40"}, w.clock.Now()); err != nil {
			t.Fatalf("take less within the limit: %v", err)
		}
		if err := payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "voucher"}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if c = w.claimOf("ben", m); c.EarningsPence() != 0 || c.TakenPence != 5000 || c.TotalPence() != 5000 {
			t.Errorf("voucher: earnings %d taken %d, want 0 and 5000", c.EarningsPence(), c.TakenPence)
		}
		// A second meeting the same week counts the first one's earnings.
		if err := payments.Choose(ctx, d, ben, c.ID, payments.Choice{Method: "transfer", Confirm: true}, w.clock.Now()); err != nil {
			t.Fatalf("confirmed over the limit: %v", err)
		}
		m2 := w.meeting("ben")
		week, err := payments.WeekOf(ctx, d.Read, w.claimOf("ben", m2))
		if err != nil || week.OtherPence != 5000 || week.Headroom() != 0 {
			t.Errorf("week = %+v (%v), want 5000 earned, no headroom", week, err)
		}
		if err := payments.Choose(ctx, d, ann, w.claimOf("ann", m).ID, payments.Choice{Method: "decline"}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if c := w.claimOf("ann", m); c.Status != payments.Declined || c.TotalPence() != 0 {
			t.Errorf("declined: %+v", c)
		}
		wantCode(t, payments.Choose(ctx, d, ann, w.claimOf("ann", m).ID, payments.Choice{Method: "cash"}, w.clock.Now()), errs.Conflict)
		apptest.TotalsRight(t, d)
	})
}

// TestApprovePayOnce: only an owed claim with a choice is approved; finance pays an approved
// claim once, with a date not in the future and a reference; the export carries the payee
// reference, never a name.
func TestApprovePayOnce(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		m := w.meeting("cal")
		c := w.claimOf("cal", m)
		fac, fin := w.identity("facilitator", auth.Facilitator, "luton"), w.identity("finance", auth.Finance, "luton")
		wantCode(t, payments.Approve(ctx, d, fac, c.ID, w.clock.Now()), errs.Conflict) // no choice yet
		if err := payments.Choose(ctx, d, w.identity("cal", auth.Member, "luton"), c.ID, payments.Choice{Method: "transfer"}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		wantCode(t, payments.MarkPaid(ctx, d, fin, c.ID, payments.Payment{On: w.clock.Now(), Reference: "X1"}, w.clock.Now()), errs.Conflict)
		wantCode(t, payments.Approve(ctx, d, w.identity("bpool-facilitator", auth.Facilitator, "bpool"), c.ID, w.clock.Now()), errs.NotFound)
		if err := payments.Approve(ctx, d, fac, c.ID, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		wantCode(t, payments.MarkPaid(ctx, d, fin, c.ID, payments.Payment{On: w.clock.Now().AddDate(0, 0, 1), Reference: "X1"}, w.clock.Now()), errs.Invalid)
		wantCode(t, payments.MarkPaid(ctx, d, fin, c.ID, payments.Payment{On: w.clock.Now()}, w.clock.Now()), errs.Invalid)
		wantCode(t, payments.MarkPaid(ctx, d, w.identity("bpool-finance", auth.Finance, "bpool"), c.ID, payments.Payment{On: w.clock.Now(), Reference: "X1"}, w.clock.Now()), errs.NotFound)

		// The export, before payment.
		rec := w.do("GET", fmt.Sprintf("/payments/export?organisation=%d&from-day=1&from-month=3&from-year=2026&to-day=31&to-month=3&to-year=2026", w.luton.OrganisationID), "finance", nil)
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, payments.PayeeReference(w.ids["cal"])) || !strings.Contains(body, ",transfer,,50.00,0.00,50.00,50.00,") || strings.Contains(body, "Test cal") {
			t.Errorf("export: %d\n%s", rec.Code, body)
		}
		rec = w.do("GET", fmt.Sprintf("/payments/export?organisation=%d&from-day=31&from-month=2&from-year=2026", w.bpool.OrganisationID), "finance", nil)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "must be a real date") || !strings.Contains(rec.Body.String(), "Choose your organisation") {
			t.Errorf("bad export: %d", rec.Code)
		}

		if err := payments.MarkPaid(ctx, d, fin, c.ID, payments.Payment{On: w.clock.Now(), Reference: "BACS-1"}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		err := payments.MarkPaid(ctx, d, fin, c.ID, payments.Payment{On: w.clock.Now(), Reference: "BACS-2"}, w.clock.Now())
		wantCode(t, err, errs.Conflict)
		// Cal was told when it was approved and when it was paid, once each (the refused second
		// payment told nothing). The amount is in the message, never in the text.
		var told []apptest.Message
		for _, m := range apptest.MessagesTo(t, d, w.ids["cal"]) {
			if strings.HasPrefix(m.Link, "/payments/claims/") {
				told = append(told, m)
			}
		}
		if len(told) != 2 || told[0].Subject != "Your payment is approved: "+c.Title || told[1].Subject != "Your payment has been paid: "+c.Title ||
			!strings.Contains(told[0].Body, "Total: £50. How you chose to be paid: Bank transfer.") ||
			!strings.Contains(told[1].Body, "£50, on ") || !strings.Contains(told[1].Body, "with the reference BACS-1") ||
			told[0].Link != fmt.Sprintf("/payments/claims/%d", c.ID) {
			t.Errorf("messages to Cal: %+v", told)
		}
		for _, m := range told {
			if strings.Contains(m.Short, "£") || !strings.Contains(m.Short, c.Title) {
				t.Errorf("text %q must name the meeting and not the amount", m.Short)
			}
		}
		if !strings.Contains(err.Error(), "cannot be paid twice") {
			t.Errorf("second payment: %v", err)
		}
		// Twice through the page as well: the second is a 409, not a second payment.
		rec = w.do("POST", fmt.Sprintf("/payments/claims/%d/paid", c.ID), "finance", url.Values{"paid-day": {"4"}, "paid-month": {"3"}, "paid-year": {"2026"}, "reference": {"BACS-3"}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "cannot be paid twice") {
			t.Errorf("second payment through the page: %d", rec.Code)
		}
		if c = w.claimOf("cal", m); c.Status != payments.Paid || c.PaidReference != "BACS-1" {
			t.Errorf("paid claim: %+v", c)
		}
		apptest.TotalsRight(t, d)
	})
}

// TestReceipts: a receipt is checked by its content, not its name, and by its size; it is
// served only to the claimant, their facilitator and finance.
func TestReceipts(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n0000IHDR"), true},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), true},
		{"pdf", []byte("%PDF-1.7\n1 0 obj"), true},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), true},
		{"html named .jpg", []byte("<html><script>alert(1)</script>"), false},
		{"gif", []byte("GIF89a...."), false},
	} {
		if _, ok := payments.ReceiptType(c.data); ok != c.ok {
			t.Errorf("%s: accepted %v, want %v", c.name, ok, c.ok)
		}
	}
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		m := w.meeting("ann")
		c := w.claimOf("ann", m)
		upload := func(name string, data []byte, fields map[string]string) *httptest.ResponseRecorder {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for k, v := range fields {
				_ = mw.WriteField(k, v)
			}
			fw, _ := mw.CreateFormFile("receipt", name)
			_, _ = fw.Write(data)
			_ = mw.Close()
			req := httptest.NewRequest("POST", fmt.Sprintf("/payments/claims/%d/expenses", c.ID), &b)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return w.send(req, "ann")
		}
		if rec := upload("receipt.jpg", []byte("<html>not a photo</html>"), map[string]string{"travel": "4.50"}); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "must be a photo (JPEG, PNG or WebP) or a PDF") {
			t.Errorf("html as jpg: %d", rec.Code)
		}
		if rec := upload("big.pdf", append([]byte("%PDF-1.7\n"), make([]byte, payments.MaxReceipt)...), map[string]string{"travel": "4.50"}); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "smaller than 5 MB") {
			t.Errorf("too big: %d", rec.Code)
		}
		if rec := upload("r.png", []byte("\x89PNG\r\n\x1a\n0000IHDR"), map[string]string{"travel": "25"}); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Travel can be up to £20") {
			t.Errorf("over the travel limit: %d", rec.Code)
		}
		if rec := upload("r.png", []byte("\x89PNG\r\n\x1a\n0000IHDR"), map[string]string{"travel": "-1"}); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "cannot be negative") {
			t.Errorf("negative: %d", rec.Code)
		}
		if rec := upload("r.png", []byte("\x89PNG\r\n\x1a\n0000IHDR"), map[string]string{"travel": "4.50", "food": "6"}); rec.Code != http.StatusSeeOther {
			t.Fatalf("good receipt: %d\n%s", rec.Code, rec.Body)
		}
		if c = w.claimOf("ann", m); c.TravelPence != 450 || c.FoodPence != 600 || !c.HasReceipt || c.EarningsPence() != 0 {
			t.Errorf("after expenses: %+v", c)
		}
		for who, status := range map[string]int{"ann": 200, "facilitator": 200, "finance": 200, "ben": 404, "bpool-facilitator": 404,
			"bpool-finance": 404, "officer": 404, "funder": 404, "admin": 404} {
			rec := w.do("GET", fmt.Sprintf("/payments/claims/%d/receipt", c.ID), who, nil)
			if rec.Code != status {
				t.Errorf("receipt as %s: %d, want %d", who, rec.Code, status)
			}
			if status == 200 && rec.Header().Get("Content-Type") != "image/png" {
				t.Errorf("receipt type %q", rec.Header().Get("Content-Type"))
			}
		}
	})
}

// TestAccess: each route refuses those who may not use it, and a claim, a panel's table or
// a rates form of another tenant answers "not found".
func TestAccess(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		m := w.meeting("ann")
		claim := fmt.Sprintf("/payments/claims/%d", w.claimOf("ann", m).ID)
		for _, c := range []struct {
			method, path, who string
			form              url.Values
			status            int
		}{
			{"GET", "/payments", "", nil, http.StatusSeeOther},
			{"GET", claim, "", nil, http.StatusSeeOther},
			{"GET", claim, "ann", nil, http.StatusOK},
			{"GET", claim, "ben", nil, http.StatusNotFound},
			{"GET", claim, "facilitator", nil, http.StatusOK},
			{"GET", claim, "finance", nil, http.StatusOK},
			{"GET", claim, "bpool-facilitator", nil, http.StatusNotFound},
			{"GET", claim, "bpool-finance", nil, http.StatusNotFound},
			{"GET", claim, "officer", nil, http.StatusNotFound},
			{"GET", claim, "funder", nil, http.StatusNotFound},
			{"POST", claim + "/choice", "ben", url.Values{"method": {"cash"}}, http.StatusNotFound},
			{"POST", claim + "/choice", "facilitator", url.Values{"method": {"cash"}}, http.StatusForbidden},
			{"POST", claim + "/approve", "bpool-facilitator", url.Values{}, http.StatusNotFound},
			{"POST", claim + "/approve", "ann", url.Values{}, http.StatusForbidden},
			{"POST", claim + "/paid", "facilitator", url.Values{}, http.StatusForbidden},
			{"POST", claim + "/paid", "bpool-finance", url.Values{"reference": {"x"}}, http.StatusNotFound},
			{"POST", claim + "/choice", "ann", url.Values{}, http.StatusUnprocessableEntity},
			{"POST", claim + "/paid", "finance", url.Values{}, http.StatusUnprocessableEntity},
			{"GET", "/payments/mine", "ann", nil, http.StatusOK},
			{"GET", "/payments/mine", "finance", nil, http.StatusForbidden},
			{"GET", "/payments/export", "finance", nil, http.StatusOK},
			{"GET", "/payments/export", "facilitator", nil, http.StatusForbidden},
			{"GET", "/payments/table", "funder", nil, http.StatusOK},
			{"GET", "/payments/table", "facilitator", nil, http.StatusForbidden},
			{"GET", "/panels/luton/table", "facilitator", nil, http.StatusOK},
			{"GET", "/panels/luton/table", "ann", nil, http.StatusOK},
			{"GET", "/panels/luton/table", "funder", nil, http.StatusOK},
			{"GET", "/panels/luton/table", "bpool-member", nil, http.StatusNotFound},
			{"GET", "/panels/nowhere/table", "funder", nil, http.StatusNotFound},
			// Meetings come 20 a page; a page past the last is not found.
			{"GET", "/panels/luton/table?page=1", "funder", nil, http.StatusOK},
			{"GET", "/panels/luton/table?page=9999", "funder", nil, http.StatusNotFound},
			{"GET", fmt.Sprintf("/payments/rates/%d", w.luton.OrganisationID), "ann", nil, http.StatusOK},
			{"POST", fmt.Sprintf("/payments/rates/%d", w.luton.OrganisationID), "bpool-finance", url.Values{}, http.StatusNotFound},
			{"POST", fmt.Sprintf("/payments/rates/%d", w.luton.OrganisationID), "finance", url.Values{}, http.StatusUnprocessableEntity},
			{"POST", "/payments/preferences", "ann", url.Values{"limit": {"-3"}}, http.StatusUnprocessableEntity},
			{"GET", fmt.Sprintf("/payments/feedback/meeting/%d", m), "ann", nil, http.StatusOK},
			{"GET", fmt.Sprintf("/payments/feedback/meeting/%d", m), "ben", nil, http.StatusNotFound},
			{"POST", fmt.Sprintf("/payments/feedback/meeting/%d", m), "ann", url.Values{}, http.StatusUnprocessableEntity},
			{"GET", "/payments/claims/999999", "ann", nil, http.StatusNotFound},
			{"GET", "/payments/claims/x", "ann", nil, http.StatusNotFound},
		} {
			rec := w.do(c.method, c.path, c.who, c.form)
			if rec.Code != c.status {
				t.Errorf("%s %s as %q: %d, want %d", c.method, c.path, c.who, rec.Code, c.status)
			}
			if rec.Code == http.StatusUnprocessableEntity && !strings.Contains(rec.Body.String(), "govuk-error-summary") {
				t.Errorf("%s %s as %q: no error summary", c.method, c.path, c.who)
			}
		}
	})
}

// TestClaimsPaged: a member's claims on /payments come 20 a page, newest first, counted right,
// and their own page shows the latest ten with the totals of them all.
func TestClaimsPaged(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for range 25 {
			w.meeting("ann")
		}
		all, err := payments.ClaimsOfPerson(context.Background(), d, w.ids["ann"])
		if err != nil {
			t.Fatal(err)
		}
		var owed int64
		for _, c := range all {
			owed += c.TotalPence()
		}
		rows := func(rec *httptest.ResponseRecorder) []string {
			return regexp.MustCompile(`href="/payments/claims/(\d+)"`).FindAllString(rec.Body.String(), -1)
		}
		first := w.do("GET", "/payments", "ann", nil)
		if first.Code != 200 || !strings.Contains(first.Body.String(), "25 claims, newest first") || !strings.Contains(first.Body.String(), `href="/payments?page=2"`) {
			t.Fatalf("first page: %d", first.Code)
		}
		if got := rows(first); len(got) != 20 || got[0] != fmt.Sprintf(`href="/payments/claims/%d"`, all[0].ID) {
			t.Errorf("first page rows: %v", got)
		}
		second := w.do("GET", "/payments?page=2", "ann", nil)
		if got := rows(second); second.Code != 200 || len(got) != 5 || got[4] != fmt.Sprintf(`href="/payments/claims/%d"`, all[24].ID) {
			t.Errorf("second page: %d %v", second.Code, got)
		}
		if rec := w.do("GET", "/payments?page=3", "ann", nil); rec.Code != 404 {
			t.Errorf("page 3: %d, want 404", rec.Code)
		}
		mine := w.do("GET", "/payments/mine", "ann", nil)
		body := mine.Body.String()
		if got := rows(mine); mine.Code != 200 || len(got) != 10 || !strings.Contains(body, "See all 25 of your claims") || !strings.Contains(body, funding.Money(owed)) {
			t.Errorf("my contributions: %d, %d rows, owed %s", mine.Code, len(got), funding.Money(owed))
		}
	})
}
