package directory_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

func TestStakeholderTypes(t *testing.T) {
	if len(directory.StakeholderTypes) != 12 {
		t.Errorf("%d stakeholder types, want the 12 in the design notes", len(directory.StakeholderTypes))
	}
	for _, st := range directory.StakeholderTypes {
		if !st.Valid() || st.Label() == string(st) || st.Plural() == string(st) {
			t.Errorf("type %q has no plain-English label", st)
		}
	}
	if slices.Contains(directory.PartnerTypes(), directory.CouncilType) || len(directory.PartnerTypes()) != 11 {
		t.Error("partner types must be every type but councils")
	}
	if directory.StakeholderType("bank").Valid() {
		t.Error("an unknown type is valid")
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"King's Lynn and West Norfolk":        "kings-lynn-and-west-norfolk",
		"Bournemouth, Christchurch and Poole": "bournemouth-christchurch-and-poole",
		"  St Mungo’s & Friends (London) ":    "st-mungos-and-friends-london",
		"!!!":                                 "organisation",
	} {
		if got := directory.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrganisations(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := importString(t, d, testHeader+testRows+
			"LLL,London Borough of Lambda,Lambda,E09000901,,,,England,London,LBO,London borough,True,True,,\n"); err != nil {
			t.Fatal(err)
		}

		id, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{
			Name: "  Harbour   Support Services ", StakeholderType: directory.SupportProvider, Region: "London",
			Description: "Tenancy support.\n\nIn move-on homes.", Website: "www.harbour.example.org",
		})
		if err != nil {
			t.Fatal(err)
		}
		o, err := directory.OrganisationBySlug(ctx, d, "harbour-support-services")
		if err != nil {
			t.Fatal(err)
		}
		if o.ID != id || o.Name != "Harbour Support Services" || o.Type != directory.SupportProvider ||
			o.RegionName != "London" || o.Website != "https://www.harbour.example.org" || o.CouncilCode != "" ||
			o.CreatedAt.IsZero() || o.CreatedAt.Location().String() != "UTC" {
			t.Errorf("organisation = %+v", o)
		}
		if p := o.Paragraphs(); len(p) != 2 {
			t.Errorf("paragraphs = %q", p)
		}

		// A region by slug; a national organisation has none; a slug already taken gets a number.
		if _, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{
			Name: "Harbour Support-Services", StakeholderType: directory.Landlord, Region: "north-west"}); err != nil {
			t.Fatal(err)
		}
		second, err := directory.OrganisationBySlug(ctx, d, "harbour-support-services-2")
		if err != nil || second.RegionName != "North West" {
			t.Errorf("second organisation = %+v, %v", second, err)
		}
		hid, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "Homes England", StakeholderType: directory.HomesEngland})
		if err != nil {
			t.Fatal(err)
		}
		if he, err := directory.OrganisationByID(ctx, d, hid); err != nil || he.RegionID != 0 || he.Slug != "homes-england" {
			t.Errorf("Homes England = %+v, %v", he, err)
		}
		// "new" is the address of the form, so no organisation may have it.
		if nid, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "New", StakeholderType: directory.Funder}); err != nil {
			t.Fatal(err)
		} else if n, _ := directory.OrganisationByID(ctx, d, nid); n.Slug != "new-2" {
			t.Errorf("an organisation called New has slug %q", n.Slug)
		}

		partners, err := directory.ListOrganisations(ctx, d, directory.OrganisationFilter{ExcludeCouncils: true})
		if err != nil || len(partners) != 4 {
			t.Errorf("%d partners, want 4 (%v)", len(partners), err)
		}
		all, err := directory.ListOrganisations(ctx, d, directory.OrganisationFilter{})
		if err != nil || len(all) != 6 {
			t.Errorf("%d organisations, want 4 partners and 2 councils (%v)", len(all), err)
		}
		london, err := directory.RegionBySlug(ctx, d, "london")
		if err != nil {
			t.Fatal(err)
		}
		inLondon, err := directory.ListOrganisations(ctx, d, directory.OrganisationFilter{RegionID: london.ID, Type: directory.SupportProvider})
		if err != nil || len(inLondon) != 1 || inLondon[0].ID != id {
			t.Errorf("support providers in London = %+v, %v", inLondon, err)
		}

		for _, tc := range []struct {
			name   string
			in     directory.NewOrganisation
			fields []string
		}{
			{"nothing given", directory.NewOrganisation{}, []string{"name", "stakeholder_type"}},
			{"a council by hand", directory.NewOrganisation{Name: "Extra Council", StakeholderType: directory.CouncilType}, []string{"stakeholder_type"}},
			{"an unknown type", directory.NewOrganisation{Name: "A Bank", StakeholderType: "bank"}, []string{"stakeholder_type"}},
			{"an unknown region", directory.NewOrganisation{Name: "Somewhere", StakeholderType: directory.Probation, Region: "Narnia"}, []string{"region"}},
			{"a bad website", directory.NewOrganisation{Name: "Tricky", StakeholderType: directory.Landlord, Website: "javascript:alert(1)"}, []string{"website"}},
			{"another scheme", directory.NewOrganisation{Name: "Files", StakeholderType: directory.Landlord, Website: "ftp://files.example.org"}, []string{"website"}},
			{"a long name", directory.NewOrganisation{Name: strings.Repeat("a", 121), StakeholderType: directory.Landlord}, []string{"name"}},
			{"a name taken", directory.NewOrganisation{Name: "harbour support services", StakeholderType: directory.SupportProvider}, []string{"name"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := directory.CreateOrganisation(ctx, d, tc.in)
				e, ok := errs.As(err)
				if !ok || e.Code != errs.Invalid {
					t.Fatalf("err = %v, want a validation error", err)
				}
				if !slices.Equal(e.Order, tc.fields) {
					t.Errorf("fields = %v, want %v", e.Order, tc.fields)
				}
				for _, f := range e.Order {
					if e.Fields[f] == "" {
						t.Errorf("field %s has no message", f)
					}
				}
			})
		}
		if n := count(t, d, "organisations"); n != 6 {
			t.Errorf("%d organisations after refused ones, want 6", n)
		}

		for name, err := range map[string]error{
			"slug":   errOf(directory.OrganisationBySlug(ctx, d, "nobody")),
			"id":     errOf(directory.OrganisationByID(ctx, d, 99999)),
			"code":   errOf(directory.CouncilByCode(ctx, d, "E00000000")),
			"region": errOf(directory.RegionBySlug(ctx, d, "wales")),
		} {
			if !errs.Is(err, errs.NotFound) {
				t.Errorf("by unknown %s: err = %v, want not found", name, err)
			}
		}
	})
}

// errOf keeps the error of a lookup.
func errOf[T any](_ T, err error) error { return err }
