package accounts_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

var migrations = app.Migrations()

// t0 is a fixed moment the tests count from.
var t0 = time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC)

const addr = "192.0.2.1"

func mustCreate(t *testing.T, d *db.DB, p accounts.NewPerson) int64 {
	t.Helper()
	id, err := accounts.CreatePerson(context.Background(), d, p, 0)
	if err != nil {
		t.Fatalf("create %q: %v", p.DisplayName, err)
	}
	return id
}

func wantCode(t *testing.T, err error, code errs.Code) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	return e
}

func TestCreateAndAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := accountstest.Organisation(t, d, "Luton Homelessness Partnership")
		id := mustCreate(t, d, accounts.NewPerson{DisplayName: "Priya Shah", Email: "Priya@Example.org",
			Password: "orange kettle bicycle", Grants: []auth.Grant{{Role: auth.CouncilOfficer, OrganisationID: org}}})

		got, err := accounts.Authenticate(ctx, d, " PRIYA@example.org ", "orange kettle bicycle", addr, t0)
		if err != nil || got != id {
			t.Fatalf("Authenticate = %d, %v; want %d", got, err, id)
		}
		p, err := accounts.GetPerson(ctx, d, accounts.Everyone, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Login != "priya@example.org" || !p.HasPassword || p.UsesSignInName() || len(p.Grants) != 1 ||
			p.Grants[0].OrganisationName != "Luton Homelessness Partnership" || p.Grants[0].Role != auth.CouncilOfficer {
			t.Errorf("person = %+v", p)
		}

		// Wrong password, unknown account, and an account with no password yet all fail alike.
		mustCreate(t, d, accounts.NewPerson{DisplayName: "Sam Taylor"})
		_, wrong := accounts.Authenticate(ctx, d, "priya@example.org", "wrong wrong wrong", addr, t0)
		_, unknown := accounts.Authenticate(ctx, d, "nobody@example.org", "wrong wrong wrong", addr, t0)
		_, noPassword := accounts.Authenticate(ctx, d, "sam.taylor", "", addr, t0)
		for _, err := range []error{wrong, unknown, noPassword} {
			e := wantCode(t, err, errs.Invalid)
			if e.Error() != accounts.SignInFailedMessage || e.Fields["login"] != accounts.SignInFailedMessage {
				t.Errorf("failed sign-in says %q, fields %v", e.Error(), e.Fields)
			}
		}

		// A disabled person cannot sign in, with the same answer.
		if err := accounts.SetDisabled(ctx, d, id, true, t0); err != nil {
			t.Fatal(err)
		}
		_, err = accounts.Authenticate(ctx, d, "priya@example.org", "orange kettle bicycle", "192.0.2.9", t0)
		if e := wantCode(t, err, errs.Invalid); e.Error() != accounts.SignInFailedMessage {
			t.Errorf("disabled: %v", err)
		}
	})
}

func TestCreatePersonRefusesBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := accountstest.Organisation(t, d, "Blackpool Lived Experience Team")
		mustCreate(t, d, accounts.NewPerson{DisplayName: "Ali", Email: "ali@example.org"})

		_, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "Ali Two", Email: "ALI@example.org"}, 0)
		if e := wantCode(t, err, errs.Conflict); e.Fields["email"] == "" {
			t.Errorf("duplicate email: fields %v", e.Fields)
		}
		_, err = accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: " ", Email: "not-an-email", Password: "short",
			Grants: []auth.Grant{{Role: auth.Member}}}, 0)
		e := wantCode(t, err, errs.Invalid)
		for _, f := range []string{"display_name", "email", "password", "organisation"} {
			if e.Fields[f] == "" {
				t.Errorf("no message for %s: %v", f, e.Fields)
			}
		}
		_, err = accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "X", Grants: []auth.Grant{{Role: "king", OrganisationID: org}}}, 0)
		wantCode(t, err, errs.Invalid)
		_, err = accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "X", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: 99999}}}, 0)
		if e := wantCode(t, err, errs.Invalid); e.Fields["organisation"] == "" {
			t.Errorf("unknown organisation: %v", e.Fields)
		}
		// Nothing half-saved: the failures above left only Ali.
		list, err := accounts.ListPeople(ctx, d, accounts.Everyone, 1, 50)
		if err != nil || list.Total != 1 {
			t.Errorf("people after failures = %d, %v", list.Total, err)
		}
		// An administrator's grant is stored without an organisation.
		admin := mustCreate(t, d, accounts.NewPerson{DisplayName: "Ada Admin", Grants: []auth.Grant{{Role: auth.Admin}}})
		p, err := accounts.GetPerson(ctx, d, accounts.Everyone, admin)
		if err != nil || len(p.Grants) != 1 || p.Grants[0].OrganisationID != 0 {
			t.Errorf("admin = %+v, %v", p, err)
		}
	})
}

func TestSignInNamesAreMadeFromDisplayNames(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, c := range []struct{ name, want string }{
			{"Sam Taylor", "sam.taylor"},
			{"Sam  TAYLOR", "sam.taylor2"},
			{"Zoë O'Brien-Smith", "zoe.obrien.smith"},
			{"李雷", "person"},
			{"李雷", "person2"},
		} {
			id := mustCreate(t, d, accounts.NewPerson{DisplayName: c.name})
			p, err := accounts.GetPerson(ctx, d, accounts.Everyone, id)
			if err != nil || p.Login != c.want || !p.UsesSignInName() {
				t.Errorf("%q: login %q (%v), want %q", c.name, p.Login, err, c.want)
			}
		}
	})
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		id := mustCreate(t, d, accounts.NewPerson{DisplayName: "Jo", Email: "jo@example.org", Password: "three random words"})
		for i := range accounts.MaxFailuresPerLogin {
			if _, err := accounts.Authenticate(ctx, d, "jo@example.org", "nope", addr, t0.Add(time.Duration(i)*time.Second)); err == nil {
				t.Fatal("wrong password accepted")
			}
		}
		// Now even the right password is refused, with the usual message.
		_, err := accounts.Authenticate(ctx, d, "jo@example.org", "three random words", "198.51.100.7", t0.Add(time.Minute))
		if e := wantCode(t, err, errs.Invalid); e.Error() != accounts.SignInFailedMessage {
			t.Fatalf("throttled: %v", err)
		}
		// An unknown name is throttled the same way, so throttling reveals nothing.
		for range accounts.MaxFailuresPerLogin + 1 {
			_, err = accounts.Authenticate(ctx, d, "ghost@example.org", "nope", "198.51.100.8", t0)
		}
		if e := wantCode(t, err, errs.Invalid); e.Error() != accounts.SignInFailedMessage {
			t.Fatalf("unknown throttled: %v", err)
		}
		// Once the window has passed, the right password works again.
		got, err := accounts.Authenticate(ctx, d, "jo@example.org", "three random words", addr, t0.Add(accounts.ThrottleWindow+time.Minute))
		if err != nil || got != id {
			t.Fatalf("after the window: %d, %v", got, err)
		}

		// Too many failures from one address stop every name from it. All but the last failure
		// are written straight to the table, to spare fifty slow password checks.
		busy := "203.0.113.5"
		for range accounts.MaxFailuresPerAddress - 1 {
			if _, err := d.Write.ExecContext(ctx, "INSERT INTO signin_failures (subject, at) VALUES ($1, $2)",
				"addr:"+busy, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = accounts.Authenticate(ctx, d, "guess@example.org", "nope", busy, t0.Add(time.Hour))
		if _, err := accounts.Authenticate(ctx, d, "jo@example.org", "three random words", busy, t0.Add(time.Hour+time.Minute)); err == nil {
			t.Fatal("address not throttled")
		}
		if _, err := accounts.Authenticate(ctx, d, "jo@example.org", "three random words", addr, t0.Add(time.Hour+time.Minute)); err != nil {
			t.Fatalf("another address was throttled too: %v", err)
		}
	})
}

func TestSignInCodes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := accountstest.Organisation(t, d, "Westminster Lived Experience Group")
		facilitator, _ := accountstest.Person(t, d, "Fran Facilitator", auth.Facilitator, org)
		member := mustCreate(t, d, accounts.NewPerson{DisplayName: "Sam Taylor", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: org}}})

		first, err := accounts.IssueSignInCode(ctx, d, member, facilitator, t0)
		if err != nil {
			t.Fatal(err)
		}
		code, err := accounts.IssueSignInCode(ctx, d, member, facilitator, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		// The newer code replaces the first.
		if _, err := accounts.CheckSignInCode(ctx, d, first, addr, t0.Add(2*time.Minute)); !errs.Is(err, errs.Invalid) {
			t.Errorf("replaced code still works: %v", err)
		}
		// Typed loosely, the code still works, and says whose it is without being used up.
		loose := "  " + code[:4] + " " + code[5:9] + code[10:] + " "
		for range 2 {
			h, err := accounts.CheckSignInCode(ctx, d, loose, addr, t0.Add(time.Hour))
			if err != nil || h.PersonID != member || h.Login != "sam.taylor" {
				t.Fatalf("check = %+v, %v", h, err)
			}
		}
		// A short passphrase is refused without using the code.
		if _, err := accounts.RedeemSignInCode(ctx, d, code, "short", addr, t0.Add(time.Hour)); !errs.Is(err, errs.Invalid) {
			t.Fatalf("short passphrase: %v", err)
		}
		got, err := accounts.RedeemSignInCode(ctx, d, code, "blue whale teapot", addr, t0.Add(time.Hour))
		if err != nil || got != member {
			t.Fatalf("redeem = %d, %v", got, err)
		}
		if _, err := accounts.Authenticate(ctx, d, "sam.taylor", "blue whale teapot", addr, t0.Add(time.Hour)); err != nil {
			t.Fatalf("sign in with the new passphrase: %v", err)
		}
		// Used once, never again.
		if _, err := accounts.RedeemSignInCode(ctx, d, code, "another long passphrase", addr, t0.Add(2*time.Hour)); err == nil ||
			err.Error() != accounts.CodeFailedMessage {
			t.Fatalf("second redeem: %v", err)
		}
		if _, err := accounts.CheckSignInCode(ctx, d, code, addr, t0.Add(2*time.Hour)); !errs.Is(err, errs.Invalid) {
			t.Fatalf("used code checks: %v", err)
		}
		status, err := accounts.LatestCode(ctx, d, member)
		if err != nil || !status.Used || status.IssuedBy != "Fran Facilitator" {
			t.Errorf("latest code = %+v, %v", status, err)
		}

		// An expired code is refused.
		old, err := accounts.IssueSignInCode(ctx, d, member, 0, t0)
		if err != nil {
			t.Fatal(err)
		}
		late := t0.Add(accounts.CodeLifetime + time.Second)
		if _, err := accounts.CheckSignInCode(ctx, d, old, addr, late); !errs.Is(err, errs.Invalid) {
			t.Errorf("expired code checks: %v", err)
		}
		if _, err := accounts.RedeemSignInCode(ctx, d, old, "yet another passphrase", addr, late); !errs.Is(err, errs.Invalid) {
			t.Errorf("expired code redeems: %v", err)
		}
		if _, err := accounts.IssueSignInCode(ctx, d, 99999, facilitator, t0); !errs.Is(err, errs.NotFound) {
			t.Errorf("code for nobody: %v", err)
		}
	})
}

func TestSignInCodeRedeemedByTwoAtOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		member := mustCreate(t, d, accounts.NewPerson{DisplayName: "Kit"})
		code, err := accounts.IssueSignInCode(ctx, d, member, 0, t0)
		if err != nil {
			t.Fatal(err)
		}
		const racers = 4
		results := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				_, results[i] = accounts.RedeemSignInCode(ctx, d, code, "passphrase number "+string(rune('a'+i)), addr, t0.Add(time.Minute))
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errs.Is(err, errs.Invalid):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d redeems won, want exactly 1: %v", wins, results)
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := accountstest.Organisation(t, d, "Homes England")
		id := mustCreate(t, d, accounts.NewPerson{DisplayName: "Fay Funder", Grants: []auth.Grant{{Role: auth.Funder, OrganisationID: org}}})

		token, err := accounts.StartSession(ctx, d, id, t0)
		if err != nil {
			t.Fatal(err)
		}
		who, err := accounts.LoadSession(ctx, d, token, t0.Add(time.Second))
		if err != nil || who.PersonID != id || who.DisplayName != "Fay Funder" || !who.HasIn(auth.Funder, org) ||
			who.Grants[0].OrganisationName != "Homes England" || who.SessionHash != auth.HashToken(token) {
			t.Fatalf("identity = %+v, %v", who, err)
		}
		if _, err := accounts.LoadSession(ctx, d, "forged", t0); !errs.Is(err, errs.NotFound) {
			t.Errorf("forged token: %v", err)
		}

		// Idle expiry: each visit within SessionIdle keeps the session alive...
		at := t0
		for at.Before(t0.Add(accounts.SessionLifetime - accounts.SessionIdle)) {
			at = at.Add(accounts.SessionIdle - time.Minute)
			if _, err := accounts.LoadSession(ctx, d, token, at); err != nil {
				t.Fatalf("session ended early at %v: %v", at.Sub(t0), err)
			}
		}
		// ... but not past the absolute lifetime.
		if _, err := accounts.LoadSession(ctx, d, token, t0.Add(accounts.SessionLifetime+time.Second)); !errs.Is(err, errs.NotFound) {
			t.Errorf("session outlived its lifetime: %v", err)
		}

		// A session left alone for SessionIdle ends.
		idle, err := accounts.StartSession(ctx, d, id, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.LoadSession(ctx, d, idle, t0.Add(accounts.SessionIdle+time.Second)); !errs.Is(err, errs.NotFound) {
			t.Errorf("idle session still works: %v", err)
		}

		// Signing out deletes the session.
		out, err := accounts.StartSession(ctx, d, id, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := accounts.EndSession(ctx, d, auth.HashToken(out)); err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.LoadSession(ctx, d, out, t0); !errs.Is(err, errs.NotFound) {
			t.Errorf("ended session still works: %v", err)
		}
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM sessions WHERE token_hash = $1", auth.HashToken(out)).Scan(&n); err != nil || n != 0 {
			t.Errorf("session row left: %d, %v", n, err)
		}

		// Disabling a person ends their sessions.
		live, _ := accounts.StartSession(ctx, d, id, t0)
		if err := accounts.SetDisabled(ctx, d, id, true, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.LoadSession(ctx, d, live, t0); !errs.Is(err, errs.NotFound) {
			t.Errorf("disabled person's session works: %v", err)
		}
	})
}

func TestChangePasswordAndName(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		id := mustCreate(t, d, accounts.NewPerson{DisplayName: "Rae", Email: "rae@example.org", Password: "first passphrase"})
		keep, _ := accounts.StartSession(ctx, d, id, t0)
		other, _ := accounts.StartSession(ctx, d, id, t0)

		err := accounts.ChangePassword(ctx, d, id, "wrong passphrase", "second passphrase", auth.HashToken(keep), addr, t0)
		if e := wantCode(t, err, errs.Invalid); e.Fields["current"] == "" {
			t.Errorf("wrong current: %v", e.Fields)
		}
		if err := accounts.ChangePassword(ctx, d, id, "first passphrase", "second passphrase", auth.HashToken(keep), addr, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.Authenticate(ctx, d, "rae@example.org", "second passphrase", addr, t0); err != nil {
			t.Errorf("new password: %v", err)
		}
		if _, err := accounts.LoadSession(ctx, d, keep, t0); err != nil {
			t.Errorf("current session ended: %v", err)
		}
		if _, err := accounts.LoadSession(ctx, d, other, t0); !errs.Is(err, errs.NotFound) {
			t.Errorf("other session survived a password change: %v", err)
		}

		if err := accounts.SetDisplayName(ctx, d, id, "  Raven  "); err != nil {
			t.Fatal(err)
		}
		if p, _ := accounts.GetPerson(ctx, d, accounts.Everyone, id); p.DisplayName != "Raven" {
			t.Errorf("name = %q", p.DisplayName)
		}
		wantCode(t, accounts.SetDisplayName(ctx, d, id, ""), errs.Invalid)
	})
}

func TestScopes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := accountstest.Organisation(t, d, "A group")
		b := accountstest.Organisation(t, d, "B group")
		inA := mustCreate(t, d, accounts.NewPerson{DisplayName: "In A", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: a}}})
		inB := mustCreate(t, d, accounts.NewPerson{DisplayName: "In B", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: b}}})
		mustCreate(t, d, accounts.NewPerson{DisplayName: "Nowhere"})

		facilitatorOfA := &auth.Identity{Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: a}, {Role: auth.Member, OrganisationID: b}}}
		scope := accounts.ScopeFor(facilitatorOfA)
		list, err := accounts.ListPeople(ctx, d, scope, 1, 50)
		if err != nil || list.Total != 1 || list.People[0].ID != inA {
			t.Fatalf("facilitator of A sees %+v, %v", list, err)
		}
		if _, err := accounts.GetPerson(ctx, d, scope, inB); !errs.Is(err, errs.NotFound) {
			t.Errorf("facilitator of A sees a person in B: %v", err)
		}
		orgs, err := accounts.Organisations(ctx, d, scope)
		if err != nil || len(orgs) != 1 || orgs[0].ID != a {
			t.Errorf("organisations in scope = %+v, %v", orgs, err)
		}
		member := accounts.ScopeFor(&auth.Identity{Grants: []auth.Grant{{Role: auth.Member, OrganisationID: a}}})
		if list, _ := accounts.ListPeople(ctx, d, member, 1, 50); list.Total != 0 {
			t.Errorf("a member sees %d people", list.Total)
		}
		all, err := accounts.ListPeople(ctx, d, accounts.Everyone, 1, 2)
		if err != nil || all.Total != 3 || len(all.People) != 2 {
			t.Errorf("admin page 1 = %d of %d, %v", len(all.People), all.Total, err)
		}
	})
}

// TestAccountChangesAreAudited checks that creating a person, issuing and using a code and
// disabling an account each leave a record naming who did it, and that the chain verifies.
func TestAccountChangesAreAudited(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		org := accountstest.Organisation(t, d, "Audit group")
		facilitatorID, _ := accountstest.Person(t, d, "Jo Clarke", auth.Facilitator, org)
		ctx := auth.WithIdentity(context.Background(), &auth.Identity{PersonID: facilitatorID, DisplayName: "Jo Clarke"})
		now := time.Now()
		id, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "Lee",
			Grants: []auth.Grant{{Role: auth.Member, OrganisationID: org}}}, facilitatorID)
		if err != nil {
			t.Fatal(err)
		}
		code, err := accounts.IssueSignInCode(ctx, d, id, facilitatorID, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.RedeemSignInCode(context.Background(), d, code, "purple elephant umbrella", "192.0.2.9", now); err != nil {
			t.Fatal(err)
		}
		if err := accounts.SetDisabled(ctx, d, id, true, now); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Read.QueryContext(context.Background(),
			"SELECT action, actor_name, after_json FROM audit_log WHERE subject = $1 ORDER BY id", fmt.Sprint("person:", id))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var action, actor, after string
			if err := rows.Scan(&action, &actor, &after); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(after, code) || strings.Contains(after, "elephant") {
				t.Fatalf("the audit record %s holds a secret: %s", action, after)
			}
			got = append(got, action+" by "+actor)
		}
		want := []string{"person.created by Jo Clarke", "role.granted by Jo Clarke", "signin_code.issued by Jo Clarke",
			"signin_code.used by Roundtable", "person.disabled by Jo Clarke"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Fatalf("audit records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n, problems, err := audit.Verify(context.Background(), d); err != nil || len(problems) != 0 || n < len(want) {
			t.Fatalf("verify: %d records, %v, %v", n, problems, err)
		}
	})
}
