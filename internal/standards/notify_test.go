package standards_test

import (
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/standards/standardstest"
)

// TestProposalsAreAnnounced: each proposal asks everyone in the drafting group to respond, on
// their messages page (and by email when they have an address).
func TestProposalsAreAnnounced(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		v := standardstest.Published(t, d) // two proposals, by the group's facilitator
		var n int
		if err := d.Read.QueryRow(`SELECT count(*) FROM panel_messages m JOIN standard_proposals p ON m.link = '/standards/' || p.standard_id || '/proposals/' || p.id
			WHERE p.standard_id = $1 AND m.person_id = p.proposed_by AND m.subject = 'Please respond: a new clause to Test co-production standard'`, v.StandardID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d messages asking the group to respond, want one for each of the 2 proposals", n)
		}
	})
}
