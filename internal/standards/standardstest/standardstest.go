// Package standardstest makes published standards for tests of any capability, through the
// standards package's own store functions, so what it makes is what the platform would.
package standardstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/consent"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/standards"
)

// Published makes a standard with two clauses of two indicators each, with level
// descriptions, publishes it as 1.0 and returns it. The standard is drafted by a new panel
// whose facilitator proposes both clauses and agrees them by consent.
func Published(t testing.TB, d *db.DB) standards.VersionRef {
	t.Helper()
	ctx := context.Background()
	// Names must differ within one database, so several calls can share one.
	seq := time.Now().UnixNano()
	org := accountstest.Organisation(t, d, fmt.Sprintf("Standards drafting group %d", seq))
	panelID, err := panels.CreatePanel(ctx, d, panels.NewPanel{Name: fmt.Sprintf("Standards panel %d", seq),
		Slug: fmt.Sprintf("standards-%d", seq), Kind: panels.Local, OrganisationID: org}, time.Now())
	if err != nil {
		t.Fatalf("create panel: %v", err)
	}
	pid, _ := accountstest.Person(t, d, "Standards facilitator", auth.Facilitator, org)
	by := &auth.Identity{PersonID: pid, DisplayName: "Standards facilitator",
		Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: org}}}

	// Proposals are made a week ago and closed yesterday, so they can be decided now.
	start := time.Now().UTC().AddDate(0, 0, -7)
	id, err := standards.CreateStandard(ctx, d, standards.NewStandard{Title: "Test co-production standard",
		Purpose: "How councils share power with people with lived experience.", PanelIDs: []int64{panelID}}, by, start)
	if err != nil {
		t.Fatalf("create standard: %v", err)
	}
	s, err := standards.GetStandard(ctx, d, id)
	if err != nil {
		t.Fatalf("read standard: %v", err)
	}
	for n, title := range []string{"Inclusive opportunities", "Working together"} {
		p := standards.NewProposal{Kind: standards.AddClause, PanelID: panelID, Title: title,
			Wording:   fmt.Sprintf("Clause %d wording: the council and people with lived experience work as equals.", n+1),
			Reason:    "The group asked for it.",
			CloseDate: start.In(time.UTC).AddDate(0, 0, 1).Format(time.DateOnly), Quorum: "1"}
		for i := 1; i <= 2; i++ {
			p.Indicators = append(p.Indicators, standards.IndicatorDraft{
				Text: fmt.Sprintf("Indicator %d.%d: people with lived experience shape decisions.", n+1, i),
				Levels: map[ladder.Level]string{
					ladder.Informing:    "People are told what was decided.",
					ladder.Consultation: "People are asked, but do not hear back.",
					ladder.CoProduction: "People share power from start to finish.",
				}})
		}
		pr, err := standards.Propose(ctx, d, s, p, by, start)
		if err != nil {
			t.Fatalf("propose clause %d: %v", n+1, err)
		}
		got, err := standards.GetProposal(ctx, d, id, pr)
		if err != nil {
			t.Fatalf("read proposal: %v", err)
		}
		if err := standards.Respond(ctx, d, s, got, by, consent.Consent, "", start.Add(time.Hour)); err != nil {
			t.Fatalf("consent to clause %d: %v", n+1, err)
		}
		if state, err := standards.Decide(ctx, d, s, got, by, "Agreed by consent.", start.AddDate(0, 0, 3)); err != nil || state != standards.Accepted {
			t.Fatalf("decide clause %d: %v, %v", n+1, state, err)
		}
	}
	v, err := standards.Publish(ctx, d, s, false, "The first version.", by, start.AddDate(0, 0, 4))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return v
}
