package demo

import (
	"database/sql"
	"fmt"
	"slices"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
	"roundtable/internal/standards"
)

// Standards and evaluation at national scale: adoptions with self-assessments, and the
// evaluation cycles with their teams, ratings, moderated levels and independent ratings.

// evaluation adopts the published standard in most councils, with their self-assessments,
// and runs the evaluation cycles: teams of trained members rate each council, the team agrees
// a moderated level for each indicator, the findings are published and the independent
// assessor rates the council too.
func (g *generator) evaluation() error {
	vs, err := standards.PublishedVersions(g.ctx, g.d)
	if err != nil || len(vs) == 0 {
		return err
	}
	v := vs[len(vs)-1]
	units, err := evaluation.UnitsOf(g.ctx, g.d, v.ID)
	if err != nil {
		return err
	}
	if err := g.adoptions(v, units); err != nil {
		return err
	}
	var existing int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM evaluation_cycles").Scan(&existing); err != nil {
		return err
	}
	review, err := directory.OrganisationBySlug(g.ctx, g.d, directory.Slugify("Independent Co-production Review (example)"))
	if err != nil {
		return err
	}
	funder := &auth.Identity{PersonID: g.funder, DisplayName: "Tom Barker", Grants: []auth.Grant{{Role: auth.Funder}}}
	var regional []int64
	for _, p := range g.panels {
		if p.kind == panels.Regional {
			regional = append(regional, p.id)
		}
	}
	n := max(0, g.opt.Sizes.Cycles-existing)
	trained := map[int64]bool{}
	for k := range n {
		// Cycles every six months, the latest still going on.
		starts := g.now.AddDate(0, -6*(n-k)+2, 0)
		ends := starts.AddDate(0, 5, 0)
		cycle, err := evaluation.CreateCycle(g.ctx, g.d, evaluation.NewCycle{Title: fmt.Sprintf("Peer evaluation %s (example)", starts.In(web.London).Format("January 2006")),
			VersionID: v.ID, AssessorID: review.ID, StartsOn: starts, EndsOn: ends, PanelIDs: regional}, funder, starts)
		if err != nil {
			return fmt.Errorf("cycle %d: %w", k+1, err)
		}
		if err := g.cycle(cycle, starts, ends, units, trained); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) adoptions(v standards.VersionRef, units []evaluation.Unit) error {
	done, err := db.Collect(g.ctx, g.d.Read, func(s db.Scanner) (id int64, err error) { err = s.Scan(&id); return id, err },
		"SELECT council_id FROM standard_adoptions UNION SELECT council_id FROM standard_self_ratings")
	if err != nil {
		return err
	}
	return g.tx(func(tx *sql.Tx) error {
		adopt := g.bulk(tx, "standard_adoptions", "council_id", "version_id", "adopted_on", "signed_off_by", "recorded_at", "recorded_by")
		self := g.bulk(tx, "standard_self_ratings", "council_id", "indicator_id", "level", "evidence", "rated_at", "rated_by")
		for _, c := range g.councils {
			if slices.Contains(done, c.orgID) || g.rng.Float64() > 0.35+c.maturity/8 {
				continue
			}
			at := g.between(v.PublishedAt, g.now.Add(-time.Hour))
			if err := adopt.add(c.orgID, v.ID, at.In(web.London).Format("2006-01-02"), "Director of Housing, "+c.name, at, c.officer); err != nil {
				return err
			}
			for _, u := range units {
				if u.ID == 0 {
					continue
				}
				// Councils see themselves a little higher than others do.
				if err := self.add(c.orgID, u.ID, g.level(c.maturity+0.5), "Our own review of how we work (example).", at.Add(time.Hour), c.officer); err != nil {
					return err
				}
			}
		}
		if err := adopt.close(); err != nil {
			return err
		}
		return self.close()
	})
}

func (g *generator) cycle(cycle int64, starts, ends time.Time, units []evaluation.Unit, trained map[int64]bool) error {
	finished := ends.Before(g.now)
	return g.tx(func(tx *sql.Tx) error {
		id, err := nextID(g.ctx, tx, "evaluation_teams")
		if err != nil {
			return err
		}
		teams := g.bulk(tx, "evaluation_teams", "id", "cycle_id", "council_id", "council_gss", "council_name", "region_name", "panel_id",
			"findings", "recommendations", "published_at")
		members := g.bulk(tx, "evaluation_team_members", "team_id", "person_id", "assigned_by", "assigned_at").after(teams)
		training := g.bulk(tx, "evaluation_research_training", "person_id", "course", "completed_on", "recorded_by", "recorded_at")
		ratings := g.bulk(tx, "evaluation_ratings", "team_id", "indicator_id", "person_id", "level", "evidence", "notes", "rated_at").after(teams)
		agreed := g.bulk(tx, "evaluation_agreed", "team_id", "indicator_id", "level", "reason", "agreed_by", "agreed_at").after(teams)
		independent := g.bulk(tx, "evaluation_independent", "team_id", "indicator_id", "level", "evidence", "notes", "rated_by", "rated_at").after(teams)
		for _, c := range sample(g.rng, g.councils, g.opt.Sizes.TeamsPerCycle) {
			p := g.regional[c.regionID]
			if p == nil || len(p.members) == 0 {
				continue
			}
			agreedAt := starts.AddDate(0, 3, 0)
			var published any
			findings, recs := "", ""
			if finished {
				published = agreedAt.AddDate(0, 0, 7)
				findings = "The council " + map[bool]string{true: "shares decisions with people with lived experience", false: "asks people what they think, but rarely shows what changed"}[c.maturity >= 3.5] + " (example findings)."
				recs = "Tell people what happened to what they said.\nPay people for their time at every meeting."
			}
			if err := teams.add(id, cycle, c.orgID, c.gss, c.name, c.region, p.id, findings, recs, published); err != nil {
				return err
			}
			team := sample(g.rng, p.members, 3)
			for _, m := range team {
				if !trained[m] {
					trained[m] = true
					if err := training.add(m, "Peer research methods, two days (example)", starts.AddDate(0, -1, 0).Format("2006-01-02"), p.facilitator, starts); err != nil {
						return err
					}
				}
				if err := members.add(id, m, p.facilitator, starts); err != nil {
					return err
				}
			}
			for _, u := range units {
				truth := c.maturity
				if u.ID == 0 {
					truth -= 0.5 // relationships lag behind the paperwork
				}
				levels := make([]int, 0, len(team))
				for j, m := range team {
					if !finished && j == len(team)-1 {
						break // the last evaluator has still to rate
					}
					l := g.level(truth)
					levels = append(levels, l)
					if err := ratings.add(id, u.ID, m, l, "From interviews with staff and people using services (example).", "", starts.AddDate(0, 1, j)); err != nil {
						return err
					}
				}
				if !finished {
					continue
				}
				slices.Sort(levels)
				moderated := levels[len(levels)/2]
				if err := agreed.add(id, u.ID, moderated, "Agreed at the team meeting.", p.facilitator, agreedAt); err != nil {
					return err
				}
				if err := independent.add(id, u.ID, min(6, max(0, moderated+g.rng.IntN(3)-1)), "Document review and interviews (example).", "",
					g.assessors[0], agreedAt.AddDate(0, 0, 10)); err != nil {
					return err
				}
			}
			id++
		}
		for _, b := range []*bulk{teams, members, training, ratings, agreed, independent} {
			if err := b.close(); err != nil {
				return err
			}
		}
		return nil
	})
}
