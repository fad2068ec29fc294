package staffsignin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// passwordSignIn signs the browser in with a Roundtable password.
func (e *env) passwordSignIn(b *browser, login string) {
	e.t.Helper()
	if p := b.do("POST", e.rt.URL+"/sign-in", url.Values{"login": {login}, "password": {accountstest.Password}}); p.status != http.StatusSeeOther {
		e.t.Fatalf("password sign-in as %s: status %d\n%s", login, p.status, p.body)
	}
}

func TestLinkExistingAccount(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		carol, login := accountstest.Person(t, d, "Carol Officer", auth.CouncilOfficer, e.orgID)
		e.users.add("entra-carol", "carol@luton.gov.uk")

		// Linking needs the account's password first: signed in, Carol links her provider account.
		b := e.browser()
		e.passwordSignIn(b, login)
		cb := b.toProvider(b.do("POST", e.rt.URL+"/account/organisation-account/council", url.Values{}), "carol@luton.gov.uk")
		if p := b.do("GET", cb, nil); p.status != http.StatusSeeOther {
			t.Fatalf("link: status %d\n%s", p.status, p.body)
		}
		if n := e.count("SELECT COUNT(*) FROM staff_identities WHERE person_id = $1 AND subject = 'entra-carol'", carol); n != 1 {
			t.Fatalf("provider account not linked to Carol")
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_identity.linked' AND subject = $1", "person:"+itoa(carol)); n != 1 {
			t.Errorf("%d link audit records, want 1", n)
		}
		// From now on the provider signs her in as herself, with her roles.
		b2 := e.browser()
		if p := e.signIn(b2, "council", "carol@luton.gov.uk"); p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "/account") {
			t.Fatalf("sign-in after linking: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		if acct := b2.do("GET", e.rt.URL+"/account", nil); !strings.Contains(acct.body, "Carol Officer") {
			t.Errorf("signed in as someone else:\n%s", acct.body)
		}
		if n := e.count("SELECT COUNT(*) FROM people"); n != 1 {
			t.Errorf("%d people, want 1", n)
		}

		// Unlinking is audited, and the provider then no longer signs her in as Carol.
		if p := b2.do("POST", e.rt.URL+"/account/organisation-account/council/unlink", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("unlink: status %d\n%s", p.status, p.body)
		}
		if n := e.count("SELECT COUNT(*) FROM staff_identities"); n != 0 {
			t.Errorf("%d provider accounts after unlinking", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_identity.unlinked'"); n != 1 {
			t.Errorf("%d unlink audit records, want 1", n)
		}

		// Members never use an organisation account.
		_, member := accountstest.Person(t, d, "Mo Member", auth.Member, e.orgID)
		mb := e.browser()
		e.passwordSignIn(mb, member)
		if p := mb.do("POST", e.rt.URL+"/account/organisation-account/council", url.Values{}); p.status != http.StatusForbidden {
			t.Errorf("member linking: status %d, want 403", p.status)
		}
	})
}

func TestLeaverLosesAccess(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.users.add("entra-alice", "alice@luton.gov.uk")
		b := e.browser()
		if p := e.signIn(b, "council", "alice@luton.gov.uk"); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in: status %d\n%s", p.status, p.body)
		}
		signedIn := func(string) bool {
			t.Helper()
			p := b.do("GET", e.rt.URL+"/account", nil)
			return p.status == http.StatusOK
		}
		// Over a day of work the provider is asked again, says yes, and she stays signed in.
		for _, h := range []time.Duration{10, 10, 5} {
			e.clock.Advance(h * time.Hour)
			if !signedIn("while active") {
				t.Fatalf("signed out while the provider account is active")
			}
		}
		var checked time.Time
		if err := d.Read.QueryRow("SELECT checked_at FROM staff_identities").Scan(&checked); err != nil || e.clock.Now().Sub(checked) > time.Minute {
			t.Errorf("not checked again after a day: checked at %v, now %v (%v)", checked, e.clock.Now(), err)
		}
		// She leaves: her organisation disables the account. Within a day she is out.
		e.users.disable("entra-alice")
		for _, h := range []time.Duration{10, 10} {
			e.clock.Advance(h * time.Hour)
			if !signedIn("before the check") {
				t.Fatalf("signed out before the check was due")
			}
		}
		e.clock.Advance(5 * time.Hour)
		if signedIn("after leaving") {
			t.Fatalf("still signed in a day after the provider disabled the account")
		}
		if n := e.count("SELECT COUNT(*) FROM people WHERE disabled_at IS NOT NULL"); n != 1 {
			t.Errorf("the leaver's Roundtable account is not switched off")
		}
		if n := e.count("SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("%d sessions left", n)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_signin.refused' AND after_json LIKE '%refresh token%'"); n != 1 {
			t.Errorf("%d leaver refusals audited, want 1", n)
		}
	})
}
