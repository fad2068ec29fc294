package funding

import (
	"context"
	"fmt"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// nsapQuote is what the Next Steps Accommodation Programme asked bids to show.
const nsapQuote = "Evidence of collaboration and partnership working: whole-system coproduction of the proposal including the on-going support."

func personID(ctx context.Context, d *db.DB, login string) (int64, error) {
	var id int64
	err := d.Read.QueryRowContext(ctx, "SELECT id FROM people WHERE login = $1", login).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("demo person %s: %w", login, err)
	}
	return id, nil
}

// loadDemo adds the Next Steps Accommodation Programme with its real figures and dates, a
// programme open now, a draft, Luton's co-production log, a bid submitted to NSAP and a bid
// in progress to the open programme.
func loadDemo(ctx context.Context, d *db.DB, now time.Time) error {
	luton, err := directory.CouncilByCode(ctx, d, "E06000032")
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, l := range []string{"funder@roundtable.example", "officer@roundtable.example", "sam", "lee", "partner@roundtable.example", "facilitator@roundtable.example"} {
		if ids[l], err = personID(ctx, d, l); err != nil {
			return err
		}
	}
	orgs := map[string]int64{}
	for _, slug := range []string{"harbour-support-services-example", "probation-service-east-of-england-example", "luton-homelessness-partnership",
		"northgate-homes-example", "chiltern-vale-health-and-care-partnership-example", "open-door-lettings-example", "homes-england"} {
		o, err := directory.OrganisationBySlug(ctx, d, slug)
		if err != nil {
			return fmt.Errorf("demo organisation %s: %w", slug, err)
		}
		orgs[slug] = o.ID
	}
	funder := &auth.Identity{PersonID: ids["funder@roundtable.example"], DisplayName: "Tom Barker"}
	officer := &auth.Identity{PersonID: ids["officer@roundtable.example"], DisplayName: "Grace Mensah"}
	nsapTypes := []directory.StakeholderType{directory.LivedExperience, directory.HomesEngland, directory.SupportProvider,
		directory.HealthSocialCareCommissioner, directory.LocalVoluntaryOrganisation, directory.Probation, directory.RegisteredProvider, directory.Landlord}

	// The Next Steps Accommodation Programme: launched 18 July 2020, bids closed Thursday 20
	// August 2020 at 23:59; £161m first wave (£130m capital, £31m revenue) for 3,300 homes.
	launched := time.Date(2020, 7, 18, 9, 0, 0, 0, london)
	nsap, err := CreateProgramme(ctx, d, funder, NewProgramme{
		Name:        "Next Steps Accommodation Programme",
		Purpose:     "Long-term move-on homes, with support, for people who were given emergency accommodation during the pandemic, so that they do not return to the streets. This is the first wave of funding for 2020 to 2021.",
		HomesTarget: 3300, OpensAt: launched, ClosesAt: time.Date(2020, 8, 20, 23, 59, 0, 0, london),
		RequiredTypes: nsapTypes,
		Questions: []string{nsapQuote, "Who took part in shaping the proposal, including people who have slept rough?",
			"How will people who use the support help shape it once the homes are open?"},
	}, launched)
	if err != nil {
		return err
	}
	// The guidance set no per-bid limit, so each pot's limit is the pot.
	for _, p := range []NewPot{{"Move-on homes (capital)", "capital", 130_000_000_00, 130_000_000_00}, {"Support for tenants (revenue)", "revenue", 31_000_000_00, 31_000_000_00}} {
		if err := AddPot(ctx, d, funder, nsap, p, launched); err != nil {
			return err
		}
	}
	if err := Publish(ctx, d, funder, nsap, launched); err != nil {
		return err
	}

	// A programme open now, closing at 23:59 London time three weeks from now.
	day := now.In(london)
	opens := time.Date(day.Year(), day.Month(), day.Day()-14, 9, 0, 0, 0, london)
	closes := time.Date(day.Year(), day.Month(), day.Day()+21, 23, 59, 0, 0, london)
	open, err := CreateProgramme(ctx, d, funder, NewProgramme{
		Name:        "Move-on and Support Fund (example)",
		Purpose:     "An example programme: homes and support to help people move on from temporary accommodation, designed with people who have lived there.",
		HomesTarget: 900, OpensAt: opens, ClosesAt: closes,
		RequiredTypes: []directory.StakeholderType{directory.LivedExperience, directory.SupportProvider, directory.Probation, directory.RegisteredProvider},
		Questions: []string{"Who took part in shaping this bid, and how?", "What changed because of what people with lived experience said?",
			"How will everyone who took part see the final bid and hear what their words changed?"},
	}, opens.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	for _, p := range []NewPot{{"Homes (capital)", "capital", 40_000_000_00, 1_500_000_00}, {"Support (revenue)", "revenue", 12_000_000_00, 400_000_00}} {
		if err := AddPot(ctx, d, funder, open, p, opens.Add(-24*time.Hour)); err != nil {
			return err
		}
	}
	if err := Publish(ctx, d, funder, open, opens.Add(-time.Hour)); err != nil {
		return err
	}
	draft, err := CreateProgramme(ctx, d, funder, NewProgramme{
		Name:        "Lived Experience Leadership Fund (example)",
		Purpose:     "An example draft: paid roles for people with lived experience at decision-making level in councils.",
		HomesTarget: 1, OpensAt: closes.AddDate(0, 1, 0), ClosesAt: closes.AddDate(0, 2, 0),
		RequiredTypes: []directory.StakeholderType{directory.LivedExperience},
		Questions:     []string{"How will people with lived experience lead this work?"},
	}, now)
	if err != nil {
		return err
	}
	_ = draft

	// Luton's log for NSAP, in August 2020.
	type said struct {
		who              string // login, or "" for anonymous
		text             string
		quote            bool
		response, reason string
	}
	type part struct {
		t      directory.StakeholderType
		person string
		org    string
		count  int64
	}
	addActivity := func(at time.Time, a NewActivity, parts []part, says []said) (int64, error) {
		a.HeldOn = at
		id, err := AddActivity(ctx, d, officer, luton.OrganisationID, a, at.Add(4*time.Hour))
		if err != nil {
			return 0, err
		}
		for _, p := range parts {
			np := NewParticipant{Type: p.t, AnonymousCount: p.count, OrganisationID: orgs[p.org]}
			if p.person != "" {
				np.PersonID = ids[p.person]
			}
			if err := AddParticipant(ctx, d, officer, luton.OrganisationID, id, np, at.Add(4*time.Hour)); err != nil {
				return 0, err
			}
		}
		for _, s := range says {
			c := NewContribution{Type: directory.LivedExperience, Said: s.text, MayQuote: s.quote}
			if s.who == "partner@roundtable.example" {
				c.Type = directory.SupportProvider
			}
			if s.who != "" {
				c.PersonID = ids[s.who]
			}
			cid, err := AddContribution(ctx, d, officer, luton.OrganisationID, id, c, at.Add(4*time.Hour))
			if err != nil {
				return 0, err
			}
			if s.response != "" {
				if err := Respond(ctx, d, officer, luton.OrganisationID, cid, s.response, s.reason, at.Add(48*time.Hour)); err != nil {
					return 0, err
				}
			}
		}
		return id, nil
	}
	a1, err := addActivity(time.Date(2020, 7, 28, 13, 0, 0, 0, london), NewActivity{Title: "Lived experience workshop: what move-on homes need",
		Format: "workshop", Place: "Luton Central Library, community room", Access: "Step-free. Lunch and bus fares paid. £20 voucher for each person's time.", Minutes: 150},
		[]part{{t: directory.LivedExperience, person: "sam"}, {t: directory.LivedExperience, person: "lee"}, {t: directory.LivedExperience, count: 6},
			{t: directory.LocalVoluntaryOrganisation, person: "facilitator@roundtable.example", org: "luton-homelessness-partnership"}, {t: directory.CouncilType, count: 2}},
		[]said{
			{"sam", "Support has to carry on after you get the keys. That is when people fall back.", true, "adopted", "Every home now comes with tenancy support for two years, paid from the revenue pot."},
			{"lee", "Don't put everyone in one block. People need to be near family and away from old places.", true, "adapted", "We bid for homes in three areas of Luton, not one block. We could not offer homes outside Luton."},
			{"", "Let us furnish the flats before we move in, so we are not sleeping on the floor.", false, "adopted", "A starter pack of furniture is in the bid for every home."},
			{"", "Pets should be allowed.", false, "not_taken_forward", "The landlords in this bid would not agree to pets. We will ask again next year."},
		})
	if err != nil {
		return err
	}
	a2, err := addActivity(time.Date(2020, 8, 6, 10, 0, 0, 0, london), NewActivity{Title: "Partnership meeting on support and referrals",
		Format: "online", Place: "Online", Access: "Phone dial-in for people without data. Time paid.", Minutes: 120},
		[]part{{t: directory.LivedExperience, person: "sam"}, {t: directory.LivedExperience, count: 2},
			{t: directory.SupportProvider, person: "partner@roundtable.example", org: "harbour-support-services-example"},
			{t: directory.Probation, count: 1, org: "probation-service-east-of-england-example"},
			{t: directory.HealthSocialCareCommissioner, count: 1, org: "chiltern-vale-health-and-care-partnership-example"},
			{t: directory.RegisteredProvider, count: 1, org: "northgate-homes-example"},
			{t: directory.HomesEngland, count: 1, org: "homes-england"}},
		[]said{
			{"partner@roundtable.example", "Referrals from probation should come straight to us, not through three forms.", true, "adopted", "One referral form for all partners, agreed at this meeting."},
			{"sam", "People on the panel should help choose the support provider.", true, "adopted", "Two panel members will sit on the commissioning panel, paid for their time."},
		})
	if err != nil {
		return err
	}
	a3, err := addActivity(time.Date(2020, 8, 12, 11, 0, 0, 0, london), NewActivity{Title: "One-to-one conversations in hostels",
		Format: "one_to_one", Place: "Two hostels in Luton", Access: "Staff known to residents came along. £10 voucher each.", Minutes: 240},
		[]part{{t: directory.LivedExperience, count: 9}, {t: directory.Landlord, count: 1, org: "open-door-lettings-example"}},
		[]said{{"", "I want a place where my kids can visit.", true, "adapted", "Half the homes have two bedrooms."}})
	if err != nil {
		return err
	}
	lutonBid, err := demoBid(ctx, d, officer, luton.OrganisationID, nsap, []int64{a1, a2, a3}, time.Date(2020, 8, 18, 12, 0, 0, 0, time.UTC),
		SectionInput{Title: "Luton move-on homes with support (example)", Summary: "Move-on homes in three areas of Luton, each with two years of tenancy support, shaped with people who were housed in emergency accommodation.",
			Contact: "Grace Mensah, Homelessness Lead", Homes: 40, Support: "Harbour Support Services gives tenancy support for two years, one visit a week at first. A single referral form for probation, health and the council.",
			Evidence:   "Eighteen people with lived experience took part in a workshop, an online partnership meeting and hostel conversations. They changed where the homes are, what support comes with them and who chooses the provider.",
			DeclaredBy: "Director of Housing, Luton Council", Declared: true},
		map[string]int64{"capital": 2_400_000_00, "revenue": 520_000_00}, time.Date(2020, 8, 19, 15, 20, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	if err := demoAssessment(ctx, d, funder, nsap, lutonBid, ids); err != nil {
		return err
	}

	// Activities in the last year, for the homelessness strategy; reused for the open bid.
	b1, err := addActivity(now.AddDate(0, -5, 0), NewActivity{Title: "Homelessness strategy: lived experience panel",
		Format: "meeting", Place: "Luton Town Hall", Access: "Step-free. Travel, food and time paid.", Minutes: 180},
		[]part{{t: directory.LivedExperience, person: "sam"}, {t: directory.LivedExperience, count: 5},
			{t: directory.SupportProvider, person: "partner@roundtable.example", org: "harbour-support-services-example"}},
		[]said{{"sam", "Temporary accommodation should not mean a different town.", true, "adapted", "The strategy sets a target to house people in Luton; the bid asks for homes here."}})
	if err != nil {
		return err
	}
	b2, err := addActivity(now.AddDate(0, 0, -6), NewActivity{Title: "Survey of people in temporary accommodation",
		Format: "survey", Place: "Paper and online", Access: "Paper copies with stamped envelopes; help to fill it in at drop-ins.", Minutes: 30},
		[]part{{t: directory.LivedExperience, count: 42}},
		[]said{{"", "Move-on takes too long: months in one room.", true, "", ""}, {"", "Help with deposits would let us rent privately.", false, "", ""}})
	if err != nil {
		return err
	}
	if req, err := AskForSupport(ctx, d, officer, luton.OrganisationID, "Our lived experience panel meets monthly, but the bid closes in three weeks. How can we involve probation and health in time?", now.AddDate(0, 0, -10)); err != nil {
		return err
	} else if err := AnswerSupport(ctx, d, funder, req, "Use one online session with both, with the panel leading the questions, and log it. Put the panel's questions to them in writing first, so they come ready.", now.AddDate(0, 0, -9)); err != nil {
		return err
	}
	bid, err := StartBid(ctx, d, officer, open, luton.OrganisationID, now.Add(-72*time.Hour))
	if err != nil {
		return err
	}
	p, err := GetProgramme(ctx, d, open, false)
	if err != nil {
		return err
	}
	for _, in := range []SectionInput{
		{Section: "about", Completed: true, Title: "Luton move-on from temporary accommodation", Summary: "Homes in Luton for families leaving temporary accommodation, with support shaped by the lived experience panel.", Contact: "Grace Mensah"},
		{Section: "evidence", Evidence: "Drafting: the panel and the survey so far.", Activities: []int64{b1, b2}},
	} {
		if err := SaveSection(ctx, d, officer, bid, luton.OrganisationID, in, p.Pots, now.Add(-48*time.Hour)); err != nil {
			return err
		}
	}
	return nil
}

func demoBid(ctx context.Context, d *db.DB, officer *auth.Identity, councilID, programmeID int64, acts []int64, at time.Time, in SectionInput,
	amounts map[string]int64, submitted time.Time) (int64, error) {
	bid, err := StartBid(ctx, d, officer, programmeID, councilID, at)
	if err != nil {
		return 0, err
	}
	p, err := GetProgramme(ctx, d, programmeID, false)
	if err != nil {
		return 0, err
	}
	in.Amounts = map[int64]int64{}
	for _, pot := range p.Pots {
		in.Amounts[pot.ID] = amounts[pot.Kind]
	}
	in.Activities = acts
	in.Completed = true
	for _, s := range sectionNames {
		in.Section = s.Key
		if err := SaveSection(ctx, d, officer, bid, councilID, in, p.Pots, at); err != nil {
			return 0, fmt.Errorf("demo bid section %s: %w", s.Key, err)
		}
	}
	_, err = Submit(ctx, d, officer, bid, councilID, submitted)
	return bid, err
}

// demoAssessment assesses Luton's NSAP bid (two assessors, one of them a member with lived
// experience from another area; Sam declares a conflict, having shaped the bid) and moderates
// it; Blackpool's example bid waits for its scores.
func demoAssessment(ctx context.Context, d *db.DB, funder *auth.Identity, nsap, lutonBid int64, ids map[string]int64) error {
	blackpoolTeam, err := directory.OrganisationBySlug(ctx, d, "blackpool-lived-experience-team")
	if err != nil {
		return err
	}
	kim, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "Kim Ashworth", Login: "kim.assessor@roundtable.example",
		Email: "kim.assessor@roundtable.example", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: blackpoolTeam.ID}}}, 0)
	if err != nil {
		return err
	}
	assessor, err := personID(ctx, d, "assessor@roundtable.example")
	if err != nil {
		return err
	}
	at := time.Date(2020, 8, 24, 10, 0, 0, 0, time.UTC)
	for _, p := range []int64{assessor, kim, ids["sam"]} {
		if err := AddAssessor(ctx, d, funder, nsap, p, at); err != nil {
			return err
		}
	}
	ruth := &auth.Identity{PersonID: assessor, DisplayName: "Ruth Okafor"}
	kimID := &auth.Identity{PersonID: kim, DisplayName: "Kim Ashworth"}
	sam := &auth.Identity{PersonID: ids["sam"], DisplayName: "Sam"}
	if err := DeclareInterest(ctx, d, sam, lutonBid, true, "I took part in Luton's workshop and partnership meeting.", at); err != nil {
		return err
	}
	for _, s := range []struct {
		who   *auth.Identity
		score int
		notes string
	}{
		{ruth, 5, "People with lived experience changed where the homes are, the support and who chooses the provider. Health and probation joined one meeting only."},
		{kimID, 5, "You can see what people said and what the council did about it, including what it did not do and why. That is rare."},
	} {
		if err := DeclareInterest(ctx, d, s.who, lutonBid, false, "", at); err != nil {
			return err
		}
		if err := ScoreBid(ctx, d, s.who, lutonBid, s.score, s.notes, at.Add(2*time.Hour)); err != nil {
			return err
		}
	}
	p, err := GetProgramme(ctx, d, nsap, false)
	if err != nil {
		return err
	}
	awards := map[int64]int64{}
	for _, pot := range p.Pots {
		awards[pot.ID] = map[string]int64{"capital": 2_400_000_00, "revenue": 480_000_00}[pot.Kind]
	}
	if err := demoBlackpool(ctx, d, nsap, kimID, at); err != nil {
		return err
	}
	if err := Moderate(ctx, d, funder, lutonBid, Decision{Score: 5, Funded: true, Awards: awards,
		Notes: "Co-design: people with lived experience shaped the homes and the support, and were told what changed. To reach co-production, involve them in decisions from the start and share power over the budget."},
		p.Pots, at.Add(72*time.Hour)); err != nil {
		return err
	}
	return nil
}

// demoBlackpool adds an example bid from Blackpool to NSAP, whose log misses some of the
// required partners; one assessor has scored it and the demo assessor has still to.
func demoBlackpool(ctx context.Context, d *db.DB, nsap int64, kim *auth.Identity, at time.Time) error {
	bp, err := directory.CouncilByCode(ctx, d, "E06000009")
	if err != nil {
		return err
	}
	team, err := directory.OrganisationBySlug(ctx, d, "blackpool-lived-experience-team")
	if err != nil {
		return err
	}
	oid, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "Alex Hartley", Login: "blackpool.officer@roundtable.example",
		Email: "blackpool.officer@roundtable.example", Grants: []auth.Grant{{Role: auth.CouncilOfficer, OrganisationID: bp.OrganisationID}}}, 0)
	if err != nil {
		return err
	}
	officer := &auth.Identity{PersonID: oid, DisplayName: "Alex Hartley"}
	held := time.Date(2020, 8, 11, 14, 0, 0, 0, london)
	act, err := AddActivity(ctx, d, officer, bp.OrganisationID, NewActivity{Title: "Lived Experience Team session on the bid", HeldOn: held,
		Format: "meeting", Place: "Blackpool", Access: "Time and travel paid.", Minutes: 120}, held.Add(3*time.Hour))
	if err != nil {
		return err
	}
	for _, p := range []NewParticipant{{Type: "lived_experience", AnonymousCount: 7, OrganisationID: team.ID}, {Type: "probation", AnonymousCount: 1},
		{Type: "council", AnonymousCount: 2}} {
		if err := AddParticipant(ctx, d, officer, bp.OrganisationID, act, p, held.Add(3*time.Hour)); err != nil {
			return err
		}
	}
	cid, err := AddContribution(ctx, d, officer, bp.OrganisationID, act, NewContribution{Type: "lived_experience",
		Said: "People leaving prison need a home on the day they leave, not a list.", MayQuote: true}, held.Add(3*time.Hour))
	if err != nil {
		return err
	}
	if err := Respond(ctx, d, officer, bp.OrganisationID, cid, "adopted", "Ten homes are kept for people leaving prison, agreed with probation.", held.Add(24*time.Hour)); err != nil {
		return err
	}
	bid, err := demoBid(ctx, d, officer, bp.OrganisationID, nsap, []int64{act}, time.Date(2020, 8, 19, 9, 0, 0, 0, time.UTC),
		SectionInput{Title: "Blackpool homes on release (example)", Summary: "Move-on homes for people sleeping rough, with ten kept for people leaving prison.",
			Contact: "Alex Hartley", Homes: 25, Support: "Floating support from the council's own team.",
			Evidence: "The Lived Experience Team met once to shape the bid, with probation.", DeclaredBy: "Head of Housing, Blackpool Council", Declared: true},
		map[string]int64{"capital": 1_500_000_00, "revenue": 300_000_00}, time.Date(2020, 8, 20, 20, 40, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	if err := DeclareInterest(ctx, d, kim, bid, false, "", at); err != nil {
		return err
	}
	return ScoreBid(ctx, d, kim, bid, 3, "One meeting. Many of the partners the programme asks for did not take part.", at.Add(time.Hour))
}
