package auth_test

import (
	"regexp"
	"strings"
	"testing"

	"roundtable/internal/platform/auth"
)

func TestPasswordHashing(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the expected parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if ok, err := auth.CheckPassword(h, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := auth.CheckPassword(h, "correct horse battery stapl"); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := auth.CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("a non-argon2id hash was accepted")
	}
}

func TestTokensAndCodes(t *testing.T) {
	seen := map[string]bool{}
	shape := regexp.MustCompile(`^[ACDEFGHJKMNPQRTUVWXY34679]{4}-[ACDEFGHJKMNPQRTUVWXY34679]{4}-[ACDEFGHJKMNPQRTUVWXY34679]{4}$`)
	for range 1000 {
		c := auth.NewSignInCode()
		if !shape.MatchString(c) {
			t.Fatalf("code %q has the wrong shape", c)
		}
		if seen[c] {
			t.Fatalf("code %q repeated", c)
		}
		seen[c] = true
		if got := auth.NormaliseSignInCode(strings.ToLower(strings.ReplaceAll(c, "-", " "))); got != c {
			t.Fatalf("normalise(%q) = %q", c, got)
		}
	}
	a, b := auth.NewToken(), auth.NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if auth.HashToken(a) == a || auth.HashToken(a) != auth.HashToken(a) || len(auth.HashToken(a)) != 64 {
		t.Fatal("HashToken is not a stable SHA-256 hex digest")
	}
}

func TestIdentityRoles(t *testing.T) {
	id := &auth.Identity{Grants: []auth.Grant{{Role: auth.Facilitator, OrganisationID: 7}, {Role: auth.Member, OrganisationID: 9}}}
	if !id.Has(auth.Facilitator) || id.Has(auth.Admin) || !id.HasIn(auth.Facilitator, 7) || id.HasIn(auth.Facilitator, 9) {
		t.Fatal("role checks wrong")
	}
	if got := id.OrganisationsFor(auth.Facilitator); len(got) != 1 || got[0] != 7 {
		t.Fatalf("OrganisationsFor = %v", got)
	}
	var nobody *auth.Identity
	if nobody.Has(auth.Member) || nobody.HasIn(auth.Member, 9) || nobody.OrganisationsFor(auth.Member) != nil {
		t.Fatal("a nil identity holds a role")
	}
	for _, r := range auth.Roles {
		if !r.Valid() || r.Label() == string(r) {
			t.Errorf("role %q has no label", r)
		}
	}
	if auth.Role("king").Valid() {
		t.Error("an unknown role is valid")
	}
}
