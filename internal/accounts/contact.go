package accounts

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Contact is how a person wants to be told of their messages. Every message also stays on
// their messages page whatever they choose.
type Contact string

// The choices. A person who never chose has ContactDefault: email when they have an address.
const (
	ContactDefault     Contact = ""
	ContactEmail       Contact = "email"
	ContactText        Contact = "text"
	ContactBoth        Contact = "both"
	ContactFacilitator Contact = "facilitator"
)

// Valid reports whether c is a choice a person can make.
func (c Contact) Valid() bool {
	switch c {
	case ContactEmail, ContactText, ContactBoth, ContactFacilitator:
		return true
	}
	return false
}

// Texts reports whether the choice includes text messages.
func (c Contact) Texts() bool { return c == ContactText || c == ContactBoth }

// Label says the choice in plain English.
func (c Contact) Label() string {
	switch c {
	case ContactEmail:
		return "By email"
	case ContactText:
		return "By text message"
	case ContactBoth:
		return "By email and text message"
	case ContactFacilitator:
		return "Only through my facilitator"
	}
	return "Not chosen yet"
}

// ContactOptions are the choices as radio buttons.
func ContactOptions() []web.Option {
	return []web.Option{
		{Value: string(ContactText), Text: "By text message", Hint: "A short text saying there is a message. Texts never say anything about your support needs."},
		{Value: string(ContactEmail), Text: "By email"},
		{Value: string(ContactBoth), Text: "By email and text message"},
		{Value: string(ContactFacilitator), Text: "Only through my facilitator", Hint: "Nothing is sent to you. Your facilitator sees your messages and passes them on."},
	}
}

// ParseUKMobile reads a UK mobile number written as 07..., +447... or 447..., with any spaces,
// hyphens or brackets, and gives it in E.164 (+447 and 9 digits).
func ParseUKMobile(s string) (string, bool) {
	var digits strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := digits.String()
	switch {
	case strings.HasPrefix(d, "07") && len(d) == 11:
		d = "44" + d[1:]
	case strings.HasPrefix(d, "447") && len(d) == 12:
	case strings.HasPrefix(d, "00447") && len(d) == 14:
		d = d[2:]
	default:
		return "", false
	}
	return "+" + d, true
}

// ContactChange is a new contact choice and mobile number; an empty Mobile removes the number.
type ContactChange struct {
	Contact Contact
	Mobile  string
}

// SetContact records how the person wants to be told things, and their mobile number. The
// choice must be one they can be reached by: text needs a mobile number, email an email
// address. Bad input changes nothing and names the field to fix. The audit record says what
// was chosen and whether there is a number, never the number.
func SetContact(ctx context.Context, d *db.DB, personID int64, c ContactChange) error {
	var v errs.Validation
	mobile := ""
	if strings.TrimSpace(c.Mobile) != "" {
		var ok bool
		mobile, ok = ParseUKMobile(c.Mobile)
		v.Check(ok, "mobile", "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982")
	}
	if !c.Contact.Valid() {
		v.Add("contact", "Choose how you want to be told about your messages")
	}
	if c.Contact.Texts() && strings.TrimSpace(c.Mobile) == "" {
		v.Add("mobile", "Enter a mobile number to get text messages")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var email string
		var before sql.NullString
		var hadMobile bool
		err := tx.QueryRowContext(ctx, "SELECT email, contact_by, mobile IS NOT NULL FROM people WHERE id = $1", personID).Scan(&email, &before, &hadMobile)
		if err == sql.ErrNoRows {
			return errs.New(errs.NotFound, "No such person.")
		}
		if err != nil {
			return err
		}
		if (c.Contact == ContactEmail || c.Contact == ContactBoth) && email == "" {
			return fieldError(errs.Invalid, "contact", "There is no email address on this account: choose text messages or your facilitator")
		}
		var m any
		if mobile != "" {
			m = mobile
		}
		if _, err := tx.ExecContext(ctx, "UPDATE people SET contact_by = $1, mobile = $2 WHERE id = $3", string(c.Contact), m, personID); err != nil {
			return fmt.Errorf("set contact: %w", err)
		}
		return record(ctx, tx, "person.contact_changed", personID,
			map[string]any{"contact": before.String, "has_mobile": hadMobile},
			map[string]any{"contact": string(c.Contact), "has_mobile": mobile != ""})
	})
}

// RemoveMobile deletes the person's mobile number. Text messages stop: a person who chose
// texts only is then told by email if they have an address, or through their facilitator.
func RemoveMobile(ctx context.Context, d *db.DB, personID int64) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var email string
		var contact sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT email, contact_by FROM people WHERE id = $1", personID).Scan(&email, &contact)
		if err == sql.ErrNoRows {
			return errs.New(errs.NotFound, "No such person.")
		}
		if err != nil {
			return err
		}
		next := Contact(contact.String)
		switch {
		case next == ContactBoth:
			next = ContactEmail
		case next == ContactText && email != "":
			next = ContactEmail
		case next == ContactText:
			next = ContactFacilitator
		}
		if _, err := tx.ExecContext(ctx, "UPDATE people SET mobile = NULL, contact_by = $1 WHERE id = $2", nullString(string(next)), personID); err != nil {
			return fmt.Errorf("remove mobile: %w", err)
		}
		return record(ctx, tx, "person.mobile_removed", personID, nil, map[string]any{"contact": string(next)})
	})
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// MobileDisplay is the mobile number as people write it in the UK, such as 07700 900982.
func (p Person) MobileDisplay() string {
	if len(p.Mobile) != 13 || !strings.HasPrefix(p.Mobile, "+44") {
		return p.Mobile
	}
	return "0" + p.Mobile[3:7] + " " + p.Mobile[7:]
}

// Effective is the person's choice, or for someone who never chose, what happens: email when
// they have an address, else only through their facilitator.
func (p Person) Effective() Contact {
	switch {
	case p.Contact != ContactDefault:
		return p.Contact
	case p.Email != "":
		return ContactEmail
	}
	return ContactFacilitator
}
