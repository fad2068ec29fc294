package payments_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/panels"
	"roundtable/internal/payments"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/testclock"
)

// start is a Wednesday in March: the week of a meeting runs Monday 2 to Sunday 8 March.
var start = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

type clock = testclock.Clock

// world is the app with two panels (Luton, Blackpool), each with members, a facilitator and a
// finance person, and people in the other roles: one panel's people must be refused the
// other's claims.
type world struct {
	t      testing.TB
	d      *db.DB
	app    *app.App
	clock  *clock
	luton  panels.Panel
	bpool  panels.Panel
	ids    map[string]int64
	logins map[string]string
	orgs   map[string]int64
}

func makePanel(t testing.TB, d *db.DB, name, slug, region string) panels.Panel {
	t.Helper()
	ctx := context.Background()
	org, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: name, StakeholderType: directory.LivedExperience, Region: region})
	if err != nil {
		t.Fatal(err)
	}
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

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := directory.ImportAuthorities(ctx, d, f); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, clock: testclock.New(start), ids: map[string]int64{}, logins: map[string]string{}, orgs: map[string]int64{}}
	w.app, err = app.New(d, app.Config{Now: w.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.luton = makePanel(t, d, "Luton Homelessness Partnership", "luton", "East of England")
	w.bpool = makePanel(t, d, "Blackpool Lived Experience Team", "blackpool", "North West")
	luton, err := directory.CouncilByCode(ctx, d, "E06000032")
	if err != nil {
		t.Fatal(err)
	}
	mhclg, err := directory.CreateOrganisation(ctx, d, directory.NewOrganisation{Name: "Ministry of Housing, Communities and Local Government", StakeholderType: directory.Funder})
	if err != nil {
		t.Fatal(err)
	}
	w.orgs["luton"], w.orgs["bpool"], w.orgs["council"] = w.luton.OrganisationID, w.bpool.OrganisationID, luton.OrganisationID
	for _, p := range []struct {
		key  string
		role auth.Role
		org  int64
	}{
		{"ann", auth.Member, w.luton.OrganisationID},
		{"ben", auth.Member, w.luton.OrganisationID},
		{"cal", auth.Member, w.luton.OrganisationID},
		{"facilitator", auth.Facilitator, w.luton.OrganisationID},
		{"finance", auth.Finance, w.luton.OrganisationID},
		{"bpool-member", auth.Member, w.bpool.OrganisationID},
		{"bpool-facilitator", auth.Facilitator, w.bpool.OrganisationID},
		{"bpool-finance", auth.Finance, w.bpool.OrganisationID},
		{"officer", auth.CouncilOfficer, luton.OrganisationID},
		{"funder", auth.Funder, mhclg},
		{"admin", auth.Admin, 0},
	} {
		id, login := accountstest.Person(t, d, "Test "+p.key, p.role, p.org)
		w.ids[p.key], w.logins[p.key] = id, login
	}
	return w
}

// do sends a request through the whole app as who ("" for nobody).
func (w *world) do(method, path, who string, form url.Values) *httptest.ResponseRecorder {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return w.send(req, who)
}

func (w *world) send(req *http.Request, who string) *httptest.ResponseRecorder {
	w.t.Helper()
	if who != "" {
		req.AddCookie(accountstest.Session(w.t, w.d, w.ids[who], w.clock.Now()))
	}
	rec := httptest.NewRecorder()
	w.app.Handler.ServeHTTP(rec, req)
	return rec
}

// meeting arranges a Luton meeting that starts an hour from now, moves the clock past it, and
// records who attended through the panel's own form, so that the payments hook runs.
func (w *world) meeting(attended ...string) int64 {
	w.t.Helper()
	starts := w.clock.Now().Add(time.Hour).In(time.UTC)
	fac := &auth.Identity{PersonID: w.ids["facilitator"], DisplayName: "Test facilitator",
		Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: w.luton.OrganisationID}}}
	london, _ := time.LoadLocation("Europe/London")
	id, err := panels.CreateMeeting(context.Background(), w.d, w.luton.ID, panels.NewMeeting{Title: "Panel meeting", Date: starts.In(london).Format("2006-01-02"),
		Time: starts.In(london).Format("15:04"), Place: "Luton Library", Agenda: "Paying people"}, fac, w.clock.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	w.clock.Advance(3 * time.Hour)
	w.record(id, attended...)
	return id
}

func (w *world) record(meeting int64, attended ...string) {
	w.t.Helper()
	form := url.Values{"notes": {"We talked about paying people."}}
	for _, who := range attended {
		form.Add("attended", fmt.Sprint(w.ids[who]))
	}
	if rec := w.do("POST", fmt.Sprintf("/panels/luton/meetings/%d/record", meeting), "facilitator", form); rec.Code != http.StatusSeeOther {
		w.t.Fatalf("record the meeting: status %d\n%s", rec.Code, rec.Body)
	}
}

// claimOf finds the person's claim for the meeting.
func (w *world) claimOf(who string, meeting int64) payments.Claim {
	w.t.Helper()
	cs, err := payments.ClaimsOfPerson(context.Background(), w.d, w.ids[who])
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Source == payments.FromMeeting && c.SourceID == meeting {
			return c
		}
	}
	w.t.Fatalf("%s has no claim for meeting %d", who, meeting)
	return payments.Claim{}
}

func (w *world) identity(who string, role auth.Role, org string) *auth.Identity {
	return &auth.Identity{PersonID: w.ids[who], DisplayName: "Test " + who, Grants: []auth.Grant{{Role: role, OrganisationID: w.orgs[org]}}}
}
