package standards

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/consent"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Standard is a co-production standard and its drafting group.
type Standard struct {
	ID        int64
	Title     string
	Purpose   string
	CreatedAt time.Time
	// Panels are the drafting group: their members and facilitators propose and decide.
	Panels []panels.Panel
}

// Drafter reports whether the person is a member or facilitator of a drafting panel.
func (s Standard) Drafter(id *auth.Identity) bool {
	return slices.ContainsFunc(s.Panels, func(p panels.Panel) bool { return p.Insider(id) })
}

// Facilitates reports whether the person facilitates a drafting panel: they resolve
// objections, record outcomes and publish.
func (s Standard) Facilitates(id *auth.Identity) bool {
	return slices.ContainsFunc(s.Panels, func(p panels.Panel) bool { return p.Facilitates(id) })
}

// PanelsOf lists the drafting panels the person belongs to: the ones they may propose from.
func (s Standard) PanelsOf(id *auth.Identity) []panels.Panel {
	var out []panels.Panel
	for _, p := range s.Panels {
		if p.Insider(id) {
			out = append(out, p)
		}
	}
	return out
}

// Path is the standard's page.
func (s Standard) Path() string { return fmt.Sprintf("/standards/%d", s.ID) }

// NewStandard is a standard to start drafting.
type NewStandard struct {
	Title, Purpose string
	PanelIDs       []int64
}

const (
	maxTitle = 200
	maxText  = 4000
)

// checkText adds a message when a required text is empty or any text is too long.
func checkText(v *errs.Validation, field, label, s string, max int) {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "Enter "+label)
		return
	}
	v.Check(utf8.RuneCountInString(s) <= max, field, fmt.Sprintf("This must be %s characters or fewer", web.FormatNumber(int64(max))))
}

// CreateStandard starts a standard with an empty draft. Only a facilitator of one of the
// drafting panels may start one.
func CreateStandard(ctx context.Context, d *db.DB, n NewStandard, by *auth.Identity, now time.Time) (int64, error) {
	var v errs.Validation
	checkText(&v, "title", "the standard's title", n.Title, maxTitle)
	checkText(&v, "purpose", "the standard's purpose", n.Purpose, maxText)
	v.Check(len(n.PanelIDs) > 0, "panels", "Choose at least one panel to draft the standard")
	if err := v.Err(); err != nil {
		return 0, err
	}
	s := Standard{}
	for _, pid := range slices.Compact(slices.Sorted(slices.Values(n.PanelIDs))) {
		p, err := panels.PanelByID(ctx, d, pid)
		if errs.Is(err, errs.NotFound) {
			return 0, invalid("panels", "Choose panels from the list")
		}
		if err != nil {
			return 0, err
		}
		s.Panels = append(s.Panels, p)
	}
	if !s.Facilitates(by) {
		return 0, invalid("panels", "Choose a panel you facilitate")
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO standards (title, purpose, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			strings.TrimSpace(n.Title), strings.TrimSpace(n.Purpose), utc(now), by.PersonID).Scan(&id); err != nil {
			return fmt.Errorf("insert standard: %w", err)
		}
		for _, p := range s.Panels {
			if _, err := tx.ExecContext(ctx, `INSERT INTO standard_panels (standard_id, panel_id) VALUES ($1, $2)`, id, p.ID); err != nil {
				return fmt.Errorf("insert drafting panel: %w", err)
			}
		}
		return record(ctx, tx, by, "standard.created", fmt.Sprintf("standard:%d", id), now, nil, n)
	})
	return id, err
}

func invalid(field, message string) error {
	var v errs.Validation
	v.Add(field, message)
	return v.Err()
}

// GetStandard reads a standard with its drafting panels.
func GetStandard(ctx context.Context, d *db.DB, id int64) (Standard, error) {
	var s Standard
	err := d.Read.QueryRowContext(ctx, `SELECT id, title, purpose, created_at FROM standards WHERE id = $1`, id).
		Scan(&s.ID, &s.Title, &s.Purpose, &s.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.New(errs.NotFound, "There is no such standard.")
	}
	if err != nil {
		return s, fmt.Errorf("read standard: %w", err)
	}
	ids, err := db.Collect(ctx, d.Read, func(r db.Scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, `SELECT panel_id FROM standard_panels WHERE standard_id = $1 ORDER BY panel_id`, id)
	if err != nil {
		return s, fmt.Errorf("read drafting panels: %w", err)
	}
	for _, pid := range ids {
		p, err := panels.PanelByID(ctx, d, pid)
		if err != nil {
			return s, err
		}
		s.Panels = append(s.Panels, p)
	}
	return s, nil
}

// Summary is a standard in the list, with its latest published version if any.
type Summary struct {
	ID      int64
	Title   string
	Purpose string
	Latest  string // latest published version number; empty before the first
}

// ListStandards lists every standard by title.
func ListStandards(ctx context.Context, d *db.DB) ([]Summary, error) {
	out, err := db.Collect(ctx, d.Read, func(r db.Scanner) (Summary, error) {
		var s Summary
		return s, r.Scan(&s.ID, &s.Title, &s.Purpose, &s.Latest)
	}, `SELECT s.id, s.title, s.purpose, COALESCE((SELECT v.number FROM standard_versions v WHERE v.standard_id = s.id
		ORDER BY v.major DESC, v.minor DESC LIMIT 1), '') FROM standards s ORDER BY s.title, s.id`)
	if err != nil {
		return nil, fmt.Errorf("list standards: %w", err)
	}
	return out, nil
}

// Clause is a clause of the working draft.
type Clause struct {
	ID         int64
	Number     int
	Title      string
	Wording    string
	Revision   int
	Removed    bool
	Indicators []DraftIndicator
}

// DraftIndicator is an indicator of the working draft.
type DraftIndicator struct {
	ID       int64
	Key      string
	Text     string
	Levels   map[ladder.Level]string
	position int
}

// Draft lists the working draft's clauses (removed ones left out) with their indicators.
func Draft(ctx context.Context, d *db.DB, standardID int64) ([]Clause, error) {
	return clauses(ctx, d.Read, `WHERE c.standard_id = $1 AND c.removed_at IS NULL ORDER BY c.number`, standardID)
}

// ClauseByNumber reads one clause of the draft, removed or not.
func ClauseByNumber(ctx context.Context, d *db.DB, standardID int64, number int) (Clause, error) {
	cs, err := clauses(ctx, d.Read, `WHERE c.standard_id = $1 AND c.number = $2`, standardID, number)
	if err != nil {
		return Clause{}, err
	}
	if len(cs) == 0 {
		return Clause{}, errs.New(errs.NotFound, "There is no clause %d.", number)
	}
	return cs[0], nil
}

type queryer interface {
	db.Queryer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// clauses reads clauses with their indicators and levels; tail is a fixed WHERE/ORDER clause.
func clauses(ctx context.Context, q queryer, tail string, args ...any) ([]Clause, error) {
	cs, err := db.Collect(ctx, q, func(r db.Scanner) (Clause, error) {
		var c Clause
		var removed sql.NullTime
		err := r.Scan(&c.ID, &c.Number, &c.Title, &c.Wording, &c.Revision, &removed)
		c.Removed = removed.Valid
		return c, err
	}, `SELECT c.id, c.number, c.title, c.wording, c.revision, c.removed_at FROM standard_clauses c `+tail, args...)
	if err != nil || len(cs) == 0 {
		return cs, err
	}
	at := map[int64]int{}
	ids := make([]string, len(cs))
	for n, c := range cs {
		at[c.ID] = n
		ids[n] = strconv.FormatInt(c.ID, 10)
	}
	// The ids are integers read from the database, never input.
	in := strings.Join(ids, ",")
	type row struct {
		clause int64
		ind    DraftIndicator
		level  sql.NullInt64
		text   sql.NullString
	}
	rows, err := db.Collect(ctx, q, func(r db.Scanner) (row, error) {
		var x row
		return x, r.Scan(&x.clause, &x.ind.ID, &x.ind.position, &x.ind.Text, &x.level, &x.text)
	}, `SELECT i.clause_id, i.id, i.position, i.text, l.level, l.description FROM standard_indicators i
		LEFT JOIN standard_indicator_levels l ON l.indicator_id = i.id
		WHERE i.clause_id IN (`+in+`) ORDER BY i.clause_id, i.position, l.level`)
	if err != nil {
		return nil, fmt.Errorf("read indicators: %w", err)
	}
	for _, x := range rows {
		c := &cs[at[x.clause]]
		if n := len(c.Indicators); n == 0 || c.Indicators[n-1].ID != x.ind.ID {
			x.ind.Key = fmt.Sprintf("%d.%d", c.Number, x.ind.position)
			x.ind.Levels = map[ladder.Level]string{}
			c.Indicators = append(c.Indicators, x.ind)
		}
		if x.level.Valid {
			c.Indicators[len(c.Indicators)-1].Levels[ladder.Level(x.level.Int64)] = x.text.String
		}
	}
	return cs, nil
}

func record(ctx context.Context, tx *sql.Tx, by *auth.Identity, action, subject string, now time.Time, before, after any) error {
	actor, name := audit.By(by)
	return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: action, Subject: subject,
		At: now, Before: before, After: after})
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// marshalIndicators keeps a new clause's indicators with its proposal until it is accepted.
func marshalIndicators(is []IndicatorDraft) (string, error) {
	if len(is) == 0 {
		return "", nil
	}
	b, err := json.Marshal(is)
	return string(b), err
}

func unmarshalIndicators(s string) ([]IndicatorDraft, error) {
	if s == "" {
		return nil, nil
	}
	var is []IndicatorDraft
	return is, json.Unmarshal([]byte(s), &is)
}

// personNames maps the people who responded to a round to their display names.
func personNames(ctx context.Context, d *db.DB, rs []consent.Response) (map[int64]string, error) {
	out := map[int64]string{}
	for _, r := range rs {
		var name string
		if err := d.Read.QueryRowContext(ctx, `SELECT display_name FROM people WHERE id = $1`, r.PersonID).Scan(&name); err != nil {
			return nil, fmt.Errorf("read person: %w", err)
		}
		out[r.PersonID] = name
	}
	return out, nil
}
