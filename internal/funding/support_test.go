package funding_test

import (
	"net/url"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// TestSupportRequests: a council asks the funder for support on the platform and the
// funder's adviser answers; another council never sees the request.
func TestSupportRequests(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC))
		w.expect("GET", "/funding/support", "officer", nil, 200, "Ask the funder for support", "No requests yet")
		for _, who := range []string{"member", "partner", "assessor", "facilitator", "admin"} {
			w.expect("GET", "/funding/support", who, nil, 403)
		}
		w.expect("POST", "/funding/support", "officer", url.Values{}, 422, `href="#question"`)
		w.expect("POST", "/funding/support", "funder", url.Values{"question": {"x"}}, 403)
		if n := count(t, d, "funding_support_requests"); n != 0 {
			t.Fatalf("a refused request was saved")
		}
		w.expect("POST", "/funding/support", "officer", url.Values{"question": {"How do we pay people on benefits for their time?"}}, 303)
		w.expect("GET", "/funding/support", "officer", nil, 200, "How do we pay people on benefits", "Waiting for an answer")
		w.expect("GET", "/funding/support", "bedford", nil, 200, "No requests yet")
		w.expect("GET", "/funding/support", "funder", nil, 200, "Councils asking for support", "Luton", "How do we pay people")
		w.expect("POST", "/funding/support/1/answer", "funder", url.Values{}, 422, `href="#answer-1"`)
		w.expect("POST", "/funding/support/1/answer", "officer", url.Values{"answer": {"x"}}, 403)
		w.expect("POST", "/funding/support/99/answer", "funder", url.Values{"answer": {"x"}}, 404)
		w.expect("POST", "/funding/support/1/answer", "funder", url.Values{"answer": {"Offer vouchers or let people choose; point them to benefits advice."}}, 303)
		w.expect("GET", "/funding/support", "officer", nil, 200, "Offer vouchers or let people choose", "Test funder, 12 January 2026")
		if n := countWhere(t, d, "SELECT count(*) FROM audit_log WHERE action IN ('support.asked', 'support.answered')"); n != 2 {
			t.Errorf("%d support records in the audit log, want 2", n)
		}
	})
}
