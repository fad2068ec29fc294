package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// NewOrganisation is what an administrator (or the demo) gives to add a partner organisation.
// Field names in validation errors match the form's: name, stakeholder_type, region,
// description, website.
type NewOrganisation struct {
	Name            string
	StakeholderType StakeholderType
	// Region is a region's name or slug ("London", "east-of-england"); empty for a national
	// organisation.
	Region      string
	Description string
	// Website is an http or https address; "https://" is added when the scheme is left off.
	Website string
}

const (
	maxNameLength        = 120
	maxDescriptionLength = 2000
	maxWebsiteLength     = 300
)

// CreateOrganisation checks and adds a partner organisation, returning its id. Councils are
// not added here: they come from the register (ImportAuthorities).
func CreateOrganisation(ctx context.Context, d *db.DB, n NewOrganisation) (int64, error) {
	n.Name = strings.Join(strings.Fields(n.Name), " ")
	n.Region = strings.TrimSpace(n.Region)
	n.Description = strings.TrimSpace(n.Description)
	n.Website = normaliseWebsite(n.Website)

	var v errs.Validation
	v.Check(n.Name != "", "name", "Enter the organisation's name")
	v.Check(utf8.RuneCountInString(n.Name) <= maxNameLength, "name", fmt.Sprintf("Name must be %d characters or fewer", maxNameLength))
	switch {
	case n.StakeholderType == "":
		v.Add("stakeholder_type", "Select the type of organisation")
	case n.StakeholderType == CouncilType:
		v.Add("stakeholder_type", "Councils come from the local authority register, so they cannot be added here")
	case !n.StakeholderType.Valid():
		v.Add("stakeholder_type", "Select a type of organisation from the list")
	}
	v.Check(utf8.RuneCountInString(n.Description) <= maxDescriptionLength, "description",
		fmt.Sprintf("Description must be %d characters or fewer", maxDescriptionLength))
	if n.Website != "" && !validWebsite(n.Website) {
		v.Add("website", "Enter a website address in the correct format, like https://www.example.org")
	}

	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var regionID sql.NullInt64
		if n.Region != "" {
			err := tx.QueryRowContext(ctx, "SELECT id FROM regions WHERE LOWER(name) = LOWER($1) OR slug = LOWER($1)", n.Region).Scan(&regionID)
			if errors.Is(err, sql.ErrNoRows) {
				v.Add("region", "Select a region from the list")
			} else if err != nil {
				return err
			}
		}
		if !v.Has("name") && n.StakeholderType.Valid() {
			var taken int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM organisations WHERE stakeholder_type = $1 AND name_key = $2",
				n.StakeholderType, strings.ToLower(n.Name)).Scan(&taken); err != nil {
				return err
			}
			v.Check(taken == 0, "name", "There is already a "+strings.ToLower(n.StakeholderType.Label())+" called "+n.Name)
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		id, err = insertOrganisation(ctx, tx, n.Name, n.StakeholderType, regionID, n.Description, n.Website)
		if db.IsUniqueViolation(err) {
			// Someone added the same name in the moment since the check above.
			v.Add("name", "There is already a "+strings.ToLower(n.StakeholderType.Label())+" called "+n.Name)
			return v.Err()
		}
		if err != nil {
			return err
		}
		actorID, actorName := audit.By(auth.From(ctx))
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "organisation.created",
			Subject: fmt.Sprint("organisation:", id), After: n})
	})
	return id, err
}

// insertOrganisation adds an organisation row with a slug of its own, made from the name.
func insertOrganisation(ctx context.Context, tx *sql.Tx, name string, t StakeholderType, regionID sql.NullInt64, description, website string) (int64, error) {
	slug, err := uniqueSlug(ctx, tx, Slugify(name))
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO organisations (name, name_key, slug, stakeholder_type, region_id, description, website, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		name, strings.ToLower(name), slug, t, regionID, description, website, time.Now().UTC()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add organisation %q: %w", name, err)
	}
	return id, nil
}

// reservedSlugs would clash with the organisations pages' own addresses.
var reservedSlugs = map[string]bool{"new": true}

// uniqueSlug returns base, or base-2, base-3 ... when it is taken.
func uniqueSlug(ctx context.Context, tx *sql.Tx, base string) (string, error) {
	for n := 1; ; n++ {
		slug := base
		if n > 1 {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		if reservedSlugs[slug] {
			continue
		}
		var taken int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM organisations WHERE slug = $1", slug).Scan(&taken); err != nil {
			return "", err
		}
		if taken == 0 {
			return slug, nil
		}
	}
}

// Slugify makes an address-friendly name: "King's Lynn & West Norfolk" gives
// "kings-lynn-and-west-norfolk". Letters outside a-z and digits become hyphens.
func Slugify(name string) string {
	name = strings.NewReplacer("&", " and ", "'", "", "’", "").Replace(strings.ToLower(name))
	var b strings.Builder
	hyphen := false
	for _, r := range name {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		} else {
			hyphen = true
		}
	}
	s := b.String()
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" {
		return "organisation"
	}
	return s
}

func normaliseWebsite(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") {
		s = "https://" + s
	}
	return s
}

func validWebsite(s string) bool {
	if len(s) > maxWebsiteLength {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.Contains(u.Host, ".") && u.User == nil
}

const organisationColumns = `o.id, o.name, o.slug, o.stakeholder_type, COALESCE(o.region_id, 0),
	COALESCE(r.name, ''), COALESCE(r.slug, ''), o.description, o.website, o.created_at,
	COALESCE(c.gss_code, '')
FROM organisations o
LEFT JOIN regions r ON r.id = o.region_id
LEFT JOIN councils c ON c.organisation_id = o.id`

func scanOrganisation(s db.Scanner) (Organisation, error) {
	var o Organisation
	err := s.Scan(&o.ID, &o.Name, &o.Slug, &o.Type, &o.RegionID, &o.RegionName, &o.RegionSlug,
		&o.Description, &o.Website, &o.CreatedAt, &o.CouncilCode)
	o.CreatedAt = o.CreatedAt.UTC()
	return o, err
}

func organisationWhere(ctx context.Context, d *db.DB, what, where string, arg any) (Organisation, error) {
	o, err := scanOrganisation(d.Read.QueryRowContext(ctx, `SELECT `+organisationColumns+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Organisation{}, errs.New(errs.NotFound, "There is no organisation %s.", what)
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("organisation %s: %w", what, err)
	}
	return o, nil
}

// OrganisationBySlug finds an organisation by its slug.
func OrganisationBySlug(ctx context.Context, d *db.DB, slug string) (Organisation, error) {
	return organisationWhere(ctx, d, "at "+slug, "o.slug = $1", slug)
}

// OrganisationByID finds an organisation by its id.
func OrganisationByID(ctx context.Context, d *db.DB, id int64) (Organisation, error) {
	return organisationWhere(ctx, d, fmt.Sprint("number ", id), "o.id = $1", id)
}

// OrganisationFilter narrows a list of organisations. The zero filter lists them all.
type OrganisationFilter struct {
	Type StakeholderType
	// ExcludeCouncils leaves out the councils (there are hundreds), to list partners.
	ExcludeCouncils bool
	RegionID        int64
}

// ListOrganisations lists organisations by type key, then name.
func ListOrganisations(ctx context.Context, d *db.DB, f OrganisationFilter) ([]Organisation, error) {
	q := `SELECT ` + organisationColumns + ` WHERE 1 = 1`
	var args []any
	if f.Type != "" {
		args = append(args, f.Type)
		q += fmt.Sprintf(" AND o.stakeholder_type = $%d", len(args))
	}
	if f.ExcludeCouncils {
		args = append(args, CouncilType)
		q += fmt.Sprintf(" AND o.stakeholder_type <> $%d", len(args))
	}
	if f.RegionID != 0 {
		args = append(args, f.RegionID)
		q += fmt.Sprintf(" AND o.region_id = $%d", len(args))
	}
	q += " ORDER BY o.stakeholder_type, o.name_key"
	out, err := db.Collect(ctx, d.Read, scanOrganisation, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return out, nil
}
