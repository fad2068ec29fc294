package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Action is one line of a council's action plan in answer to the findings.
type Action struct {
	ID     int64
	TeamID int64
	Action string
	Owner  string
	DueOn  time.Time
	DoneAt time.Time // zero while open
}

// Done reports whether the action is done.
func (a Action) Done() bool { return !a.DoneAt.IsZero() }

// Overdue reports whether an open action's due date has passed, in London.
func (a Action) Overdue(now time.Time) bool { return !a.Done() && day(now.In(london)) > day(a.DueOn) }

// NewAction is an action the council adds to its plan.
type NewAction struct {
	Action, Owner string
	DueOn         time.Time
}

// AddAction adds an action to the council's plan; the findings must be published.
func AddAction(ctx context.Context, d *db.DB, t Team, by *auth.Identity, n NewAction, now time.Time) (int64, error) {
	if !t.OfCouncil(by) || !t.Published() {
		return 0, errs.New(errs.NotFound, "")
	}
	var v errs.Validation
	n.Action, n.Owner = strings.TrimSpace(n.Action), strings.TrimSpace(n.Owner)
	v.Check(n.Action != "", "what", "Enter what will be done")
	tooLong(&v, "what", "The action", n.Action)
	v.Check(n.Owner != "", "owner", "Enter who owns the action, like ‘Head of Housing’")
	tooLong(&v, "owner", "The owner", n.Owner)
	if n.DueOn.IsZero() {
		v.Add("due", "Enter the date the action is due")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_actions (team_id, action, owner, due_on, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.ID, n.Action, n.Owner, day(n.DueOn), actor(by), utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert action: %w", err)
		}
		return record(ctx, tx, by, "evaluation.action_added", fmt.Sprintf("evaluation-action:%d", id), t.Scope(),
			map[string]any{"team": t.ID, "action": n.Action, "owner": n.Owner, "due_on": day(n.DueOn)}, now)
	})
	return id, err
}

// MarkDone marks one of the council's actions done.
func MarkDone(ctx context.Context, d *db.DB, t Team, by *auth.Identity, actionID int64, now time.Time) error {
	if !t.OfCouncil(by) {
		return errs.New(errs.NotFound, "")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evaluation_actions SET done_at = $1 WHERE id = $2 AND team_id = $3 AND done_at IS NULL`, utc(now), actionID, t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM evaluation_actions WHERE id = $1 AND team_id = $2`, actionID, t.ID).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return errs.New(errs.NotFound, "")
			}
			return nil // already done: twice is harmless
		}
		return record(ctx, tx, by, "evaluation.action_done", fmt.Sprintf("evaluation-action:%d", actionID), t.Scope(), nil, now)
	})
}

// PublishPlan publishes the council's action plan to its evaluation team and the funder; it
// needs at least one action.
func PublishPlan(ctx context.Context, d *db.DB, t Team, by *auth.Identity, now time.Time) error {
	if !t.OfCouncil(by) || !t.Published() {
		return errs.New(errs.NotFound, "")
	}
	as, err := Actions(ctx, d, t.ID)
	if err != nil {
		return err
	}
	if len(as) == 0 {
		return errs.New(errs.Conflict, "Add at least one action before publishing the plan.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_teams SET plan_published_at = $1 WHERE id = $2 AND plan_published_at IS NULL`, utc(now), t.ID); err != nil {
			return err
		}
		return record(ctx, tx, by, "evaluation.plan_published", t.Subject(), t.Scope(), map[string]int{"actions": len(as)}, now)
	})
}

// Actions lists a team's action plan, by due date.
func Actions(ctx context.Context, d *db.DB, teamID int64) ([]Action, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (a Action, err error) {
		var due string
		var done sql.NullTime
		err = s.Scan(&a.ID, &a.TeamID, &a.Action, &a.Owner, &due, &done)
		a.DueOn = parseDay(due)
		if done.Valid {
			a.DoneAt = done.Time.UTC()
		}
		return a, err
	}, `SELECT id, team_id, action, owner, due_on, done_at FROM evaluation_actions WHERE team_id = $1 ORDER BY due_on, id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	return out, nil
}

// Example is a short example of strong practice, published once the council consents.
type Example struct {
	ID          int64
	TeamID      int64
	IndicatorID int64
	Title       string
	Body        string
	CouncilGSS  string
	CouncilName string
	CycleTitle  string
	VersionID   int64
	ConsentedAt time.Time // zero until the council consents; then it is public
}

// Published reports whether the council has consented, making the example public.
func (e Example) Published() bool { return !e.ConsentedAt.IsZero() }

// StrongLevel is the lowest agreed level whose practice can be offered as an example.
const StrongLevel = ladder.CoDesign

// WriteExample drafts an example of strong practice from a team's published evaluation, for a
// unit whose agreed level is co-design or above. The council then decides whether to publish.
func WriteExample(ctx context.Context, d *db.DB, t Team, by *auth.Identity, indicatorID int64, title, body string, now time.Time) (int64, error) {
	if !t.Facilitates(by) {
		return 0, errs.New(errs.NotFound, "")
	}
	var v errs.Validation
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	agreed, err := AgreedOf(ctx, d, t.ID)
	if err != nil {
		return 0, err
	}
	if a, ok := agreed[indicatorID]; !ok || a.Level < StrongLevel {
		v.Add("indicator", "Choose an indicator agreed at co-design or above")
	}
	v.Check(title != "", "example_title", "Enter a title for the example")
	tooLong(&v, "example_title", "The title", title)
	v.Check(body != "", "example_body", "Enter what the council does, in a few sentences")
	tooLong(&v, "example_body", "The example", body)
	if err := v.Err(); err != nil {
		return 0, err
	}
	if !t.Published() {
		return 0, errs.New(errs.Conflict, "Publish the findings before writing an example.")
	}
	var id int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_examples (team_id, indicator_id, title, body, written_by, written_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.ID, indicatorID, title, body, actor(by), utc(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Fields: map[string]string{"indicator": "There is already an example for that indicator"}, Order: []string{"indicator"}}
		}
		if err != nil {
			return fmt.Errorf("insert example: %w", err)
		}
		return record(ctx, tx, by, "evaluation.example_written", fmt.Sprintf("evaluation-example:%d", id), t.Scope(),
			map[string]any{"indicator": indicatorID, "title": title}, now)
	})
	return id, err
}

const exampleColumns = `e.id, e.team_id, e.indicator_id, e.title, e.body, t.council_gss, t.council_name, c.title, c.version_id, e.consented_at
	FROM evaluation_examples e JOIN evaluation_teams t ON t.id = e.team_id JOIN evaluation_cycles c ON c.id = t.cycle_id`

func scanExample(s db.Scanner) (Example, error) {
	var e Example
	var at sql.NullTime
	err := s.Scan(&e.ID, &e.TeamID, &e.IndicatorID, &e.Title, &e.Body, &e.CouncilGSS, &e.CouncilName, &e.CycleTitle, &e.VersionID, &at)
	if at.Valid {
		e.ConsentedAt = at.Time.UTC()
	}
	return e, err
}

// PublishedExamples lists the examples councils have agreed to share, newest first.
func PublishedExamples(ctx context.Context, d *db.DB) ([]Example, error) {
	out, err := db.Collect(ctx, d.Read, scanExample, `SELECT `+exampleColumns+` WHERE e.consented_at IS NOT NULL ORDER BY e.consented_at DESC, e.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list examples: %w", err)
	}
	return out, nil
}

// ExamplesOf lists a team's examples, published or waiting for the council.
func ExamplesOf(ctx context.Context, d *db.DB, teamID int64) ([]Example, error) {
	out, err := db.Collect(ctx, d.Read, scanExample, `SELECT `+exampleColumns+` WHERE e.team_id = $1 ORDER BY e.indicator_id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("list examples: %w", err)
	}
	return out, nil
}

// ConsentToExample records the council's consent to publish an example of its practice.
func ConsentToExample(ctx context.Context, d *db.DB, by *auth.Identity, exampleID int64, now time.Time) (Example, error) {
	e, err := scanExample(d.Read.QueryRowContext(ctx, `SELECT `+exampleColumns+` WHERE e.id = $1`, exampleID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, errs.New(errs.NotFound, "")
	}
	if err != nil {
		return e, err
	}
	t, err := GetTeam(ctx, d, e.TeamID)
	if err != nil {
		return e, err
	}
	if !t.OfCouncil(by) {
		return e, errs.New(errs.NotFound, "")
	}
	if e.Published() {
		return e, nil
	}
	return e, d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_examples SET consented_by = $1, consented_at = $2 WHERE id = $3 AND consented_at IS NULL`,
			actor(by), utc(now), exampleID); err != nil {
			return err
		}
		return record(ctx, tx, by, "evaluation.example_consented", fmt.Sprintf("evaluation-example:%d", exampleID), t.Scope(), nil, now)
	})
}
