package standards_test

import (
	"context"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/standards"
	"roundtable/internal/standards/standardstest"
)

// TestReadContract checks the read functions evaluation depends on, against a standard made
// by standardstest through the real store functions.
func TestReadContract(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v := standardstest.Published(t, d)
		if v.Number != "1.0" || v.StandardTitle != "Test co-production standard" || v.ID == 0 || v.PublishedAt.IsZero() {
			t.Fatalf("published %+v", v)
		}
		all, err := standards.PublishedVersions(ctx, d)
		if err != nil || len(all) != 1 || all[0] != v {
			t.Fatalf("published versions %+v, %v; want [%+v]", all, err, v)
		}
		got, err := standards.VersionByID(ctx, d, v.ID)
		if err != nil || got != v {
			t.Fatalf("by id %+v, %v", got, err)
		}
		if _, err := standards.VersionByID(ctx, d, v.ID+100); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("missing version: %v, want not found", err)
		}
		is, err := standards.VersionIndicators(ctx, d, v.ID)
		if err != nil || len(is) != 4 {
			t.Fatalf("indicators %+v, %v", is, err)
		}
		for n, want := range []string{"1.1", "1.2", "2.1", "2.2"} {
			i := is[n]
			if i.Key != want || i.ClauseNumber != int(want[0]-'0') || i.Text == "" || i.ClauseTitle == "" {
				t.Errorf("indicator %d: %+v, want key %s", n, i, want)
			}
			if len(i.Levels) != 3 || i.Levels[ladder.CoProduction] == "" || i.Levels[ladder.Coercion] != "" {
				t.Errorf("indicator %s levels %v", i.Key, i.Levels)
			}
		}
		if is[0].ClauseTitle != "Inclusive opportunities" || is[2].ClauseTitle != "Working together" {
			t.Errorf("clause titles %q, %q", is[0].ClauseTitle, is[2].ClauseTitle)
		}

		importRegister(t, d)
		council := council(t, d, lutonCode)
		if _, err := standards.AdoptionOf(ctx, d, council); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("adoption before adopting: %v, want not found", err)
		}
		pid, _ := accountstest.Person(t, d, "Officer", auth.CouncilOfficer, council)
		officer := &auth.Identity{PersonID: pid, DisplayName: "Officer", Grants: []auth.Grant{{Role: auth.CouncilOfficer, OrganisationID: council}}}
		now := time.Now()
		on := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if err := standards.Adopt(ctx, d, council, v.ID, on, "Director of Housing", officer, now); err != nil {
			t.Fatal(err)
		}
		a, err := standards.AdoptionOf(ctx, d, council)
		if err != nil || a.Version != v || a.CouncilOrganisationID != council || !a.AdoptedOn.Equal(on) || a.SignedOffBy != "Director of Housing" {
			t.Errorf("adoption %+v, %v", a, err)
		}
		ratings := []standards.SelfRating{{IndicatorID: is[2].ID, Level: ladder.CoDesign, Evidence: "Members co-wrote the plan."},
			{IndicatorID: is[0].ID, Level: ladder.Consultation, Evidence: "A survey."}}
		if err := standards.SaveSelfAssessment(ctx, d, council, v.ID, ratings, officer, now); err != nil {
			t.Fatal(err)
		}
		self, err := standards.SelfAssessment(ctx, d, council, v.ID)
		if err != nil || len(self) != 2 || self[0] != ratings[1] || self[1] != ratings[0] {
			t.Errorf("self-assessment %+v, %v", self, err)
		}

		// A second call makes a second standard in the same database.
		if w := standardstest.Published(t, d); w.StandardID == v.StandardID || w.Number != "1.0" {
			t.Errorf("second standard %+v", w)
		}
	})
}
