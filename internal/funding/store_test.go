package funding_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

var officerID = &auth.Identity{PersonID: 0, DisplayName: "Officer"}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error %v (code %q), want code %q", err, errs.CodeOf(err), code)
	}
}

// publishedProgramme makes a published programme with one capital pot (limit £1,000,000).
func publishedProgramme(t *testing.T, d *db.DB, opens, closes time.Time) (funding.Programme, funding.Pot) {
	t.Helper()
	ctx := context.Background()
	id, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "Test programme", Purpose: "Homes.", HomesTarget: 100,
		OpensAt: opens, ClosesAt: closes, RequiredTypes: []directory.StakeholderType{directory.LivedExperience, directory.Probation},
		Questions: []string{"Who took part?"}}, opens)
	if err != nil {
		t.Fatal(err)
	}
	if err := funding.AddPot(ctx, d, nil, id, funding.NewPot{Name: "Capital", Kind: "capital", AmountPence: 500_000_000, BidLimitPence: 100_000_000}, opens); err != nil {
		t.Fatal(err)
	}
	if err := funding.Publish(ctx, d, nil, id, opens); err != nil {
		t.Fatal(err)
	}
	p, err := funding.GetProgramme(ctx, d, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return p, p.Pots[0]
}

// completeBid starts and completes every section of a council's bid at now.
func completeBid(t *testing.T, d *db.DB, p funding.Programme, councilID int64, now time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	bid, err := funding.StartBid(ctx, d, officerID, p.ID, councilID, now)
	if err != nil {
		t.Fatal(err)
	}
	act, err := funding.AddActivity(ctx, d, officerID, councilID, funding.NewActivity{Title: "Meeting", HeldOn: now.Add(-time.Hour), Format: "meeting", Minutes: 60}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []funding.SectionInput{
		{Section: "about", Title: "T", Summary: "S", Contact: "C"},
		{Section: "amounts", Amounts: map[int64]int64{p.Pots[0].ID: 100_000_000}, Homes: 10},
		{Section: "support", Support: "Support"},
		{Section: "evidence", Evidence: "E", Activities: []int64{act}},
		{Section: "declarations", DeclaredBy: "Director", Declared: true},
	} {
		in.Completed = true
		if err := funding.SaveSection(ctx, d, officerID, bid, councilID, in, p.Pots, now); err != nil {
			t.Fatalf("section %s: %v", in.Section, err)
		}
	}
	return bid
}

// TestDeadline checks the deadline at the exact boundary in winter (GMT) and in British
// Summer Time, where 23:59 in London is 22:59 UTC.
func TestDeadline(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		ctx := context.Background()
		luton, bedford := council(t, d, lutonCode), council(t, d, bedfordCode)
		for _, tc := range []struct {
			name   string
			closes time.Time
			utc    time.Time // the same instant in UTC
		}{
			{"summer (BST), the NSAP deadline", time.Date(2020, 8, 20, 23, 59, 0, 0, london()), time.Date(2020, 8, 20, 22, 59, 0, 0, time.UTC)},
			{"winter (GMT)", time.Date(2021, 1, 20, 23, 59, 0, 0, london()), time.Date(2021, 1, 20, 23, 59, 0, 0, time.UTC)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if !tc.closes.Equal(tc.utc) {
					t.Fatalf("%v is not %v", tc.closes, tc.utc)
				}
				p, _ := publishedProgramme(t, d, tc.closes.AddDate(0, -1, 0), tc.closes)
				// One second before the deadline: accepted.
				early := completeBid(t, d, p, luton, tc.closes.Add(-time.Hour))
				if _, err := funding.Submit(ctx, d, officerID, early, luton, tc.utc.Add(-time.Second)); err != nil {
					t.Fatalf("one second before the deadline: %v", err)
				}
				// At the deadline: refused, with a message naming it in London time.
				late := completeBid(t, d, p, bedford, tc.closes.Add(-time.Hour))
				_, err := funding.Submit(ctx, d, officerID, late, bedford, tc.utc)
				wantCode(t, err, errs.Conflict)
				if want := "11:59pm on "; !contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err.Error(), want)
				}
				// Changes too are refused after the deadline.
				err = funding.SaveSection(ctx, d, officerID, late, bedford, funding.SectionInput{Section: "about", Title: "Late"}, p.Pots, tc.utc.Add(time.Minute))
				wantCode(t, err, errs.Conflict)
				b, err := funding.GetBid(ctx, d, late)
				if err != nil {
					t.Fatal(err)
				}
				if b.Submitted() || b.Title != "T" {
					t.Errorf("late bid changed: submitted %v, title %q", b.Submitted(), b.Title)
				}
				// No new bid once closed.
				_, err = funding.StartBid(ctx, d, officerID, p.ID, council(t, d, "E09000033"), tc.utc)
				wantCode(t, err, errs.Conflict)
				// Submitting twice is harmless.
				already, err := funding.Submit(ctx, d, officerID, early, luton, tc.utc.Add(time.Hour))
				if err != nil || !already {
					t.Errorf("submitting again: already %v, err %v", already, err)
				}
			})
		}
		// In BST a submission at 23:30 UTC is already past 23:59 London time.
		p, _ := publishedProgramme(t, d, time.Date(2020, 7, 18, 9, 0, 0, 0, london()), time.Date(2020, 8, 20, 23, 59, 0, 0, london()))
		bid := completeBid(t, d, p, council(t, d, "E06000001"), time.Date(2020, 8, 1, 12, 0, 0, 0, time.UTC))
		_, err := funding.Submit(ctx, d, officerID, bid, council(t, d, "E06000001"), time.Date(2020, 8, 20, 23, 30, 0, 0, time.UTC))
		wantCode(t, err, errs.Conflict)
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestStoreRulesAndEvidence(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		importRegister(t, d)
		ctx := context.Background()
		luton, bedford := council(t, d, lutonCode), council(t, d, bedfordCode)
		now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
		p, pot := publishedProgramme(t, d, now.Add(-time.Hour), now.AddDate(0, 1, 0))

		// Not yet open.
		future, _ := publishedProgramme(t, d, now.Add(time.Hour), now.AddDate(0, 1, 0))
		_, err := funding.StartBid(ctx, d, officerID, future.ID, luton, now)
		wantCode(t, err, errs.Conflict)
		// Drafts are not found unless asked for.
		draft, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "Draft", Purpose: "x", HomesTarget: 1, OpensAt: now, ClosesAt: now.Add(time.Hour),
			RequiredTypes: []directory.StakeholderType{directory.LivedExperience}, Questions: []string{"q"}}, now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = funding.GetProgramme(ctx, d, draft, false)
		wantCode(t, err, errs.NotFound)
		_, err = funding.StartBid(ctx, d, officerID, draft, luton, now)
		wantCode(t, err, errs.NotFound)
		if list, _ := funding.ListProgrammes(ctx, d, false); len(list) != 2 {
			t.Errorf("%d published programmes listed, want 2", len(list))
		}

		bid, err := funding.StartBid(ctx, d, officerID, p.ID, luton, now)
		if err != nil {
			t.Fatal(err)
		}
		// Amounts within the pot's limit; another council cannot save into this bid.
		err = funding.SaveSection(ctx, d, officerID, bid, luton, funding.SectionInput{Section: "amounts", Amounts: map[int64]int64{pot.ID: pot.BidLimitPence + 100}, Homes: 3}, p.Pots, now)
		wantCode(t, err, errs.Invalid)
		err = funding.SaveSection(ctx, d, officerID, bid, bedford, funding.SectionInput{Section: "about", Title: "Mine now"}, p.Pots, now)
		wantCode(t, err, errs.NotFound)

		// The log: another council's activity cannot be evidence, participants or answers.
		lAct, err := funding.AddActivity(ctx, d, officerID, luton, funding.NewActivity{Title: "Workshop", HeldOn: now.Add(-48 * time.Hour), Format: "workshop", Minutes: 120}, now)
		if err != nil {
			t.Fatal(err)
		}
		bAct, err := funding.AddActivity(ctx, d, officerID, bedford, funding.NewActivity{Title: "Theirs", HeldOn: now.Add(-48 * time.Hour), Format: "survey", Minutes: 30}, now)
		if err != nil {
			t.Fatal(err)
		}
		err = funding.SaveSection(ctx, d, officerID, bid, luton, funding.SectionInput{Section: "evidence", Evidence: "x", Activities: []int64{bAct}}, p.Pots, now)
		wantCode(t, err, errs.Invalid)
		err = funding.AddParticipant(ctx, d, officerID, bedford, lAct, funding.NewParticipant{Type: directory.LivedExperience, AnonymousCount: 2}, now)
		wantCode(t, err, errs.NotFound)
		_, err = funding.AddActivity(ctx, d, officerID, luton, funding.NewActivity{Title: "Tomorrow", HeldOn: now.Add(48 * time.Hour), Format: "meeting", Minutes: 60}, now)
		wantCode(t, err, errs.Invalid)

		for _, pp := range []funding.NewParticipant{
			{Type: directory.LivedExperience, AnonymousCount: 4},
			{Type: directory.SupportProvider, AnonymousCount: 1},
			{Type: directory.CouncilType, AnonymousCount: 2},
		} {
			if err := funding.AddParticipant(ctx, d, officerID, luton, lAct, pp, now); err != nil {
				t.Fatal(err)
			}
		}
		err = funding.AddParticipant(ctx, d, officerID, luton, lAct, funding.NewParticipant{Type: directory.LivedExperience}, now)
		wantCode(t, err, errs.Invalid)
		var cids []int64
		for i, said := range []string{"Keep support going after the move.", "Homes near family.", "Pay people for their time.", "Use private lets."} {
			c, err := funding.AddContribution(ctx, d, officerID, luton, lAct, funding.NewContribution{Type: directory.LivedExperience, Said: said, MayQuote: i == 0}, now)
			if err != nil {
				t.Fatal(err)
			}
			cids = append(cids, c)
		}
		wantCode(t, funding.Respond(ctx, d, officerID, luton, cids[0], "adopted", "", now), errs.Invalid)
		wantCode(t, funding.Respond(ctx, d, officerID, bedford, cids[0], "adopted", "Because", now), errs.NotFound)
		for i, r := range []string{"adopted", "adapted", "not_taken_forward"} {
			if err := funding.Respond(ctx, d, officerID, luton, cids[i], r, "Because we could.", now); err != nil {
				t.Fatal(err)
			}
		}
		if err := funding.SaveSection(ctx, d, officerID, bid, luton, funding.SectionInput{Section: "evidence", Evidence: "x", Activities: []int64{lAct}, Completed: true}, p.Pots, now); err != nil {
			t.Fatal(err)
		}
		b, err := funding.GetBid(ctx, d, bid)
		if err != nil {
			t.Fatal(err)
		}
		e, err := funding.BuildEvidence(ctx, d, b, p)
		if err != nil {
			t.Fatal(err)
		}
		if e.LivedExperiencePeople != 4 || e.LivedExperienceHours() != "8" || e.Contributions != 4 || e.ActedOn != 2 || e.Answered != 3 || e.ActedOnPercent() != 50 {
			t.Errorf("evidence %+v", e)
		}
		if len(e.Missing) != 1 || e.Missing[0] != directory.Probation || e.MeetsRequirement() {
			t.Errorf("missing %v, meets %v; want probation missing", e.Missing, e.MeetsRequirement())
		}
		if len(e.Quotes) != 1 || e.Quotes[0].Said != "Keep support going after the move." {
			t.Errorf("quotes %+v", e.Quotes)
		}
		if len(e.Other) != 2 {
			t.Errorf("other types %v, want support provider and council", e.Other)
		}
		if n := countWhere(t, d, "SELECT count(*) FROM audit_log WHERE action = 'contribution.answered'"); n != 3 {
			t.Errorf("%d answers audited, want 3", n)
		}
	})
}

func TestMoneyAndTime(t *testing.T) {
	for pence, want := range map[int64]string{0: "£0", 13_000_000_000: "£130,000,000", 123456: "£1,234.56", 105: "£1.05", -500: "-£5"} {
		if got := funding.Money(pence); got != want {
			t.Errorf("Money(%d) = %q, want %q", pence, got, want)
		}
	}
	for in, want := range map[string]int64{"1,250,000": 125_000_000, "£500": 50_000, " 0 ": 0} {
		if got, msg := funding.ParsePounds(in); msg != "" || got != want {
			t.Errorf("ParsePounds(%q) = %d, %q", in, got, msg)
		}
	}
	for _, in := range []string{"-1", "1.50", "ten", "", "1e9"} {
		if _, msg := funding.ParsePounds(in); msg == "" {
			t.Errorf("ParsePounds(%q) accepted", in)
		}
	}
	deadline := time.Date(2020, 8, 20, 22, 59, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Second: "The deadline has passed", 0: "The deadline has passed", 30 * time.Second: "Less than a minute left",
		time.Minute: "1 minute left", 90 * time.Minute: "1 hour and 30 minutes left", 49 * time.Hour: "2 days and 1 hour left",
	} {
		if got := funding.TimeLeft(deadline.Add(-d), deadline); got != want {
			t.Errorf("TimeLeft %v before = %q, want %q", d, got, want)
		}
	}
}

// TestBidsToAssessReadThroughTheIndexes checks the plan of a page of bids to assess: the
// person's programmes in order and each one's submitted bids through its index, sorting at most
// one programme's bids at a time and never every bid, before the page's own rows are read. The
// plan is fixed by CROSS JOIN, not left to the planner's statistics: with those ANALYZE wrote
// for the national dataset (sqlite_stat4's samples included, which a test cannot easily make),
// SQLite once chose to scan every council's bids instead, 15 ms a page.
func TestBidsToAssessReadThroughTheIndexes(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	joined := dbtest.Plan(t, d, funding.AssessPageSQL, 1, 50, 0)
	// The page's bids come first, through the two indexes; only the page's own rows are then
	// read by id and sorted whole.
	page, rest, _ := strings.Cut(joined, "SCAN page")
	if !strings.Contains(page, "SEARCH a USING COVERING INDEX funding_assessors_person_programme") ||
		!strings.Contains(page, "SEARCH b USING INDEX funding_bids_programme_submitted") ||
		strings.Contains(page, "TEMP B-TREE FOR ORDER BY") || !strings.Contains(rest, "SEARCH b USING INTEGER PRIMARY KEY") {
		t.Errorf("bids to assess are not read through the indexes in order:\n%s", joined)
	}
}

func TestBidsTakenPartInFoundThroughTheIndexesAlone(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	joined := dbtest.Plan(t, d, funding.TookPartSQL, 1)
	// Person to activity to bid from the indexes alone; only the bids' own rows are read.
	if !strings.Contains(joined, "SEARCH fp USING COVERING INDEX funding_participants_person_activity") ||
		!strings.Contains(joined, "SEARCH ba USING COVERING INDEX funding_bid_activities_activity_bid") {
		t.Errorf("the bids a person took part in are not found through the indexes alone:\n%s", joined)
	}
}
