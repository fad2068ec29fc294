package accounts_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

func TestCommonPasswords(t *testing.T) {
	t.Parallel()
	for pw, common := range map[string]bool{
		"password":                     true, // first on the list
		"freepass":                     true, // last on the list
		"PASSWORD1234":                 true, // case and digits tacked on
		"  Pass Word 2024!! ":          true, // spaces and symbols
		"1234567890qwertyuiop":         true, // two keyboard runs
		"qwertyuiop12":                 true,
		"monkeymonkey":                 true, // a listed word twice
		"abcabcabcabc":                 true, // a short run repeated
		"aaaaaaaaaaaaaaaa":             true,
		"correct horse battery staple": false,
		"orange kettle bicycle":        false,
		"wrong wrong wrong":            false,
		"roundtable-demo":              false,
		"":                             false,
	} {
		if got := accounts.IsCommonPassword(pw); got != common {
			t.Errorf("IsCommonPassword(%q) = %v, want %v", pw, got, common)
		}
	}
}

// TestCommonPasswordsAreRefusedEverywhere: an account made with a common password, a changed
// password and a passphrase chosen with a sign-in code are all refused, naming the field.
func TestCommonPasswordsAreRefusedEverywhere(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: "Kit", Email: "kit@example.org", Password: "Password123456"}, 0)
		if e := wantCode(t, err, errs.Invalid); e.Fields["password"] != accounts.CommonPasswordMessage {
			t.Errorf("create with a common password: %v", e.Fields)
		}
		org := accountstest.Organisation(t, d, "Kit's group")
		member := mustCreate(t, d, accounts.NewPerson{DisplayName: "Kit", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: org}}})
		code, err := accounts.IssueSignInCode(ctx, d, member, 0, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.RedeemSignInCode(ctx, d, code, "qwertyuiop123", addr, t0); !errs.Is(err, errs.Invalid) {
			t.Fatalf("redeem with a common passphrase: %v", err)
		}
		// The code was not used up by the refusal.
		if _, err := accounts.RedeemSignInCode(ctx, d, code, "orange kettle bicycle", addr, t0); err != nil {
			t.Fatalf("redeem after: %v", err)
		}
	})

	w := newWorld(t, app.Config{})
	rec := w.do("POST", "/account/password", w.cookies["member"], url.Values{"current": {accountstest.Password},
		"password": {"iloveyou iloveyou"}, "confirm": {"iloveyou iloveyou"}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `href="#password"`) ||
		!strings.Contains(rec.Body.String(), "among the most used passwords") {
		t.Errorf("change to a common password: %d", rec.Code)
	}
}

// TestSignInCodeGuessingIsLimited: wrong codes count against the address; once it has used
// up its tries even a right code is refused there, with the same message, while another
// address is served.
func TestSignInCodeGuessingIsLimited(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := accountstest.Organisation(t, d, "Guessers' group")
		member := mustCreate(t, d, accounts.NewPerson{DisplayName: "Gil", Grants: []auth.Grant{{Role: auth.Member, OrganisationID: org}}})
		code, err := accounts.IssueSignInCode(ctx, d, member, 0, t0)
		if err != nil {
			t.Fatal(err)
		}
		guesser := "203.0.113.9"
		for range accounts.MaxFailuresPerAddress {
			if _, err := accounts.CheckSignInCode(ctx, d, "AAAA-AAAA-AAAA", guesser, t0); err == nil {
				t.Fatal("a wrong code was accepted")
			}
		}
		_, err = accounts.CheckSignInCode(ctx, d, code, guesser, t0)
		if err == nil || err.Error() != accounts.CodeFailedMessage {
			t.Fatalf("right code after too many guesses: %v", err)
		}
		if _, err := accounts.RedeemSignInCode(ctx, d, code, "orange kettle bicycle", guesser, t0); err == nil {
			t.Fatal("redeemed from a throttled address")
		}
		if _, err := accounts.CheckSignInCode(ctx, d, code, addr, t0); err != nil {
			t.Fatalf("another address: %v", err)
		}
		late := t0.Add(accounts.ThrottleWindow + 1)
		if _, err := accounts.CheckSignInCode(ctx, d, code, guesser, late); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}
