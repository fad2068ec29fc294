package payments_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/app/apptest"
	"roundtable/internal/demo"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/payments"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/testclock"
	"roundtable/internal/platform/web"
)

// flat writes figures out in one line, types by label, so that two ways of adding them up
// compare whatever order they were added in.
func flat(f payments.Figures) string {
	var types []string
	for _, t := range f.Types {
		types = append(types, fmt.Sprintf("%s: %d people, %d said, %d answered, %d acted on", t.Label, t.People, t.Contributions, t.Answered, t.ActedOn))
	}
	slices.Sort(types)
	return fmt.Sprintf("%s; %d said, %d answered, %d acted on; %d paid in %d days; %d answers, %d listened, %d again",
		strings.Join(types, "; "), f.Contributions, f.Answered, f.ActedOn, f.PaidClaims, f.DaysToPay, f.Answers, f.Listened, f.Again)
}

// sum adds figures up as the page's table for England does.
func sum(fs ...payments.Figures) payments.Figures {
	var out payments.Figures
	for _, f := range fs {
		for _, t := range f.Types {
			i := slices.IndexFunc(out.Types, func(x payments.TypeFigures) bool { return x.Label == t.Label })
			if i < 0 {
				out.Types = append(out.Types, payments.TypeFigures{Label: t.Label})
				i = len(out.Types) - 1
			}
			out.Types[i].People += t.People
			out.Types[i].Contributions += t.Contributions
			out.Types[i].Answered += t.Answered
			out.Types[i].ActedOn += t.ActedOn
		}
		out.Contributions += f.Contributions
		out.Answered += f.Answered
		out.ActedOn += f.ActedOn
		out.PaidClaims += f.PaidClaims
		out.DaysToPay += f.DaysToPay
		out.Answers += f.Answers
		out.Listened += f.Listened
		out.Again += f.Again
	}
	return out
}

// panelPagesFromScratch checks a panel's own page, two meetings a page: the whole panel as
// worked out from scratch, every meeting once, in order, with the same figures.
func panelPagesFromScratch(t *testing.T, d *db.DB, p panels.Panel, want payments.Table, step string) {
	t.Helper()
	var seen []string
	for n := 1; n <= len(want.Occasions)/2+1; n++ {
		pg := web.Pager{Number: n, PerPage: 2}
		page, err := payments.PanelPage(context.Background(), d, p, &pg)
		if err != nil {
			t.Fatal(err)
		}
		if flat(page.Figures) != flat(want.Figures) || page.OccasionCount != len(want.Occasions) {
			t.Errorf("%s: panel %s's page %d reads %d meetings,\n%s\nfrom scratch %d,\n%s", step, p.Name, n,
				page.OccasionCount, flat(page.Figures), len(want.Occasions), flat(want.Figures))
		}
		for _, o := range page.Occasions {
			seen = append(seen, o.Title+" "+o.HeldAt.String()+": "+flat(o.Figures))
		}
	}
	var all []string
	for _, o := range want.Occasions {
		all = append(all, o.Title+" "+o.HeldAt.String()+": "+flat(o.Figures))
	}
	if !slices.Equal(seen, all) {
		t.Errorf("%s: panel %s's pages list\n%s\nfrom scratch\n%s", step, p.Name, strings.Join(seen, "\n"), strings.Join(all, "\n"))
	}
}

// tableFromScratch checks "who was at the table" across England, read from running totals,
// against the figures worked out from scratch: each panel's own table, and each programme's
// submitted bids' tables added up. It checks the page too, and every running total.
func tableFromScratch(t *testing.T, d *db.DB, h http.Handler, funder func() *http.Cookie, step string) {
	t.Helper()
	ctx := context.Background()
	var all []payments.Figures
	rows, err := payments.PanelFigures(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := panels.ListPanels(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(ps) {
		t.Fatalf("%s: %d panels on the page, want %d", step, len(rows), len(ps))
	}
	for i, p := range ps {
		want, err := payments.PanelTable(ctx, d, p)
		if err != nil {
			t.Fatal(err)
		}
		if rows[i].Name != p.Name || flat(rows[i].Figures) != flat(want.Figures) {
			t.Errorf("%s: panel %s reads\n%s\nfrom scratch\n%s", step, p.Name, flat(rows[i].Figures), flat(want.Figures))
		}
		panelPagesFromScratch(t, d, p, want, step)
		all = append(all, rows[i].Figures)
	}
	progs, err := payments.ProgrammeFigures(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[int64]bool{}
	for _, row := range progs {
		var id int64
		if _, err := fmt.Sscanf(row.Link, "/funding/programmes/%d", &id); err != nil {
			t.Fatalf("%s: programme link %q", step, row.Link)
		}
		listed[id] = true
		bids, err := funding.BidsOfProgramme(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		var tables []payments.Figures
		for _, b := range bids {
			if b.Submitted() {
				b, err := funding.GetBid(ctx, d, b.ID) // with its activities
				if err != nil {
					t.Fatal(err)
				}
				bt, err := payments.BidTable(ctx, d, b)
				if err != nil {
					t.Fatal(err)
				}
				tables = append(tables, bt.Figures)
			}
		}
		if got, want := flat(row.Figures), flat(sum(tables...)); got != want {
			t.Errorf("%s: programme %s reads\n%s\nfrom its bids\n%s", step, row.Name, got, want)
		}
		all = append(all, row.Figures)
	}
	programmes, err := funding.ListProgrammes(ctx, d, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range programmes {
		bids, err := funding.BidsOfProgramme(ctx, d, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(bids, funding.Bid.Submitted) && !listed[p.ID] {
			t.Errorf("%s: programme %s has submitted bids but no row", step, p.Name)
		}
	}
	// The page shows England's figures, from the same sums.
	r := httptest.NewRequest("GET", "/payments/table", nil)
	r.AddCookie(funder())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	england := sum(all...)
	for _, want := range []string{
		"Average time to payment: " + england.AverageDays() + ".",
		fmt.Sprintf("%d of %d contributions have had an answer (%d%%).", england.Answered, england.Contributions, england.ClosurePercent()),
		fmt.Sprintf("%d%% of %d answers said they felt listened to; %d%% would come again.", england.ListenedPercent(), england.Answers, england.AgainPercent()),
		"These figures are up to date",
	} {
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: the page (status %d) does not say %q", step, rec.Code, want)
		}
	}
	apptest.TotalsRight(t, d)
}

// TestTableKeepsUp: after each change that "who was at the table" counts (a meeting recorded
// and recorded again without someone, claims made, approved, paid and withdrawn, quick
// questions answered, a bid submitted), the national page's figures, read from running totals,
// are those worked out from scratch. The meeting is held late on the Saturday before the
// clocks go forward and paid on the Monday: two days in London, not the hours between.
func TestTableKeepsUp(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		loaded := time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)
		if _, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: shareddata.Path(t, shareddata.Authorities), Now: func() time.Time { return loaded }}); err != nil {
			t.Fatal(err)
		}
		clock := testclock.New(loaded)
		a, err := app.New(d, app.Config{Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		who := map[string]*auth.Identity{}
		for _, p := range []struct {
			login string
			role  auth.Role
			org   string
		}{
			{"sam", auth.Member, "Luton Homelessness Partnership"}, {"aisha.luton", auth.Member, "Luton Homelessness Partnership"},
			{"facilitator@roundtable.example", auth.Facilitator, "Luton Homelessness Partnership"},
			{"finance@roundtable.example", auth.Finance, "Luton Homelessness Partnership"},
			{"officer@roundtable.example", auth.CouncilOfficer, "Luton"}, {"funder@roundtable.example", auth.Funder, ""},
		} {
			id := &auth.Identity{}
			var org int64
			if err := d.Read.QueryRow(`SELECT p.id, p.display_name, COALESCE((SELECT id FROM organisations WHERE name = $2), 0)
				FROM people p WHERE p.login = $1`, p.login, p.org).Scan(&id.PersonID, &id.DisplayName, &org); err != nil {
				t.Fatalf("%s: %v", p.login, err)
			}
			id.Grants = []auth.Grant{{Role: p.role, OrganisationID: org}}
			who[p.login] = id
		}
		councilOrg := who["officer@roundtable.example"].Grants[0].OrganisationID
		if councilOrg == 0 {
			t.Fatal("no Luton council in the demo")
		}
		councilFinance, _ := accountstest.Person(t, d, "Council finance", auth.Finance, councilOrg)
		who["council-finance"] = &auth.Identity{PersonID: councilFinance, Grants: []auth.Grant{{Role: auth.Finance, OrganisationID: councilOrg}}}
		funder := func() *http.Cookie {
			return accountstest.Session(t, d, who["funder@roundtable.example"].PersonID, clock.Now())
		}
		check := func(step string) { tableFromScratch(t, d, a.Handler, funder, step) }
		check("the demo")

		// A Luton meeting at 10.30pm on Saturday 28 March, recorded with two members and the
		// facilitator: places taken, two claims made.
		luton, err := panels.PanelBySlug(ctx, d, "luton")
		if err != nil {
			t.Fatal(err)
		}
		fac := who["facilitator@roundtable.example"]
		meeting, err := panels.CreateMeeting(ctx, d, luton.ID, panels.NewMeeting{Title: "Late meeting before the clocks change", Date: "2026-03-28",
			Time: "22:30", Place: "Luton Library", Agenda: "Night shelters"}, fac, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC))
		record := func(attended ...string) {
			t.Helper()
			form := url.Values{"notes": {"We talked about night shelters."}}
			for _, p := range attended {
				form.Add("attended", fmt.Sprint(who[p].PersonID))
			}
			r := httptest.NewRequest("POST", fmt.Sprintf("/panels/luton/meetings/%d/record", meeting), strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(accountstest.Session(t, d, fac.PersonID, clock.Now()))
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, r)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("record the meeting: status %d\n%s", rec.Code, rec.Body)
			}
		}
		record("sam", "aisha.luton", "facilitator@roundtable.example")
		check("a meeting recorded")

		claimOf := func(login, source string, sourceID int64) payments.Claim {
			t.Helper()
			cs, err := payments.ClaimsOfPerson(ctx, d, who[login].PersonID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if c.Source == source && c.SourceID == sourceID {
					return c
				}
			}
			t.Fatalf("%s has no claim for %s %d", login, source, sourceID)
			return payments.Claim{}
		}
		sams := claimOf("sam", payments.FromMeeting, meeting)
		if err := payments.Choose(ctx, d, who["sam"], sams.ID, payments.Choice{Method: "transfer", Confirm: true}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := payments.Approve(ctx, d, fac, sams.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		check("a claim approved")
		clock.Set(time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC))
		london, err := time.LoadLocation("Europe/London")
		if err != nil {
			t.Fatal(err)
		}
		paidOn := time.Date(2026, 3, 30, 0, 0, 0, 0, london)
		if err := payments.MarkPaid(ctx, d, who["finance@roundtable.example"], sams.ID, payments.Payment{On: paidOn, Reference: "LHP-1"}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		var days int
		if err := d.Read.QueryRow("SELECT days_to_pay FROM payment_claims WHERE id = $1", sams.ID).Scan(&days); err != nil || days != 2 {
			t.Errorf("days to payment = %d (%v), want 2", days, err)
		}
		check("a claim paid")

		// Recorded again without Aisha: her owed claim is withdrawn and her place goes.
		record("sam", "facilitator@roundtable.example")
		if cs, _ := payments.ClaimsOfPerson(ctx, d, who["aisha.luton"].PersonID); slices.ContainsFunc(cs, func(c payments.Claim) bool { return c.SourceID == meeting && c.Source == payments.FromMeeting }) {
			t.Error("Aisha's claim was not withdrawn")
		}
		check("a claim withdrawn")

		o, err := payments.AttendedOccasion(ctx, d, who["sam"].PersonID, payments.FromMeeting, meeting)
		if err != nil {
			t.Fatal(err)
		}
		if err := payments.Answer(ctx, d, who["sam"], o, "partly", "yes"); err != nil {
			t.Fatal(err)
		}
		check("quick questions after a meeting")

		// Sam's claim for an activity in Luton's open bid is paid, and Sam answers the quick
		// questions: no programme counts them until the bid is submitted.
		officer := who["officer@roundtable.example"]
		bids, err := funding.BidsOfCouncil(ctx, d, councilOrg)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(bids, func(b funding.Bid) bool { return !b.Submitted() })
		if i < 0 {
			t.Fatal("no open bid in the demo")
		}
		bid := bids[i]
		p, err := funding.GetProgramme(ctx, d, bid.ProgrammeID, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := funding.GetBid(ctx, d, bid.ID)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := payments.ClaimsOfPerson(ctx, d, who["sam"].PersonID)
		if err != nil {
			t.Fatal(err)
		}
		j := slices.IndexFunc(cs, func(c payments.Claim) bool {
			return c.Source == payments.FromActivity && slices.Contains(b.ActivityIDs, c.SourceID)
		})
		if j < 0 {
			t.Fatalf("Sam has no claim for the bid's activities %v", b.ActivityIDs)
		}
		activity := cs[j]
		if activity.Status == payments.Owed {
			if err := payments.Approve(ctx, d, officer, activity.ID, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := payments.MarkPaid(ctx, d, who["council-finance"], activity.ID, payments.Payment{On: paidOn, Reference: "LBC-1"}, clock.Now()); err != nil {
			t.Fatal(err)
		}
		check("an activity's claim paid")
		o, err = payments.AttendedOccasion(ctx, d, who["sam"].PersonID, payments.FromActivity, activity.SourceID)
		if err != nil {
			t.Fatal(err)
		}
		if err := payments.Answer(ctx, d, who["sam"], o, "yes", "yes"); err != nil {
			t.Fatal(err)
		}
		check("quick questions after an activity")
		// The bid finished and submitted: its activities join the programme's figures.
		in := funding.SectionInput{Completed: true, Title: "Luton move-on", Summary: "Homes.", Contact: "Grace", Homes: 10, Amounts: map[int64]int64{},
			Support: "Tenancy support.", Evidence: "The panel and the survey.", Activities: b.ActivityIDs, DeclaredBy: "Director", Declared: true}
		for _, pot := range p.Pots {
			in.Amounts[pot.ID] = min(100_000_00, pot.BidLimitPence)
		}
		for _, s := range []string{"about", "amounts", "support", "evidence", "declarations"} {
			in.Section = s
			if err := funding.SaveSection(ctx, d, officer, bid.ID, councilOrg, in, p.Pots, clock.Now()); err != nil {
				t.Fatalf("section %s: %v", s, err)
			}
		}
		if _, err := funding.Submit(ctx, d, officer, bid.ID, councilOrg, clock.Now()); err != nil {
			t.Fatal(err)
		}
		check("a bid submitted")
		progs, err := payments.ProgrammeFigures(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		k := slices.IndexFunc(progs, func(r payments.NationalRow) bool {
			return r.Link == fmt.Sprintf("/funding/programmes/%d", bid.ProgrammeID)
		})
		if k < 0 || progs[k].Figures.PaidClaims != 1 || progs[k].Figures.Answers != 1 || progs[k].Figures.Listened != 1 {
			t.Errorf("after the bid was submitted, its programme does not count Sam's paid claim and answers")
		}

	})
}
