package api_test

import (
	"strings"
	"testing"

	"roundtable/internal/demo"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserJourney walks, in a real browser with axe-core on every page and on both
// databases: the API page, then an administrator making a token (a mistake first), seeing it
// once, and revoking it.
func TestBrowserJourney(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		j := browsertest.Start(t, w.h)
		j.Visit("/api", "Roundtable's data API", "Open Government Licence v3.0", "GET /api/v1/councils")
		j.SignIn("admin@roundtable.example", demo.Password)
		j.Visit("/api", "Manage API tokens")
		j.Visit("/api/tokens", "There are no tokens yet")
		j.Visit("/api/tokens/new", "Create an API token")
		j.Submit("/api/tokens", map[string]string{"name": ""}, true, "Enter a name for the token", "Choose what the token may do", "Choose how long the token lasts")
		st := j.Submit("/api/tokens", map[string]string{"name": "Statistics team", "scope": "outcomes:import", "lifetime": "90"}, false,
			"API token created", "Copy the token now", "Token for Statistics team")
		if !strings.Contains(st.Text, "rt_") {
			t.Fatalf("no token shown: %s", st.Text)
		}
		created := st.Path
		j.Visit(created, "The token can no longer be shown")
		j.Visit("/api/tokens", "Statistics team", "Import outcome data", "Active", "Never")
		revoke := strings.TrimSuffix(created, "/created") + "/revoke"
		j.Submit(revoke, nil, false, "The token is revoked", "Revoked")
	})
}
