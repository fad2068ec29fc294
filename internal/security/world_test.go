package security_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/api"
	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/ladder"
	"roundtable/internal/panels"
	"roundtable/internal/payments"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/web"
	"roundtable/internal/standards"
)

// viewers are who the matrix asks as, in the order of an expectation's letters: nobody
// signed in, then one person per role. All but finance are the demo's own accounts, which
// belong to Luton (the council, its partnership and its panel).
var viewers = []string{"anon", "member", "facilitator", "officer", "partner", "funder", "assessor", "admin", "finance"}

var demoLogins = map[string]string{
	"member": "sam", "facilitator": "facilitator@roundtable.example", "officer": "officer@roundtable.example",
	"partner": "partner@roundtable.example", "funder": "funder@roundtable.example",
	"assessor": "assessor@roundtable.example", "admin": "admin@roundtable.example",
}

// world is the demo on a fresh database, plus things that belong to another tenant
// (Blackpool's panel and council), and the identifiers the matrix fills its paths with.
type world struct {
	t      *testing.T
	d      *db.DB
	app    *app.App
	asset  string            // the address of the style sheet
	people map[string]int64  // viewer -> person id
	ids    map[string]string // fixture name -> identifier
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: shareddata.Path(t, shareddata.Authorities)}); err != nil {
		t.Fatalf("demo: %v", err)
	}
	a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.LoadAssets()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, app: a, asset: assets.Path("app.css"), people: map[string]int64{}, ids: map[string]string{}}
	for v, login := range demoLogins {
		w.people[v] = w.id("SELECT id FROM people WHERE login = $1", login)
	}
	luton := w.id("SELECT id FROM organisations WHERE name = 'Luton Homelessness Partnership'")
	w.people["finance"], _ = accountstest.Person(t, d, "Fin Finance", auth.Finance, luton)
	w.otherTenant(ctx)
	// A draft programme, which the funder may still change.
	draft, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "A draft programme", Purpose: "Homes.", HomesTarget: 10,
		OpensAt: time.Now().AddDate(0, 1, 0), ClosesAt: time.Now().AddDate(0, 2, 0),
		RequiredTypes: []directory.StakeholderType{directory.LivedExperience}, Questions: []string{"Who took part?"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.fixtures()
	w.ids["draftProgramme"] = strconv.FormatInt(draft, 10)
	return w
}

// id runs a query that returns one id.
func (w *world) id(query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.d.Read.QueryRowContext(context.Background(), query, args...).Scan(&id); err != nil {
		w.t.Fatalf("%s %v: %v", query, args, err)
	}
	return id
}

// otherTenant adds what the demo lacks on Blackpool's side: its panel's facilitator and a
// member, a meeting, a paid role with someone's interest in it, and a recommendation.
func (w *world) otherTenant(ctx context.Context) {
	t := w.t
	bpOrg := w.id("SELECT organisation_id FROM panels WHERE slug = 'blackpool'")
	facID, _ := accountstest.Person(t, w.d, "Bo Blackpool", auth.Facilitator, bpOrg)
	memID, _ := accountstest.Person(t, w.d, "Bel Blackpool", auth.Member, bpOrg)
	fac := &auth.Identity{PersonID: facID, DisplayName: "Bo Blackpool", Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: bpOrg}}}
	mem := &auth.Identity{PersonID: memID, DisplayName: "Bel Blackpool", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: bpOrg}}}
	now := time.Now()
	panelID := w.id("SELECT id FROM panels WHERE slug = 'blackpool'")
	if _, err := panels.CreateMeeting(ctx, w.d, panelID, panels.NewMeeting{Title: "Blackpool panel meeting",
		Date: now.AddDate(0, 0, 7).Format("2006-01-02"), Time: "14:00", Place: "The library", Agenda: "The day centre"}, fac, now); err != nil {
		t.Fatalf("meeting: %v", err)
	}
	opp, err := panels.CreateOpportunity(ctx, w.d, bpOrg, panels.NewOpportunity{Title: "Blackpool peer researcher",
		Involves: "Talking to people", Pay: "15", PayUnit: "hour", Hours: "4 hours a week",
		CloseDate: now.AddDate(0, 1, 0).Format("2006-01-02")}, fac, now)
	if err != nil {
		t.Fatalf("opportunity: %v", err)
	}
	if err := panels.ExpressInterest(ctx, w.d, opp, mem, "I would like to do this.", now); err != nil {
		t.Fatalf("interest: %v", err)
	}
	if _, err := panels.CreateRecommendation(ctx, w.d, panelID, panels.NewRecommendation{Title: "Open the Blackpool day centre later",
		Body: "We recommend it stays open until 8pm.", Addressee: "E06000009", CloseDate: now.AddDate(0, 0, 9).Format("2006-01-02"), Quorum: "1"},
		fac, now); err != nil {
		t.Fatalf("recommendation: %v", err)
	}
	w.people["bpMember"] = memID
	w.otherTenantCapabilities(ctx, bpOrg, panelID, fac, mem)
}

// otherTenantCapabilities adds Blackpool's things for the later capabilities: a claim for a
// meeting its member attended, a standard only its panel drafts (with a proposal), and an
// evaluation team of its panel for its council, findings not yet published.
func (w *world) otherTenantCapabilities(ctx context.Context, bpOrg, panelID int64, fac, mem *auth.Identity) {
	t := w.t
	now := time.Now()
	w.ids["otherMeetingHeld"], w.ids["otherClaim"] = w.attended(panelID, bpOrg, mem.PersonID, fac)
	lutonPanel := w.id("SELECT id FROM panels WHERE slug = 'luton'")
	w.ids["claimMeeting"], w.ids["claim"] = w.attended(lutonPanel, w.id("SELECT organisation_id FROM panels WHERE id = $1", lutonPanel),
		w.people["member"], w.identity(w.people["facilitator"]))

	sid, err := standards.CreateStandard(ctx, w.d, standards.NewStandard{Title: "Blackpool's own standard",
		Purpose: "What good co-production looks like in Blackpool.", PanelIDs: []int64{panelID}}, fac, now)
	if err != nil {
		t.Fatalf("standard: %v", err)
	}
	std, err := standards.GetStandard(ctx, w.d, sid)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[ladder.Level]string{}
	for _, l := range ladder.Levels {
		levels[l] = "At this level, " + l.Name() + "."
	}
	pid, err := standards.Propose(ctx, w.d, std, standards.NewProposal{Kind: standards.AddClause, PanelID: panelID, Title: "Meet where people are",
		Wording: "Meetings happen where people already go.", Reason: "People told us so.", CloseDate: now.AddDate(0, 0, 7).In(web.London).Format("2006-01-02"),
		Quorum: "1", Indicators: []standards.IndicatorDraft{{Text: "How people shape where meetings are held.", Levels: levels}}}, mem, now)
	if err != nil {
		t.Fatalf("proposal: %v", err)
	}
	w.ids["otherStandard"], w.ids["otherProposal"] = strconv.FormatInt(sid, 10), strconv.FormatInt(pid, 10)

	funder := w.identity(w.people["funder"])
	version := w.id("SELECT max(id) FROM standard_versions")
	assessorOrg := w.id("SELECT min(assessor_id) FROM evaluation_cycles")
	cycle, err := evaluation.CreateCycle(ctx, w.d, evaluation.NewCycle{Title: "Blackpool's round", VersionID: version, AssessorID: assessorOrg,
		StartsOn: now.AddDate(0, -1, 0), EndsOn: now.AddDate(0, 2, 0), PanelIDs: []int64{panelID}}, funder, now)
	if err != nil {
		t.Fatalf("cycle: %v", err)
	}
	team, err := evaluation.AddCouncil(ctx, w.d, cycle, "E06000009", panelID, funder, now)
	if err != nil {
		t.Fatalf("team: %v", err)
	}
	w.ids["otherCycle"], w.ids["otherTeam"] = strconv.FormatInt(cycle, 10), strconv.FormatInt(team, 10)
}

// attended makes a panel meeting held three days ago that the person attended, and the claim
// for it through the payments hook the panel's record form calls; it returns both ids.
func (w *world) attended(panelID, orgID, personID int64, fac *auth.Identity) (meeting, claim string) {
	t, ctx := w.t, context.Background()
	held := time.Now().AddDate(0, 0, -3)
	id, err := panels.CreateMeeting(ctx, w.d, panelID, panels.NewMeeting{Title: "Panel meeting, last week",
		Date: held.In(web.London).Format("2006-01-02"), Time: "14:00", Place: "The library", Agenda: "Paying people"}, fac, held.AddDate(0, 0, -7))
	if err != nil {
		t.Fatalf("past meeting: %v", err)
	}
	if err := panels.RecordMeeting(ctx, w.d, panelID, id, panels.MeetingRecord{Attended: []int64{personID}, Notes: "We talked about pay."},
		fac, time.Now()); err != nil {
		t.Fatalf("record meeting: %v", err)
	}
	if err := w.d.Tx(ctx, func(tx *sql.Tx) error {
		return payments.MeetingAttended(w.d.Dialect)(ctx, tx, panels.AttendanceChange{PanelID: panelID, OrganisationID: orgID, MeetingID: id,
			PersonID: personID, Title: "Panel meeting, last week", StartsAt: held, Attended: true, By: fac, At: held.Add(3 * time.Hour)})
	}); err != nil {
		t.Fatalf("claim: %v", err)
	}
	c := w.id("SELECT id FROM payment_claims WHERE source = 'meeting' AND source_id = $1 AND person_id = $2", id, personID)
	return strconv.FormatInt(id, 10), strconv.FormatInt(c, 10)
}

// num is the fixture of that name as a number.
func (w *world) num(name string) int64 {
	w.t.Helper()
	n, err := strconv.ParseInt(w.ids[name], 10, 64)
	if err != nil {
		w.t.Fatalf("fixture %s: %v", name, err)
	}
	return n
}

// identity is a person with the roles they hold, as a store function takes them.
func (w *world) identity(personID int64) *auth.Identity {
	w.t.Helper()
	id := &auth.Identity{PersonID: personID}
	gs, err := db.Collect(context.Background(), w.d.Read, func(s db.Scanner) (g auth.Grant, err error) { err = s.Scan(&g.Role, &g.OrganisationID); return g, err },
		"SELECT role, COALESCE(organisation_id, 0) FROM memberships WHERE person_id = $1", personID)
	if err != nil {
		w.t.Fatal(err)
	}
	id.Grants = gs
	return id
}

// fixtures names the identifiers paths are filled with: each viewer's own (Luton's) and
// another tenant's (Blackpool's).
func (w *world) fixtures() {
	lutonCouncil := w.id("SELECT organisation_id FROM councils WHERE gss_code = 'E06000032'")
	bpCouncil := w.id("SELECT organisation_id FROM councils WHERE gss_code = 'E06000009'")
	lutonPanel := w.id("SELECT id FROM panels WHERE slug = 'luton'")
	bpPanel := w.id("SELECT id FROM panels WHERE slug = 'blackpool'")
	set := func(name string, id int64) { w.ids[name] = strconv.FormatInt(id, 10) }
	set("programme", w.id("SELECT min(id) FROM funding_programmes"))
	set("bid", w.id("SELECT max(id) FROM funding_bids WHERE council_id = $1", lutonCouncil))
	set("submittedBid", w.id("SELECT min(id) FROM funding_bids WHERE council_id = $1 AND submitted_at IS NOT NULL", lutonCouncil))
	set("otherBid", w.id("SELECT max(id) FROM funding_bids WHERE council_id = $1", bpCouncil))
	set("activity", w.id("SELECT max(id) FROM funding_activities WHERE council_id = $1", lutonCouncil))
	set("otherActivity", w.id("SELECT max(id) FROM funding_activities WHERE council_id = $1", bpCouncil))
	set("contribution", w.id(`SELECT max(c.id) FROM funding_contributions c JOIN funding_activities a ON a.id = c.activity_id
		WHERE a.id = $1`, w.ids["activity"]))
	set("otherContribution", w.id(`SELECT max(c.id) FROM funding_contributions c JOIN funding_activities a ON a.id = c.activity_id
		WHERE a.id = $1`, w.ids["otherActivity"]))
	set("support", w.id("SELECT max(id) FROM funding_support_requests WHERE council_id = $1", lutonCouncil))
	set("meeting", w.id("SELECT max(id) FROM panel_meetings WHERE panel_id = $1", lutonPanel))
	set("otherMeeting", w.id("SELECT max(id) FROM panel_meetings WHERE panel_id = $1", bpPanel))
	// A meeting still to come, which its facilitator may change.
	set("comingMeeting", w.id("SELECT max(id) FROM panel_meetings WHERE panel_id = $1 AND recorded_at IS NULL", lutonPanel))
	set("recommendation", w.id("SELECT max(id) FROM recommendations WHERE panel_id = $1", lutonPanel))
	set("otherRecommendation", w.id("SELECT max(id) FROM recommendations WHERE panel_id = $1", bpPanel))
	lutonOrg := w.id("SELECT organisation_id FROM panels WHERE slug = 'luton'")
	set("opportunity", w.id("SELECT max(o.id) FROM opportunities o JOIN opportunity_interests i ON i.opportunity_id = o.id WHERE o.organisation_id = $1", lutonOrg))
	set("interest", w.id("SELECT max(id) FROM opportunity_interests WHERE opportunity_id = $1", w.ids["opportunity"]))
	set("otherOpportunity", w.id("SELECT max(o.id) FROM opportunities o WHERE o.organisation_id = (SELECT organisation_id FROM panels WHERE slug = 'blackpool')"))
	set("otherInterest", w.id("SELECT max(id) FROM opportunity_interests WHERE opportunity_id = $1", w.ids["otherOpportunity"]))
	set("person", w.people["member"])
	set("otherPerson", w.people["bpMember"])
	w.ids["panel"], w.ids["otherPanel"] = "luton", "blackpool"
	w.ids["council"] = "E06000032"
	w.ids["asset"] = strings.TrimPrefix(w.asset, "/static/")
	w.ids["organisation"] = directory.Slugify("Luton Homelessness Partnership")
	w.laterFixtures(lutonCouncil, lutonOrg)
}

// laterFixtures names the identifiers of the later capabilities (standards, payments,
// evaluation, privacy, the API): Luton's from the demo, Blackpool's from otherTenantCapabilities.
func (w *world) laterFixtures(lutonCouncil, lutonOrg int64) {
	set := func(name string, id int64) { w.ids[name] = strconv.FormatInt(id, 10) }
	std := w.id("SELECT min(standard_id) FROM standard_versions")
	set("standard", std)
	set("version", w.id("SELECT max(id) FROM standard_versions WHERE standard_id = $1", std))
	var number string
	if err := w.d.Read.QueryRow("SELECT number FROM standard_versions WHERE id = $1", w.ids["version"]).Scan(&number); err != nil {
		w.t.Fatal(err)
	}
	w.ids["versionNumber"] = number
	set("proposal", w.id("SELECT max(id) FROM standard_proposals WHERE standard_id = $1", std))
	// A receipt on each claim, so that the receipt route has something to refuse.
	for claim, who := range map[string]string{"claim": "member", "otherClaim": "bpMember"} {
		if err := payments.SaveExpenses(context.Background(), w.d, w.identity(w.people[who]), w.num(claim),
			payments.ExpensesInput{Travel: "2.50", Receipt: []byte("%PDF-1.4 a bus ticket")}, time.Now()); err != nil {
			w.t.Fatalf("receipt: %v", err)
		}
	}
	set("lutonOrg", lutonOrg)
	set("otherOrg", w.id("SELECT organisation_id FROM panels WHERE slug = 'blackpool'"))
	set("cycle", w.id("SELECT min(id) FROM evaluation_cycles"))
	set("team", w.id("SELECT id FROM evaluation_teams WHERE council_id = $1 AND cycle_id = $2", lutonCouncil, w.ids["cycle"]))
	set("example", w.id("SELECT max(id) FROM evaluation_examples WHERE team_id = $1", w.ids["team"]))
	set("module", w.id("SELECT min(id) FROM training_modules"))
	set("session", w.id("SELECT min(id) FROM training_sessions"))
	set("auditRecord", w.id("SELECT min(id) FROM audit_log"))
	set("apiProgramme", w.id("SELECT min(id) FROM funding_programmes WHERE published_at IS NOT NULL"))
	tok, _, err := api.CreateToken(context.Background(), w.d, w.identity(w.people["admin"]), api.NewToken{Name: "Matrix", Scope: api.ScopeImportOutcomes, Lifetime: "30"}, time.Now())
	if err != nil {
		w.t.Fatalf("token: %v", err)
	}
	set("token", tok.ID)
	set("myWords", w.id("SELECT max(id) FROM funding_contributions WHERE person_id = $1", w.people["member"]))
	var viewerIDs []string
	for _, id := range w.people {
		viewerIDs = append(viewerIDs, strconv.FormatInt(id, 10))
	}
	// Someone else's words: nobody among the viewers said them (ids from the database, not input).
	set("otherWords", w.id("SELECT max(id) FROM funding_contributions WHERE person_id NOT IN ("+strings.Join(viewerIDs, ", ")+")"))
	w.ids["otherCouncil"] = "E06000009"
	team, err := evaluation.GetTeam(context.Background(), w.d, w.num("team"))
	if err != nil {
		w.t.Fatal(err)
	}
	action, err := evaluation.AddAction(context.Background(), w.d, team, w.identity(w.people["officer"]),
		evaluation.NewAction{Action: "Pay people at every meeting", Owner: "Grace", DueOn: time.Now().AddDate(0, 1, 0)}, time.Now())
	if err != nil {
		w.t.Fatalf("action: %v", err)
	}
	set("action", action)
}

// fill replaces each {name} in a path with the fixture of that name.
func (w *world) fill(path string) string {
	w.t.Helper()
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			return path
		}
		j := strings.Index(path[i:], "}")
		name := path[i+1 : i+j]
		v, ok := w.ids[name]
		if !ok {
			w.t.Fatalf("no fixture named %q (in %s)", name, path)
		}
		path = path[:i] + url.PathEscape(v) + path[i+j+1:]
	}
}

// do sends one request as the viewer, with a session of its own (a form may sign out or
// change what the session allows), and for a POST the path's query as its form (most are
// empty: a form that needs a field to name what it is, such as a proposal's kind, has it).
func (w *world) do(method, path, viewer string) *httptest.ResponseRecorder {
	w.t.Helper()
	var body *strings.Reader
	if method == http.MethodPost {
		var query string
		path, query, _ = strings.Cut(path, "?")
		body = strings.NewReader(query)
	}
	r := httptest.NewRequest(method, path, nil)
	if body != nil {
		r = httptest.NewRequest(method, path, body)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if viewer != "anon" {
		id, ok := w.people[viewer]
		if !ok {
			w.t.Fatalf("no viewer %q", viewer)
		}
		r.AddCookie(accountstest.Session(w.t, w.d, id, time.Now()))
	}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, r)
	return rec
}

// letter classifies a response as a matrix letter:
//
//	O  served: 200 for a page; for a form 200, 303 elsewhere than sign-in, 400, 409 or 422
//	R  a page that redirects elsewhere than sign-in (303)
//	S  sent to sign in (a page) or refused for want of a session (a form: 403)
//	F  refused: 403
//	N  not found: 404
//	T  asks for an API token: 401 (the API's write endpoints take no session)
//	!  anything else (such as 500), never expected
func letter(method, viewer string, rec *httptest.ResponseRecorder) string {
	toSignIn := rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/sign-in")
	switch {
	case method == http.MethodGet && rec.Code == http.StatusOK:
		return "O"
	case method == http.MethodGet && toSignIn:
		return "S"
	case method == http.MethodGet && rec.Code == http.StatusSeeOther:
		return "R"
	case method != http.MethodGet && viewer == "anon" && rec.Code == http.StatusForbidden:
		return "S"
	case method != http.MethodGet && !toSignIn && (rec.Code == 200 || rec.Code == 303 || rec.Code == 400 || rec.Code == 409 || rec.Code == 422):
		return "O"
	case rec.Code == http.StatusForbidden:
		return "F"
	case rec.Code == http.StatusNotFound:
		return "N"
	case rec.Code == http.StatusUnauthorized:
		return "T"
	}
	return fmt.Sprintf("!%d", rec.Code)
}
