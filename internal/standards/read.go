package standards

// The read functions other capabilities use (evaluation compares councils' self-assessments
// with peer and independent ratings). They read published versions only, which never change.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// VersionRef names a published version.
type VersionRef struct {
	ID            int64
	StandardID    int64
	StandardTitle string
	Number        string // "1.0", "1.1"
	PublishedAt   time.Time
}

// Indicator is one indicator of a published version, frozen with it.
type Indicator struct {
	ID           int64  // unique per version
	Key          string // stable across versions, such as "1.2"; lets a trend follow an indicator
	ClauseNumber int
	ClauseTitle  string
	Text         string                  // what the indicator asks
	Levels       map[ladder.Level]string // what practice looks like at each level (may be empty for some)
}

// Adoption is a council's adoption of a published version.
type Adoption struct {
	CouncilOrganisationID int64
	Version               VersionRef
	AdoptedOn             time.Time // a date, at midnight UTC
	SignedOffBy           string
}

// SelfRating is a council's own rating against one indicator.
type SelfRating struct {
	IndicatorID int64
	Level       ladder.Level
	Evidence    string
}

const versionColumns = `v.id, v.standard_id, s.title, v.number, v.published_at
	FROM standard_versions v JOIN standards s ON s.id = v.standard_id`

func scanVersionRef(s db.Scanner) (VersionRef, error) {
	var v VersionRef
	err := s.Scan(&v.ID, &v.StandardID, &v.StandardTitle, &v.Number, &v.PublishedAt)
	v.PublishedAt = v.PublishedAt.UTC()
	return v, err
}

// PublishedVersions lists every published version, by standard, oldest version first.
func PublishedVersions(ctx context.Context, d *db.DB) ([]VersionRef, error) {
	out, err := db.Collect(ctx, d.Read, scanVersionRef, `SELECT `+versionColumns+` ORDER BY s.title, s.id, v.major, v.minor`)
	if err != nil {
		return nil, fmt.Errorf("list published versions: %w", err)
	}
	return out, nil
}

// VersionByID reads a published version; errs.NotFound if there is none.
func VersionByID(ctx context.Context, d *db.DB, id int64) (VersionRef, error) {
	v, err := scanVersionRef(d.Read.QueryRowContext(ctx, `SELECT `+versionColumns+` WHERE v.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errs.New(errs.NotFound, "There is no such published version.")
	}
	if err != nil {
		return v, fmt.Errorf("read version: %w", err)
	}
	return v, nil
}

// VersionIndicators lists a version's indicators in clause, then indicator, order, each with
// its level descriptions.
func VersionIndicators(ctx context.Context, d *db.DB, versionID int64) ([]Indicator, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Indicator, error) {
		var i Indicator
		err := s.Scan(&i.ID, &i.Key, &i.ClauseNumber, &i.ClauseTitle, &i.Text)
		i.Levels = map[ladder.Level]string{}
		return i, err
	}, `SELECT i.id, i.key, i.clause_number, c.title, i.text
		FROM standard_version_indicators i
		JOIN standard_version_clauses c ON c.version_id = i.version_id AND c.number = i.clause_number
		WHERE i.version_id = $1 ORDER BY i.clause_number, i.position`, versionID)
	if err != nil {
		return nil, fmt.Errorf("list version indicators: %w", err)
	}
	at := map[int64]int{}
	for n, i := range out {
		at[i.ID] = n
	}
	type level struct {
		indicator int64
		level     ladder.Level
		text      string
	}
	levels, err := db.Collect(ctx, d.Read, func(s db.Scanner) (level, error) {
		var l level
		err := s.Scan(&l.indicator, &l.level, &l.text)
		return l, err
	}, `SELECT l.indicator_id, l.level, l.description FROM standard_version_levels l
		JOIN standard_version_indicators i ON i.id = l.indicator_id WHERE i.version_id = $1`, versionID)
	if err != nil {
		return nil, fmt.Errorf("list version levels: %w", err)
	}
	for _, l := range levels {
		out[at[l.indicator]].Levels[l.level] = l.text
	}
	return out, nil
}

// AdoptionOf returns the council's latest adoption (by date adopted); errs.NotFound if none.
func AdoptionOf(ctx context.Context, d *db.DB, councilOrganisationID int64) (Adoption, error) {
	as, err := adoptions(ctx, d, `WHERE a.council_id = $1 ORDER BY a.adopted_on DESC, a.id DESC LIMIT 1`, councilOrganisationID)
	if err != nil {
		return Adoption{}, err
	}
	if len(as) == 0 {
		return Adoption{}, errs.New(errs.NotFound, "This council has not adopted a standard.")
	}
	return as[0], nil
}

// SelfAssessment returns the council's ratings against the version's indicators, in clause
// and indicator order; indicators not yet rated are left out.
func SelfAssessment(ctx context.Context, d *db.DB, councilOrganisationID, versionID int64) ([]SelfRating, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (SelfRating, error) {
		var r SelfRating
		err := s.Scan(&r.IndicatorID, &r.Level, &r.Evidence)
		return r, err
	}, `SELECT r.indicator_id, r.level, r.evidence FROM standard_self_ratings r
		JOIN standard_version_indicators i ON i.id = r.indicator_id
		WHERE r.council_id = $1 AND i.version_id = $2 ORDER BY i.clause_number, i.position`, councilOrganisationID, versionID)
	if err != nil {
		return nil, fmt.Errorf("read self-assessment: %w", err)
	}
	return out, nil
}

// adoptions reads adoptions with their versions; tail is a fixed WHERE/ORDER clause.
func adoptions(ctx context.Context, d *db.DB, tail string, args ...any) ([]Adoption, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Adoption, error) {
		var a Adoption
		var on string
		err := s.Scan(&a.CouncilOrganisationID, &on, &a.SignedOffBy,
			&a.Version.ID, &a.Version.StandardID, &a.Version.StandardTitle, &a.Version.Number, &a.Version.PublishedAt)
		a.Version.PublishedAt = a.Version.PublishedAt.UTC()
		if err == nil {
			a.AdoptedOn, err = time.Parse(time.DateOnly, on)
		}
		return a, err
	}, `SELECT a.council_id, a.adopted_on, a.signed_off_by, `+versionColumns+`
		JOIN standard_adoptions a ON a.version_id = v.id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("read adoptions: %w", err)
	}
	return out, nil
}
