package panels

import (
	"context"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// demoLocal are the local groups named in the design notes, with the panel each runs.
var demoLocal = []struct{ org, slug, about string }{
	{"Luton Homelessness Partnership", "luton", "People with lived experience of homelessness in Luton, working with everyone in the partnership: the council, support providers, health, probation and landlords."},
	{"Blackpool Lived Experience Team", "blackpool", "People with lived experience working with Blackpool Council, DWP, probation and others."},
	{"Westminster Lived Experience Group", "westminster", "Works with Westminster City Council's Rough Sleeping Team on commissioning decisions."},
}

func loadDemo(ctx context.Context, d *db.DB, now time.Time) error {
	regions, err := directory.Regions(ctx, d)
	if err != nil {
		return err
	}
	panelIDs := map[string]int64{}
	for _, rg := range regions {
		name := rg.Name + " Lived Experience Panel"
		org, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: name, StakeholderType: directory.LivedExperience,
			Region: rg.Name, Description: "The regional panel of people with lived experience of homelessness in " + rg.Name + "."})
		if err != nil {
			return fmt.Errorf("panel organisation %s: %w", name, err)
		}
		id, err := CreatePanel(ctx, d, NewPanel{Name: name, Slug: rg.Slug, Kind: Regional, OrganisationID: org, RegionID: rg.ID,
			About: "Reviews funding and policy across " + rg.Name + " and makes recommendations to councils and the funder."}, now)
		if err != nil {
			return err
		}
		panelIDs[rg.Slug] = id
	}
	for _, l := range demoLocal {
		o, err := directory.OrganisationBySlug(ctx, d, directory.Slugify(l.org))
		if err != nil {
			return fmt.Errorf("organisation %s: %w", l.org, err)
		}
		id, err := CreatePanel(ctx, d, NewPanel{Name: l.org, Slug: l.slug, Kind: Local, OrganisationID: o.ID, RegionID: o.RegionID, About: l.about}, now)
		if err != nil {
			return err
		}
		panelIDs[l.slug] = id
	}
	if err := demoLuton(ctx, d, panelIDs["luton"], now); err != nil {
		return err
	}
	return demoOpportunities(ctx, d, panelIDs["luton"], now)
}

func demoOpportunities(ctx context.Context, d *db.DB, lutonPanel int64, now time.Time) error {
	p, err := PanelByID(ctx, d, lutonPanel)
	if err != nil {
		return err
	}
	funder, err := directory.OrganisationBySlug(ctx, d, directory.Slugify("Ministry of Housing, Communities and Local Government"))
	if err != nil {
		return err
	}
	luton, err := directory.CouncilByCode(ctx, d, "E06000032")
	if err != nil {
		return err
	}
	who := map[string]*auth.Identity{}
	for _, l := range []string{"sam", "facilitator@roundtable.example", "officer@roundtable.example", "funder@roundtable.example"} {
		if who[l], err = demoPerson(ctx, d, l); err != nil {
			return err
		}
	}
	peer, err := CreateOpportunity(ctx, d, p.OrganisationID, NewOpportunity{Title: "Peer researcher: move-on homes",
		Involves: "Talk with people living in the new move-on homes about what helps them settle. Write up what you hear with the team.\nTraining in research is given before you start.",
		Pay:      "15.50", PayUnit: "hour", Hours: "About 6 hours a month for 6 months", CloseDate: day(now, 21),
		Support: "Travel paid. A mentor from the team. Help to find benefits advice before you start."}, who["facilitator@roundtable.example"], now.AddDate(0, 0, -5))
	if err != nil {
		return fmt.Errorf("demo opportunity: %w", err)
	}
	if _, err := CreateOpportunity(ctx, d, funder.ID, NewOpportunity{Title: "Member of the bid-assessment panel",
		Involves: "Read councils' bids for homelessness funding and score how well people with lived experience shaped them. Join the panel that agrees the scores.",
		Pay:      "120", PayUnit: "day", Hours: "4 days over 2 months, online or in London", CloseDate: day(now, 30),
		Support: "Travel and food paid. Papers in easy read on request. You can bring a support worker."}, who["funder@roundtable.example"], now.AddDate(0, 0, -3)); err != nil {
		return err
	}
	if _, err := CreateOpportunity(ctx, d, luton.OrganisationID, NewOpportunity{Title: "Lived Experience Adviser (part time)",
		Involves: "Join the housing leadership team. Advise on homelessness services and commissioning decisions, and chair the council's co-production group.",
		Pay:      "28000", PayUnit: "year", Hours: "3 days a week", CloseDate: day(now, 45),
		Support: "Flexible hours. Coaching. Time off for appointments."}, who["officer@roundtable.example"], now.AddDate(0, 0, -2)); err != nil {
		return err
	}
	if err := ExpressInterest(ctx, d, peer, who["sam"], "I know the day centre and lots of people who moved into the new homes. I would like to learn research.", now.AddDate(0, 0, -1)); err != nil {
		return err
	}
	xs, err := Interests(ctx, d, p.OrganisationID, peer)
	if err != nil || len(xs) == 0 {
		return fmt.Errorf("demo interest: %v", err)
	}
	return ReplyToInterest(ctx, d, p.OrganisationID, peer, xs[0].ID, "Thank you, Sam. Can you come for a chat on Tuesday at 2pm at the library?", who["facilitator@roundtable.example"], now.Add(-2*time.Hour))
}

func demoPerson(ctx context.Context, d *db.DB, login string) (*auth.Identity, error) {
	id := &auth.Identity{}
	err := d.Read.QueryRowContext(ctx, "SELECT id, display_name FROM people WHERE login = $1", login).Scan(&id.PersonID, &id.DisplayName)
	if err != nil {
		return nil, fmt.Errorf("demo person %s: %w", login, err)
	}
	return id, nil
}

// day returns the London date days from now, as a form gives it.
func day(now time.Time, days int) string {
	return now.In(web.London).AddDate(0, 0, days).Format("2006-01-02")
}

func demoLuton(ctx context.Context, d *db.DB, panelID int64, now time.Time) error {
	p, err := PanelByID(ctx, d, panelID)
	if err != nil {
		return err
	}
	// More members, so the panel reads like a real one; they sign in with codes their
	// facilitator issues.
	for _, name := range []string{"Aisha", "Marek", "Dee"} {
		if _, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: name, Login: strings.ToLower(name) + ".luton",
			Grants: []auth.Grant{{Role: auth.Member, OrganisationID: p.OrganisationID}}}, 0); err != nil {
			return fmt.Errorf("demo member %s: %w", name, err)
		}
	}
	who := map[string]*auth.Identity{}
	for _, l := range []string{"sam", "lee", "aisha.luton", "marek.luton", "dee.luton", "facilitator@roundtable.example", "officer@roundtable.example", "funder@roundtable.example"} {
		if who[l], err = demoPerson(ctx, d, l); err != nil {
			return err
		}
	}
	sam, aisha, marek, dee, jo := who["sam"], who["aisha.luton"], who["marek.luton"], who["dee.luton"], who["facilitator@roundtable.example"]
	profiles := map[*auth.Identity]Profile{
		sam: {Skills: "Talking to people on the street. I know which services actually help.", Interests: "Housing first, mental health support",
			Hopes: "Help choose which projects get funded. Maybe train as a peer researcher.", Support: []string{"travel"},
			SupportOther: "Morning meetings are hard for me. After 11am is better."},
		aisha: {Skills: "Organising, public speaking, Arabic and English", Interests: "Women's services, families in temporary accommodation",
			Hopes: "Chair a meeting of the panel.", Support: []string{"childcare", "travel"}, NamedPublicly: true},
		marek: {Skills: "Building work, fixing things, Polish and English", Interests: "Move-on homes, work and training",
			Hopes: "Visit the new move-on homes and say what works.", Support: []string{"step_free"}},
	}
	for person, prof := range profiles {
		if err := SaveProfile(ctx, d, person.PersonID, prof, now.AddDate(0, 0, -30)); err != nil {
			return err
		}
	}

	// A past meeting, recorded, and the next one with replies.
	past, err := CreateMeeting(ctx, d, panelID, NewMeeting{Title: "Panel meeting: move-on homes",
		Date: day(now, -21), Time: "13:00", Place: "Luton Central Library, St George's Square, Luton LU1 2NG",
		AccessInfo: "Step-free entrance on the square. Hearing loop in the meeting room. Lunch provided.",
		Agenda:     "Welcome and introductions\nWhat we heard about the move-on homes\nA recommendation on support in move-on homes\nAny other business"},
		jo, now.AddDate(0, 0, -35))
	if err != nil {
		return fmt.Errorf("demo meeting: %w", err)
	}
	// Recorded three hours after it started, whatever the time of day the demo is loaded.
	pastStart, err := ParseLondon(day(now, -21), "13:00")
	if err != nil {
		return err
	}
	if err := RecordMeeting(ctx, d, panelID, past, MeetingRecord{Attended: []int64{sam.PersonID, aisha.PersonID, marek.PersonID},
		Notes:     "Three members came. Marek reported on a visit to the move-on homes in Dallow.\nMembers said tenancy support stops too soon.",
		Decisions: "Draft a recommendation to the council that tenancy support lasts at least 12 months.",
		Actions:   "Jo to draft the recommendation with Aisha by next week.\nSam to ask people at the day centre what support they had."},
		jo, pastStart.Add(3*time.Hour)); err != nil {
		return fmt.Errorf("demo meeting record: %w", err)
	}
	next, err := CreateMeeting(ctx, d, panelID, NewMeeting{Title: "Panel meeting: winter shelter",
		Date: day(now, 10), Time: "11:30", Place: "Luton Central Library, St George's Square, Luton LU1 2NG", OnlineLink: "https://meet.example/luton-panel",
		AccessInfo: "Step-free entrance. Travel paid on the day: bring your ticket. Childcare can be arranged: tell Jo a week before.",
		Agenda:     "How the winter shelter went last year\nWhat the panel wants to see this year\nThe council's answer on tenancy support"},
		jo, now.AddDate(0, 0, -2))
	if err != nil {
		return err
	}
	for person, a := range map[*auth.Identity]string{sam: "yes", aisha: "yes", marek: "maybe"} {
		if err := ReplyToMeeting(ctx, d, panelID, next, person.PersonID, a, now.AddDate(0, 0, -1)); err != nil {
			return err
		}
	}

	// Recommendations at every stage.
	type step struct {
		who  *auth.Identity
		kind consent.Kind
		why  string
	}
	agree := func(n NewRecommendation, start time.Time, steps []step, resolve string) (Recommendation, error) {
		n.CloseDate = day(start, 7)
		if n.Quorum == "" {
			n.Quorum = "3"
		}
		id, err := CreateRecommendation(ctx, d, panelID, n, jo, start)
		if err != nil {
			return Recommendation{}, err
		}
		rec, err := GetRecommendation(ctx, d, id)
		if err != nil {
			return rec, err
		}
		for i, s := range steps {
			if err := Respond(ctx, d, rec, s.who, s.kind, s.why, start.Add(time.Duration(i+1)*time.Hour)); err != nil {
				return rec, err
			}
			if s.kind == consent.Object && resolve != "" {
				if err := ResolveObjection(ctx, d, rec, s.who.PersonID, jo, resolve, start.AddDate(0, 0, 2)); err != nil {
					return rec, err
				}
			}
		}
		if _, err := CloseRound(ctx, d, rec, jo, consent.EndOfDay(start.AddDate(0, 0, 7)).Add(10*time.Hour)); err != nil {
			return rec, err
		}
		return GetRecommendation(ctx, d, id)
	}
	everyone := []step{{sam, consent.Consent, ""}, {aisha, consent.Consent, ""}, {marek, consent.Concern, "We should check the cost with the council first."}}

	// Answered by Luton, with progress.
	r1, err := agree(NewRecommendation{Title: "Tenancy support in move-on homes should last at least 12 months",
		Body:      "People moving into the new move-on homes get tenancy support for 6 months. Members told us it stops just when bills and benefits get hard.\nWe recommend the council funds tenancy support for at least 12 months for every move-on tenant, and longer when the tenant asks.",
		Addressee: "E06000032"}, now.AddDate(0, 0, -60),
		[]step{{sam, consent.Consent, ""}, {aisha, consent.Object, "It should say the tenant decides when support ends, not the provider."}, {marek, consent.Consent, ""}},
		"We changed the wording: support lasts longer when the tenant asks. Aisha is happy with this.")
	if err != nil {
		return fmt.Errorf("demo recommendation 1: %w", err)
	}
	officer := Addressee{CouncilGSS: "E06000032"}
	if err := AnswerRecommendation(ctx, d, officer, r1.ID, PartlyAccepted,
		"We will extend tenancy support to 12 months from April, within the Next Steps revenue funding. We cannot yet promise support beyond 12 months for everyone; we will review it with the panel after six months.",
		who["officer@roundtable.example"], now.AddDate(0, 0, -30)); err != nil {
		return err
	}
	if err := AddUpdate(ctx, d, r1.ID, "The contract change with Harbour Support Services is agreed. It starts on 1 April.", false, who["officer@roundtable.example"], now.AddDate(0, 0, -10)); err != nil {
		return err
	}

	// Done.
	r2, err := agree(NewRecommendation{Title: "Publish the winter shelter opening times in plain English",
		Body:      "People did not know when the winter shelter opened or how to get a place.\nWe recommend a one-page guide in plain English, also in Polish, Romanian and Arabic, at the day centre, library and bus station.",
		Addressee: "E06000032"}, now.AddDate(0, 0, -150), everyone, "")
	if err != nil {
		return fmt.Errorf("demo recommendation 2: %w", err)
	}
	if err := AnswerRecommendation(ctx, d, officer, r2.ID, Accepted, "Agreed. We will write the guide with the panel and print it before November.",
		who["officer@roundtable.example"], now.AddDate(0, 0, -120)); err != nil {
		return err
	}
	if err := AddUpdate(ctx, d, r2.ID, "The panel checked the first draft. We made the changes they asked for.", false, jo, now.AddDate(0, 0, -100)); err != nil {
		return err
	}
	if err := AddUpdate(ctx, d, r2.ID, "The guide is printed and at the day centre, library and bus station, in four languages.", true, who["officer@roundtable.example"], now.AddDate(0, 0, -80)); err != nil {
		return err
	}

	// Sent to the funder 10 weeks ago with 8 weeks to answer: overdue.
	if _, err := agree(NewRecommendation{Title: "Pay people with lived experience for their time in every funded bid",
		Body:      "Councils ask people with lived experience to help with bids, but few pay them.\nWe recommend the funder makes payment for time, travel and food a condition of funding, with payment in vouchers offered to people on benefits.",
		Addressee: "funder", ResponseWeeks: "8"}, now.AddDate(0, 0, -77), everyone, ""); err != nil {
		return fmt.Errorf("demo recommendation 3: %w", err)
	}

	// Being decided now, with an objection that stands.
	id, err := CreateRecommendation(ctx, d, panelID, NewRecommendation{Title: "Keep the day centre open at weekends",
		Body:      "The day centre closes on Saturday and Sunday. People have nowhere to go, to wash, or to get advice.\nWe recommend the council funds weekend opening from 10am to 4pm.",
		Addressee: "E06000032", CloseDate: day(now, 9), Quorum: "3"}, aisha, now.AddDate(0, 0, -3))
	if err != nil {
		return fmt.Errorf("demo recommendation 4: %w", err)
	}
	r4, err := GetRecommendation(ctx, d, id)
	if err != nil {
		return err
	}
	for i, s := range []step{{aisha, consent.Consent, ""}, {dee, consent.Object, "Sunday opening matters most. Ask for Sunday first, so it is more likely to happen."}} {
		if err := Respond(ctx, d, r4, s.who, s.kind, s.why, now.AddDate(0, 0, -2).Add(time.Duration(i)*time.Hour)); err != nil {
			return err
		}
	}
	_ = marek
	return nil
}
