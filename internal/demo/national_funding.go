package demo

import (
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// Funding at national scale: programmes, bids with their co-production logs, and the
// assessment of every bid submitted to a closed programme.

var themes = []string{"move-on homes with support", "housing first", "rough sleeping outreach", "supported lodgings for young people",
	"women's refuge and move-on", "hospital discharge beds", "prison leavers' accommodation", "winter shelter to settled homes",
	"tenancy sustainment", "private rented sector access", "mental health and housing", "family temporary accommodation"}

func (g *generator) programmes() error {
	var existing int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM funding_programmes").Scan(&existing); err != nil {
		return err
	}
	n := max(2, g.opt.Sizes.Programmes-existing)
	g.pots = map[int64][2]potInfo{}
	return g.tx(func(tx *sql.Tx) error {
		id, err := nextID(g.ctx, tx, "funding_programmes")
		if err != nil {
			return err
		}
		potID, err := nextID(g.ctx, tx, "funding_pots")
		if err != nil {
			return err
		}
		progs := g.bulk(tx, "funding_programmes", "id", "name", "purpose", "homes_target", "opens_at", "closes_at", "required_types",
			"questions", "eligible", "published_at", "created_at", "created_by")
		pots := g.bulk(tx, "funding_pots", "id", "programme_id", "name", "kind", "amount_pence", "bid_limit_pence").after(progs)
		rubric := g.bulk(tx, "funding_rubric_levels", "programme_id", "score", "name", "description").after(progs)
		assessors := g.bulk(tx, "funding_assessors", "programme_id", "person_id", "added_at").after(progs)
		first := g.now.AddDate(-8, 0, 0)
		span := g.now.Sub(first)
		for i := range n {
			opens := first.Add(span * time.Duration(i) / time.Duration(n)).Truncate(time.Hour)
			closes := opens.AddDate(0, 0, 35+g.rng.IntN(28))
			if i >= n-2 { // the last two are open now
				opens, closes = g.now.AddDate(0, 0, -20-10*(n-i)), g.now.AddDate(0, 0, 15+10*(n-i))
			}
			theme := themes[i%len(themes)]
			year := opens.In(web.London).Year()
			name := fmt.Sprintf("%s fund %d, round %d (example)", strings.ToUpper(theme[:1])+theme[1:], year, i/len(themes)+1)
			capital := int64(5+g.rng.IntN(60)) * 1_000_000_00
			revenue := capital / int64(3+g.rng.IntN(4))
			if err := progs.add(id, name, "Funding for "+theme+", co-produced with people with lived experience of homelessness.",
				200+g.rng.IntN(3000), opens, closes, "lived_experience,support_provider,probation,registered_provider",
				"How did people with lived experience shape this bid?\nWhat did you change because of what they said?", "",
				opens, opens.AddDate(0, 0, -14), g.funder); err != nil {
				return err
			}
			info := [2]potInfo{{potID, capital / 20}, {potID + 1, revenue / 20}}
			if err := pots.add(potID, id, name+": capital", "capital", capital, info[0].limit); err != nil {
				return err
			}
			if err := pots.add(potID+1, id, name+": revenue", "revenue", revenue, info[1].limit); err != nil {
				return err
			}
			g.pots[id] = info
			potID += 2
			for _, l := range funding.Ladder {
				if err := rubric.add(id, l.Score, l.Name, l.Description); err != nil {
					return err
				}
			}
			for _, a := range g.assessors {
				if err := assessors.add(id, a, opens); err != nil {
					return err
				}
			}
			id++
		}
		for _, b := range []*bulk{progs, pots, rubric, assessors} {
			if err := b.close(); err != nil {
				return err
			}
		}
		return nil
	})
}

func (g *generator) bids() error {
	type prog struct {
		id            int64
		opens, closes time.Time
	}
	progs, err := db.Collect(g.ctx, g.d.Read, func(s db.Scanner) (p prog, err error) { err = s.Scan(&p.id, &p.opens, &p.closes); return p, err },
		"SELECT id, opens_at, closes_at FROM funding_programmes WHERE published_at IS NOT NULL ORDER BY id")
	if err != nil {
		return err
	}
	progs = slices.DeleteFunc(progs, func(p prog) bool { _, ok := g.pots[p.id]; return !ok })
	var existing int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM funding_bids").Scan(&existing); err != nil {
		return err
	}
	want := max(len(progs), g.opt.Sizes.Bids-existing)
	return g.tx(func(tx *sql.Tx) error {
		id, err := nextID(g.ctx, tx, "funding_bids")
		if err != nil {
			return err
		}
		bids := g.bulk(tx, "funding_bids", "id", "programme_id", "council_id", "title", "summary", "contact", "homes", "support", "evidence",
			"declared_by", "declared", "about_done", "amounts_done", "support_done", "evidence_done", "declarations_done", "created_at", "updated_at", "submitted_at")
		amounts := g.bulk(tx, "funding_bid_amounts", "bid_id", "pot_id", "amount_pence").after(bids)
		for i, p := range progs {
			n := min(len(g.councils), want/len(progs)+btoi(i < want%len(progs)))
			// Councils further up the ladder bid more often: a weighted sample without
			// replacement (each council's key is u^(1/weight)).
			type keyed struct {
				c   *council
				key float64
			}
			ks := make([]keyed, len(g.councils))
			for j, c := range g.councils {
				ks[j] = keyed{c, math.Pow(g.rng.Float64(), 1/(1+c.maturity))}
			}
			sort.Slice(ks, func(a, b int) bool { return ks[a].key > ks[b].key })
			open := p.closes.After(g.now)
			theme := themes[int(p.id)%len(themes)]
			for _, k := range ks[:n] {
				c := k.c
				b := &bid{id: id, programme: p.id, c: c, opens: p.opens, closes: p.closes}
				created := g.between(p.opens, minTime(p.closes.Add(-72*time.Hour), g.now.Add(-time.Hour)))
				b.submitted = g.rng.Float64() < map[bool]float64{true: 0.35, false: 0.93}[open]
				var submitted any
				updated := g.between(created, p.closes.Add(-time.Hour))
				if open && updated.After(g.now) {
					updated = g.between(created, g.now)
				}
				if b.submitted {
					b.submittedAt = updated
					submitted = updated
					b.decided = !open
					b.score = g.level(c.maturity)
				}
				homes := 5 + g.rng.IntN(int(20+c.population/5_000))
				done := btoi(b.submitted || g.rng.IntN(2) == 0)
				if err := bids.add(id, p.id, c.orgID, c.name+": "+theme+" (example)",
					fmt.Sprintf("%d homes in %s for %s, shaped with people with lived experience.", homes, c.name, theme),
					"Housing lead, "+c.name, homes, "Tenancy support for two years from a local provider, with a named worker for each tenant.",
					"People with lived experience took part in workshops, meetings and conversations; the log shows what they changed.",
					"Director of Housing, "+c.name, done, 1, done, done, done, done, created, updated, submitted); err != nil {
					return err
				}
				pots := g.pots[p.id]
				for i, pot := range pots {
					b.asked[i] = (pot.limit/4 + g.rng.Int64N(pot.limit*3/4)) / 100 * 100
					if err := amounts.add(id, pot.id, b.asked[i]); err != nil {
						return err
					}
				}
				g.bidList = append(g.bidList, b)
				id++
			}
		}
		if err := bids.close(); err != nil {
			return err
		}
		if err := amounts.close(); err != nil {
			return err
		}
		return g.assess(tx)
	})
}

// assess scores, moderates and decides every bid submitted to a closed programme: two
// assessors, each declaring no conflict first, then the funder's moderated outcome.
func (g *generator) assess(tx *sql.Tx) error {
	conflicts := g.bulk(tx, "funding_conflicts", "bid_id", "person_id", "conflicted", "note", "declared_at")
	scores := g.bulk(tx, "funding_scores", "bid_id", "person_id", "score", "notes", "scored_at")
	outcomes := g.bulk(tx, "funding_outcomes", "bid_id", "score", "notes", "funded", "decided_at", "decided_by")
	awards := g.bulk(tx, "funding_awards", "bid_id", "pot_id", "amount_pence")
	for _, b := range g.bidList {
		if !b.decided {
			continue
		}
		at := b.closes.Add(time.Duration(24+g.rng.IntN(24*14)) * time.Hour)
		for _, a := range sample(g.rng, g.assessors, 2) {
			if err := conflicts.add(b.id, a, 0, "", at); err != nil {
				return err
			}
			s := min(6, max(0, b.score+g.rng.IntN(3)-1))
			if err := scores.add(b.id, a, s, scoreNotes[s], at.Add(2*time.Hour)); err != nil {
				return err
			}
		}
		funded := b.score >= 4 || (b.score == 3 && g.rng.IntN(3) == 0)
		if err := outcomes.add(b.id, b.score, scoreNotes[b.score], btoi(funded), at.Add(72*time.Hour), g.funder); err != nil {
			return err
		}
		if funded {
			for i, pot := range g.pots[b.programme] {
				// The funder awards 80% to all of what was asked.
				if err := awards.add(b.id, pot.id, b.asked[i]/100*(80+int64(g.rng.IntN(21)))); err != nil {
					return err
				}
			}
		}
	}
	for _, b := range []*bulk{conflicts, scores, outcomes, awards} {
		if err := b.close(); err != nil {
			return err
		}
	}
	return nil
}

var scoreNotes = []string{
	"People with lived experience were not involved, or were pressed into agreeing.",
	"People were told about the plans after they were made.",
	"People were given information but not asked what they thought.",
	"People were asked what they thought, but the log does not show what changed.",
	"People took part in several meetings and some of what they said changed the bid.",
	"People with lived experience shaped the homes and the support, and were told what changed.",
	"People with lived experience shared power over the bid from the start, including the budget.",
}

var says = []string{
	"Support has to carry on after you get the keys. That is when people fall back.",
	"Don't put everyone in one block. People need to be near family and away from old places.",
	"Let us furnish the flats before we move in, so we are not sleeping on the floor.",
	"Pets should be allowed. For some people a dog is the only family they have.",
	"Referrals should be one form, not three.",
	"People on the panel should help choose the support provider.",
	"I want a place where my kids can visit.",
	"Move-on takes too long: months in one room.",
	"Help with deposits would let us rent privately.",
	"Staff should be trained by people who have been through it.",
	"Meetings in the morning are hard when you have appointments. After 11am is better.",
	"Women need a space of their own, with women workers.",
	"Tell us what happened to what we said last time.",
	"Pay people for their time in cash or vouchers, their choice.",
	"The hostel rules make it hard to keep a job.",
	"People leaving prison need a home on the day they leave, not a list.",
	"Mental health support should come to you, not make you travel across town.",
	"Keep the day centre open at weekends.",
	"Put the information in plain English and in other languages.",
	"Young people need somewhere that is not with older drinkers.",
}

var responses = []struct{ kind, reason string }{
	{"adopted", "This is now in the bid, funded from the revenue pot."},
	{"adopted", "Agreed by the partnership and written into the support contract."},
	{"adapted", "We did part of this: it is in the bid for the first year, to review with the panel."},
	{"adapted", "We could not do it everywhere, so we started in two areas."},
	{"not_taken_forward", "The landlords in this bid would not agree. We will ask again next year."},
	{"not_taken_forward", "It is outside what this programme can fund; we passed it to the health partnership."},
}

var activityTitles = []struct{ format, title string }{
	{"workshop", "Lived experience workshop on the bid"}, {"meeting", "Partnership meeting on support and referrals"},
	{"one_to_one", "Conversations in hostels and day centres"}, {"survey", "Survey of people in temporary accommodation"},
	{"online", "Online session with partners"}, {"meeting", "Lived experience panel on the homes"},
}

var partnerTypes = []directory.StakeholderType{directory.SupportProvider, directory.Probation, directory.HealthSocialCareCommissioner,
	directory.RegisteredProvider, directory.Landlord, directory.LocalVoluntaryOrganisation, directory.HomesEngland}

// logs writes each bid's co-production log: three activities, their participants and what
// people said, with the council's response where the bid was submitted.
func (g *generator) logs() error {
	if len(g.bidList) == 0 {
		return nil
	}
	var existing int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM funding_contributions").Scan(&existing); err != nil {
		return err
	}
	const perBid = 3
	nActs := len(g.bidList) * perBid
	// Each activity's share of the contributions: uneven, more where the council listens
	// more, adding up exactly to the total.
	want := max(0, g.opt.Sizes.Contributions-existing)
	shares := make([]float64, nActs)
	var sum float64
	for i := range shares {
		shares[i] = (0.5 + g.bidList[i/perBid].c.maturity) * (0.3 + g.rng.ExpFloat64())
		sum += shares[i]
	}
	counts := make([]int, nActs)
	given := 0
	for i, s := range shares {
		counts[i] = int(float64(want) * s / sum)
		given += counts[i]
	}
	for ; given < want; given++ {
		counts[g.rng.IntN(nActs)]++
	}
	// Members who can take part in a council's activity: its region's panels.
	g.byRegion = map[int64][]int64{}
	for _, p := range g.panels {
		g.byRegion[p.regionID] = append(g.byRegion[p.regionID], p.members...)
	}
	// Named people with lived experience: about half the claims come from activities.
	namedMean := float64(g.opt.Sizes.Claims) * 0.55 / float64(nActs)
	// Activities and contributions go in batches of bids, one transaction each, so that no
	// transaction holds millions of rows.
	const bidsPerTx = 2_000
	for start := 0; start < len(g.bidList); start += bidsPerTx {
		part := g.bidList[start:min(len(g.bidList), start+bidsPerTx)]
		if err := g.tx(func(tx *sql.Tx) error {
			actID, err := nextID(g.ctx, tx, "funding_activities")
			if err != nil {
				return err
			}
			acts := g.bulk(tx, "funding_activities", "id", "council_id", "title", "held_on", "format", "place", "access", "minutes", "created_at", "created_by")
			links := g.bulk(tx, "funding_bid_activities", "bid_id", "activity_id").after(acts)
			parts := g.bulk(tx, "funding_participants", "activity_id", "stakeholder_type", "person_id", "organisation_id", "anonymous_count").after(acts)
			contribs := g.bulk(tx, "funding_contributions", "activity_id", "stakeholder_type", "person_id", "said", "may_quote", "response",
				"reason", "responded_at", "created_at", "named", "chosen_at").after(acts)
			for bi, b := range part {
				c := b.c
				end := b.closes.Add(-96 * time.Hour)
				if b.submitted {
					end = b.submittedAt.Add(-24 * time.Hour)
				}
				if end.After(g.now) {
					end = g.now.Add(-24 * time.Hour)
				}
				for k := range perBid {
					a := activityTitles[g.rng.IntN(len(activityTitles))]
					held := g.between(end.AddDate(0, -3, 0), end).Truncate(15 * time.Minute)
					minutes := []int{60, 90, 120, 150, 180}[g.rng.IntN(5)]
					if err := acts.add(actID, c.orgID, a.title, held, a.format, c.name, "Step-free. Travel, food and time paid.", minutes, held.Add(4*time.Hour), c.officer); err != nil {
						return err
					}
					if err := links.add(b.id, actID); err != nil {
						return err
					}
					named := sample(g.rng, g.byRegion[c.regionID], int(math.Floor(namedMean*(0.4+c.maturity/4)*g.rng.Float64()*2+g.rng.Float64())))
					for _, p := range named {
						if err := parts.add(actID, string(directory.LivedExperience), p, nil, 0); err != nil {
							return err
						}
						g.activityClaims = append(g.activityClaims, attendance{source: "activity", sourceID: actID, person: p, councilOrg: c.orgID,
							payer: c.orgID, title: a.title, held: held, minutes: minutes})
					}
					if err := parts.add(actID, string(directory.LivedExperience), nil, nil, 2+g.rng.IntN(12)); err != nil {
						return err
					}
					for _, t := range sample(g.rng, partnerTypes, 1+g.rng.IntN(3)) {
						if err := parts.add(actID, string(t), nil, nil, 1+g.rng.IntN(2)); err != nil {
							return err
						}
					}
					if err := parts.add(actID, string(directory.CouncilType), nil, nil, 1+g.rng.IntN(3)); err != nil {
						return err
					}
					for range counts[(start+bi)*perBid+k] {
						t, person := string(directory.LivedExperience), any(nil)
						switch x := g.rng.IntN(10); {
						case x >= 8:
							t = string(pick(g.rng, partnerTypes))
						case x < 4 && len(named) > 0:
							person = pick(g.rng, named)
						}
						resp, reason, responded := "", "", any(nil)
						if b.submitted && g.rng.Float64() < 0.3+c.maturity/10 {
							r := responses[min(len(responses)-1, max(0, g.rng.IntN(len(responses))-int(c.maturity/3)))]
							resp, reason, responded = r.kind, r.reason, held.Add(48*time.Hour)
						}
						if err := contribs.add(actID, t, person, pick(g.rng, says), btoi(g.rng.IntN(3) > 0), resp, reason, responded,
							held.Add(4*time.Hour), 1, nil); err != nil {
							return err
						}
					}
					actID++
				}
			}
			for _, b := range []*bulk{acts, links, parts, contribs} {
				if err := b.close(); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
