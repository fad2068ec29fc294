package staffsignin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roundtable/internal/platform/auth"
	"roundtable/internal/staffsignin"
)

func TestLoadProviders(t *testing.T) {
	file := filepath.Join(t.TempDir(), "providers.json")
	// A secret in the file is ignored: secrets come from the environment only.
	if err := os.WriteFile(file, []byte(`[{"id": "luton-council", "name": "Luton Council", "issuer": "https://login.example/luton",
		"client_id": "rt", "client_secret": "from-the-file", "ClientSecret": "from-the-file", "domains": ["luton.gov.uk"],
		"organisation": "luton", "role": "council_officer"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ROUNDTABLE_OIDC_PROVIDERS_FILE": file}
	get := func(k string) string { return env[k] }
	if _, err := staffsignin.LoadProviders(get); err == nil || !strings.Contains(err.Error(), "ROUNDTABLE_OIDC_LUTON_COUNCIL_CLIENT_SECRET") {
		t.Errorf("a secret only in the file: %v, want it asked for in the environment", err)
	}
	env["ROUNDTABLE_OIDC_LUTON_COUNCIL_CLIENT_SECRET"] = "from-env"
	ps, err := staffsignin.LoadProviders(get)
	if err != nil || len(ps) != 1 || ps[0].ClientSecret != "from-env" || ps[0].Role != auth.CouncilOfficer || ps[0].Domains[0] != "luton.gov.uk" {
		t.Fatalf("from the file: %+v, %v", ps, err)
	}

	env = map[string]string{"ROUNDTABLE_OIDC_PROVIDERS": "dept, one-login", "ROUNDTABLE_OIDC_DEPT_ISSUER": "https://id.dept.example",
		"ROUNDTABLE_OIDC_DEPT_CLIENT_ID": "a", "ROUNDTABLE_OIDC_DEPT_CLIENT_SECRET": "s", "ROUNDTABLE_OIDC_DEPT_DOMAINS": "dept.gov.uk, x.gov.uk",
		"ROUNDTABLE_OIDC_ONE_LOGIN_ISSUER": "https://oidc.account.gov.uk", "ROUNDTABLE_OIDC_ONE_LOGIN_CLIENT_ID": "b",
		"ROUNDTABLE_OIDC_ONE_LOGIN_CLIENT_SECRET": "t"}
	ps, err = staffsignin.LoadProviders(get)
	if err != nil || len(ps) != 2 || len(ps[0].Domains) != 2 || ps[1].Issuer != "https://oidc.account.gov.uk" || ps[1].ClientSecret != "t" {
		t.Fatalf("from the environment: %+v, %v", ps, err)
	}

	// Members never sign in with an organisation account; no provider makes administrators.
	for _, role := range []string{"member", "admin", "wizard"} {
		env["ROUNDTABLE_OIDC_DEPT_ROLE"], env["ROUNDTABLE_OIDC_DEPT_ORGANISATION"] = role, "dept"
		if _, err := staffsignin.LoadProviders(get); err == nil {
			t.Errorf("role %s accepted", role)
		}
	}
	if ps, err := staffsignin.LoadProviders(func(string) string { return "" }); err != nil || len(ps) != 0 {
		t.Errorf("no configuration: %v, %v", ps, err)
	}
}
