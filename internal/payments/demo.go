package payments

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// loadDemo sets the Luton Homelessness Partnership's rates, owes people for the attendance the
// other capabilities' demo data recorded (it was recorded before payments was wired in), and
// moves some claims along: one approved, one paid, and quick answers after the meeting.
func loadDemo(ctx context.Context, d *db.DB, now time.Time) error {
	var lhp int64
	if err := d.Read.QueryRowContext(ctx, "SELECT id FROM organisations WHERE name = $1", "Luton Homelessness Partnership").Scan(&lhp); err != nil {
		return fmt.Errorf("demo organisation: %w", err)
	}
	person := func(login string, role auth.Role) (*auth.Identity, error) {
		id := &auth.Identity{Grants: []auth.Grant{{Role: role, OrganisationID: lhp}}}
		err := d.Read.QueryRowContext(ctx, "SELECT id, display_name FROM people WHERE login = $1", login).Scan(&id.PersonID, &id.DisplayName)
		return id, err
	}
	jo, err := person("facilitator@roundtable.example", auth.Facilitator)
	if err != nil {
		return err
	}
	alex, err := person("finance@roundtable.example", auth.Finance)
	if err != nil {
		return err
	}
	sam, err := person("sam", auth.Member)
	if err != nil {
		return err
	}
	if err := SaveRates(ctx, d, alex, lhp, RatesInput{Basis: "hour", Hourly: "25", Session: "150", SessionHours: "2",
		Travel: "20", Food: "10", Childcare: "40", Other: "20", Source: ExampleSource}, now.AddDate(0, -2, 0)); err != nil {
		return err
	}
	if err := SavePreferences(ctx, d, sam, PreferencesInput{Method: "transfer", Limit: "60"}, now.AddDate(0, -2, 0)); err != nil {
		return err
	}
	if err := owedForDemoAttendance(ctx, d, now); err != nil {
		return err
	}
	claims, err := ClaimsOfOrganisation(ctx, d, lhp, []string{Owed}, 100)
	if err != nil {
		return err
	}
	paid := false
	for _, c := range claims {
		if c.Method == "" {
			continue
		}
		if err := Approve(ctx, d, jo, c.ID, c.HeldAt.Add(48*time.Hour)); err != nil {
			return err
		}
		// The oldest claim, and any more than a month old, have been paid.
		if !paid || now.Sub(c.HeldAt) > 30*24*time.Hour {
			if err := MarkPaid(ctx, d, alex, c.ID, Payment{On: c.HeldAt.AddDate(0, 0, 6), Reference: fmt.Sprintf("LHP-BACS-%04d", 412+c.ID)},
				c.HeldAt.AddDate(0, 0, 6)); err != nil {
				return err
			}
			paid = true
		}
	}
	// The council approves what it owes for its own activities; its finance team pays later.
	grace := &auth.Identity{}
	var council int64
	if err := d.Read.QueryRowContext(ctx, `SELECT p.id, p.display_name, m.organisation_id FROM people p JOIN memberships m ON m.person_id = p.id
		WHERE p.login = $1 AND m.role = $2`, "officer@roundtable.example", string(auth.CouncilOfficer)).Scan(&grace.PersonID, &grace.DisplayName, &council); err != nil {
		return fmt.Errorf("demo council officer: %w", err)
	}
	grace.Grants = []auth.Grant{{Role: auth.CouncilOfficer, OrganisationID: council}}
	owedByCouncil, err := ClaimsOfOrganisation(ctx, d, council, []string{Owed}, 100)
	if err != nil {
		return err
	}
	for _, c := range owedByCouncil {
		if c.Method != "" && now.Sub(c.HeldAt) > 14*24*time.Hour {
			if err := Approve(ctx, d, grace, c.ID, c.HeldAt.Add(72*time.Hour)); err != nil {
				return err
			}
		}
	}
	// Anonymous answers after each recorded meeting, as three members gave them.
	meetings, err := db.Collect(ctx, d.Read, func(s db.Scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, `SELECT id FROM panel_meetings WHERE recorded_at IS NOT NULL`)
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for _, m := range meetings {
			for _, a := range [][2]string{{"yes", "yes"}, {"yes", "yes"}, {"partly", "maybe"}} {
				if _, err := tx.ExecContext(ctx, "INSERT INTO payment_feedback (source, source_id, listened, again) VALUES ($1, $2, $3, $4)",
					FromMeeting, m, a[0], a[1]); err != nil {
					return err
				}
			}
			if err := recountOccasion(ctx, tx, d.Dialect, FromMeeting, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// owedForDemoAttendance makes the claims for attendance recorded before payments heard of it.
func owedForDemoAttendance(ctx context.Context, d *db.DB, now time.Time) error {
	type seat struct {
		panel, org, meeting, person int64
		title                       string
		starts                      time.Time
	}
	seats, err := db.Collect(ctx, d.Read, func(s db.Scanner) (seat, error) {
		var x seat
		return x, s.Scan(&x.panel, &x.org, &x.meeting, &x.person, &x.title, &x.starts)
	}, `SELECT p.id, p.organisation_id, m.id, a.person_id, m.title, m.starts_at FROM panel_attendance a
		JOIN panel_meetings m ON m.id = a.meeting_id JOIN panels p ON p.id = m.panel_id WHERE m.recorded_at IS NOT NULL`)
	if err != nil {
		return err
	}
	type part struct {
		council, activity, person, org int64
		title                          string
		held                           time.Time
		minutes                        int64
	}
	parts, err := db.Collect(ctx, d.Read, func(s db.Scanner) (part, error) {
		var x part
		return x, s.Scan(&x.council, &x.activity, &x.person, &x.org, &x.title, &x.held, &x.minutes)
	}, `SELECT a.council_id, a.id, fp.person_id, COALESCE(fp.organisation_id, 0), a.title, a.held_on, a.minutes
		FROM funding_participants fp JOIN funding_activities a ON a.id = fp.activity_id
		WHERE fp.person_id IS NOT NULL AND fp.stakeholder_type = $1 AND a.held_on >= $2`, string(directory.LivedExperience),
		// Activities from years before Roundtable (the 2020 programme) were paid outside it.
		now.AddDate(-1, 0, 0))
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for _, s := range seats {
			if err := meetingAttended(ctx, tx, d.Dialect, panels.AttendanceChange{PanelID: s.panel, OrganisationID: s.org, MeetingID: s.meeting,
				PersonID: s.person, Title: s.title, StartsAt: s.starts, Attended: true, At: s.starts.Add(3 * time.Hour)}); err != nil {
				return err
			}
		}
		for _, p := range parts {
			if err := activityAttended(ctx, tx, d.Dialect, funding.Attendance{CouncilID: p.council, ActivityID: p.activity, PersonID: p.person,
				OrganisationID: p.org, Type: directory.LivedExperience, Title: p.title, HeldOn: p.held, Minutes: p.minutes,
				At: p.held.Add(4 * time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
}
