package payments_test

import (
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/db/dbtest"
)

// A panel's own table counts its places, each meeting's paid claims and quick answers, and
// whether each person is a member, from indexes that hold every column asked for
// (payments/4, accounts/5): the rows themselves, hundreds a page, are never read.
func TestPanelTableCountsFromTheIndexesAlone(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	for _, c := range []struct{ query, want string }{
		{`SELECT t.person_id, t.seats FROM payment_seat_totals t WHERE t.panel_id = $1`,
			"SEARCH t USING COVERING INDEX payment_seat_totals_panel (panel_id=?)"},
		{`SELECT pc.source_id, COUNT(*), COALESCE(SUM(pc.days_to_pay), 0) FROM payment_claims pc
			WHERE pc.source = 'meeting' AND pc.source_id = $1 AND pc.status = 'paid' GROUP BY pc.source_id`,
			"SEARCH pc USING COVERING INDEX payment_claims_source_status (source=? AND source_id=? AND status=?)"},
		{`SELECT pf.source_id, COUNT(*), SUM(CASE WHEN pf.listened = 'yes' THEN 1 ELSE 0 END), SUM(CASE WHEN pf.again = 'yes' THEN 1 ELSE 0 END)
			FROM payment_feedback pf WHERE pf.source = 'meeting' AND pf.source_id = $1 GROUP BY pf.source_id`,
			"SEARCH pf USING COVERING INDEX payment_feedback_answers (source=? AND source_id=?)"},
		{`SELECT EXISTS (SELECT 1 FROM memberships ms WHERE ms.person_id = $1 AND ms.organisation_id = $1 AND ms.role = 'member')`,
			"USING COVERING INDEX"},
		{`SELECT m.person_id FROM memberships m WHERE m.organisation_id = $1 AND m.role IN ('member', 'facilitator')`,
			"SEARCH m USING COVERING INDEX memberships_organisation_person (organisation_id=? AND role=?)"},
	} {
		if joined := dbtest.Plan(t, d, c.query, 1); !strings.Contains(joined, c.want) {
			t.Errorf("%s\nis not read from the index alone (%s):\n%s", c.query, c.want, joined)
		}
	}
}
