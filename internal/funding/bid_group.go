package funding

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// reuseWindow is how far back the council's log is searched for a standing group's work that
// a new bid can reuse as evidence, such as its homelessness strategy.
const reuseWindow = 365 * 24 * time.Hour

// LinkGroupToBid links, in one step, every activity in the council's log from the last 12
// months in which the standing group (a lived-experience group or a partnership the council
// works with) or any of its people took part, to the bid's evidence. Business as usual becomes
// the bid's evidence without logging it again. It returns how many activities were newly linked.
func LinkGroupToBid(ctx context.Context, d *db.DB, by *auth.Identity, bidID, councilID, organisationID int64, now time.Time) (int, error) {
	if organisationID <= 0 {
		return 0, fieldErr("standing_group", "Choose the group")
	}
	linked := 0
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if _, _, err := editable(ctx, tx, bidID, councilID, now); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, organisationID).Scan(&name); err != nil {
			if err == sql.ErrNoRows {
				return fieldErr("standing_group", "Choose a group from the list")
			}
			return err
		}
		ids, err := db.Collect(ctx, tx, func(s db.Scanner) (int64, error) {
			var id int64
			return id, s.Scan(&id)
		}, `SELECT a.id FROM funding_activities a WHERE a.council_id = $1 AND a.held_on >= $2
			AND EXISTS (SELECT 1 FROM funding_participants fp WHERE fp.activity_id = a.id AND (fp.organisation_id = $3
				OR fp.person_id IN (SELECT person_id FROM memberships WHERE organisation_id = $3)))
			AND NOT EXISTS (SELECT 1 FROM funding_bid_activities ba WHERE ba.bid_id = $4 AND ba.activity_id = a.id)
			ORDER BY a.id`, councilID, utc(now.Add(-reuseWindow)), organisationID, bidID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO funding_bid_activities (bid_id, activity_id) VALUES ($1, $2)`, bidID, id); err != nil {
				return err
			}
		}
		linked = len(ids)
		if linked > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE funding_bids SET updated_at = $1 WHERE id = $2`, utc(now), bidID); err != nil {
				return err
			}
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.group_linked",
			Subject: fmt.Sprintf("bid:%d", bidID), Scope: fmt.Sprintf("council:%d", councilID), At: now,
			After: map[string]any{"organisation_id": organisationID, "organisation": name, "activities": ids}})
	})
	return linked, err
}

func (h *Handlers) linkGroup(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	me := auth.From(ctx)
	c, err := h.councilOf(ctx, me)
	if err != nil {
		return err
	}
	bidID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := web.NewForm(r)
	org, _ := strconv.ParseInt(f.Get("standing_group"), 10, 64)
	n, err := LinkGroupToBid(ctx, h.db, me, bidID, c.ID, org, h.opt.Now())
	if err != nil {
		v, verr := h.bidView(r, "")
		if verr != nil {
			return verr
		}
		v.Title = "Your bid to " + v.Programme.Name
		return rd.Mistakes(w, r, "funding/bid", v, f, err)
	}
	switch n {
	case 0:
		web.SetFlash(w, "No activities from the last 12 months with that group were left to link. Log its meetings first, or add it to an activity.")
	case 1:
		web.SetFlash(w, "1 activity from the last 12 months with that group is now part of the bid's evidence.")
	default:
		web.SetFlash(w, fmt.Sprintf("%d activities from the last 12 months with that group are now part of the bid's evidence.", n))
	}
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d", bidID))
}
