// Package audit keeps the append-only record of every decision and every change to money,
// ratings, recommendations, answers and outcomes: who, what, when, before and after. Each
// record carries the hash of the one before it, so Verify finds any record edited or deleted
// after the fact.
//
// Capabilities call Record inside the transaction that makes the change, so the change and its
// record are saved together or not at all.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// Migrations create the log and its head, the one row that holds the latest hash; writers
// lock it in turn, so the chain never forks even on PostgreSQL with many writers.
var Migrations = []db.Migration{{
	Component: "audit", Version: 1, Name: "audit log",
	SQL: `
CREATE TABLE audit_log (
	id {{id}},
	at {{time}} NOT NULL,
	actor_id BIGINT,
	actor_name TEXT NOT NULL,
	action TEXT NOT NULL,
	subject TEXT NOT NULL,
	scope TEXT NOT NULL DEFAULT '',
	before_json TEXT NOT NULL DEFAULT '',
	after_json TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log(subject, id);
CREATE INDEX audit_log_scope ON audit_log(scope, id);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	last_id BIGINT NOT NULL,
	last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '');
`,
}, {
	Component: "audit", Version: 2, Name: "redactable records",
	// Records of version 2 hash a digest of the actor's name and of the before and after
	// values, not the text itself, so that erasing a person can blank those fields while
	// keeping each field's digest: the chain still verifies, and nothing can be changed
	// unseen, only removed (see Redact).
	SQL: `
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN redacted_at {{time}};
ALTER TABLE audit_log ADD COLUMN actor_name_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN before_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN after_digest TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_action ON audit_log(action, id);
`,
}}

// Entry is one thing that happened.
type Entry struct {
	// ActorID is the person who did it; 0 for the system (an import, a scheduled job).
	ActorID   int64
	ActorName string
	// Action names what happened, as noun.verb: "recommendation.answered", "claim.paid".
	Action string
	// Subject names what it happened to: "recommendation:42".
	Subject string
	// Scope names the tenant, for filtering: "council:E06000032", "panel:3"; may be empty.
	Scope string
	// Before and After are the state either side, marshalled to JSON; nil for none.
	Before, After any
	// At is when; zero means now.
	At time.Time
}

// By fills the actor from the signed-in person.
func By(id *auth.Identity) (int64, string) {
	if id == nil {
		return 0, "Roundtable"
	}
	return id.PersonID, id.DisplayName
}

// Record appends the entry inside tx.
func Record(ctx context.Context, tx *sql.Tx, e Entry) error {
	if e.Action == "" || e.Subject == "" {
		return fmt.Errorf("audit: an entry needs an action and a subject")
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.ActorName == "" {
		e.ActorName = "Roundtable"
	}
	before, err := marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := marshal(e.After)
	if err != nil {
		return err
	}
	// Taking the head row's lock first serialises writers of the log.
	var prev string
	if err := tx.QueryRowContext(ctx, "UPDATE audit_head SET last_id = last_id WHERE id = 1 RETURNING last_hash").Scan(&prev); err != nil {
		return fmt.Errorf("audit: lock head: %w", err)
	}
	r := row{Version: currentVersion, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName, Action: e.Action, Subject: e.Subject,
		Scope: e.Scope, Before: before, After: after, PrevHash: prev}
	r.Hash = r.computeHash()
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, subject, scope, before_json, after_json, prev_hash, hash, hash_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		r.At, actor, r.ActorName, r.Action, r.Subject, r.Scope, r.Before, r.After, r.PrevHash, r.Hash, r.Version).Scan(&id); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1", id, r.Hash); err != nil {
		return fmt.Errorf("audit: move head: %w", err)
	}
	return nil
}

func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	return string(b), nil
}

type row struct {
	ID        int64
	Version   int
	At        time.Time
	ActorID   int64
	ActorName string
	Action    string
	Subject   string
	Scope     string
	Before    string
	After     string
	PrevHash  string
	Hash      string
	// Redacted is set when a person's erasure blanked fields; the digests are of the
	// fields as written, kept only for the fields blanked.
	Redacted                                   bool
	ActorNameDigest, BeforeDigest, AfterDigest string
}

// currentVersion is the hash version Record writes; version 1 records (written before
// redaction existed) hash the text itself and cannot be redacted.
const currentVersion = 2

// digest is a field's SHA-256 in hex.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// fieldDigest is what a version 2 hash covers for a field: the kept digest when the field was
// blanked by a redaction, otherwise the digest of its text.
func fieldDigest(text, kept string) string {
	if kept != "" {
		return kept
	}
	return digest(text)
}

// computeHash covers every field but the id (PostgreSQL may skip ids) and the hash itself.
func (r row) computeHash() string {
	h := sha256.New()
	actor, before, after := r.ActorName, r.Before, r.After
	if r.Version >= 2 {
		actor, before, after = fieldDigest(r.ActorName, r.ActorNameDigest), fieldDigest(r.Before, r.BeforeDigest), fieldDigest(r.After, r.AfterDigest)
	}
	for _, f := range []string{r.PrevHash, r.At.UTC().Format(time.RFC3339Nano), strconv.FormatInt(r.ActorID, 10),
		actor, r.Action, r.Subject, r.Scope, before, after} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is a record that does not match the chain.
type Problem struct {
	ID     int64
	Reason string
}

// Verify walks the whole log and returns every place the chain is broken: a record whose
// content no longer matches its hash (edited), a record whose previous hash is not the hash
// of the record before it (one removed or inserted), or a head that does not match the last
// record (the newest removed). It returns the number of records checked.
func Verify(ctx context.Context, d *db.DB) (checked int, problems []Problem, err error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor_name, action, subject, scope,
		before_json, after_json, prev_hash, hash, hash_version, redacted_at IS NOT NULL, actor_name_digest, before_digest, after_digest
		FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	prev := ""
	var lastID int64
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ID, &r.At, &r.ActorID, &r.ActorName, &r.Action, &r.Subject, &r.Scope,
			&r.Before, &r.After, &r.PrevHash, &r.Hash, &r.Version, &r.Redacted, &r.ActorNameDigest, &r.BeforeDigest, &r.AfterDigest); err != nil {
			return checked, problems, err
		}
		if reason := r.redactionProblem(); reason != "" {
			problems = append(problems, Problem{r.ID, reason})
		}
		checked++
		if r.PrevHash != prev {
			problems = append(problems, Problem{r.ID, "the record before it was changed or removed"})
		}
		if r.computeHash() != r.Hash {
			problems = append(problems, Problem{r.ID, "its content was changed after it was written"})
		}
		prev, lastID = r.Hash, r.ID
	}
	if err := rows.Err(); err != nil {
		return checked, problems, err
	}
	var headID int64
	var headHash string
	if err := d.Read.QueryRowContext(ctx, "SELECT last_id, last_hash FROM audit_head WHERE id = 1").Scan(&headID, &headHash); err != nil {
		return checked, problems, err
	}
	if headID != lastID || headHash != prev {
		problems = append(problems, Problem{headID, "the newest record was removed"})
	}
	return checked, problems, nil
}

// Describe formats a problem for the command line.
func (p Problem) String() string {
	return "record " + strconv.FormatInt(p.ID, 10) + ": " + strings.TrimSpace(p.Reason)
}
