package insight_test

import (
	"testing"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserDashboards visits the co-production pages in a real browser, with axe-core on
// every page, on both databases: the public dashboard, the councils' table, the outcomes and
// the funder's view.
func TestBrowserDashboards(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		s := newSite(t, d, false)
		buildWorld(t, d)
		_, login := accountstest.Person(t, d, "Test browser funder", auth.Funder, accountstest.Organisation(t, d, "Test funder department"))
		j := browsertest.Start(t, s.h)
		j.Visit("/data/co-production", "Co-production across England", "Co-production maturity by region", "Open Government Licence", "[c]")
		j.Visit("/data/co-production/councils", "Each council’s latest evaluation", "Manchester")
		j.Visit("/data/co-production/outcomes", "association, not proof", "Fund A")
		j.SignIn(login, accountstest.Password)
		j.Visit("/data/co-production/funder", "Councils needing support", "Bedford")
	})
}
