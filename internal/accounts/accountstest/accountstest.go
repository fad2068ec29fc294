// Package accountstest helps tests of any capability sign people in: make an organisation,
// make a person with a role in it, and get a session cookie for them, either through the real
// sign-in form or straight from the database.
//
//	org := accountstest.Organisation(t, d, "Luton Homelessness Partnership")
//	cookie, id := accountstest.SignedIn(t, d, auth.Facilitator, org)
//	req.AddCookie(cookie)
package accountstest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

// Password is the password of every person made here.
const Password = "correct horse battery staple"

// Organisation adds a lived-experience organisation through the directory and returns its id.
// Names must differ within one database.
func Organisation(t testing.TB, d *db.DB, name string) int64 {
	t.Helper()
	id, err := directory.CreateOrganisation(context.Background(), d,
		directory.NewOrganisation{Name: name, StakeholderType: directory.LivedExperience})
	if err != nil {
		t.Fatalf("add organisation %q: %v", name, err)
	}
	return id
}

// Person adds a person called name with one role in the organisation (0 for an
// administrator), signing in with a sign-in name made from their name and Password. It
// returns their id and sign-in name.
func Person(t testing.TB, d *db.DB, name string, role auth.Role, organisationID int64) (id int64, login string) {
	t.Helper()
	ctx := context.Background()
	id, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: name, Password: Password,
		Grants: []auth.Grant{{Role: role, OrganisationID: organisationID}}}, 0)
	if err != nil {
		t.Fatalf("create %s %q: %v", role, name, err)
	}
	p, err := accounts.GetPerson(ctx, d, accounts.Everyone, id)
	if err != nil {
		t.Fatalf("read back person %d: %v", id, err)
	}
	return id, p.Login
}

// Session starts a session for the person straight in the database, skipping the form and the
// password hashing, and returns the cookie. now must agree with the clock the app under test
// uses (app.Config.Now). The cookie is the plain one, for an app served over http.
func Session(t testing.TB, d *db.DB, personID int64, now time.Time) *http.Cookie {
	t.Helper()
	token, err := accounts.StartSession(context.Background(), d, personID, now)
	if err != nil {
		t.Fatalf("start session: %v", err)
	}
	return &http.Cookie{Name: accounts.SessionCookieName(false), Value: token}
}

// SignedIn adds a person with the role in the organisation (0 for an administrator) and
// returns a session cookie for them, started at the real time, and their id.
func SignedIn(t testing.TB, d *db.DB, role auth.Role, organisationID int64) (*http.Cookie, int64) {
	t.Helper()
	id, _ := Person(t, d, "Test "+string(role), role, organisationID)
	return Session(t, d, id, time.Now()), id
}

// SignIn signs in through the sign-in form of handler (the whole app) and returns the session
// cookie it sets; the test fails if sign-in does not succeed.
func SignIn(t testing.TB, handler http.Handler, login, password string) *http.Cookie {
	t.Helper()
	form := url.Values{"login": {login}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d, want 303", login, rec.Code)
	}
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "roundtable_session") && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign in as %s: no session cookie set", login)
	return nil
}
