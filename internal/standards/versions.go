package standards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Publish freezes the working draft as the next version: 1.0 first, then 1.1, 1.2 ... or, for
// a major change, 2.0. The clauses, indicators and level descriptions are copied, so later
// changes to the draft never alter a published version.
func Publish(ctx context.Context, d *db.DB, s Standard, major bool, notes string, by *auth.Identity, now time.Time) (VersionRef, error) {
	if !s.Facilitates(by) {
		return VersionRef{}, errs.New(errs.Forbidden, "Only a facilitator of the drafting group can publish.")
	}
	var v errs.Validation
	checkText(&v, "notes", "what changed in this version", notes, maxText)
	if err := v.Err(); err != nil {
		return VersionRef{}, err
	}
	var ref VersionRef
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		draft, err := clauses(ctx, tx, `WHERE c.standard_id = $1 AND c.removed_at IS NULL ORDER BY c.number`, s.ID)
		if err != nil {
			return err
		}
		if len(draft) == 0 {
			return errs.New(errs.Conflict, "The draft has no clauses yet, so there is nothing to publish.")
		}
		var last struct {
			major, minor int
			at           time.Time
		}
		err = tx.QueryRowContext(ctx, `SELECT major, minor, published_at FROM standard_versions WHERE standard_id = $1
			ORDER BY major DESC, minor DESC LIMIT 1`, s.ID).Scan(&last.major, &last.minor, &last.at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			last.major, last.minor = 0, 0
			major = true
		case err != nil:
			return fmt.Errorf("read last version: %w", err)
		default:
			var changes int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM standard_clause_changes h JOIN standard_clauses c ON c.id = h.clause_id
				WHERE c.standard_id = $1 AND h.changed_at > $2`, s.ID, last.at).Scan(&changes); err != nil {
				return fmt.Errorf("count changes: %w", err)
			}
			if changes == 0 {
				return errs.New(errs.Conflict, "Nothing has changed since version %d.%d.", last.major, last.minor)
			}
		}
		next := [2]int{last.major, last.minor + 1}
		if major {
			next = [2]int{last.major + 1, 0}
		}
		ref = VersionRef{StandardID: s.ID, StandardTitle: s.Title, Number: fmt.Sprintf("%d.%d", next[0], next[1]), PublishedAt: utc(now)}
		if err := tx.QueryRowContext(ctx, `INSERT INTO standard_versions (standard_id, major, minor, number, notes, published_at, published_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.ID, next[0], next[1], ref.Number, strings.TrimSpace(notes), ref.PublishedAt, by.PersonID).
			Scan(&ref.ID); err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		for _, c := range draft {
			if _, err := tx.ExecContext(ctx, `INSERT INTO standard_version_clauses (version_id, number, title, wording) VALUES ($1, $2, $3, $4)`,
				ref.ID, c.Number, c.Title, c.Wording); err != nil {
				return fmt.Errorf("freeze clause: %w", err)
			}
			for _, ind := range c.Indicators {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO standard_version_indicators (version_id, clause_number, position, key, text)
					VALUES ($1, $2, $3, $4, $5) RETURNING id`, ref.ID, c.Number, ind.position, ind.Key, ind.Text).Scan(&id); err != nil {
					return fmt.Errorf("freeze indicator: %w", err)
				}
				for _, l := range ladder.Levels {
					if text, ok := ind.Levels[l]; ok {
						if _, err := tx.ExecContext(ctx, `INSERT INTO standard_version_levels (indicator_id, level, description) VALUES ($1, $2, $3)`,
							id, int(l), text); err != nil {
							return fmt.Errorf("freeze level: %w", err)
						}
					}
				}
			}
		}
		return record(ctx, tx, by, "standard.published", fmt.Sprintf("standard-version:%d", ref.ID), now, nil,
			map[string]any{"standard_id": s.ID, "number": ref.Number, "notes": strings.TrimSpace(notes), "clauses": len(draft)})
	})
	return ref, err
}

// Version is a published version with its notes.
type Version struct {
	VersionRef
	Notes         string
	PublisherName string
}

// Versions lists a standard's published versions, newest first.
func Versions(ctx context.Context, d *db.DB, standardID int64) ([]Version, error) {
	out, err := db.Collect(ctx, d.Read, scanVersion, `SELECT `+versionDetail+` WHERE v.standard_id = $1 ORDER BY v.major DESC, v.minor DESC`, standardID)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return out, nil
}

// VersionByNumber reads a standard's version by its number, such as "1.1".
func VersionByNumber(ctx context.Context, d *db.DB, standardID int64, number string) (Version, error) {
	v, err := scanVersion(d.Read.QueryRowContext(ctx, `SELECT `+versionDetail+` WHERE v.standard_id = $1 AND v.number = $2`, standardID, number))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errs.New(errs.NotFound, "There is no version %s of this standard.", number)
	}
	if err != nil {
		return v, fmt.Errorf("read version: %w", err)
	}
	return v, nil
}

const versionDetail = `v.id, v.standard_id, s.title, v.number, v.published_at, v.notes, COALESCE(pe.display_name, '')
	FROM standard_versions v JOIN standards s ON s.id = v.standard_id LEFT JOIN people pe ON pe.id = v.published_by`

func scanVersion(r db.Scanner) (Version, error) {
	var v Version
	err := r.Scan(&v.ID, &v.StandardID, &v.StandardTitle, &v.Number, &v.PublishedAt, &v.Notes, &v.PublisherName)
	v.PublishedAt = v.PublishedAt.UTC()
	return v, err
}

// VersionClause is a clause of a published version with its indicators.
type VersionClause struct {
	Number     int
	Title      string
	Wording    string
	Indicators []Indicator
}

// VersionClauses reads a published version's clauses and indicators.
func VersionClauses(ctx context.Context, d *db.DB, versionID int64) ([]VersionClause, error) {
	cs, err := db.Collect(ctx, d.Read, func(r db.Scanner) (VersionClause, error) {
		var c VersionClause
		return c, r.Scan(&c.Number, &c.Title, &c.Wording)
	}, `SELECT number, title, wording FROM standard_version_clauses WHERE version_id = $1 ORDER BY number`, versionID)
	if err != nil {
		return nil, fmt.Errorf("read version clauses: %w", err)
	}
	is, err := VersionIndicators(ctx, d, versionID)
	if err != nil {
		return nil, err
	}
	at := map[int]int{}
	for n, c := range cs {
		at[c.Number] = n
	}
	for _, i := range is {
		cs[at[i.ClauseNumber]].Indicators = append(cs[at[i.ClauseNumber]].Indicators, i)
	}
	return cs, nil
}

// ClauseDiff is how one clause differs between two versions.
type ClauseDiff struct {
	Number     int
	Added      bool // only in the later version
	Removed    bool // only in the earlier version
	Title      []Span
	Wording    []Span
	Indicators []IndicatorDiff
}

// Changed reports whether anything in the clause differs.
func (c ClauseDiff) Changed() bool {
	if c.Added || c.Removed || Changed(c.Title) || Changed(c.Wording) {
		return true
	}
	for _, i := range c.Indicators {
		if Changed(i.Text) {
			return true
		}
	}
	return false
}

// IndicatorDiff is how one indicator's text differs.
type IndicatorDiff struct {
	Key  string
	Text []Span
}

// Compare diffs two published versions clause by clause, matching clauses by number and
// indicators by key.
func Compare(ctx context.Context, d *db.DB, fromID, toID int64) ([]ClauseDiff, error) {
	from, err := VersionClauses(ctx, d, fromID)
	if err != nil {
		return nil, err
	}
	to, err := VersionClauses(ctx, d, toID)
	if err != nil {
		return nil, err
	}
	return compareClauses(from, to), nil
}

// compareClauses diffs two lists of clauses, matching clauses by number and indicators by key.
func compareClauses(from, to []VersionClause) []ClauseDiff {
	byNumber := map[int]*VersionClause{}
	var numbers []int
	for n := range from {
		byNumber[from[n].Number] = &from[n]
		numbers = append(numbers, from[n].Number)
	}
	later := map[int]*VersionClause{}
	for n := range to {
		later[to[n].Number] = &to[n]
		if byNumber[to[n].Number] == nil {
			numbers = append(numbers, to[n].Number)
		}
	}
	var out []ClauseDiff
	empty := &VersionClause{}
	slices.Sort(numbers)
	for _, num := range numbers {
		a, b := byNumber[num], later[num]
		cd := ClauseDiff{Number: num, Added: a == nil, Removed: b == nil}
		if a == nil {
			a = empty
		}
		if b == nil {
			b = empty
		}
		cd.Title = Diff(a.Title, b.Title)
		cd.Wording = Diff(a.Wording, b.Wording)
		texts := map[string]string{}
		var keys []string
		for _, i := range a.Indicators {
			texts[i.Key] = i.Text
			keys = append(keys, i.Key)
		}
		for _, i := range b.Indicators {
			if _, ok := texts[i.Key]; !ok {
				keys = append(keys, i.Key)
			}
		}
		laterText := map[string]string{}
		for _, i := range b.Indicators {
			laterText[i.Key] = i.Text
		}
		for _, k := range keys {
			cd.Indicators = append(cd.Indicators, IndicatorDiff{Key: k, Text: Diff(texts[k], laterText[k])})
		}
		out = append(out, cd)
	}
	return out
}

// draftAsVersion shows the working draft in the shape of a version, to compare it with one.
func draftAsVersion(draft []Clause) []VersionClause {
	out := make([]VersionClause, 0, len(draft))
	for _, c := range draft {
		vc := VersionClause{Number: c.Number, Title: c.Title, Wording: c.Wording}
		for _, i := range c.Indicators {
			vc.Indicators = append(vc.Indicators, Indicator{Key: i.Key, ClauseNumber: c.Number, ClauseTitle: c.Title, Text: i.Text, Levels: i.Levels})
		}
		out = append(out, vc)
	}
	return out
}
