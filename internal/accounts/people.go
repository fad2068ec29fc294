package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// MinPasswordLength is the shortest password or passphrase accepted. Length matters more than
// symbols: three random words are long and easy to remember.
const MinPasswordLength = 12

// maxPasswordLength keeps a hostile form from making argon2 hash megabytes.
const maxPasswordLength = 200

// Person is someone with an account.
type Person struct {
	ID          int64
	DisplayName string
	// Login is how they sign in: their email address or, without one, a sign-in name.
	Login       string
	Email       string
	HasPassword bool
	CreatedAt   time.Time
	Disabled    bool
	// Contact is how they want to be told of messages; Mobile their UK mobile number in
	// E.164, or empty.
	Contact Contact
	Mobile  string
	// Grants are every role they hold, with organisation names, ordered by organisation.
	Grants []auth.Grant
}

// UsesSignInName reports whether the person signs in with a sign-in name, not an email.
func (p Person) UsesSignInName() bool { return !strings.Contains(p.Login, "@") }

// NewPerson is a person to add.
type NewPerson struct {
	DisplayName string
	// Login is an email address or a sign-in name; empty means the email address, or a sign-in
	// name made from the display name when there is no email either.
	Login string
	Email string
	// Password may be empty: the person then signs in with a code and chooses a passphrase.
	Password string
	// Grants give roles in organisations; an administrator's grant has OrganisationID 0.
	Grants []auth.Grant
}

// CreatePerson adds a person with their roles, in one transaction. createdBy is the person
// adding them, or 0. A login already taken is a conflict; anything else wrong is invalid,
// with the form field to blame.
func CreatePerson(ctx context.Context, d *db.DB, p NewPerson, createdBy int64) (int64, error) {
	p.DisplayName = strings.TrimSpace(p.DisplayName)
	p.Email = normaliseLogin(p.Email)
	p.Login = normaliseLogin(p.Login)
	var v errs.Validation
	checkDisplayName(&v, "display_name", p.DisplayName)
	if p.Email != "" {
		v.Check(validEmail(p.Email), "email", "Enter an email address in the correct format, like name@example.com")
	}
	if p.Login != "" {
		v.Check(validEmail(p.Login) || validSignInName(p.Login), "login",
			"Enter an email address, or a sign-in name made of lower-case letters, numbers and dots")
	}
	if p.Password != "" {
		checkNewPassword(&v, "password", p.Password)
	}
	for _, g := range p.Grants {
		switch {
		case !g.Role.Valid():
			v.Add("role", "Choose a role")
		case g.Role == auth.Admin && g.OrganisationID != 0:
			v.Add("organisation", "An administrator’s role belongs to no organisation")
		case g.Role != auth.Admin && g.OrganisationID == 0:
			v.Add("organisation", "Choose an organisation")
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	hash := ""
	if p.Password != "" {
		var err error
		if hash, err = auth.HashPassword(p.Password); err != nil {
			return 0, err
		}
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		login := p.Login
		if login == "" {
			login = p.Email
		}
		if login == "" {
			var err error
			if login, err = freeSignInName(ctx, tx, p.DisplayName); err != nil {
				return err
			}
		}
		for _, g := range p.Grants {
			if g.OrganisationID == 0 {
				continue
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM organisations WHERE id = $1", g.OrganisationID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fieldError(errs.Invalid, "organisation", "Choose an organisation from the list")
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO people (display_name, login, email, password_hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			p.DisplayName, login, p.Email, hash, utc(time.Now()), nullID(createdBy)).Scan(&id)
		if db.IsUniqueViolation(err) {
			field := "login"
			if p.Login == "" {
				field = "email"
			}
			return fieldError(errs.Conflict, field, "There is already an account with that email address or sign-in name")
		}
		if err != nil {
			return fmt.Errorf("insert person: %w", err)
		}
		// The record names the login, never the password; each role gets a record of its own.
		if err := record(ctx, tx, "person.created", id, nil, map[string]any{"display_name": p.DisplayName, "login": login}); err != nil {
			return err
		}
		for _, g := range p.Grants {
			if err := addGrant(ctx, tx, id, g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// record appends to the audit trail, with the signed-in person in ctx as the actor (the
// platform itself when nobody is, as in an import or the demo).
func record(ctx context.Context, tx *sql.Tx, action string, personID int64, before, after any) error {
	actorID, actorName := audit.By(auth.From(ctx))
	return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: action,
		Subject: fmt.Sprint("person:", personID), Before: before, After: after})
}

func grantsForAudit(gs []auth.Grant) []map[string]any {
	out := make([]map[string]any, 0, len(gs))
	for _, g := range gs {
		out = append(out, map[string]any{"role": string(g.Role), "organisation_id": g.OrganisationID})
	}
	return out
}

// AddGrant gives a person one more role; holding it already is not an error.
func AddGrant(ctx context.Context, d *db.DB, personID int64, g auth.Grant) error {
	if !g.Role.Valid() || (g.Role == auth.Admin) != (g.OrganisationID == 0) {
		return errs.New(errs.Invalid, "An administrator’s role belongs to no organisation; every other role belongs to one.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error { return addGrant(ctx, tx, personID, g) })
}

func addGrant(ctx context.Context, tx *sql.Tx, personID int64, g auth.Grant) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM memberships
		WHERE person_id = $1 AND role = $2 AND COALESCE(organisation_id, 0) = $3`,
		personID, string(g.Role), g.OrganisationID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO memberships (person_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		personID, nullID(g.OrganisationID), string(g.Role), utc(time.Now()))
	if err != nil {
		return fmt.Errorf("insert membership: %w", err)
	}
	return record(ctx, tx, "role.granted", personID, nil, grantsForAudit([]auth.Grant{g})[0])
}

// Scope says whose accounts a person may see and manage: everyone's (an administrator), or
// those of people with a role in the listed organisations (a facilitator's own). Every store
// call that reads other people's accounts takes one, so a cross-tenant read cannot happen by
// accident.
type Scope struct {
	All           bool
	Organisations []int64
}

// Everyone is the scope of an administrator, and of a person looking at their own account.
var Everyone = Scope{All: true}

// ScopeFor is the scope of the signed-in person: everyone for an administrator, the
// organisations they facilitate for a facilitator, nobody otherwise.
func ScopeFor(id *auth.Identity) Scope {
	if id.Has(auth.Admin) {
		return Everyone
	}
	return Scope{Organisations: id.OrganisationsFor(auth.Facilitator)}
}

// Includes reports whether the organisation is in scope.
func (s Scope) Includes(organisationID int64) bool {
	return s.All || (organisationID != 0 && slices.Contains(s.Organisations, organisationID))
}

// Empty reports whether the scope holds nobody.
func (s Scope) Empty() bool { return !s.All && len(s.Organisations) == 0 }

// filter returns the SQL condition limiting people (aliased p) to the scope, and its
// arguments, numbered from $first.
func (s Scope) filter(first int) (string, []any) {
	if s.All {
		return "TRUE", nil
	}
	if len(s.Organisations) == 0 {
		return "FALSE", nil
	}
	marks, args := placeholders(first, s.Organisations)
	return "EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id AND m.organisation_id IN (" + marks + "))", args
}

const personColumns = "p.id, p.display_name, p.login, p.email, p.password_hash <> '', p.created_at, p.disabled_at IS NOT NULL, COALESCE(p.contact_by, ''), COALESCE(p.mobile, '')"

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.DisplayName, &p.Login, &p.Email, &p.HasPassword, &p.CreatedAt, &p.Disabled, &p.Contact, &p.Mobile)
	return p, err
}

// GetPerson returns a person in scope, with all their roles. A person out of scope is not
// found, so their existence does not leak.
func GetPerson(ctx context.Context, d *db.DB, scope Scope, personID int64) (Person, error) {
	cond, args := scope.filter(2)
	p, err := scanPerson(d.Read.QueryRowContext(ctx, "SELECT "+personColumns+" FROM people p WHERE p.id = $1 AND "+cond,
		append([]any{personID}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, errs.New(errs.NotFound, "No such person.")
	}
	if err != nil {
		return Person{}, fmt.Errorf("get person: %w", err)
	}
	grants, err := grantsOf(ctx, d.Read, []int64{personID})
	if err != nil {
		return Person{}, err
	}
	p.Grants = grants[personID]
	return p, nil
}

// PeoplePage is one page of a list of people.
type PeoplePage struct {
	People []Person
	Total  int
}

// ListPeople lists the people in scope by name, perPage at a time from page 1.
func ListPeople(ctx context.Context, d *db.DB, scope Scope, page, perPage int) (PeoplePage, error) {
	var out PeoplePage
	if scope.Empty() {
		return out, nil
	}
	page = max(page, 1)
	cond, args := scope.filter(1)
	if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM people p WHERE "+cond, args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("count people: %w", err)
	}
	n := len(args)
	rows, err := d.Read.QueryContext(ctx, "SELECT "+personColumns+" FROM people p WHERE "+cond+
		fmt.Sprintf(" ORDER BY lower(p.display_name), p.id LIMIT $%d OFFSET $%d", n+1, n+2),
		append(args, perPage, (page-1)*perPage)...)
	if err != nil {
		return out, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return out, err
		}
		out.People = append(out.People, p)
		ids = append(ids, p.ID)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	grants, err := grantsOf(ctx, d.Read, ids)
	if err != nil {
		return out, err
	}
	for i := range out.People {
		out.People[i].Grants = grants[out.People[i].ID]
	}
	return out, nil
}

// grantsOf loads the roles of the people, with organisation names.
func grantsOf(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, personIDs []int64) (map[int64][]auth.Grant, error) {
	out := map[int64][]auth.Grant{}
	if len(personIDs) == 0 {
		return out, nil
	}
	marks, args := placeholders(1, personIDs)
	rows, err := q.QueryContext(ctx, `SELECT m.person_id, m.role, COALESCE(m.organisation_id, 0), COALESCE(o.name, '')
		FROM memberships m LEFT JOIN organisations o ON o.id = m.organisation_id
		WHERE m.person_id IN (`+marks+`) ORDER BY COALESCE(o.name, ''), m.role`, args...)
	if err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var g auth.Grant
		var role string
		if err := rows.Scan(&pid, &role, &g.OrganisationID, &g.OrganisationName); err != nil {
			return nil, err
		}
		g.Role = auth.Role(role)
		out[pid] = append(out[pid], g)
	}
	return out, rows.Err()
}

// Organisation is an organisation people can hold roles in.
type Organisation struct {
	ID   int64
	Name string
}

// Organisations lists the organisations in scope by name, for choosing one in a form.
func Organisations(ctx context.Context, d *db.DB, scope Scope) ([]Organisation, error) {
	if scope.Empty() {
		return nil, nil
	}
	query, args := "SELECT id, name FROM organisations ORDER BY name, id", []any(nil)
	if !scope.All {
		var marks string
		marks, args = placeholders(1, scope.Organisations)
		query = "SELECT id, name FROM organisations WHERE id IN (" + marks + ") ORDER BY name, id"
	}
	rows, err := d.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		var o Organisation
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SetDisplayName changes the name a person goes by.
func SetDisplayName(ctx context.Context, d *db.DB, personID int64, name string) error {
	name = strings.TrimSpace(name)
	var v errs.Validation
	checkDisplayName(&v, "display_name", name)
	if err := v.Err(); err != nil {
		return err
	}
	res, err := d.Write.ExecContext(ctx, "UPDATE people SET display_name = $1 WHERE id = $2", name, personID)
	if err != nil {
		return fmt.Errorf("set display name: %w", err)
	}
	return mustHaveChanged(res, "No such person.")
}

// SetDisabled stops a person signing in (and ends their sessions), or lets them again.
func SetDisabled(ctx context.Context, d *db.DB, personID int64, disabled bool, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var at any
		if disabled {
			at = utc(now)
		}
		res, err := tx.ExecContext(ctx, "UPDATE people SET disabled_at = $1 WHERE id = $2", at, personID)
		if err != nil {
			return err
		}
		if err := mustHaveChanged(res, "No such person."); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE person_id = $1", personID); err != nil {
			return err
		}
		action := "person.enabled"
		if disabled {
			action = "person.disabled"
		}
		return record(ctx, tx, action, personID, map[string]any{"disabled": !disabled}, map[string]any{"disabled": disabled})
	})
}

// freeSignInName makes a sign-in name from a display name ("Sam Taylor" becomes
// "sam.taylor"), adding a number when the name is taken ("sam.taylor2").
func freeSignInName(ctx context.Context, tx *sql.Tx, displayName string) (string, error) {
	base := signInNameBase(displayName)
	for n := 1; n < 100000; n++ {
		candidate := base
		if n > 1 {
			candidate = fmt.Sprintf("%s%d", base, n)
		}
		var taken int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM people WHERE login = $1", candidate).Scan(&taken); err != nil {
			return "", err
		}
		if taken == 0 {
			return candidate, nil
		}
	}
	return "", errors.New("no free sign-in name")
}

// accentFold turns common accented Latin letters into plain ones, so "Zoë" becomes "zoe".
var accentFold = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a", "æ", "ae", "ç", "c",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i",
	"ñ", "n", "ò", "o", "ó", "o", "ô", "o", "õ", "o", "ö", "o", "ø", "o", "œ", "oe",
	"ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y", "ß", "ss", "ł", "l",
	"'", "", "’", "")

func signInNameBase(displayName string) string {
	var b strings.Builder
	gap := false
	for _, r := range accentFold.Replace(strings.ToLower(displayName)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if gap && b.Len() > 0 {
				b.WriteByte('.')
			}
			gap = false
			b.WriteRune(r)
			continue
		}
		gap = true
	}
	s := strings.Trim(b.String(), ".")
	if len(s) > 30 {
		s = strings.Trim(s[:30], ".")
	}
	if s == "" {
		s = "person"
	}
	return s
}

func checkDisplayName(v *errs.Validation, field, name string) {
	v.Check(name != "", field, "Enter a name")
	v.Check(utf8.RuneCountInString(name) <= 100, field, "Name must be 100 characters or fewer")
}

func checkNewPassword(v *errs.Validation, field, password string) {
	v.Check(utf8.RuneCountInString(password) >= MinPasswordLength, field,
		fmt.Sprintf("Passphrase must be %d characters or more", MinPasswordLength))
	v.Check(len(password) <= maxPasswordLength, field,
		fmt.Sprintf("Passphrase must be %d characters or fewer", maxPasswordLength))
	v.Check(!IsCommonPassword(password), field, CommonPasswordMessage)
}

func validEmail(s string) bool {
	at := strings.LastIndex(s, "@")
	return len(s) <= 254 && at > 0 && at < len(s)-3 && strings.Contains(s[at:], ".") &&
		!strings.ContainsAny(s, " \t\r\n<>,;\"") && strings.Count(s, "@") == 1
}

func validSignInName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.') {
			return false
		}
	}
	return true
}

func normaliseLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// fieldError is a domain error that blames one form field.
func fieldError(code errs.Code, field, message string) *errs.Error {
	return &errs.Error{Code: code, Fields: map[string]string{field: message}, Order: []string{field}}
}

func mustHaveChanged(res sql.Result, notFound string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.New(errs.NotFound, "%s", notFound)
	}
	return nil
}

// placeholders returns "$first, $first+1, ..." for the values, and the values as arguments.
func placeholders(first int, ids []int64) (string, []any) {
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i] = fmt.Sprintf("$%d", first+i)
		args[i] = id
	}
	return strings.Join(marks, ", "), args
}

// nullID stores 0 as NULL, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// utc is how every time is stored: UTC, to the microsecond PostgreSQL keeps, so times compare
// alike on both databases.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
