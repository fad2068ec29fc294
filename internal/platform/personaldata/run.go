package personaldata

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
)

// Identifier is a source that knows how a person is named (the accounts source): their name,
// login and email, which the erasure looks for in the audit log.
type Identifier interface {
	Terms(ctx context.Context, tx *sql.Tx, personID int64) ([]string, error)
}

// Export gathers every row about the person from every source, in the sources' order.
func Export(ctx context.Context, d *db.DB, sources []Source, personID int64) ([]Table, error) {
	var all []Table
	for _, s := range sources {
		ts, err := s.Export(ctx, d, personID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name(), err)
		}
		all = append(all, ts...)
	}
	return all, nil
}

// Erase erases the person in one transaction: every source erases its part, the audit log's
// records of them are redacted, and the erasure itself is recorded, naming no one. Either all
// of it happens or none does.
func Erase(ctx context.Context, d *db.DB, sources []Source, e Erasure) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var terms []string
		for _, s := range sources {
			if id, ok := s.(Identifier); ok {
				t, err := id.Terms(ctx, tx, e.PersonID)
				if err != nil {
					return err
				}
				terms = append(terms, t...)
			}
		}
		e.Names = terms
		names := make([]string, 0, len(sources))
		for _, s := range sources {
			if err := s.Erase(ctx, tx, e); err != nil {
				return fmt.Errorf("%s: %w", s.Name(), err)
			}
			names = append(names, s.Name())
		}
		n, err := audit.Redact(ctx, tx, audit.Redaction{PersonID: e.PersonID, Terms: terms, Everything: e.RemoveContributions, At: e.At})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: e.PersonID, ActorName: FormerMember, Action: "person.erased",
			Subject: fmt.Sprint("person:", e.PersonID), At: e.At,
			After: map[string]any{"contributions_removed": e.RemoveContributions, "sources": names, "audit_records_redacted": n}})
	})
}

// Expired is what one retention rule deleted.
type Expired struct {
	Source  string
	Deleted int
}

// Expire runs every source's retention rule, each on its own, and reports what each deleted.
// A rule that fails does not stop the others; the first error is returned with the results.
func Expire(ctx context.Context, d *db.DB, sources []Source, now time.Time) ([]Expired, error) {
	var out []Expired
	var first error
	for _, s := range sources {
		x, ok := s.(Expirer)
		if !ok {
			continue
		}
		n, err := x.Expire(ctx, d, now)
		if err != nil && first == nil {
			first = fmt.Errorf("retention for %s: %w", s.Name(), err)
		}
		out = append(out, Expired{Source: s.Name(), Deleted: n})
	}
	return out, first
}
