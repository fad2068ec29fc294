package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// The two quick questions after a meeting or activity, and their answers.
var (
	ListenedOptions = []web.Option{{Value: "yes", Text: "Yes"}, {Value: "partly", Text: "Partly"}, {Value: "no", Text: "No"}}
	AgainOptions    = []web.Option{{Value: "yes", Text: "Yes"}, {Value: "maybe", Text: "Maybe"}, {Value: "no", Text: "No"}}
)

// Occasion is a meeting or activity someone took part in.
type Occasion struct {
	Source string
	ID     int64
	Title  string
	HeldAt time.Time
}

// FeedbackPath is the address of the quick questions about it.
func (o Occasion) FeedbackPath() string {
	return fmt.Sprintf("/payments/feedback/%s/%d", o.Source, o.ID)
}

// attendedSQL finds the meetings and activities a person took part in: panel meetings with
// recorded attendance, and activities where they are named. Payments reads these tables of
// panels and funding directly, read-only.
const attendedSQL = `SELECT CAST('meeting' AS TEXT) AS source, m.id AS id, m.title AS title, m.starts_at AS held_at FROM panel_attendance a JOIN panel_meetings m ON m.id = a.meeting_id
	WHERE a.person_id = $1 AND m.recorded_at IS NOT NULL
	UNION ALL
	SELECT DISTINCT CAST('activity' AS TEXT), fa.id, fa.title, fa.held_on FROM funding_participants fp JOIN funding_activities fa ON fa.id = fp.activity_id
	WHERE fp.person_id = $1`

func scanOccasion(s db.Scanner) (Occasion, error) {
	var o Occasion
	err := s.Scan(&o.Source, &o.ID, &o.Title, &o.HeldAt)
	return o, err
}

// AttendedOccasion finds a meeting or activity the person took part in; not found otherwise,
// so that nobody answers for a meeting they were not at.
func AttendedOccasion(ctx context.Context, d *db.DB, personID int64, source string, id int64) (Occasion, error) {
	o, err := scanOccasion(d.Read.QueryRowContext(ctx, `SELECT * FROM (`+attendedSQL+`) x WHERE x.id = $2 AND x.source = $3`,
		personID, id, source))
	if errors.Is(err, sql.ErrNoRows) {
		return o, errs.New(errs.NotFound, "")
	}
	return o, err
}

// Unanswered lists the person's recent meetings and activities whose quick questions they
// have not answered yet, newest first.
func Unanswered(ctx context.Context, d *db.DB, personID int64, limit int) ([]Occasion, error) {
	// Of the 50 latest occasions, those not yet answered, in one query.
	return db.Collect(ctx, d.Read, scanOccasion, `SELECT source, id, title, held_at FROM (`+attendedSQL+` ORDER BY held_at DESC LIMIT 50) x
		WHERE NOT EXISTS (SELECT 1 FROM payment_feedback_given g WHERE g.source = x.source AND g.source_id = x.id AND g.person_id = $1)
		ORDER BY held_at DESC LIMIT $2`, personID, limit)
}

// Answer records a person's anonymous answers to the two quick questions, once.
func Answer(ctx context.Context, d *db.DB, by *auth.Identity, o Occasion, listened, again string) error {
	var v errs.Validation
	v.Check(validOption(ListenedOptions, listened), "listened", "Say whether you felt listened to")
	v.Check(validOption(AgainOptions, again), "again", "Say whether you would come again")
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO payment_feedback_given (source, source_id, person_id) VALUES ($1, $2, $3)", o.Source, o.ID, by.PersonID)
		if db.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "You have already answered for this one. Thank you.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO payment_feedback (source, source_id, listened, again) VALUES ($1, $2, $3, $4)",
			o.Source, o.ID, listened, again); err != nil {
			return err
		}
		return recountOccasion(ctx, tx, d.Dialect, o.Source, o.ID)
	})
}

func validOption(opts []web.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}
