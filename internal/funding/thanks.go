package funding

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Thanked is a named person who took part in a bid's co-production, and when the council
// thanked them (zero if not yet).
type Thanked struct {
	PersonID int64
	Name     string
	At       time.Time
}

// Thanks lists the named people who took part in the bid's activities, with when each was
// thanked, and counts those who took part without being named.
func Thanks(ctx context.Context, d *db.DB, bidID int64) ([]Thanked, int64, error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT DISTINCT p.id, p.display_name, t.thanked_at FROM funding_bid_activities ba
		JOIN funding_participants fp ON fp.activity_id = ba.activity_id JOIN people p ON p.id = fp.person_id
		LEFT JOIN funding_thanks t ON t.bid_id = ba.bid_id AND t.person_id = p.id
		WHERE ba.bid_id = $1 ORDER BY p.display_name, p.id`, bidID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Thanked
	for rows.Next() {
		var t Thanked
		var at sql.NullTime
		if err := rows.Scan(&t.PersonID, &t.Name, &at); err != nil {
			return nil, 0, err
		}
		t.At = nullTime(at)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var anon sql.NullInt64
	err = d.Read.QueryRowContext(ctx, `SELECT SUM(fp.anonymous_count) FROM funding_bid_activities ba
		JOIN funding_participants fp ON fp.activity_id = ba.activity_id WHERE ba.bid_id = $1 AND fp.person_id IS NULL`, bidID).Scan(&anon)
	return out, anon.Int64, err
}

// RecordThanks records that the council shared the submitted bid with a person who took part
// and thanked them. Recording it again changes nothing.
func RecordThanks(ctx context.Context, d *db.DB, by *auth.Identity, bidID, councilID, personID int64, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		b, err := getBid(ctx, tx, bidID)
		if err != nil || b.CouncilID != councilID {
			return errs.New(errs.NotFound, "No such bid.")
		}
		if !b.Submitted() {
			return errs.New(errs.Conflict, "Submit the bid first, then share it and thank people.")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM funding_bid_activities ba JOIN funding_participants fp ON fp.activity_id = ba.activity_id
			WHERE ba.bid_id = $1 AND fp.person_id = $2`, bidID, personID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.New(errs.NotFound, "That person did not take part in this bid.")
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_thanks WHERE bid_id = $1 AND person_id = $2", bidID, personID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		actorID, actorName := audit.By(by)
		if _, err := tx.ExecContext(ctx, "INSERT INTO funding_thanks (bid_id, person_id, thanked_at, thanked_by) VALUES ($1, $2, $3, $4)",
			bidID, personID, utc(now), nullID(actorID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.thanked",
			Subject: fmt.Sprintf("bid:%d", bidID), Scope: fmt.Sprintf("council:%d", councilID), After: map[string]int64{"person_id": personID}, At: now})
	})
}

func (h *Handlers) thank(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	b, _, a, err := h.visibleBid(r)
	if err != nil {
		return err
	}
	if !a.Edit {
		return errs.New(errs.NotFound, "No such bid.")
	}
	person, err := strconv.ParseInt(web.NewForm(r).Get("person"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "No such person.")
	}
	if err := RecordThanks(ctx, h.db, auth.From(ctx), b.ID, b.CouncilID, person, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Recorded: you shared the bid and said thank you.")
	return web.Redirect(w, r, fmt.Sprintf("/funding/bids/%d#thanks", b.ID))
}

// AddGroup adds everyone who holds a role in an organisation (a standing lived-experience
// group or partnership, say) as taking part in one of the council's activities, in one step.
// People already recorded are skipped; it returns how many were added.
func AddGroup(ctx context.Context, d *db.DB, by *auth.Identity, councilID, activityID, organisationID int64, t directory.StakeholderType, now time.Time) (int, error) {
	return addGroup(ctx, d, by, councilID, activityID, organisationID, t, now, nil)
}

func addGroup(ctx context.Context, d *db.DB, by *auth.Identity, councilID, activityID, organisationID int64, t directory.StakeholderType, now time.Time, hook OnAttendance) (int, error) {
	var v errs.Validation
	v.Check(organisationID > 0, "group", "Choose the group")
	v.Check(t.Valid(), "group_type", "Select the type of stakeholder")
	if err := v.Err(); err != nil {
		return 0, err
	}
	added := 0
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := activityOf(ctx, tx, activityID, councilID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id
			WHERE m.organisation_id = $1 AND p.disabled_at IS NULL AND m.person_id NOT IN
			(SELECT person_id FROM funding_participants WHERE activity_id = $2 AND person_id IS NOT NULL) ORDER BY m.person_id`, organisationID, activityID)
		if err != nil {
			return err
		}
		var people []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			people = append(people, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range people {
			if _, err := tx.ExecContext(ctx, `INSERT INTO funding_participants (activity_id, stakeholder_type, person_id, organisation_id, anonymous_count)
				VALUES ($1, $2, $3, $4, 0)`, activityID, string(t), p, organisationID); err != nil {
				return err
			}
			if err := tellAttendance(ctx, tx, hook, by, councilID, activityID, p, organisationID, t, now); err != nil {
				return err
			}
		}
		added = len(people)
		if err := recountActivity(ctx, tx, d.Dialect, activityID); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "participant.group_added",
			Subject: fmt.Sprintf("activity:%d", activityID), Scope: fmt.Sprintf("council:%d", councilID),
			After: map[string]any{"organisation_id": organisationID, "people": people}, At: now})
	})
	return added, err
}

// groupOptions lists the organisations in the council's region, national ones and the
// council itself, whose people can be added in one step.
func (h *Handlers) groupOptions(ctx context.Context, c directory.Organisation) ([]web.Option, error) {
	rows, err := h.db.Read.QueryContext(ctx, `SELECT o.id, o.name FROM organisations o
		WHERE (o.id = $2 OR (o.stakeholder_type <> 'council' AND (o.region_id IS NULL OR o.region_id = $1)))
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.organisation_id = o.id) ORDER BY o.name`, c.RegionID, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []web.Option{{Value: "", Text: "Choose a group"}}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out = append(out, web.Option{Value: strconv.FormatInt(id, 10), Text: name})
	}
	return out, rows.Err()
}

func (h *Handlers) addGroup(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	f, c, aid, err := h.logForm(r)
	if err != nil {
		return err
	}
	org, _ := strconv.ParseInt(f.Get("group"), 10, 64)
	n, err := addGroup(ctx, h.db, auth.From(ctx), c.ID, aid, org, directory.StakeholderType(f.Get("group_type")), h.opt.Now(), h.opt.OnAttendance)
	if err != nil {
		return h.activityFailed(w, r, rd, f, err, 0)
	}
	web.SetFlash(w, fmt.Sprintf("Added %d %s from the group.", n, map[bool]string{true: "person", false: "people"}[n == 1]))
	return web.Redirect(w, r, fmt.Sprintf("/funding/log/%d", aid))
}
