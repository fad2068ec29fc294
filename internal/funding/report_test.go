package funding_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

// reportDiffs lists where the programme's report, read a page at a time from its running
// totals, differs from the same facts worked out afresh for each submitted bid with
// GetBid, BuildEvidence and GetAssessment.
func reportDiffs(t *testing.T, d *db.DB, p funding.Programme) []string {
	t.Helper()
	ctx := context.Background()
	bids, err := funding.BidsOfProgramme(ctx, d, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID                      int64
		Council, Hours, Awarded string
		Met                     bool
		Score                   string
	}
	var want []row
	var met int
	var people, minutes int64
	took := map[directory.StakeholderType]int{}
	for _, b := range bids {
		if !b.Submitted() {
			continue
		}
		full, err := funding.GetBid(ctx, d, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := funding.BuildEvidence(ctx, d, full, p)
		if err != nil {
			t.Fatal(err)
		}
		as, err := funding.GetAssessment(ctx, d, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := funding.ReportRow{Bid: full, Outcome: as.Outcome}
		score := "none"
		if as.Outcome != nil {
			score = fmt.Sprint(as.Outcome.Score)
		}
		want = append(want, row{b.ID, full.CouncilName, ev.LivedExperienceHours(), r.Awarded(), ev.MeetsRequirement(), score})
		if ev.MeetsRequirement() {
			met++
		}
		people += ev.LivedExperiencePeople
		minutes += ev.LivedExperienceMinutes
		seen := map[directory.StakeholderType]bool{}
		for _, a := range ev.Activities {
			for _, pp := range a.Participants {
				seen[pp.Type] = true
			}
		}
		for ty := range seen {
			took[ty]++
		}
	}
	var diffs []string
	var got []row
	for offset := 0; ; offset += 25 {
		rep, err := funding.BuildReport(ctx, d, p, 25, offset)
		if err != nil {
			t.Fatal(err)
		}
		if offset == 0 {
			if rep.Submitted != len(want) || rep.Met != met || rep.LivedPeople != people || rep.LivedHours != fmt.Sprint(funding.Evidence{LivedExperienceMinutes: minutes}.LivedExperienceHours()) {
				diffs = append(diffs, fmt.Sprintf("programme %d: submitted %d, met %d, lived %d people %s hours; want %d, %d, %d, %d minutes",
					p.ID, rep.Submitted, rep.Met, rep.LivedPeople, rep.LivedHours, len(want), met, people, minutes))
			}
			for i, c := range rep.Coverage {
				if c.Type != p.RequiredTypes[i] || c.Bids != took[c.Type] {
					diffs = append(diffs, fmt.Sprintf("programme %d: %s in %d bids, want %d", p.ID, c.Type, c.Bids, took[c.Type]))
				}
			}
		}
		for _, r := range rep.Rows {
			score := "none"
			if r.Outcome != nil {
				score = fmt.Sprint(r.Outcome.Score)
			}
			got = append(got, row{r.Bid.ID, r.Bid.CouncilName, r.Evidence.LivedExperienceHours(), r.Awarded(), r.Evidence.MeetsRequirement(), score})
		}
		if len(rep.Rows) < 25 {
			break
		}
	}
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("programme %d: %d rows over the pages, want %d", p.ID, len(got), len(want)))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			diffs = append(diffs, fmt.Sprintf("programme %d: row %d is %+v, want %+v", p.ID, i, got[i], want[i]))
		}
	}
	return diffs
}

// everyReportDiffs checks the report of every published programme.
func everyReportDiffs(t *testing.T, d *db.DB) []string {
	t.Helper()
	ps, err := funding.ListProgrammes(context.Background(), d, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		full, err := funding.GetProgramme(context.Background(), d, p.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, reportDiffs(t, d, full)...)
	}
	return out
}

// TestReportAgreesWithEachBid checks the programme report's figures against each bid's own
// evidence and outcome on the demo data, after bids are submitted with people taking part,
// someone joins a submitted bid's activity, and an outcome is decided; and that a change
// behind the running totals' back is caught.
func TestReportAgreesWithEachBid(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)
		if _, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: shareddata.Path(t, shareddata.Authorities), Now: func() time.Time { return now }}); err != nil {
			t.Fatal(err)
		}
		for _, x := range everyReportDiffs(t, d) {
			t.Error("demo data: " + x)
		}

		p, pot := publishedProgramme(t, d, now.Add(-time.Hour), now.Add(30*24*time.Hour))
		luton, bedford := council(t, d, lutonCode), council(t, d, bedfordCode)
		bids := map[int64]int64{}
		acts := map[int64]int64{}
		for _, c := range []struct {
			council int64
			took    []funding.NewParticipant
		}{
			{luton, []funding.NewParticipant{{Type: directory.LivedExperience, AnonymousCount: 3}, {Type: directory.Probation, AnonymousCount: 2}}},
			{bedford, []funding.NewParticipant{{Type: directory.LivedExperience, AnonymousCount: 5}, {Type: directory.SupportProvider, AnonymousCount: 1}}},
		} {
			bid, err := funding.StartBid(ctx, d, officerID, p.ID, c.council, now)
			if err != nil {
				t.Fatal(err)
			}
			act, err := funding.AddActivity(ctx, d, officerID, c.council, funding.NewActivity{Title: "Meeting", HeldOn: now.Add(-time.Hour), Format: "meeting", Minutes: 90}, now)
			if err != nil {
				t.Fatal(err)
			}
			for _, pp := range c.took {
				if err := funding.AddParticipant(ctx, d, officerID, c.council, act, pp, now); err != nil {
					t.Fatal(err)
				}
			}
			for _, in := range []funding.SectionInput{
				{Section: "about", Title: "T", Summary: "S", Contact: "C"},
				{Section: "amounts", Amounts: map[int64]int64{pot.ID: 100_000_000}, Homes: 10},
				{Section: "support", Support: "Support"},
				{Section: "evidence", Evidence: "E", Activities: []int64{act}},
				{Section: "declarations", DeclaredBy: "Director", Declared: true},
			} {
				in.Completed = true
				if err := funding.SaveSection(ctx, d, officerID, bid, c.council, in, p.Pots, now); err != nil {
					t.Fatalf("section %s: %v", in.Section, err)
				}
			}
			if _, err := funding.Submit(ctx, d, officerID, bid, c.council, now); err != nil {
				t.Fatal(err)
			}
			bids[c.council], acts[c.council] = bid, act
		}
		// Bedford's bid lacked probation until someone joins its activity after submission.
		if err := funding.AddParticipant(ctx, d, officerID, bedford, acts[bedford], funding.NewParticipant{Type: directory.Probation, AnonymousCount: 1}, now); err != nil {
			t.Fatal(err)
		}
		assessors, err := db.Collect(ctx, d.Read, func(s db.Scanner) (int64, error) {
			var id int64
			return id, s.Scan(&id)
		}, `SELECT DISTINCT p.id FROM people p JOIN memberships m ON m.person_id = p.id
			WHERE m.role IN ('assessor', 'member') AND p.disabled_at IS NULL ORDER BY p.id LIMIT 2`)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range assessors {
			by := &auth.Identity{PersonID: a, DisplayName: "Assessor"}
			if err := funding.AddAssessor(ctx, d, nil, p.ID, a, now); err != nil {
				t.Fatal(err)
			}
			if err := funding.DeclareInterest(ctx, d, by, bids[luton], false, "", now); err != nil {
				t.Fatal(err)
			}
			if err := funding.ScoreBid(ctx, d, by, bids[luton], 4, "Good.", now); err != nil {
				t.Fatal(err)
			}
		}
		if err := funding.Moderate(ctx, d, nil, bids[luton], funding.Decision{Score: 4, Notes: "Agreed.", Funded: true, Awards: map[int64]int64{pot.ID: 50_000_000}}, p.Pots, now); err != nil {
			t.Fatal(err)
		}
		p, err = funding.GetProgramme(ctx, d, p.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := funding.BuildReport(ctx, d, p, 25, 0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Submitted != 2 || rep.Met != 2 || rep.LivedPeople != 8 || rep.LivedHours != "12" || len(rep.Rows) != 2 || rep.Rows[0].Awarded() != "£500,000" {
			t.Errorf("report %+v, want 2 bids both meeting the requirement, 8 people for 12 hours, Luton awarded £500,000", rep)
		}
		for _, x := range everyReportDiffs(t, d) {
			t.Error("after changes: " + x)
		}

		// Someone written into Luton's activity without the recount must show as a difference.
		if _, err := d.Write.ExecContext(ctx, "INSERT INTO funding_participants (activity_id, stakeholder_type, anonymous_count) VALUES ($1, $2, 4)",
			acts[luton], string(directory.LivedExperience)); err != nil {
			t.Fatal(err)
		}
		if diffs := reportDiffs(t, d, p); len(diffs) == 0 {
			t.Error("a participant added behind the running totals' back went unnoticed")
		}
	})
}
