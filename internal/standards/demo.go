package standards

import (
	"context"
	"fmt"
	"time"

	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// demoClause is a clause of the demo standard, built on the UK Standards for Public
// Involvement headings and the three principles.
type demoClause struct {
	title, wording string
	// indicators name what each indicator looks at; level descriptions are made from them.
	indicators []string
}

var demoClauses = []demoClause{
	{"Inclusive opportunities",
		"The council offers people with lived experience of homelessness real chances to take part, and removes what stops them: cost, distance, paperwork and jargon. Every stakeholder gets every chance to sit at the table as an equal.",
		[]string{"who is invited to take part, and how", "paying people for their time, travel and food"}},
	{"Working together",
		"No one person owns the truth: the wisdom and power sit with the collective. The council, partners and people with lived experience agree together how decisions are made, and share them.",
		[]string{"who sets the agenda and makes decisions", "how disagreements are settled"}},
	{"Support and learning",
		"Everyone gets the support and training they need to take part well, and council staff learn from people with lived experience.",
		[]string{"training and support for people with lived experience", "learning for council staff"}},
	{"Communications",
		"The council uses plain English and the ways people prefer, including phone and text, and never only email.",
		[]string{"plain English and accessible formats", "reaching people with no email or little data"}},
	{"Impact",
		"Everyone sees what their contribution changed. The council gives feedback and thanks people for what they did.",
		[]string{"feedback on what changed", "recording and sharing the difference made"}},
	{"Governance",
		"People with lived experience have a place where decisions are made, with the same standing as others, and the group keeps its focus on its purpose with a strengths-based approach.",
		[]string{"seats at decision-making level", "paid roles for people with lived experience"}},
}

// demoLevels describes practice at five levels of the ladder for an indicator about subject.
func demoLevels(subject string) map[ladder.Level]string {
	return map[ladder.Level]string{
		ladder.Informing:    "People are told about " + subject + " after the council has decided.",
		ladder.Consultation: "People are asked about " + subject + ", but do not hear what difference it made.",
		ladder.Engagement:   "People's views on " + subject + " change some parts of what the council does.",
		ladder.CoDesign:     "People with lived experience design " + subject + " with the council, and some of their ideas are used.",
		ladder.CoProduction: "People with lived experience and the council share power over " + subject + " from start to finish.",
	}
}

// LoadDemo adds a standard drafted by the Luton and Blackpool panels: six clauses agreed by
// consent and published as 1.0, one amendment decided since, two proposals being decided, and
// three councils that adopted 1.0, with Luton's first self-ratings.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error {
	luton, err := panels.PanelBySlug(ctx, d, "luton")
	if err != nil {
		return err
	}
	bpool, err := panels.PanelBySlug(ctx, d, "blackpool")
	if err != nil {
		return err
	}
	who := map[string]*auth.Identity{}
	for name, login := range map[string]string{"Sam": "sam", "Jo Clarke": "facilitator@roundtable.example", "Aisha": "aisha.luton",
		"Marek": "marek.luton", "Grace Mensah": "officer@roundtable.example"} {
		if who[name], err = demoIdentity(ctx, d, login); err != nil {
			return err
		}
	}
	jo := who["Jo Clarke"]
	ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
	closeOn := func(t time.Time, days int) string { return t.In(web.London).AddDate(0, 0, days).Format(time.DateOnly) }

	id, err := CreateStandard(ctx, d, NewStandard{Title: "Co-production standard for homelessness services",
		Purpose:  "What good co-production looks like when councils, partners and people with lived experience of homelessness make decisions together. Councils adopt it and check themselves against it.",
		PanelIDs: []int64{luton.ID, bpool.ID}}, jo, ago(80))
	if err != nil {
		return fmt.Errorf("demo standard: %w", err)
	}
	s, err := GetStandard(ctx, d, id)
	if err != nil {
		return err
	}
	// decide proposes as the proposer, has members respond, and records the outcome.
	decide := func(n NewProposal, proposer *auth.Identity, at time.Time, statement string, respond func(p Proposal) error) error {
		n.PanelID, n.CloseDate, n.Quorum = luton.ID, closeOn(at, 7), "3"
		if n.Reason == "" {
			n.Reason = "The group drafted this together at the workshop."
		}
		pid, err := Propose(ctx, d, s, n, proposer, at)
		if err != nil {
			return fmt.Errorf("demo proposal %q: %w", n.Title, err)
		}
		p, err := GetProposal(ctx, d, s.ID, pid)
		if err != nil {
			return err
		}
		for _, m := range []string{"Sam", "Aisha", "Marek"} {
			if err := Respond(ctx, d, s, p, who[m], consent.Consent, "", at.Add(time.Hour)); err != nil {
				return err
			}
		}
		if respond != nil {
			if err := respond(p); err != nil {
				return err
			}
		}
		_, err = Decide(ctx, d, s, p, jo, statement, at.AddDate(0, 0, 9))
		return err
	}
	for _, c := range demoClauses {
		n := NewProposal{Kind: AddClause, Title: c.title, Wording: c.wording}
		for _, subject := range c.indicators {
			n.Indicators = append(n.Indicators, IndicatorDraft{Text: "How people with lived experience shape " + subject + ".", Levels: demoLevels(subject)})
		}
		if err := decide(n, who["Sam"], ago(75), "Agreed by consent at the drafting workshop.", nil); err != nil {
			return err
		}
	}
	v1, err := Publish(ctx, d, s, false, "The first version, written by the Luton and Blackpool panels.", jo, ago(60))
	if err != nil {
		return fmt.Errorf("demo publish: %w", err)
	}

	// One amendment decided since 1.0, after an objection was resolved.
	err = decide(NewProposal{Kind: AmendClause, ClauseNumber: 5, Title: "Impact",
		Wording: "Everyone sees what their contribution changed, within a month. The council gives feedback in the way each person prefers and thanks people for what they did.",
		Reason:  "People waited months to hear back. A month is fair."}, who["Aisha"], ago(20),
		"Agreed by consent. Feedback within a month, in the way each person prefers.", func(p Proposal) error {
			if err := Respond(ctx, d, s, p, who["Marek"], consent.Object, "A month is too long for people in crisis.", ago(19)); err != nil {
				return err
			}
			return ResolveObjection(ctx, d, s, p, who["Marek"].PersonID, jo, "Marek agreed a month is the longest, and sooner is better; the guidance says so.", ago(15))
		})
	if err != nil {
		return err
	}

	// Two proposals being decided.
	open := []struct {
		n  NewProposal
		by string
	}{
		{NewProposal{Kind: AmendClause, ClauseNumber: 4, Title: "Communications",
			Wording: "The council uses plain English and the ways people prefer, including phone, text and face to face, and never only email or online forms.",
			Reason:  "Online forms shut out people with old phones or no data."}, "Sam"},
		{NewProposal{Kind: AddClause, Title: "Paying people fairly",
			Wording:    "Nobody is left out of pocket. Terms are agreed in writing first, people choose cash, vouchers or no payment, and the council points them to benefits advice.",
			Reason:     "Payment is the first thing people ask about, and it can affect benefits.",
			Indicators: []IndicatorDraft{{Text: "How people with lived experience shape how they are paid.", Levels: demoLevels("how people are paid")}}}, "Marek"},
	}
	for n, o := range open {
		o.n.PanelID, o.n.CloseDate, o.n.Quorum = luton.ID, closeOn(now, 10+n*4), "3"
		pid, err := Propose(ctx, d, s, o.n, who[o.by], ago(3-n))
		if err != nil {
			return fmt.Errorf("demo open proposal: %w", err)
		}
		p, err := GetProposal(ctx, d, s.ID, pid)
		if err != nil {
			return err
		}
		if err := Respond(ctx, d, s, p, who["Aisha"], consent.Concern, "Fine, but say who checks it.", ago(1)); err != nil {
			return err
		}
		if err := AddComment(ctx, d, s, p, who["Jo Clarke"], "Thank you. Let's talk it through at Tuesday's meeting.", ago(1)); err != nil {
			return err
		}
	}

	// Councils that adopted 1.0; Luton has rated itself against the first clauses.
	for n, gss := range []string{"E06000032", "E06000009", "E09000033"} {
		c, err := directory.CouncilByCode(ctx, d, gss)
		if err != nil {
			return err
		}
		on := ago(50 - n*10)
		day := time.Date(on.Year(), on.Month(), on.Day(), 0, 0, 0, 0, time.UTC)
		if err := insertAdoption(ctx, d, c.OrganisationID, v1, day, []string{"Grace Mensah, Head of Housing Options", "Director of Housing", "Cabinet Member for Housing"}[n], nil, on); err != nil {
			return err
		}
	}
	lutonCouncil, err := directory.CouncilByCode(ctx, d, "E06000032")
	if err != nil {
		return err
	}
	is, err := VersionIndicators(ctx, d, v1.ID)
	if err != nil {
		return err
	}
	officer := who["Grace Mensah"]
	return SaveSelfAssessment(ctx, d, lutonCouncil.OrganisationID, v1.ID, []SelfRating{
		{IndicatorID: is[0].ID, Level: ladder.CoDesign, Evidence: "The Luton Homelessness Partnership chose who to invite to the bid workshops."},
		{IndicatorID: is[1].ID, Level: ladder.CoProduction, Evidence: "Everyone is paid £15.50 an hour plus travel, in cash or vouchers as they choose."},
		{IndicatorID: is[2].ID, Level: ladder.Engagement, Evidence: "Panel members sit on the commissioning group, but the agenda is set by officers."},
	}, officer, ago(30))
}

// demoIdentity loads a demo person by sign-in name with their roles, as a session would.
func demoIdentity(ctx context.Context, d *db.DB, login string) (*auth.Identity, error) {
	id := &auth.Identity{}
	if err := d.Read.QueryRowContext(ctx, `SELECT id, display_name FROM people WHERE login = $1`, login).Scan(&id.PersonID, &id.DisplayName); err != nil {
		return nil, fmt.Errorf("demo person %s: %w", login, err)
	}
	grants, err := db.Collect(ctx, d.Read, func(r db.Scanner) (auth.Grant, error) {
		var g auth.Grant
		return g, r.Scan(&g.Role, &g.OrganisationID)
	}, `SELECT role, COALESCE(organisation_id, 0) FROM memberships WHERE person_id = $1`, id.PersonID)
	id.Grants = grants
	return id, err
}
