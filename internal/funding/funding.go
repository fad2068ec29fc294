// Package funding holds the funder's programmes, whose bids must show co-production, and the
// council's bids and co-production log that build that evidence.
//
// A programme is drafted by the funder, given pots of money and a co-production requirement
// (the stakeholder types that must take part, evidence questions and a scoring rubric from the
// ladder of co-production), then published. A council starts one bid per programme and fills
// it in as a GOV.UK task list; the server refuses changes after the programme closes, compared
// as an instant so that British Summer Time is handled. The council's co-production log
// records activities, who took part, what people said and what the council did with it; a
// bid's evidence section is built from the activities it links.
package funding

import (
	"context"
	"embed"
	"html"
	"html/template"
	"log/slog"
	"slices"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the funding pages.
var Templates = web.TemplateSet{Name: "funding", FS: web.Sub(templates, "templates")}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// OnAttendance, when set, hears of each named person who takes part in an activity,
	// inside the transaction that records it (the app wires payments here).
	OnAttendance OnAttendance
}

// Handlers serve the funding pages.
type Handlers struct {
	db  *db.DB
	opt Options
}

// New makes the handlers.
func New(d *db.DB, opt Options) *Handlers {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Handlers{db: d, opt: opt}
}

// Level is one level of the co-production rubric.
type Level struct {
	Score       int
	Name        string
	Description string
}

// Ladder is the ladder of co-production; a new programme's rubric starts from it.
var Ladder = func() []Level {
	var out []Level
	for _, l := range ladder.Levels {
		out = append(out, Level{Score: int(l), Name: l.Name(), Description: l.Description()})
	}
	return out
}()

// Programme is a funding programme.
type Programme struct {
	ID          int64
	Name        string
	Purpose     string
	HomesTarget int64
	OpensAt     time.Time
	ClosesAt    time.Time
	// RequiredTypes must each take part in a bid's co-production.
	RequiredTypes []directory.StakeholderType
	// Questions are the evidence questions a bid answers.
	Questions []string
	// Eligible lists the GSS codes of the councils that may bid; empty for every council.
	Eligible    []string
	PublishedAt time.Time // zero while a draft
	CreatedAt   time.Time
	Pots        []Pot
	Rubric      []Level
}

// EligibleCouncil reports whether the council (by GSS code) may bid.
func (p Programme) EligibleCouncil(gss string) bool {
	return len(p.Eligible) == 0 || slices.Contains(p.Eligible, gss)
}

// Published reports whether councils can see the programme.
func (p Programme) Published() bool { return !p.PublishedAt.IsZero() }

// Open reports whether bids are accepted at now: from the opening instant up to, but not
// including, the closing instant.
func (p Programme) Open(now time.Time) bool {
	return p.Published() && !now.Before(p.OpensAt) && now.Before(p.ClosesAt)
}

// Closed reports whether the deadline has passed at now.
func (p Programme) Closed(now time.Time) bool { return !now.Before(p.ClosesAt) }

// Total is the money in all the pots, in pence.
func (p Programme) Total() int64 {
	var t int64
	for _, pot := range p.Pots {
		t += pot.AmountPence
	}
	return t
}

// Pot is one pot of money in a programme.
type Pot struct {
	ID            int64
	ProgrammeID   int64
	Name          string
	Kind          string // capital or revenue
	AmountPence   int64
	BidLimitPence int64
}

// KindLabel is the pot's kind in plain English.
func (p Pot) KindLabel() string {
	if p.Kind == "capital" {
		return "Capital"
	}
	return "Revenue"
}

// Section is one part of a bid's task list.
type Section struct {
	Key, Name string
	Status    string // Not started, In progress, Completed
}

// Bid is a council's bid to a programme.
type Bid struct {
	ID          int64
	ProgrammeID int64
	CouncilID   int64
	CouncilName string
	Title       string
	Summary     string
	Contact     string
	Homes       int64
	Support     string
	Evidence    string
	DeclaredBy  string
	Declared    bool
	Done        map[string]bool
	Amounts     map[int64]int64 // pot id to pence
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt time.Time
	ActivityIDs []int64
}

// Submitted reports whether the council has submitted the bid.
func (b Bid) Submitted() bool { return !b.SubmittedAt.IsZero() }

// Total is what the bid asks for, in pence.
func (b Bid) Total() int64 {
	var t int64
	for _, a := range b.Amounts {
		t += a
	}
	return t
}

// Sections are the bid's task list, in order, with their statuses.
func (b Bid) Sections() []Section {
	started := map[string]bool{
		"about":        b.Title != "" || b.Summary != "" || b.Contact != "",
		"amounts":      len(b.Amounts) > 0 || b.Homes > 0,
		"support":      b.Support != "",
		"evidence":     b.Evidence != "" || len(b.ActivityIDs) > 0,
		"declarations": b.DeclaredBy != "" || b.Declared,
	}
	var out []Section
	for _, s := range sectionNames {
		st := "Not started"
		if b.Done[s.Key] {
			st = "Completed"
		} else if started[s.Key] {
			st = "In progress"
		}
		out = append(out, Section{Key: s.Key, Name: s.Name, Status: st})
	}
	return out
}

// Complete reports whether every section is completed.
func (b Bid) Complete() bool {
	for _, s := range sectionNames {
		if !b.Done[s.Key] {
			return false
		}
	}
	return true
}

var sectionNames = []Section{
	{Key: "about", Name: "About the bid"},
	{Key: "amounts", Name: "Amounts and homes"},
	{Key: "support", Name: "Support offered"},
	{Key: "evidence", Name: "Co-production evidence"},
	{Key: "declarations", Name: "Declarations"},
}

func sectionName(key string) string {
	for _, s := range sectionNames {
		if s.Key == key {
			return s.Name
		}
	}
	return key
}

// Formats are the kinds of co-production activity.
var Formats = []struct{ Value, Text string }{
	{"meeting", "Meeting"}, {"workshop", "Workshop"}, {"survey", "Survey"},
	{"one_to_one", "One-to-one conversation"}, {"online", "Online session"},
}

func formatLabel(v string) string {
	for _, f := range Formats {
		if f.Value == v {
			return f.Text
		}
	}
	return v
}

// Activity is one entry in a council's co-production log.
type Activity struct {
	ID            int64
	CouncilID     int64
	Title         string
	HeldOn        time.Time
	Format        string
	Place         string
	Access        string
	Minutes       int64
	CreatedAt     time.Time
	Participants  []Participant
	Contributions []Contribution
}

// FormatLabel is the activity's format in plain English.
func (a Activity) FormatLabel() string { return formatLabel(a.Format) }

// Hours shows the activity's length, such as "2.5".
func (a Activity) Hours() string { return hours(a.Minutes) }

func hours(minutes int64) string {
	h := float64(minutes) / 60
	s := strings.TrimRight(strings.TrimRight(strconvFloat(h), "0"), ".")
	return s
}

// Participant is someone who took part in an activity: a person from the directory, or a
// count of people of one stakeholder type who stay anonymous.
type Participant struct {
	ID               int64
	ActivityID       int64
	Type             directory.StakeholderType
	PersonID         int64
	PersonName       string
	OrganisationID   int64
	OrganisationName string
	AnonymousCount   int64
}

// People is how many people the row stands for.
func (p Participant) People() int64 {
	if p.PersonID != 0 {
		return 1
	}
	return p.AnonymousCount
}

// Responses are what a council can do with a contribution.
var Responses = []struct{ Value, Text, Hint string }{
	{"adopted", "Adopted", "We did what was asked."},
	{"adapted", "Adapted", "We did part of it, or did it in another way."},
	{"not_taken_forward", "Not taken forward", "We did not do it. Say why."},
}

// Contribution is something said at an activity, and what the council did with it.
type Contribution struct {
	ID          int64
	ActivityID  int64
	Type        directory.StakeholderType
	PersonID    int64 // 0 when anonymous
	PersonName  string
	Said        string
	MayQuote    bool
	Response    string
	Reason      string
	RespondedAt time.Time
	// By and Answer are Attribution and ResponseLabel, worked out once when loaded, for long
	// pages such as the evidence pack.
	By, Answer string
}

// ResponseLabel is the response in plain English; "Waiting for an answer" before one.
func (c Contribution) ResponseLabel() string {
	for _, r := range Responses {
		if r.Value == c.Response {
			return r.Text
		}
	}
	return "Waiting for an answer"
}

// Attribution is who said it, as the contributor chose.
func (c Contribution) Attribution() string {
	if c.PersonName != "" {
		return c.PersonName + " (" + TypeLabel(c.Type) + ")"
	}
	return "Anonymous (" + TypeLabel(c.Type) + ")"
}

// LoadDemo adds this capability's demonstration data. internal/demo calls it once, on an
// empty database, after the council register, the organisations and the demo people.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return loadDemo(ctx, d, now) }

// Amount shows the money in the pot.
func (p Pot) Amount() string { return Money(p.AmountPence) }

// Limit shows the most one bid can ask from the pot.
func (p Pot) Limit() string { return Money(p.BidLimitPence) }

// TotalMoney shows the money in all the pots.
func (p Programme) TotalMoney() string { return Money(p.Total()) }

// TotalMoney shows what the bid asks for.
func (b Bid) TotalMoney() string { return Money(b.Total()) }

// AmountFor shows what the bid asks from a pot, or "Not given".
func (b Bid) AmountFor(potID int64) string {
	if a, ok := b.Amounts[potID]; ok {
		return Money(a)
	}
	return "Not given"
}

// TypeLabels lists the required types in plain English.
func (p Programme) TypeLabels() []string {
	var out []string
	for _, t := range p.RequiredTypes {
		out = append(out, t.Label())
	}
	return out
}

// TypeLabel names a stakeholder type for a person rather than an organisation.
func TypeLabel(t directory.StakeholderType) string {
	if t == directory.LivedExperience {
		return "Lived experience"
	}
	return t.Label()
}

// TypeLabel is the participant's stakeholder type in plain English.
func (p Participant) TypeLabel() string { return TypeLabel(p.Type) }

// TypeLabel is the speaker's stakeholder type in plain English.
func (c Contribution) TypeLabel() string { return TypeLabel(c.Type) }

// TypeLabel is the type in plain English.
func (t TypeCoverage) TypeLabel() string { return TypeLabel(t.Type) }

// SaidDid renders the activity's "you said, we did" table rows. The evidence pack lists
// thousands of them, so they are written here, each value escaped, rather than through four
// template calls a row.
func (a Activity) SaidDid() template.HTML {
	var b strings.Builder
	b.Grow(len(a.Contributions) * 200)
	for _, c := range a.Contributions {
		b.WriteString(`<tr class="govuk-table__row"><td class="govuk-table__cell">`)
		b.WriteString(html.EscapeString(c.Said))
		b.WriteString(" (")
		b.WriteString(html.EscapeString(c.By))
		b.WriteString(`)</td><td class="govuk-table__cell"><strong>`)
		b.WriteString(html.EscapeString(c.Answer))
		b.WriteString("</strong>")
		if c.Reason != "" {
			b.WriteString(": ")
			b.WriteString(html.EscapeString(c.Reason))
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}
