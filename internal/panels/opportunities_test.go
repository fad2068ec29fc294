package panels_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

func TestPounds(t *testing.T) {
	for in, want := range map[string]int64{"15": 1500, "15.5": 1550, "£1,250.05": 125005, "0.99": 99, "28000": 2800000} {
		if got, ok := panels.ParsePounds(in); !ok || got != want {
			t.Errorf("ParsePounds(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "1.234", "-5", "1e3", "£"} {
		if _, ok := panels.ParsePounds(in); ok {
			t.Errorf("ParsePounds(%q) accepted", in)
		}
	}
	if got := panels.Pounds(2800000); got != "£28,000.00" {
		t.Errorf("Pounds = %s", got)
	}
	if got := panels.Pounds(1550); got != "£15.50" {
		t.Errorf("Pounds = %s", got)
	}
}

func TestOpportunitiesStore(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fac := w.who["facilitator"]
		e := wantCode(t, errOf(panels.CreateOpportunity(ctx, d, w.luton.OrganisationID, panels.NewOpportunity{Pay: "lots", PayUnit: "week", CloseDate: "2026-05-01"}, fac, start)), errs.Invalid)
		for _, f := range []string{"title", "involves", "pay", "pay_unit", "hours", "close_date"} {
			if e.Fields[f] == "" {
				t.Errorf("no message for %s: %v", f, e.Fields)
			}
		}
		id, err := panels.CreateOpportunity(ctx, d, w.luton.OrganisationID, panels.NewOpportunity{Title: "Peer researcher", Involves: "Research",
			Pay: "15.50", PayUnit: "hour", Hours: "6 a month", CloseDate: "2026-06-30"}, fac, start)
		if err != nil {
			t.Fatal(err)
		}
		o, err := panels.GetOpportunity(ctx, d, id)
		if err != nil || o.PayPence != 1550 || o.Pay() != "£15.50 an hour" || o.OrganisationName != "Luton Homelessness Partnership" {
			t.Fatalf("opportunity %+v, %v", o, err)
		}
		// Open until the end of 30 June in London (23:00 UTC in summer).
		if want := time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC); !o.ClosesAt.Equal(want) {
			t.Errorf("closes %v, want %v", o.ClosesAt, want)
		}
		wantCode(t, panels.ExpressInterest(ctx, d, id, w.who["sam"], " ", start), errs.Invalid)
		for _, s := range []string{"First", "I know the area"} {
			if err := panels.ExpressInterest(ctx, d, id, w.who["sam"], s, start); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, panels.ExpressInterest(ctx, d, id, w.who["aisha"], "Too late", o.ClosesAt), errs.Conflict)
		xs, err := panels.Interests(ctx, d, w.luton.OrganisationID, id)
		if err != nil || len(xs) != 1 || xs[0].Statement != "I know the area" {
			t.Fatalf("interests %+v, %v", xs, err)
		}
		// Another organisation sees none, and cannot reply.
		if other, _ := panels.Interests(ctx, d, w.bpool.OrganisationID, id); len(other) != 0 {
			t.Errorf("Blackpool sees Luton's interest: %+v", other)
		}
		wantCode(t, panels.ReplyToInterest(ctx, d, w.bpool.OrganisationID, id, xs[0].ID, "Hello", w.who["bpool-facilitator"], start), errs.NotFound)
		wantCode(t, panels.ReplyToInterest(ctx, d, w.luton.OrganisationID, id, xs[0].ID, "", fac, start), errs.Invalid)
		if err := panels.ReplyToInterest(ctx, d, w.luton.OrganisationID, id, xs[0].ID, "Come for a chat", fac, start); err != nil {
			t.Fatal(err)
		}
		mine, ok, err := panels.MyInterest(ctx, d, id, w.ids["sam"])
		if err != nil || !ok || mine.Reply != "Come for a chat" {
			t.Errorf("Sam's interest %+v %v %v", mine, ok, err)
		}
		open, err := panels.ListOpportunities(ctx, d, start)
		if err != nil || len(open) != 1 || open[0].Interested != 1 {
			t.Errorf("open %+v %v", open, err)
		}
		if closed, _ := panels.ListOpportunities(ctx, d, o.ClosesAt); len(closed) != 0 {
			t.Errorf("closed roles listed: %+v", closed)
		}
		msgs, err := panels.Messages(ctx, d, w.ids["sam"], 0, 10)
		if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "A reply about: Peer researcher") {
			t.Errorf("Sam's messages %+v %v", msgs, err)
		}
		for action, n := range map[string]int{"opportunity.posted": 1, "opportunity.interest": 2, "opportunity.replied": 1} {
			if got := auditCount(t, d, action); got != n {
				t.Errorf("%s audited %d times, want %d", action, got, n)
			}
		}
	})
}

func TestOpportunitiesOverHTTP(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.want(w.do("GET", "/opportunities/new", "sam", nil), 403)
		w.want(w.do("GET", "/opportunities/new", "facilitator", nil), 200, "Luton Homelessness Partnership")
		w.want(w.do("POST", "/opportunities", "facilitator", form("organisation", fmt.Sprint(w.bpool.OrganisationID), "title", "x")), 422,
			"Choose the organisation offering the role")
		w.want(w.do("POST", "/opportunities", "facilitator", form("organisation", fmt.Sprint(w.luton.OrganisationID), "pay", "lots")), 422,
			"There is a problem", "Enter the title of the role", "Enter the pay in pounds")
		rec := w.do("POST", "/opportunities", "facilitator", form("organisation", fmt.Sprint(w.luton.OrganisationID), "title", "Peer researcher",
			"involves", "Research with people in move-on homes", "pay", "15.50", "pay_unit", "hour", "hours", "6 hours a month", "close_date", "2026-06-30",
			"support", "Travel paid"))
		if rec.Code != 303 {
			t.Fatalf("post: %d %s", rec.Code, rec.Body.String())
		}
		path := w.location(rec)
		w.want(w.do("GET", "/opportunities", "", nil), 200, "Peer researcher", "£15.50 an hour", "11:59pm on 30 June 2026")
		w.want(w.do("GET", path, "", nil), 200, "Travel paid")
		w.want(w.do("POST", path+"/interest", "sam", form("statement", "")), 422, "Enter a short statement")
		w.want(w.do("POST", path+"/interest", "officer", form("statement", "x")), 403)
		if rec := w.do("POST", path+"/interest", "sam", form("statement", "I know the day centre")); rec.Code != 303 {
			t.Fatalf("interest: %d", rec.Code)
		}
		// Only the poster's organisation sees who is interested.
		w.want(w.do("GET", path, "facilitator", nil), 200, "Who is interested", "Test sam", "I know the day centre")
		for _, who := range []string{"", "aisha", "bpool-facilitator", "officer", "funder", "partner"} {
			rec := w.do("GET", path, who, nil)
			w.want(rec, 200)
			w.wantNot(rec, "I know the day centre", "Who is interested")
		}
		w.want(w.do("GET", "/panels/messages", "facilitator", nil), 200, "Someone is interested: Peer researcher")
		xs, _ := panels.Interests(context.Background(), d, w.luton.OrganisationID, mustID(t, path))
		reply := fmt.Sprintf("%s/interests/%d/reply", path, xs[0].ID)
		w.want(w.do("POST", reply, "bpool-facilitator", form("reply", "Hi")), 404)
		w.want(w.do("POST", reply, "facilitator", form("reply", "", "interest", fmt.Sprint(xs[0].ID))), 422, "Enter your reply", `id="reply"`)
		if rec := w.do("POST", reply, "facilitator", form("reply", "Come for a chat on Tuesday")); rec.Code != 303 {
			t.Fatalf("reply: %d", rec.Code)
		}
		w.want(w.do("GET", path, "sam", nil), 200, "The reply: Come for a chat on Tuesday")
		w.want(w.do("GET", "/panels/messages", "sam", nil), 200, "A reply about: Peer researcher")
		w.advance(31 * 24 * time.Hour)
		w.want(w.do("POST", path+"/interest", "aisha", form("statement", "Late")), 409)
		w.wantNot(w.do("GET", "/opportunities", "", nil), "Peer researcher")
		w.want(w.do("GET", path, "", nil), 200, "Closed")
	})
}

func mustID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/opportunities/%d", &id); err != nil {
		t.Fatalf("no id in %q", path)
	}
	return id
}
