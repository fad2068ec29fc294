package evaluation

import (
	"context"
	"fmt"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/standards"
)

// demoPerson loads a demo person with their roles, to act as them.
func demoPerson(ctx context.Context, d *db.DB, login string) (*auth.Identity, error) {
	id := &auth.Identity{}
	if err := d.Read.QueryRowContext(ctx, "SELECT id, display_name FROM people WHERE login = $1", login).Scan(&id.PersonID, &id.DisplayName); err != nil {
		return nil, fmt.Errorf("demo person %s: %w", login, err)
	}
	gs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (g auth.Grant, err error) { err = s.Scan(&g.Role, &g.OrganisationID); return g, err },
		"SELECT role, organisation_id FROM memberships WHERE person_id = $1", id.PersonID)
	id.Grants = gs
	return id, err
}

// demoCouncils are evaluated in the demo cycle, with the levels the team agrees for the
// standard's indicators in order, and then for relationships. Luton is strong on most but
// weak on relationships; Bedford needs support.
var demoCouncils = []struct {
	gss    string
	levels []ladder.Level
}{
	{"E06000032", []ladder.Level{ladder.CoProduction, ladder.CoDesign, ladder.Engagement, ladder.CoDesign, ladder.Consultation}},
	{"E06000055", []ladder.Level{ladder.Informing, ladder.Consultation, ladder.Engagement, ladder.Consultation, ladder.Engagement}},
	{"E06000056", []ladder.Level{ladder.Engagement, ladder.CoDesign, ladder.CoDesign, ladder.Engagement, ladder.CoDesign}},
}

func loadDemo(ctx context.Context, d *db.DB, now time.Time) error {
	funder, err := demoPerson(ctx, d, "funder@roundtable.example")
	if err != nil {
		return err
	}
	if err := demoTraining(ctx, d, funder, now); err != nil {
		return err
	}
	vs, err := standards.PublishedVersions(ctx, d)
	if err != nil || len(vs) == 0 {
		return err // without a published standard there is nothing to evaluate against
	}
	return demoCycle(ctx, d, vs[len(vs)-1], funder, now)
}

func demoTraining(ctx context.Context, d *db.DB, funder *auth.Identity, now time.Time) error {
	at := func(days, hour int) time.Time {
		l := now.In(london).AddDate(0, 0, days)
		return time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, london)
	}
	for _, m := range []struct {
		NewModule
		sessions []NewSession
	}{
		{NewModule{Title: "Building relationships with people with lived experience (example)", Audience: "Frontline staff and managers",
			Summary: "Trust, respect and follow-through: telling people what happened to what they said, paying them for their time, and keeping in touch between meetings.",
			Keys:    []string{RelationshipsKey, "1.1"}},
			[]NewSession{{StartsAt: at(21, 10), Place: "Luton Central Library", Capacity: 20, Trainers: "Amira Hassan", CoTrainers: "Sam (Luton Homelessness Partnership)"},
				{StartsAt: at(35, 14), Online: true, Capacity: 40, Trainers: "Amira Hassan", CoTrainers: "Lee (Luton Homelessness Partnership)"}}},
		{NewModule{Title: "From consultation to co-design (example)", Audience: "Commissioners and heads of service",
			Summary: "Moving from asking people what they think to designing services with them: sharing the brief, the budget and the decision.",
			Keys:    []string{"1.2", "2.1", "2.2"}},
			[]NewSession{{StartsAt: at(28, 10), Place: "Bedford Borough Hall", Capacity: 16, Trainers: "Dr Peter Walsh", CoTrainers: "Members of the East of England Lived Experience Panel"}}},
	} {
		id, err := CreateModule(ctx, d, m.NewModule, funder, now)
		if err != nil {
			return fmt.Errorf("demo module: %w", err)
		}
		for _, s := range m.sessions {
			if _, err := CreateSession(ctx, d, id, s, funder, now); err != nil {
				return fmt.Errorf("demo session: %w", err)
			}
		}
	}
	return nil
}

func demoCycle(ctx context.Context, d *db.DB, v standards.VersionRef, funder *auth.Identity, now time.Time) error {
	facilitator, err := demoPerson(ctx, d, "facilitator@roundtable.example")
	if err != nil {
		return err
	}
	assessor, err := demoPerson(ctx, d, "assessor@roundtable.example")
	if err != nil {
		return err
	}
	luton, err := panels.PanelBySlug(ctx, d, "luton")
	if err != nil {
		return err
	}
	review, err := directory.OrganisationBySlug(ctx, d, directory.Slugify("Independent Co-production Review (example)"))
	if err != nil {
		return err
	}
	start := now.AddDate(0, -4, 0)
	cycle, err := CreateCycle(ctx, d, NewCycle{Title: "Peer evaluation, first round (example)", VersionID: v.ID, AssessorID: review.ID,
		StartsOn: start, EndsOn: now.AddDate(0, -1, 0), PanelIDs: []int64{luton.ID}}, funder, start)
	if err != nil {
		return fmt.Errorf("demo cycle: %w", err)
	}
	var evaluators []*auth.Identity
	for _, login := range []string{"sam", "lee"} {
		p, err := demoPerson(ctx, d, login)
		if err != nil {
			return err
		}
		if err := RecordTraining(ctx, d, p.PersonID, "Peer research methods, two days (example)", start.AddDate(0, -1, 0), facilitator, start); err != nil {
			return err
		}
		evaluators = append(evaluators, p)
	}
	units, err := UnitsOf(ctx, d, v.ID)
	if err != nil {
		return err
	}
	for _, c := range demoCouncils {
		teamID, err := AddCouncil(ctx, d, cycle, c.gss, luton.ID, funder, start)
		if err != nil {
			return fmt.Errorf("demo council %s: %w", c.gss, err)
		}
		t, err := GetTeam(ctx, d, teamID)
		if err != nil {
			return err
		}
		for _, e := range evaluators {
			if err := Assign(ctx, d, t, e.PersonID, facilitator, start); err != nil {
				return err
			}
		}
		if t, err = GetTeam(ctx, d, teamID); err != nil {
			return err
		}
		agreedAt := start.AddDate(0, 2, 0)
		agreed := map[int64]AgreedInput{}
		for i, e := range evaluators {
			in := map[int64]RatingInput{}
			for n, u := range units {
				l := c.levels[min(n, len(c.levels)-1)]
				if u.ID == 0 {
					l = c.levels[len(c.levels)-1]
				}
				agreed[u.ID] = AgreedInput{Level: fmt.Sprint(int(l)), Reason: "Agreed at the team meeting."}
				if i == 1 && n%2 == 1 && l < ladder.Top { // the second evaluator sees some a level higher
					l++
				}
				in[u.ID] = RatingInput{Level: fmt.Sprint(int(l)), Evidence: "From interviews with staff and people using services (example)."}
			}
			if err := SubmitRatings(ctx, d, t, e, in, start.AddDate(0, 1, i)); err != nil {
				return fmt.Errorf("demo ratings: %w", err)
			}
		}
		if err := Moderate(ctx, d, t, facilitator, agreed, agreedAt); err != nil {
			return fmt.Errorf("demo moderation: %w", err)
		}
		if err := PublishFindings(ctx, d, t, facilitator, "The council listens and acts on much of what people say (example findings).",
			"Tell people what happened to what they said.\nPay people for their time at every meeting.", agreedAt.AddDate(0, 0, 7)); err != nil {
			return err
		}
		t.PublishedAt = agreedAt.AddDate(0, 0, 7)
		independent := map[int64]RatingInput{}
		for id, a := range agreed {
			independent[id] = RatingInput{Level: a.Level, Evidence: "Document review and interviews (example)."}
		}
		if err := SubmitIndependent(ctx, d, t, assessor, independent, agreedAt.AddDate(0, 0, 10)); err != nil {
			return err
		}
		if c.gss == "E06000032" && len(units) > 1 {
			ex, err := WriteExample(ctx, d, t, facilitator, units[0].ID, "Lived experience on the commissioning panel (example)",
				"Two members of the Luton Homelessness Partnership sit on every commissioning panel, with an equal vote, paid for their time, and report back to the wider group.",
				agreedAt.AddDate(0, 0, 8))
			if err != nil {
				return err
			}
			officer, err := demoPerson(ctx, d, "officer@roundtable.example")
			if err != nil {
				return err
			}
			if _, err := ConsentToExample(ctx, d, officer, ex, agreedAt.AddDate(0, 0, 9)); err != nil {
				return err
			}
		}
	}
	return nil
}
