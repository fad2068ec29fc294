package app_test

import (
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
)

// Every migration either only adds, so a rolling upgrade may run it while servers of the
// previous version serve, or says why it cannot (NotSafeUnderOldCode), so `roundtable migrate
// --plan` tells the operator to stop every server first. A migration the check cannot call
// safe, and that says nothing, fails here.
func TestEveryMigrationSaysWhetherOldServersSurviveIt(t *testing.T) {
	for _, m := range app.Migrations() {
		if ok, why := db.SafeUnderOldCode(m); !ok && m.NotSafeUnderOldCode == "" {
			t.Errorf("migration %s/%d (%s) %s", m.Component, m.Version, m.Name, why)
		}
	}
}
