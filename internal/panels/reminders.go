package panels

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// reminderAhead is how long before a meeting its members are reminded: the day before.
const reminderAhead = 24 * time.Hour

// meetingPlace says where a meeting is, for a message: "at PLACE", or "online".
func meetingPlace(place string) string {
	if p := strings.TrimSpace(place); p != "" {
		return "at " + p
	}
	return "online"
}

// RemindMeetings reminds the members of each meeting that starts within the next day, once,
// except those who said they are not coming. A meeting arranged (or moved) less than a day
// ahead is not reminded of: its "New meeting" (or "Meeting changed") message has only just gone. It returns how many meetings it
// reminded about.
func (o Outbox) RemindMeetings(ctx context.Context) (int, error) {
	now := o.Now().UTC()
	type soon struct {
		id, panelID       int64
		title, place      string
		starts, createdAt time.Time
	}
	meetings, err := db.Collect(ctx, o.DB.Read, func(s db.Scanner) (soon, error) {
		var m soon
		var changed sql.NullTime
		err := s.Scan(&m.id, &m.panelID, &m.title, &m.place, &m.starts, &m.createdAt, &changed)
		if changed.Valid {
			m.createdAt = changed.Time // the news went when it changed
		}
		return m, err
	}, `SELECT id, panel_id, title, place, starts_at, created_at, changed_at FROM panel_meetings
		WHERE reminded_at IS NULL AND recorded_at IS NULL AND starts_at > $1 AND starts_at <= $2 ORDER BY id LIMIT 200`,
		now, now.Add(reminderAhead))
	if err != nil {
		return 0, fmt.Errorf("find meetings to remind of: %w", err)
	}
	reminded := 0
	for _, m := range meetings {
		err := o.DB.Tx(ctx, func(tx *sql.Tx) error {
			// Claim the reminder first, so two servers never both send it.
			res, err := tx.ExecContext(ctx, `UPDATE panel_meetings SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL`, now, m.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 || m.starts.Sub(m.createdAt) < reminderAhead {
				return nil
			}
			members, err := panelPeople(ctx, tx, m.panelID, auth.Member)
			if err != nil {
				return err
			}
			away, err := notComing(ctx, tx, m.id)
			if err != nil {
				return err
			}
			var to []int64
			for _, id := range members {
				if !away[id] {
					to = append(to, id)
				}
			}
			when, where := web.FormatDateTime(m.starts), meetingPlace(m.place)
			if _, err := notifyShort(ctx, tx, m.panelID, to, "Reminder: "+m.title,
				"The meeting is at "+when+", "+where+". If you cannot come, please say so on the meeting's page.",
				"Reminder: "+m.title+", "+when+" "+where+".",
				fmt.Sprintf("/panels/%s/meetings/%d", slugOf(ctx, tx, m.panelID), m.id), now); err != nil {
				return err
			}
			reminded++
			return nil
		})
		if err != nil {
			return reminded, fmt.Errorf("remind of meeting %d: %w", m.id, err)
		}
	}
	return reminded, nil
}
