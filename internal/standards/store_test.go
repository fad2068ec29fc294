package standards_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roundtable/internal/consent"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/standards"
)

func TestDiff(t *testing.T) {
	show := func(spans []standards.Span) string {
		var parts []string
		for _, s := range spans {
			switch s.Op {
			case standards.Insert:
				parts = append(parts, "+{"+s.Text+"}")
			case standards.Deleted:
				parts = append(parts, "-{"+s.Text+"}")
			default:
				parts = append(parts, s.Text)
			}
		}
		return strings.Join(parts, " ")
	}
	for _, c := range []struct{ before, after, want string }{
		{"", "", ""},
		{"", "new words", "+{new words}"},
		{"old words", "", "-{old words}"},
		{"the council asks people", "the council pays people", "the council -{asks} +{pays} people"},
		{"a b c d", "a c d e", "a -{b} c d +{e}"},
		{"same\ntext  here", "same text here", "same text here"},
		{"pay people for their time", "always pay people fairly for their time and travel", "+{always} pay people +{fairly} for their time +{and travel}"},
	} {
		if got := show(standards.Diff(c.before, c.after)); got != c.want {
			t.Errorf("Diff(%q, %q) = %q, want %q", c.before, c.after, got, c.want)
		}
	}
	if standards.Changed(standards.Diff("a b", "a b")) || !standards.Changed(standards.Diff("a", "b")) {
		t.Error("Changed is wrong")
	}
}

// TestDrafting follows a standard from proposals through consent to the draft, with the bad
// input and access rules of the issue.
func TestDrafting(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		draft, err := standards.Draft(ctx, d, w.std.ID)
		if err != nil || len(draft) != 2 || draft[0].Number != 1 || draft[1].Title != "Working together" {
			t.Fatalf("draft %+v, %v", draft, err)
		}
		if ind := draft[0].Indicators; len(ind) != 1 || ind[0].Key != "1.1" || ind[0].Levels[ladder.CoProduction] == "" {
			t.Errorf("indicators %+v", ind)
		}

		// Only the drafting group proposes; the panel must be the proposer's own.
		n := standards.NewProposal{Kind: standards.AmendClause, ClauseNumber: 2, PanelID: w.luton.ID, Title: "Working together",
			Wording: "The council and people with lived experience decide together, from the start.", Reason: "From the start matters.",
			CloseDate: "2026-03-03", Quorum: "3"}
		wantCode(t, errOf(standards.Propose(ctx, d, w.std, n, w.who["outsider"], start)), errs.Forbidden)
		wantCode(t, errOf(standards.Propose(ctx, d, w.std, n, w.who["officer"], start)), errs.Forbidden)
		bad := n
		bad.PanelID = w.luton.ID
		e := wantCode(t, errOf(standards.Propose(ctx, d, w.std, bad, w.who["bpool"], start)), errs.Invalid)
		if e.Fields["panel"] == "" {
			t.Errorf("a Blackpool member proposing from Luton: %v", e.Fields)
		}
		e = wantCode(t, errOf(standards.Propose(ctx, d, w.std, standards.NewProposal{Kind: standards.AmendClause, ClauseNumber: 9}, w.who["sam"], start)), errs.Invalid)
		for _, f := range []string{"clause", "title", "wording", "reason", "panel", "close_date", "quorum"} {
			if e.Fields[f] == "" {
				t.Errorf("empty amendment: no message for %s in %v", f, e.Fields)
			}
		}
		past := n
		past.CloseDate = "2026-03-01"
		if e := wantCode(t, errOf(standards.Propose(ctx, d, w.std, past, w.who["sam"], start)), errs.Invalid); e.Fields["close_date"] == "" {
			t.Errorf("close date in the past: %v", e.Fields)
		}

		id, err := standards.Propose(ctx, d, w.std, n, w.who["sam"], start)
		if err != nil {
			t.Fatal(err)
		}
		p := w.proposal(id)
		if p.BaseRevision != 1 || p.PanelName != "Luton Homelessness Partnership" || p.State != standards.Open || p.Round.Quorum != 3 {
			t.Errorf("proposal %+v", p)
		}
		if err := standards.AddComment(ctx, d, w.std, p, w.who["bpool"], "Yes, from the very start.", start.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, standards.AddComment(ctx, d, w.std, p, w.who["outsider"], "Let me in.", start), errs.Forbidden)
		wantCode(t, standards.AddComment(ctx, d, w.std, p, w.who["bpool"], " ", start), errs.Invalid)

		// Two consent, one objects and must give a reason; the facilitator resolves it.
		at := start.Add(time.Hour)
		for _, who := range []string{"aisha", "bpool"} {
			if err := standards.Respond(ctx, d, w.std, p, w.who[who], consent.Consent, "", at); err != nil {
				t.Fatal(err)
			}
		}
		if e := wantCode(t, standards.Respond(ctx, d, w.std, p, w.who["marek"], consent.Object, "  ", at), errs.Invalid); e.Fields["reason"] == "" {
			t.Errorf("objection without a reason: %v", e.Fields)
		}
		wantCode(t, standards.Respond(ctx, d, w.std, p, w.who["outsider"], consent.Consent, "", at), errs.Forbidden)
		if err := standards.Respond(ctx, d, w.std, p, w.who["marek"], consent.Object, "Say who pays for travel.", at); err != nil {
			t.Fatal(err)
		}
		wantCode(t, standards.ResolveObjection(ctx, d, w.std, p, w.ids["marek"], w.who["sam"], "Fine.", at), errs.Forbidden)
		wantCode(t, standards.ResolveObjection(ctx, d, w.std, p, w.ids["marek"], w.who["facilitator"], "", at), errs.Invalid)
		if err := standards.ResolveObjection(ctx, d, w.std, p, w.ids["marek"], w.who["facilitator"], "Travel is in clause 1.", at); err != nil {
			t.Fatal(err)
		}

		// After the close date, responses are refused and the outcome can be recorded.
		closed := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
		wantCode(t, standards.Respond(ctx, d, w.std, p, w.who["sam"], consent.Consent, "", closed), errs.Conflict)
		wantCode(t, errOf(standards.Decide(ctx, d, w.std, p, w.who["facilitator"], "Too soon.", at)), errs.Conflict)
		wantCode(t, errOf(standards.Decide(ctx, d, w.std, p, w.who["sam"], "Agreed.", closed)), errs.Forbidden)
		wantCode(t, errOf(standards.Decide(ctx, d, w.std, p, w.who["facilitator"], "", closed)), errs.Invalid)
		state, err := standards.Decide(ctx, d, w.std, p, w.who["facilitator"], "Agreed by consent; travel is covered by clause 1.", closed)
		if err != nil || state != standards.Accepted {
			t.Fatalf("decide: %v, %v", state, err)
		}
		wantCode(t, errOf(standards.Decide(ctx, d, w.std, w.proposal(id), w.who["facilitator"], "Again.", closed)), errs.Conflict)
		c, err := standards.ClauseByNumber(ctx, d, w.std.ID, 2)
		if err != nil || c.Revision != 2 || !strings.HasSuffix(c.Wording, "from the start.") {
			t.Errorf("clause after the amendment %+v, %v", c, err)
		}
		h, err := standards.ClauseHistory(ctx, d, w.std.ID, 2)
		if err != nil || len(h) != 2 {
			t.Fatalf("history %+v, %v", h, err)
		}
		if h[1].ProposalID != id || h[1].PanelName != "Luton Homelessness Partnership" || h[1].ProposerName != "Test sam" ||
			!h[1].At.Equal(closed) || !standards.Changed(h[1].Diff) || !strings.Contains(h[1].Statement, "travel") {
			t.Errorf("provenance %+v", h[1])
		}

		// Two amendments to one clause: the second was made against the old wording, so when
		// it is agreed it is flagged as a conflict and the draft is left alone.
		first := w.propose(standards.NewProposal{Kind: standards.AmendClause, ClauseNumber: 1, Title: "Inclusive opportunities", Wording: "Paid roles for all."})
		second := w.propose(standards.NewProposal{Kind: standards.AmendClause, ClauseNumber: 1, Title: "Inclusive opportunities", Wording: "Paid roles for some."})
		if state := w.agree(first, closed); state != standards.Accepted {
			t.Fatalf("first amendment %s", state)
		}
		if state := w.agree(second, closed); state != standards.Conflicted {
			t.Fatalf("second amendment %s, want a conflict", state)
		}
		if c, _ := standards.ClauseByNumber(ctx, d, w.std.ID, 1); c.Wording != "Paid roles for all." {
			t.Errorf("clause 1 is %q after the conflicting amendment", c.Wording)
		}
		if got := w.proposal(second.ID); got.State != standards.Conflicted || got.Statement != "Agreed." {
			t.Errorf("conflicting proposal %+v", got)
		}

		// An objection left standing means not agreed.
		rm := w.propose(standards.NewProposal{Kind: standards.RemoveClause, ClauseNumber: 2})
		if err := standards.Respond(ctx, d, w.std, rm, w.who["marek"], consent.Object, "We need it.", at); err != nil {
			t.Fatal(err)
		}
		if state, err := standards.Decide(ctx, d, w.std, rm, w.who["facilitator"], "Not agreed.", closed); err != nil || state != standards.NotAgreed {
			t.Errorf("removal with a standing objection: %v, %v", state, err)
		}
		if draft, _ := standards.Draft(ctx, d, w.std.ID); len(draft) != 2 {
			t.Errorf("draft has %d clauses after a removal not agreed", len(draft))
		}

		if n, problems, err := audit.Verify(ctx, d); err != nil || len(problems) > 0 || n == 0 {
			t.Errorf("audit: %d checked, %v, %v", n, problems, err)
		}
	})
}

// TestVersions publishes, changes the draft, publishes again and compares, and checks that a
// published version never changes.
func TestVersions(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		day := func(n int) time.Time { return start.AddDate(0, 0, n) }
		wantCode(t, errOf(standards.Publish(ctx, d, w.std, false, "First.", w.who["sam"], day(2))), errs.Forbidden)
		wantCode(t, errOf(standards.Publish(ctx, d, w.std, false, "", w.who["facilitator"], day(2))), errs.Invalid)
		v1, err := standards.Publish(ctx, d, w.std, false, "The first version.", w.who["facilitator"], day(2))
		if err != nil || v1.Number != "1.0" {
			t.Fatalf("first version %+v, %v", v1, err)
		}
		wantCode(t, errOf(standards.Publish(ctx, d, w.std, false, "Again.", w.who["facilitator"], day(3))), errs.Conflict)
		frozen, err := standards.VersionClauses(ctx, d, v1.ID)
		if err != nil || len(frozen) != 2 {
			t.Fatal(err)
		}

		amend := w.propose(standards.NewProposal{Kind: standards.AmendClause, ClauseNumber: 2, Title: "Working together",
			Wording: "The council and people with lived experience decide everything together."})
		w.agree(amend, day(3))
		remove := w.propose(standards.NewProposal{Kind: standards.RemoveClause, ClauseNumber: 1})
		w.agree(remove, day(3))
		add := w.propose(standards.NewProposal{Kind: standards.AddClause, Title: "Impact", Wording: "People hear what changed.",
			Indicators: []standards.IndicatorDraft{{Text: "Feedback is given."}, {Text: "Thanks are given."}}})
		w.agree(add, day(3))
		if again, _ := standards.VersionClauses(ctx, d, v1.ID); len(again) != 2 || again[1].Wording != frozen[1].Wording {
			t.Errorf("version 1.0 changed with the draft: %+v", again)
		}
		v11, err := standards.Publish(ctx, d, w.std, false, "Clearer wording.", w.who["facilitator"], day(4))
		if err != nil || v11.Number != "1.1" {
			t.Fatalf("second version %+v, %v", v11, err)
		}
		is, _ := standards.VersionIndicators(ctx, d, v11.ID)
		if len(is) != 3 || is[0].Key != "2.1" || is[1].Key != "3.1" || is[2].Key != "3.2" {
			t.Errorf("1.1 indicators %+v", is)
		}
		diffs, err := standards.Compare(ctx, d, v1.ID, v11.ID)
		if err != nil || len(diffs) != 3 {
			t.Fatalf("compare %+v, %v", diffs, err)
		}
		if !diffs[0].Removed || diffs[1].Added || !standards.Changed(diffs[1].Wording) || standards.Changed(diffs[1].Title) || !diffs[2].Added {
			t.Errorf("diff %+v", diffs)
		}
		w.agree(w.propose(standards.NewProposal{Kind: standards.RemoveClause, ClauseNumber: 3}), day(5))
		if v2, err := standards.Publish(ctx, d, w.std, true, "Smaller.", w.who["bpool"], day(6)); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a member published %+v, %v", v2, err)
		}
		// The Blackpool panel has no facilitator here, so the Luton one publishes 2.0.
		if v2, err := standards.Publish(ctx, d, w.std, true, "Smaller.", w.who["facilitator"], day(6)); err != nil || v2.Number != "2.0" {
			t.Errorf("major version %+v, %v", v2, err)
		}
		if vs, _ := standards.Versions(ctx, d, w.std.ID); len(vs) != 3 || vs[0].Number != "2.0" || vs[2].Notes != "The first version." {
			t.Errorf("versions %+v", vs)
		}
		authors, err := standards.Authors(ctx, d, w.std.ID, v11.PublishedAt)
		if err != nil || len(authors[2]) != 1 || authors[2][0] != "Luton Homelessness Partnership" {
			t.Errorf("authors %v, %v", authors, err)
		}
	})
}

// TestAdoption checks that a council adopts and rates only for itself.
func TestAdoption(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		v, err := standards.Publish(ctx, d, w.std, false, "First.", w.who["facilitator"], start.AddDate(0, 0, 2))
		if err != nil {
			t.Fatal(err)
		}
		luton, bedford := council(t, d, lutonCode), council(t, d, bedfordCode)
		now := start.AddDate(0, 0, 10)
		on := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
		wantCode(t, standards.Adopt(ctx, d, luton, v.ID, on, "Director", w.who["bedford"], now), errs.Forbidden)
		wantCode(t, standards.Adopt(ctx, d, luton, v.ID, on, "Director", w.who["funder"], now), errs.Forbidden)
		e := wantCode(t, standards.Adopt(ctx, d, luton, 0, time.Time{}, "", w.who["officer"], now), errs.Invalid)
		if e.Fields["version"] == "" || e.Fields["adopted"] == "" || e.Fields["signed_off_by"] == "" {
			t.Errorf("empty adoption: %v", e.Fields)
		}
		for _, bad := range []time.Time{now.AddDate(0, 0, 1), start} {
			if e := wantCode(t, standards.Adopt(ctx, d, luton, v.ID, time.Date(bad.Year(), bad.Month(), bad.Day(), 0, 0, 0, 0, time.UTC), "Director", w.who["officer"], now), errs.Invalid); e.Fields["adopted"] == "" {
				t.Errorf("adopted on %s: %v", bad, e.Fields)
			}
		}
		if err := standards.Adopt(ctx, d, luton, v.ID, on, "Director of Housing", w.who["officer"], now); err != nil {
			t.Fatal(err)
		}
		wantCode(t, standards.Adopt(ctx, d, luton, v.ID, on, "Director of Housing", w.who["officer"], now), errs.Conflict)
		all, err := standards.AllAdoptions(ctx, d)
		if err != nil || len(all) != 1 || all[0].CouncilName != "Luton" || all[0].CouncilCode != lutonCode || all[0].Version.Number != "1.0" {
			t.Errorf("national list %+v, %v", all, err)
		}

		is, _ := standards.VersionIndicators(ctx, d, v.ID)
		good := []standards.SelfRating{{IndicatorID: is[0].ID, Level: ladder.Engagement, Evidence: "Paid roles since 2025."}}
		wantCode(t, standards.SaveSelfAssessment(ctx, d, luton, v.ID, good, w.who["bedford"], now), errs.Forbidden)
		wantCode(t, standards.SaveSelfAssessment(ctx, d, bedford, v.ID, good, w.who["bedford"], now), errs.NotFound)
		e = wantCode(t, standards.SaveSelfAssessment(ctx, d, luton, v.ID, []standards.SelfRating{{IndicatorID: is[1].ID, Level: 9, Evidence: ""}}, w.who["officer"], now), errs.Invalid)
		if e.Fields["level-2-1"] == "" || e.Fields["evidence-2-1"] == "" {
			t.Errorf("bad rating: %v", e.Fields)
		}
		wantCode(t, standards.SaveSelfAssessment(ctx, d, luton, v.ID, nil, w.who["officer"], now), errs.Invalid)
		if err := standards.SaveSelfAssessment(ctx, d, luton, v.ID, good, w.who["officer"], now); err != nil {
			t.Fatal(err)
		}
		good[0].Level = ladder.CoDesign
		if err := standards.SaveSelfAssessment(ctx, d, luton, v.ID, good, w.who["officer"], now); err != nil {
			t.Fatal(err)
		}
		if got, _ := standards.SelfAssessment(ctx, d, luton, v.ID); len(got) != 1 || got[0] != good[0] {
			t.Errorf("self-assessment %+v", got)
		}
		if got, _ := standards.SelfAssessment(ctx, d, bedford, v.ID); len(got) != 0 {
			t.Errorf("Bedford sees %+v", got)
		}
	})
}

// errOf drops a result, keeping the error.
func errOf[T any](_ T, err error) error { return err }
