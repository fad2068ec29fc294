package standards_test

import (
	"context"
	"os"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"

	"roundtable/internal/accounts"
	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/standards"
)

const (
	lutonCode   = "E06000032"
	bedfordCode = "E06000055"
)

// migrations are the tables the store tests need, in app order, without the capabilities
// that do not concern standards.
func migrations() []db.Migration {
	var all []db.Migration
	for _, ms := range [][]db.Migration{audit.Migrations, directory.Migrations, accounts.Migrations,
		funding.Migrations, consent.Migrations, panels.Migrations, standards.Migrations} {
		all = append(all, ms...)
	}
	return all
}

func importRegister(t testing.TB, d *db.DB) {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(context.Background(), d, f); err != nil {
		t.Fatalf("import the register: %v", err)
	}
}

// council returns the organisation of the council with the GSS code.
func council(t testing.TB, d *db.DB, code string) int64 {
	t.Helper()
	c, err := directory.CouncilByCode(context.Background(), d, code)
	if err != nil {
		t.Fatal(err)
	}
	return c.OrganisationID
}

// start is when every test world begins: a Monday in GMT.
var start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// world is a database with the council register, two drafting panels, a panel outside the
// drafting group, and one person for each part people play.
type world struct {
	t      testing.TB
	d      *db.DB
	ids    map[string]int64
	who    map[string]*auth.Identity
	logins map[string]string
	luton  panels.Panel
	bpool  panels.Panel
	std    standards.Standard
}

func makePanel(t testing.TB, d *db.DB, name, slug string) panels.Panel {
	t.Helper()
	ctx := context.Background()
	org := accountstest.Organisation(t, d, name)
	id, err := panels.CreatePanel(ctx, d, panels.NewPanel{Name: name, Slug: slug, Kind: panels.Local, OrganisationID: org}, start)
	if err != nil {
		t.Fatal(err)
	}
	p, err := panels.PanelByID(ctx, d, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newWorld makes the world and a standard drafted by the Luton and Blackpool panels, with
// two agreed clauses.
func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	importRegister(t, d)
	w := &world{t: t, d: d, ids: map[string]int64{}, who: map[string]*auth.Identity{}, logins: map[string]string{}}
	w.luton = makePanel(t, d, "Luton Homelessness Partnership", "luton")
	w.bpool = makePanel(t, d, "Blackpool Lived Experience Team", "blackpool")
	outside := makePanel(t, d, "Westminster Lived Experience Group", "westminster")
	for _, p := range []struct {
		key  string
		role auth.Role
		org  int64
	}{
		{"facilitator", auth.Facilitator, w.luton.OrganisationID},
		{"sam", auth.Member, w.luton.OrganisationID},
		{"aisha", auth.Member, w.luton.OrganisationID},
		{"marek", auth.Member, w.luton.OrganisationID},
		{"bpool", auth.Member, w.bpool.OrganisationID},
		{"outsider", auth.Member, outside.OrganisationID},
		{"outside-facilitator", auth.Facilitator, outside.OrganisationID},
		{"officer", auth.CouncilOfficer, council(t, d, lutonCode)},
		{"bedford", auth.CouncilOfficer, council(t, d, bedfordCode)},
		{"funder", auth.Funder, outside.OrganisationID},
		{"assessor", auth.Assessor, outside.OrganisationID},
		{"admin", auth.Admin, 0},
	} {
		id, login := accountstest.Person(t, d, "Test "+p.key, p.role, p.org)
		w.ids[p.key], w.logins[p.key] = id, login
		w.who[p.key] = &auth.Identity{PersonID: id, DisplayName: "Test " + p.key, Grants: []auth.Grant{{Role: p.role, OrganisationID: p.org}}}
	}
	ctx := context.Background()
	id, err := standards.CreateStandard(ctx, d, standards.NewStandard{Title: "Co-production standard",
		Purpose: "How councils and people with lived experience work together.", PanelIDs: []int64{w.luton.ID, w.bpool.ID}}, w.who["facilitator"], start)
	if err != nil {
		t.Fatal(err)
	}
	w.std = w.standard(id)
	for _, c := range []struct{ title, wording string }{
		{"Inclusive opportunities", "The council offers paid roles to people with lived experience."},
		{"Working together", "The council and people with lived experience decide together."},
	} {
		p := w.propose(standards.NewProposal{Kind: standards.AddClause, Title: c.title, Wording: c.wording,
			Indicators: []standards.IndicatorDraft{{Text: "People are paid for their time.", Levels: map[ladder.Level]string{ladder.CoProduction: "Always, in cash or vouchers as they choose."}}}})
		w.agree(p, time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC))
	}
	return w
}

func (w *world) standard(id int64) standards.Standard {
	w.t.Helper()
	s, err := standards.GetStandard(context.Background(), w.d, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// propose makes a proposal from sam in the Luton panel, closing at the end of 3 March 2026
// with a quorum of 1 unless the proposal says otherwise.
func (w *world) propose(n standards.NewProposal) standards.Proposal {
	w.t.Helper()
	if n.PanelID == 0 {
		n.PanelID = w.luton.ID
	}
	if n.Reason == "" {
		n.Reason = "It matters to people."
	}
	if n.CloseDate == "" {
		n.CloseDate = "2026-03-03"
	}
	if n.Quorum == "" {
		n.Quorum = "1"
	}
	id, err := standards.Propose(context.Background(), w.d, w.std, n, w.who["sam"], start)
	if err != nil {
		w.t.Fatalf("propose: %v", err)
	}
	return w.proposal(id)
}

func (w *world) proposal(id int64) standards.Proposal {
	w.t.Helper()
	p, err := standards.GetProposal(context.Background(), w.d, w.std.ID, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// agree has aisha consent and the facilitator record the outcome at decided.
func (w *world) agree(p standards.Proposal, decided time.Time) standards.State {
	w.t.Helper()
	ctx := context.Background()
	if err := standards.Respond(ctx, w.d, w.std, p, w.who["aisha"], consent.Consent, "", start.Add(time.Hour)); err != nil {
		w.t.Fatal(err)
	}
	state, err := standards.Decide(ctx, w.d, w.std, p, w.who["facilitator"], "Agreed.", decided)
	if err != nil {
		w.t.Fatal(err)
	}
	return state
}

// wantCode fails the test unless err carries the code, and returns it as an *errs.Error.
func wantCode(t testing.TB, err error, code errs.Code) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	return e
}
