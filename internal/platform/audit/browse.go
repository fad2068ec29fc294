package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/platform/db"
)

// Filter narrows the log for browsing. Empty fields match everything.
type Filter struct {
	// Who matches the actor's name, in any case, anywhere in it.
	Who string
	// Action matches exactly, as "bid.decided".
	Action string
	// Subject matches exactly ("bid:12") or, without an id, every subject of the kind ("bid").
	Subject string
	// From and To bound when, From inclusive and To exclusive; zero for no bound.
	From, To time.Time
}

// Stored is one record as the audit pages show it.
type Stored struct {
	ID        int64
	At        time.Time
	ActorID   int64
	ActorName string
	Action    string
	Subject   string
	Scope     string
	Before    string
	After     string
	// Redacted is set when fields were blanked because a person asked to be erased.
	Redacted bool
}

// Page is one page of records, newest first.
type Page struct {
	Records []Stored
	Total   int
}

// where builds the condition for the filter with numbered placeholders; the SQL text holds
// no input.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if w := strings.TrimSpace(f.Who); w != "" {
		add(`lower(actor_name) LIKE $? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(w))+"%")
	}
	if a := strings.TrimSpace(f.Action); a != "" {
		add("action = $?", a)
	}
	if s := strings.TrimSpace(f.Subject); s != "" {
		if strings.Contains(s, ":") {
			add("subject = $?", s)
		} else {
			add(`subject LIKE $? ESCAPE '\'`, escapeLike(s)+":%")
		}
	}
	if !f.From.IsZero() {
		add("at >= $?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < $?", f.To.UTC())
	}
	if len(conds) == 0 {
		return "TRUE", nil
	}
	return strings.Join(conds, " AND "), args
}

// escapeLike makes LIKE's wildcards in input match themselves.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List returns one page of the records matching the filter, newest first, perPage at a time
// from page 1.
func List(ctx context.Context, d *db.DB, f Filter, page, perPage int) (Page, error) {
	var out Page
	page = max(page, 1)
	cond, args := f.where()
	if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE "+cond, args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("count audit records: %w", err)
	}
	n := len(args)
	recs, err := db.Collect(ctx, d.Read, scanRecord, `SELECT id, at, COALESCE(actor_id, 0), actor_name, action, subject, scope,
		before_json, after_json, redacted_at IS NOT NULL FROM audit_log WHERE `+cond+
		fmt.Sprintf(" ORDER BY id DESC LIMIT $%d OFFSET $%d", n+1, n+2), append(args, perPage, (page-1)*perPage)...)
	if err != nil {
		return out, fmt.Errorf("list audit records: %w", err)
	}
	out.Records = recs
	return out, nil
}

func scanRecord(s db.Scanner) (Stored, error) {
	var r Stored
	err := s.Scan(&r.ID, &r.At, &r.ActorID, &r.ActorName, &r.Action, &r.Subject, &r.Scope, &r.Before, &r.After, &r.Redacted)
	return r, err
}

// Get returns one record; NotFound is sql.ErrNoRows wrapped.
func Get(ctx context.Context, d *db.DB, id int64) (Stored, error) {
	return scanRecord(d.Read.QueryRowContext(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor_name, action, subject, scope,
		before_json, after_json, redacted_at IS NOT NULL FROM audit_log WHERE id = $1`, id))
}

// Actions lists the actions the log holds, for choosing one to filter by.
func Actions(ctx context.Context, d *db.DB) ([]string, error) {
	return db.Collect(ctx, d.Read, func(s db.Scanner) (string, error) {
		var a string
		return a, s.Scan(&a)
	}, "SELECT DISTINCT action FROM audit_log ORDER BY action")
}
