package demo

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"roundtable/internal/panels"
	"roundtable/internal/platform/web"
)

// Panels at national scale: meetings and attendance, the payment claims they and the
// co-production activities give rise to, and recommendations with their consent rounds.

// meetings gives each panel its meetings, held about monthly, and attendance that makes up
// the rest of the payment claims.
func (g *generator) meetings() error {
	want := max(0, g.opt.Sizes.Claims-len(g.activityClaims))
	var existing int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM payment_claims").Scan(&existing); err != nil {
		return err
	}
	want = max(0, want-existing)
	var members, last int // last is the last panel with members, which takes what is left
	for i, p := range g.panels {
		members += len(p.members)
		if len(p.members) > 0 {
			last = i
		}
	}
	if members == 0 {
		return nil
	}
	return g.tx(func(tx *sql.Tx) error {
		id, err := nextID(g.ctx, tx, "panel_meetings")
		if err != nil {
			return err
		}
		meetings := g.bulk(tx, "panel_meetings", "id", "panel_id", "title", "starts_at", "place", "access_info", "agenda", "notes",
			"decisions", "actions", "recorded_at", "created_by", "created_at")
		attended := g.bulk(tx, "panel_attendance", "meeting_id", "person_id").after(meetings)
		given := 0
		for pi, p := range g.panels {
			if len(p.members) == 0 {
				continue
			}
			share := want * len(p.members) / members
			if pi == last {
				share = want - given
			}
			given += share
			size := min(len(p.members), 25)
			n := (share + size - 1) / size
			for m := range n {
				starts := g.now.AddDate(0, -(n - m), -g.rng.IntN(20)).Truncate(24 * time.Hour).Add(13 * time.Hour)
				title := "Panel meeting: " + themes[(m+int(p.id))%len(themes)]
				if err := meetings.add(id, p.id, title, starts, "Community room, "+p.name, "Step-free. Travel, food and time paid.",
					"Welcome\nWhat we heard\nRecommendations\nAny other business", "Members talked about "+themes[(m+int(p.id))%len(themes)]+".",
					"Draft a recommendation.", "The facilitator to write it up.", starts.Add(3*time.Hour), p.facilitator, starts.AddDate(0, 0, -14)); err != nil {
					return err
				}
				k := share / n
				if m < share%n {
					k++
				}
				for _, person := range sample(g.rng, p.members, k) {
					if err := attended.add(id, person); err != nil {
						return err
					}
					g.meetingClaims = append(g.meetingClaims, attendance{source: "meeting", sourceID: id, person: person, panel: p.id,
						payer: p.orgID, title: title, held: starts, minutes: 120})
				}
				id++
			}
			// The next meeting, not yet held.
			starts := g.now.AddDate(0, 0, 7+g.rng.IntN(21)).Truncate(24 * time.Hour).Add(11 * time.Hour)
			if err := meetings.add(id, p.id, "Panel meeting: what next", starts, "Community room, "+p.name, "Step-free. Travel, food and time paid.",
				"Welcome\nPlans\nAny other business", "", "", "", nil, p.facilitator, g.now.AddDate(0, 0, -3)); err != nil {
				return err
			}
			id++
		}
		if err := meetings.close(); err != nil {
			return err
		}
		return attended.close()
	})
}

// claims pays people for the meetings and activities they came to, at £15.50 an hour: old
// claims are paid, recent ones owed or approved; a few people decline payment.
func (g *generator) claims() error {
	const hourly = 1550
	return g.tx(func(tx *sql.Tx) error {
		claims := g.bulk(tx, "payment_claims", "organisation_id", "person_id", "source", "source_id", "panel_id", "council_id", "title",
			"held_at", "minutes", "time_pence", "method", "taken_pence", "travel_pence", "food_pence", "status", "created_at", "approved_at",
			"approved_by", "paid_on", "paid_reference", "paid_by")
		for i, a := range slices.Concat(g.activityClaims, g.meetingClaims) {
			timePence := int64(a.minutes) * hourly / 60
			status, method, taken := "owed", "", int64(0)
			var approvedAt, approvedBy, paidOn, paidBy any
			ref := ""
			age := g.now.Sub(a.held)
			switch x := g.rng.IntN(100); {
			case x < 3:
				status, method = "declined", "decline"
			case age > 60*24*time.Hour || (age > 14*24*time.Hour && x < 70):
				status, method, taken = "paid", pick(g.rng, []string{"transfer", "transfer", "cash", "voucher"}), timePence
				approvedAt, approvedBy = a.held.AddDate(0, 0, 3), g.finance
				paidOn, paidBy, ref = a.held.AddDate(0, 0, 10), g.finance, fmt.Sprintf("RT-%07d", i+1)
			case x < 50:
				status, method, taken = "approved", pick(g.rng, []string{"transfer", "voucher"}), timePence
				approvedAt, approvedBy = a.held.AddDate(0, 0, 3), g.finance
			}
			if err := claims.add(a.payer, a.person, a.source, a.sourceID, nullable(a.panel), nullable(a.councilOrg), a.title, a.held, a.minutes,
				timePence, method, taken, int64(g.rng.IntN(4))*250, int64(g.rng.IntN(2))*600, status, a.held.Add(4*time.Hour),
				approvedAt, approvedBy, paidOn, ref, paidBy); err != nil {
				return err
			}
		}
		return claims.close()
	})
}

var recommendationTitles = []string{
	"Tenancy support in move-on homes should last at least 12 months",
	"Publish the winter shelter opening times in plain English",
	"Pay people with lived experience for their time in every funded bid",
	"Keep the day centre open at weekends",
	"One referral form for every partner",
	"Train housing staff with people who have lived experience",
	"Women-only spaces in every hostel",
	"Let people keep their pets in supported housing",
	"Tell people what happened to what they said",
	"A home on the day of release from prison",
}

// recommendations gives each panel recommendations at every stage, each decided by a consent
// round of its members.
func (g *generator) recommendations() error {
	var existing int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM recommendations").Scan(&existing); err != nil {
		return err
	}
	want := max(0, g.opt.Sizes.Recommendations-existing)
	var active []*panel
	for _, p := range g.panels {
		if len(p.members) > 0 {
			active = append(active, p)
		}
	}
	if len(active) == 0 {
		return nil
	}
	return g.tx(func(tx *sql.Tx) error {
		id, err := nextID(g.ctx, tx, "recommendations")
		if err != nil {
			return err
		}
		roundID, err := nextID(g.ctx, tx, "consent_rounds")
		if err != nil {
			return err
		}
		recs := g.bulk(tx, "recommendations", "id", "panel_id", "title", "body", "council_gss", "response_weeks", "status", "drafted_by",
			"drafted_at", "sent_at", "due_at", "answer", "answer_reasons", "answered_by_name", "answered_at", "done_at")
		rounds := g.bulk(tx, "consent_rounds", "id", "subject", "opened_at", "closes_at", "quorum", "closed_at", "outcome")
		replies := g.bulk(tx, "consent_responses", "round_id", "person_id", "kind", "reason", "responded_at").after(rounds)
		updates := g.bulk(tx, "recommendation_updates", "recommendation_id", "at", "note", "done", "by_id", "by_name").after(recs)
		for i := range want {
			p := active[i%len(active)]
			c := p.council
			if c == nil {
				c = pick(g.rng, g.regions[p.regionID])
			}
			gss, to := c.gss, c.name
			if g.rng.IntN(7) == 0 {
				gss, to = "", "the funder"
			}
			drafted := g.between(g.now.AddDate(-6, 0, 0), g.now.AddDate(0, 0, -2))
			closes := consentEnd(drafted.AddDate(0, 0, 7))
			status := "consent"
			x := g.rng.IntN(100)
			switch {
			case closes.After(g.now):
			case x < 6:
				status = "not_agreed"
			case x < 35:
				status = "awaiting"
			case x < 70:
				status = "answered"
			default:
				status = "done"
			}
			var sent, due, answeredAt, doneAt, closedAt any
			var update []any // progress on an answer, written after the recommendation
			answer, reasons, by, outcome := "", "", "", ""
			if status != "consent" {
				closedAt, outcome = closes, "agreed"
				if status == "not_agreed" {
					outcome = "not_agreed"
				}
			}
			if status == "awaiting" || status == "answered" || status == "done" {
				sent, due = closes, consentEnd(closes.AddDate(0, 0, 56))
			}
			if status == "answered" || status == "done" {
				at := g.between(closes, closes.AddDate(0, 0, 70))
				if at.After(g.now) {
					at = g.now.Add(-time.Hour)
				}
				answeredAt = at
				answer = pick(g.rng, []string{panels.Accepted, panels.Accepted, panels.PartlyAccepted, panels.NotAccepted})
				reasons, by = "We have talked with the panel and this is our answer, with our reasons.", "Housing lead, "+to
				if status == "done" {
					doneAt = at.Add(30 * 24 * time.Hour)
					if doneAt.(time.Time).After(g.now) {
						doneAt = g.now.Add(-time.Minute)
					}
					update = []any{id, doneAt, "Done: the change is in place.", true, nil, by}
				} else {
					update = []any{id, at.Add(24 * time.Hour), "Work has started.", false, nil, by}
				}
			}
			title := recommendationTitles[i%len(recommendationTitles)]
			if err := recs.add(id, p.id, title, "Members told us this matters.\nWe recommend "+strings.ToLower(title[:1])+title[1:]+".", gss, 8, status,
				pick(g.rng, p.members), drafted, sent, due, answer, reasons, by, answeredAt, doneAt); err != nil {
				return err
			}
			if update != nil {
				if err := updates.add(update...); err != nil {
					return err
				}
			}
			if err := rounds.add(roundID, fmt.Sprintf("recommendation:%d", id), drafted, closes, 3, closedAt, outcome); err != nil {
				return err
			}
			for j, m := range sample(g.rng, p.members, 3+g.rng.IntN(4)) {
				kind, reason := "consent", ""
				if status == "not_agreed" && j == 0 {
					kind, reason = "object", "I cannot live with this as it stands: it leaves out people in temporary accommodation."
				} else if g.rng.IntN(6) == 0 {
					kind, reason = "concern", "We should check the cost with the council first."
				}
				if err := replies.add(roundID, m, kind, reason, drafted.Add(time.Duration(j+1)*time.Hour)); err != nil {
					return err
				}
			}
			id++
			roundID++
		}
		for _, b := range []*bulk{recs, rounds, replies, updates} {
			if err := b.close(); err != nil {
				return err
			}
		}
		return nil
	})
}

// consentEnd is the end of the London day t falls on, as consent rounds and deadlines close.
func consentEnd(t time.Time) time.Time {
	l := t.In(web.London)
	return time.Date(l.Year(), l.Month(), l.Day(), 23, 59, 59, 0, web.London).UTC()
}
