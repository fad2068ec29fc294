// Package directory holds the councils of England (from the UK local authority register), the
// regions and the partner organisations, with their public pages.
//
// Every current council is also an organisation of stakeholder type "council", so people can
// hold roles in it; past councils are kept only to map old codes forward (ResolveCouncil).
package directory

import (
	"embed"
	"strings"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the directory's pages.
var Templates = web.TemplateSet{Name: "directory", FS: web.Sub(templates, "templates")}

// Handlers serve the directory's pages.
type Handlers struct {
	db *db.DB
	// councilLists are /councils' main content, every council's or a region's, by the region
	// asked for (nil without the page cache).
	councilLists *pagecache.Memo[web.SharedMain]
}

// New makes the directory's handlers.
func New(d *db.DB) *Handlers { return &Handlers{db: d} }

// ImportResult counts what an import of the register did. Current and Past count the English
// councils in the file; Added and Updated count rows that were new or changed (a re-import of
// the same file adds and updates nothing).
type ImportResult struct {
	Current, Past, Added, Updated int
}

// StakeholderType is the kind of organisation at the table. The list is fixed: it is NSAP
// paragraph 53's list of who co-produces, plus the platform's own.
type StakeholderType string

const (
	LivedExperience              StakeholderType = "lived_experience"
	CouncilType                  StakeholderType = "council"
	Funder                       StakeholderType = "funder"
	HomesEngland                 StakeholderType = "homes_england"
	GLA                          StakeholderType = "gla"
	SupportProvider              StakeholderType = "support_provider"
	HealthSocialCareCommissioner StakeholderType = "health_social_care_commissioner"
	LocalVoluntaryOrganisation   StakeholderType = "local_voluntary_organisation"
	Probation                    StakeholderType = "probation"
	RegisteredProvider           StakeholderType = "registered_provider"
	Landlord                     StakeholderType = "landlord"
	IndependentAssessor          StakeholderType = "independent_assessor"
)

// StakeholderTypes lists every type in the order pages show them.
var StakeholderTypes = []StakeholderType{
	LivedExperience, CouncilType, Funder, HomesEngland, GLA, SupportProvider,
	HealthSocialCareCommissioner, LocalVoluntaryOrganisation, Probation, RegisteredProvider,
	Landlord, IndependentAssessor,
}

// PartnerTypes are the types an administrator adds by hand: all but councils, which come from
// the register.
func PartnerTypes() []StakeholderType {
	out := make([]StakeholderType, 0, len(StakeholderTypes)-1)
	for _, t := range StakeholderTypes {
		if t != CouncilType {
			out = append(out, t)
		}
	}
	return out
}

var stakeholderLabels = map[StakeholderType]struct{ one, many string }{
	LivedExperience:              {"Lived experience group", "Lived experience groups"},
	CouncilType:                  {"Council", "Councils"},
	Funder:                       {"Funder", "Funders"},
	HomesEngland:                 {"Homes England", "Homes England"},
	GLA:                          {"Greater London Authority (GLA)", "Greater London Authority (GLA)"},
	SupportProvider:              {"Support provider", "Support providers"},
	HealthSocialCareCommissioner: {"Health and social care commissioner", "Health and social care commissioners"},
	LocalVoluntaryOrganisation:   {"Local voluntary organisation", "Local voluntary organisations"},
	Probation:                    {"Probation service", "Probation services"},
	RegisteredProvider:           {"Registered provider (housing association)", "Registered providers (housing associations)"},
	Landlord:                     {"Landlord", "Landlords"},
	IndependentAssessor:          {"Independent assessor", "Independent assessors"},
}

// Valid reports whether t is one of the fixed types.
func (t StakeholderType) Valid() bool { _, ok := stakeholderLabels[t]; return ok }

// Label is the type's name in plain English, for one organisation.
func (t StakeholderType) Label() string {
	if l, ok := stakeholderLabels[t]; ok {
		return l.one
	}
	return string(t)
}

// Plural is the type's name as a heading over a list of organisations.
func (t StakeholderType) Plural() string {
	if l, ok := stakeholderLabels[t]; ok {
		return l.many
	}
	return string(t)
}

// Region is one of England's nine regions.
type Region struct {
	ID   int64
	Name string
	Slug string
	// Councils counts the region's current councils.
	Councils int
}

// Council is a lower-tier or unitary council from the register, current or past.
type Council struct {
	GSSCode      string
	RegisterCode string
	Name         string
	OfficialName string
	TypeCode     string
	TypeName     string
	RegionID     int64 // 0 when the register gives none
	RegionName   string
	RegionSlug   string
	Current      bool
	StartDate    time.Time // zero when the register does not say
	EndDate      time.Time
	// ReplacedBy is the register code of the direct successor of a past council.
	ReplacedBy string
	// SuccessorGSSCode is the current council this one maps to: its own code while current.
	SuccessorGSSCode string
	SuccessorName    string
	Population       int64 // 2020 estimate; 0 when not known
	OrganisationID   int64 // 0 for past councils
	OrganisationSlug string
}

// Organisation is anyone at the table: a council, a funder, a provider, a group.
type Organisation struct {
	ID          int64
	Name        string
	Slug        string
	Type        StakeholderType
	RegionID    int64 // 0 for national organisations
	RegionName  string
	RegionSlug  string
	Description string
	Website     string
	CreatedAt   time.Time
	// CouncilCode is the GSS code when the organisation is a council.
	CouncilCode string
}

// Paragraphs splits the description at blank lines, for display.
func (o Organisation) Paragraphs() []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(o.Description, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
