// Package auth holds the platform's sign-in machinery that every capability relies on: roles,
// the signed-in person carried in the request context, password hashing (argon2id) and secret
// tokens. Who the people are, and how they sign in, lives in the accounts capability.
package auth

import (
	"context"
	"slices"
)

// Role is what a person does on the platform. A person holds roles within organisations.
type Role string

const (
	Member         Role = "member"          // a person with lived experience of homelessness
	Facilitator    Role = "facilitator"     // runs a panel or group
	CouncilOfficer Role = "council_officer" // works for a council
	Partner        Role = "partner"         // provider, health, probation, voluntary group, landlord ...
	Funder         Role = "funder"          // the national funder
	Assessor       Role = "assessor"        // an independent assessor
	Admin          Role = "admin"           // runs the platform
	Finance        Role = "finance"         // pays people for their time from an organisation's budget
)

// Roles lists every role in the order pages show them.
var Roles = []Role{Member, Facilitator, CouncilOfficer, Partner, Funder, Assessor, Admin, Finance}

// Label is the role's name in plain English.
func (r Role) Label() string {
	switch r {
	case Member:
		return "Member with lived experience"
	case Facilitator:
		return "Facilitator"
	case CouncilOfficer:
		return "Council officer"
	case Partner:
		return "Partner"
	case Funder:
		return "Funder"
	case Assessor:
		return "Independent assessor"
	case Admin:
		return "Administrator"
	case Finance:
		return "Finance"
	}
	return string(r)
}

// Valid reports whether r is one of the platform's roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Grant is one role a person holds in one organisation.
type Grant struct {
	Role             Role
	OrganisationID   int64
	OrganisationName string
}

// Identity is the signed-in person, loaded once per request from their session.
type Identity struct {
	PersonID    int64
	DisplayName string
	Grants      []Grant
	SessionHash string // identifies the session, for signing out
}

// Has reports whether the person holds the role in any organisation.
func (id *Identity) Has(role Role) bool {
	if id == nil {
		return false
	}
	for _, g := range id.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// HasAny reports whether the person holds any of the roles.
func (id *Identity) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if id.Has(r) {
			return true
		}
	}
	return false
}

// HasIn reports whether the person holds the role in the organisation.
func (id *Identity) HasIn(role Role, organisationID int64) bool {
	if id == nil {
		return false
	}
	for _, g := range id.Grants {
		if g.Role == role && g.OrganisationID == organisationID {
			return true
		}
	}
	return false
}

// OrganisationsFor lists the organisations in which the person holds the role.
func (id *Identity) OrganisationsFor(role Role) []int64 {
	if id == nil {
		return nil
	}
	var out []int64
	for _, g := range id.Grants {
		if g.Role == role {
			out = append(out, g.OrganisationID)
		}
	}
	return out
}

type ctxKey struct{}

// WithIdentity returns a context carrying the signed-in person.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the signed-in person, or nil when nobody is signed in.
func From(ctx context.Context) *Identity {
	id, _ := ctx.Value(ctxKey{}).(*Identity)
	return id
}
