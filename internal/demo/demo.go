// Package demo fills an empty database with the demonstration data: the council register,
// partner organisations, and one account for each role, so that someone new can sign in as
// anyone and see what they see.
package demo

import (
	"context"
	"fmt"
	"os"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/insight"
	"roundtable/internal/panels"
	"roundtable/internal/payments"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/site"
	"roundtable/internal/standards"
)

// Options say where the reference data is, and the time the demo's history leads up to.
type Options struct {
	AuthoritiesFile string
	Now             func() time.Time // time.Now when nil; tests load the demo at awkward hours
}

// Password is every demo account's password. The demo is for looking around, not for real
// data.
const Password = "roundtable-demo"

// Luton is the demo's home council: the Luton Homelessness Partnership was named as an example
// of co-production in the Next Steps Accommodation Programme.
const Luton = "E06000032"

// organisations are the demo's partners: the real public bodies and groups named in the design
// notes, and made-up local partners with names that are clearly examples.
var organisations = []directory.NewOrganisation{
	{Name: "Ministry of Housing, Communities and Local Government", StakeholderType: directory.Funder,
		Description: "The national funder. It sets co-production as a condition of funding and sees the national picture."},
	{Name: "Homes England", StakeholderType: directory.HomesEngland,
		Description: "The housing and regeneration agency, which delivers the capital funding for move-on homes."},
	{Name: "Greater London Authority", StakeholderType: directory.GLA, Region: "London",
		Description: "Delivers the programme in London."},
	{Name: "Luton Homelessness Partnership", StakeholderType: directory.LocalVoluntaryOrganisation, Region: "East of England",
		Description: "Brings together everyone working on homelessness in Luton, including people with lived experience."},
	{Name: "Blackpool Lived Experience Team", StakeholderType: directory.LivedExperience, Region: "North West",
		Description: "People with lived experience of homelessness working with the council, DWP, probation and others."},
	{Name: "Westminster Lived Experience Group", StakeholderType: directory.LivedExperience, Region: "London",
		Description: "Works with Westminster City Council's Rough Sleeping Team on commissioning decisions."},
	{Name: "Harbour Support Services (example)", StakeholderType: directory.SupportProvider, Region: "East of England",
		Description: "An example support provider offering tenancy support in move-on homes."},
	{Name: "Chiltern Vale Health and Care Partnership (example)", StakeholderType: directory.HealthSocialCareCommissioner, Region: "East of England",
		Description: "An example health and social care commissioner."},
	{Name: "Probation Service, East of England (example)", StakeholderType: directory.Probation, Region: "East of England",
		Description: "An example regional probation team."},
	{Name: "Northgate Homes (example)", StakeholderType: directory.RegisteredProvider, Region: "East of England",
		Description: "An example housing association."},
	{Name: "Open Door Lettings (example)", StakeholderType: directory.Landlord, Region: "East of England",
		Description: "An example private landlord working with the council."},
	{Name: "Independent Co-production Review (example)", StakeholderType: directory.IndependentAssessor,
		Description: "An example independent assessor of councils' co-production."},
}

type demoPerson struct {
	role        auth.Role
	name, login string
	email       bool
	org         string // organisation name, or "council:GSS", or "" for the platform
	password    bool
}

var people = []demoPerson{
	{auth.Member, "Sam", "sam", false, "Luton Homelessness Partnership", true},
	{auth.Facilitator, "Jo Clarke", "facilitator@roundtable.example", true, "Luton Homelessness Partnership", true},
	{auth.CouncilOfficer, "Grace Mensah", "officer@roundtable.example", true, "council:" + Luton, true},
	{auth.Partner, "Daniel Reid", "partner@roundtable.example", true, "Harbour Support Services (example)", true},
	{auth.Funder, "Tom Barker", "funder@roundtable.example", true, "Ministry of Housing, Communities and Local Government", true},
	{auth.Assessor, "Ruth Okafor", "assessor@roundtable.example", true, "Independent Co-production Review (example)", true},
	{auth.Admin, "Priya Shah", "admin@roundtable.example", true, "", true},
	{auth.Finance, "Alex Morgan", "finance@roundtable.example", true, "Luton Homelessness Partnership", true},
	// A member with no email and no password yet: the facilitator issues her a sign-in code.
	{auth.Member, "Lee", "lee", false, "Luton Homelessness Partnership", false},
}

// Accounts lists the demo sign-ins for the start page and the log.
func Accounts() []site.DemoAccount {
	var out []site.DemoAccount
	for _, p := range people {
		if !p.password {
			continue
		}
		out = append(out, site.DemoAccount{Role: p.role.Label() + " (" + p.name + ")", Login: p.login, Password: Password})
	}
	return out
}

// Load fills an empty database; loaded is false, and nothing changes, when it already has
// people in it.
func Load(ctx context.Context, d *db.DB, opt Options) (loaded bool, err error) {
	var n int
	if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM people").Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	f, err := os.Open(opt.AuthoritiesFile)
	if err != nil {
		return false, fmt.Errorf("the council register: %w", err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(ctx, d, f); err != nil {
		return false, fmt.Errorf("the council register %s: %w", opt.AuthoritiesFile, err)
	}
	orgIDs := map[string]int64{}
	for _, o := range organisations {
		id, err := directory.CreateOrganisation(ctx, d, o)
		if err != nil {
			return false, fmt.Errorf("organisation %s: %w", o.Name, err)
		}
		orgIDs[o.Name] = id
	}
	for _, p := range people {
		var orgID int64
		switch {
		case p.org == "":
		case len(p.org) > 8 && p.org[:8] == "council:":
			c, err := directory.CouncilByCode(ctx, d, p.org[8:])
			if err != nil {
				return false, fmt.Errorf("council %s: %w", p.org[8:], err)
			}
			orgID = c.OrganisationID
		default:
			orgID = orgIDs[p.org]
		}
		np := accounts.NewPerson{DisplayName: p.name, Login: p.login,
			Grants: []auth.Grant{{Role: p.role, OrganisationID: orgID}}}
		if p.email {
			np.Email = p.login
		}
		if p.password {
			np.Password = Password
		}
		if _, err := accounts.CreatePerson(ctx, d, np, 0); err != nil {
			return false, fmt.Errorf("demo person %s: %w", p.name, err)
		}
	}
	// Each capability adds its own demonstration data on top.
	now := time.Now()
	if opt.Now != nil {
		now = opt.Now()
	}
	for _, c := range []struct {
		name string
		load func(context.Context, *db.DB, time.Time) error
	}{{"funding", funding.LoadDemo}, {"panels", panels.LoadDemo}, {"insight", insight.LoadDemo},
		{"standards", standards.LoadDemo}, {"payments", payments.LoadDemo}, {"evaluation", evaluation.LoadDemo}} {
		if err := c.load(ctx, d, now); err != nil {
			return false, fmt.Errorf("%s demo data: %w", c.name, err)
		}
	}
	// The demo's history (months of meetings and proposals) sent messages as it happened; its
	// people have read all but the last fortnight's, so a member sees what is new, not a pile.
	if _, err := d.Write.ExecContext(ctx, `UPDATE panel_messages SET read_at = created_at WHERE created_at < $1`,
		now.UTC().AddDate(0, 0, -14)); err != nil {
		return false, fmt.Errorf("demo messages: %w", err)
	}
	return true, nil
}
