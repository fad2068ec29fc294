package standards

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Adopt records that a council adopted a published version on a date, signed off by someone
// named. Only the council's own officers may; a council adopts a version once.
func Adopt(ctx context.Context, d *db.DB, councilID, versionID int64, adoptedOn time.Time, signedOffBy string, by *auth.Identity, now time.Time) error {
	if !by.HasIn(auth.CouncilOfficer, councilID) {
		return errs.New(errs.Forbidden, "Only the council's officers can record its adoption.")
	}
	var v errs.Validation
	v.Check(versionID != 0, "version", "Choose the version the council adopted")
	if adoptedOn.IsZero() {
		v.Add("adopted", "Enter the date the council adopted the standard")
	} else {
		v.Check(adoptedOn.Format(time.DateOnly) <= now.In(web.London).Format(time.DateOnly), "adopted", "The date adopted must be today or in the past")
	}
	checkText(&v, "signed_off_by", "who signed it off", signedOffBy, maxTitle)
	if err := v.Err(); err != nil {
		return err
	}
	ver, err := VersionByID(ctx, d, versionID)
	if errs.Is(err, errs.NotFound) {
		return invalid("version", "Choose the version the council adopted")
	}
	if err != nil {
		return err
	}
	v.Check(adoptedOn.Format(time.DateOnly) >= ver.PublishedAt.In(web.London).Format(time.DateOnly), "adopted",
		"The date adopted must be on or after the day version "+ver.Number+" was published")
	if err := v.Err(); err != nil {
		return err
	}
	return insertAdoption(ctx, d, councilID, ver, adoptedOn, signedOffBy, by, now)
}

// insertAdoption records a checked adoption; by may be nil for the platform itself (the demo).
func insertAdoption(ctx context.Context, d *db.DB, councilID int64, ver VersionRef, adoptedOn time.Time, signedOffBy string, by *auth.Identity, now time.Time) error {
	day := adoptedOn.Format(time.DateOnly)
	var recordedBy any
	if by != nil {
		recordedBy = by.PersonID
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO standard_adoptions (council_id, version_id, adopted_on, signed_off_by, recorded_at, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, councilID, ver.ID, day, strings.TrimSpace(signedOffBy), utc(now), recordedBy)
		if db.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "The council has already adopted version %s.", ver.Number)
		}
		if err != nil {
			return fmt.Errorf("record adoption: %w", err)
		}
		return record(ctx, tx, by, "standard.adopted", fmt.Sprintf("council:%d", councilID), now, nil,
			map[string]any{"version_id": ver.ID, "standard": ver.StandardTitle, "number": ver.Number, "adopted_on": day, "signed_off_by": strings.TrimSpace(signedOffBy)})
	})
}

// AdoptionRow is an adoption in the national list.
type AdoptionRow struct {
	Adoption
	CouncilName string
	CouncilCode string
}

// AllAdoptions lists every council's adoptions by council name, latest version first.
func AllAdoptions(ctx context.Context, d *db.DB) ([]AdoptionRow, error) {
	out, err := db.Collect(ctx, d.Read, func(r db.Scanner) (AdoptionRow, error) {
		var a AdoptionRow
		var on string
		err := r.Scan(&a.CouncilOrganisationID, &a.CouncilName, &a.CouncilCode, &on, &a.SignedOffBy,
			&a.Version.ID, &a.Version.StandardID, &a.Version.StandardTitle, &a.Version.Number, &a.Version.PublishedAt)
		a.Version.PublishedAt = a.Version.PublishedAt.UTC()
		if err == nil {
			a.AdoptedOn, err = time.Parse(time.DateOnly, on)
		}
		return a, err
	}, `SELECT a.council_id, o.name, COALESCE(c.gss_code, ''), a.adopted_on, a.signed_off_by, `+versionColumns+`
		JOIN standard_adoptions a ON a.version_id = v.id
		JOIN organisations o ON o.id = a.council_id
		LEFT JOIN councils c ON c.organisation_id = o.id
		ORDER BY o.name_key, o.id, v.major DESC, v.minor DESC`)
	if err != nil {
		return nil, fmt.Errorf("list adoptions: %w", err)
	}
	return out, nil
}

// CouncilAdoptions lists one council's adoptions, latest first.
func CouncilAdoptions(ctx context.Context, d *db.DB, councilID int64) ([]Adoption, error) {
	return adoptions(ctx, d, `WHERE a.council_id = $1 ORDER BY a.adopted_on DESC, a.id DESC`, councilID)
}

// SaveSelfAssessment stores the council's ratings against indicators of a version it
// adopted, replacing earlier ratings of the same indicators. Every rating needs evidence.
func SaveSelfAssessment(ctx context.Context, d *db.DB, councilID, versionID int64, ratings []SelfRating, by *auth.Identity, now time.Time) error {
	if !by.HasIn(auth.CouncilOfficer, councilID) {
		return errs.New(errs.Forbidden, "Only the council's officers can assess it.")
	}
	adopted, err := CouncilAdoptions(ctx, d, councilID)
	if err != nil {
		return err
	}
	ok := false
	for _, a := range adopted {
		ok = ok || a.Version.ID == versionID
	}
	if !ok {
		return errs.New(errs.NotFound, "The council has not adopted this version.")
	}
	indicators, err := VersionIndicators(ctx, d, versionID)
	if err != nil {
		return err
	}
	known := map[int64]string{}
	for _, i := range indicators {
		known[i.ID] = i.Key
	}
	var v errs.Validation
	for _, r := range ratings {
		key, found := known[r.IndicatorID]
		if !found {
			return errs.New(errs.NotFound, "That indicator is not in this version.")
		}
		v.Check(r.Level.Valid(), "level-"+fieldKey(key), "Choose a level for indicator "+key)
		checkText(&v, "evidence-"+fieldKey(key), "your evidence for indicator "+key, r.Evidence, maxText)
	}
	if len(ratings) == 0 && len(indicators) > 0 {
		v.Add("level-"+fieldKey(indicators[0].Key), "Rate at least one indicator: choose a level and give your evidence")
	}
	if err := v.Err(); err != nil {
		return err
	}
	before, err := SelfAssessment(ctx, d, councilID, versionID)
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range ratings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO standard_self_ratings (council_id, indicator_id, level, evidence, rated_at, rated_by)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (council_id, indicator_id) DO UPDATE SET level = excluded.level,
				evidence = excluded.evidence, rated_at = excluded.rated_at, rated_by = excluded.rated_by`,
				councilID, r.IndicatorID, int(r.Level), strings.TrimSpace(r.Evidence), utc(now), by.PersonID); err != nil {
				return fmt.Errorf("save self rating: %w", err)
			}
		}
		return record(ctx, tx, by, "standard.self_assessed", fmt.Sprintf("council:%d", councilID), now,
			ratingMap(before, known), ratingMap(ratings, known))
	})
}

// ratingMap keys ratings by indicator key for the audit record.
func ratingMap(rs []SelfRating, keys map[int64]string) map[string]any {
	if len(rs) == 0 {
		return nil
	}
	out := map[string]any{}
	for _, r := range rs {
		out[keys[r.IndicatorID]] = map[string]any{"level": int(r.Level), "level_name": ladder.Level(r.Level).Name(), "evidence": strings.TrimSpace(r.Evidence)}
	}
	return out
}
