package staffsignin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

func TestRequiredProviderSignInAndSignOut(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		funder, err := directory.CreateOrganisation(context.Background(), d, directory.NewOrganisation{Name: "The Funder", StakeholderType: directory.Funder})
		if err != nil {
			t.Fatal(err)
		}
		_, adminLogin := accountstest.Person(t, d, "Ada Admin", auth.Admin, 0)
		dan, danLogin := accountstest.Person(t, d, "Dan Funder", auth.Funder, funder)
		e.users.add("funder-dan", "dan@funder.gov.uk")

		// Dan links his provider account while passwords still work.
		db1 := e.browser()
		e.passwordSignIn(db1, danLogin)
		cb := db1.toProvider(db1.do("POST", e.rt.URL+"/account/organisation-account/funder", url.Values{}), "dan@funder.gov.uk")
		if p := db1.do("GET", cb, nil); p.status != http.StatusSeeOther {
			t.Fatalf("link: status %d\n%s", p.status, p.body)
		}
		pw := e.browser()
		e.passwordSignIn(pw, danLogin)

		admin := e.browser()
		e.passwordSignIn(admin, adminLogin)
		// Bad input changes nothing and says what is wrong.
		if p := admin.do("POST", e.rt.URL+"/admin/organisation-sign-in", url.Values{}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "govuk-error-summary") || !strings.Contains(p.body, "Choose an organisation") {
			t.Errorf("empty form: status %d\n%s", p.status, p.body)
		}
		if p := admin.do("POST", e.rt.URL+"/admin/organisation-sign-in", url.Values{"organisation": {itoa(e.orgID)}, "required": {"yes"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "never use an organisation account") {
			t.Errorf("lived experience group: status %d", p.status)
		}
		if n := e.count("SELECT COUNT(*) FROM staff_provider_required"); n != 0 {
			t.Fatalf("bad input changed something")
		}
		if p := admin.do("POST", e.rt.URL+"/admin/organisation-sign-in", url.Values{"organisation": {itoa(funder)}, "required": {"yes"}}); p.status != http.StatusSeeOther {
			t.Fatalf("require: status %d\n%s", p.status, p.body)
		}
		if n := e.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff_signin.required'"); n != 1 {
			t.Errorf("%d audit records of requiring, want 1", n)
		}
		// His password session has ended and his password no longer works; the provider does.
		if p := pw.do("GET", e.rt.URL+"/account", nil); p.status == http.StatusOK {
			t.Errorf("password session survived the requirement")
		}
		if p := pw.do("POST", e.rt.URL+"/sign-in", url.Values{"login": {danLogin}, "password": {accountstest.Password}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "Your organisation asks you to sign in with its own account") {
			t.Errorf("password after requirement: status %d", p.status)
		}
		// Nor does a sign-in code.
		code, err := accounts.IssueSignInCode(context.Background(), d, dan, 0, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if p := pw.do("POST", e.rt.URL+"/sign-in/code", url.Values{"code": {code}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "Your organisation asks you to sign in with its own account") {
			t.Errorf("sign-in code after requirement: status %d", p.status)
		}
		if p := db1.do("GET", e.rt.URL+"/account", nil); p.status != http.StatusOK || !strings.Contains(p.body, "Dan Funder") {
			t.Errorf("provider session ended by the requirement: status %d", p.status)
		}
		pb := e.browser()
		if p := e.signIn(pb, "funder", "dan@funder.gov.uk"); p.status != http.StatusSeeOther {
			t.Fatalf("provider sign-in after requirement: status %d\n%s", p.status, p.body)
		}

		// Signing out ends the session and sends him to the provider's end-session address.
		out := pb.do("POST", e.rt.URL+"/sign-out", url.Values{})
		if out.status != http.StatusSeeOther || !strings.HasPrefix(out.location, e.issuer+"/") || !strings.Contains(out.location, "id_token_hint=") {
			t.Errorf("sign-out: status %d, location %q, want the provider's end-session address", out.status, out.location)
		}
		if p := pb.do("GET", e.rt.URL+"/account", nil); p.status == http.StatusOK {
			t.Errorf("still signed in after signing out")
		}
		if n := e.count("SELECT COUNT(*) FROM sessions WHERE person_id = $1", dan); n != 1 {
			t.Errorf("%d sessions of Dan's left, want the other browser's 1", n)
		}
		// The provider accepts the sign-out.
		if p := pb.do("GET", out.location, nil); p.status >= 400 {
			t.Errorf("provider end-session: status %d\n%.400s", p.status, p.body)
		}
	})
}
