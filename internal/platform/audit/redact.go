package audit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// FormerMember is what a redacted record shows in place of an erased person's name.
const FormerMember = "A former member"

// Redaction says which records to blank when a person is erased.
type Redaction struct {
	PersonID int64
	// Terms are the person's name, login and email as they were: before and after values of
	// the person's records that contain any of them are blanked.
	Terms []string
	// Everything blanks the before and after values of every record the person made or that
	// names them, as when they ask for their contributions to go too.
	Everything bool
	At         time.Time
}

// Redact blanks the erased person's personal data in the log, inside the erasure's
// transaction: their name as the actor of what they did, and the before and after values of
// the records about them (subject person:ID), made by them, or naming their id as "PersonID",
// when those values hold their name, login or email (or always, with Everything). Each blanked
// field keeps its digest, so Verify still checks the chain; a record can lose detail this
// way, never be changed. Version 1 records hash the text itself and are left as they are. It
// returns the number of records redacted.
func Redact(ctx context.Context, tx *sql.Tx, r Redaction) (int, error) {
	if r.At.IsZero() {
		r.At = time.Now()
	}
	id := fmt.Sprint(r.PersonID)
	// The ids are integers from the database, not input, and are passed as arguments.
	rows, err := tx.QueryContext(ctx, `SELECT id, COALESCE(actor_id, 0), actor_name, before_json, after_json,
		actor_name_digest, before_digest, after_digest
		FROM audit_log WHERE hash_version >= 2 AND (actor_id = $1 OR subject = $2
			OR before_json LIKE $3 OR before_json LIKE $4 OR after_json LIKE $3 OR after_json LIKE $4)`,
		r.PersonID, "person:"+id, `%"PersonID":`+id+`,%`, `%"PersonID":`+id+`}%`)
	if err != nil {
		return 0, fmt.Errorf("audit: find records to redact: %w", err)
	}
	type change struct {
		id                          int64
		actor, before, after        string
		actorDig, beforeDig, afterD string
	}
	var changes []change
	for rows.Next() {
		var c change
		var actorID int64
		if err := rows.Scan(&c.id, &actorID, &c.actor, &c.before, &c.after, &c.actorDig, &c.beforeDig, &c.afterD); err != nil {
			rows.Close()
			return 0, err
		}
		changed := false
		if actorID == r.PersonID && c.actorDig == "" {
			c.actorDig, c.actor, changed = digest(c.actor), FormerMember, true
		}
		if c.before != "" && c.beforeDig == "" && (r.Everything || containsAny(c.before, r.Terms)) {
			c.beforeDig, c.before, changed = digest(c.before), "", true
		}
		if c.after != "" && c.afterD == "" && (r.Everything || containsAny(c.after, r.Terms)) {
			c.afterD, c.after, changed = digest(c.after), "", true
		}
		if changed {
			changes = append(changes, c)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET actor_name = $1, before_json = $2, after_json = $3,
			actor_name_digest = $4, before_digest = $5, after_digest = $6, redacted_at = $7 WHERE id = $8`,
			c.actor, c.before, c.after, c.actorDig, c.beforeDig, c.afterD, r.At.UTC(), c.id); err != nil {
			return 0, fmt.Errorf("audit: redact record %d: %w", c.id, err)
		}
	}
	return len(changes), nil
}

// containsAny reports whether the JSON text holds any of the terms, compared without case.
func containsAny(text string, terms []string) bool {
	lower := strings.ToLower(text)
	for _, t := range terms {
		if t = strings.TrimSpace(strings.ToLower(t)); t != "" && strings.Contains(lower, t) {
			return true
		}
	}
	return false
}

// redactionProblem checks that kept digests stand only for blanked fields of a redacted
// record: otherwise someone could swap a field for other text and keep the old digest.
func (r row) redactionProblem() string {
	kept := r.ActorNameDigest != "" || r.BeforeDigest != "" || r.AfterDigest != ""
	switch {
	case kept && (!r.Redacted || r.Version < 2):
		return "it keeps digests of removed fields but is not marked as redacted"
	case r.ActorNameDigest != "" && r.ActorName != FormerMember,
		r.BeforeDigest != "" && r.Before != "",
		r.AfterDigest != "" && r.After != "":
		return "a field removed when a person was erased holds text again"
	}
	return ""
}
