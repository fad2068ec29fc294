package funding_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// TestChangeDraftProgramme: the funder changes a draft's details and what each level of its
// rubric means; mistakes are named and change nothing; once published it cannot change.
func TestChangeDraftProgramme(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		w := newWorld(t, d, start)
		rec := w.expect("POST", "/funding/programmes/new", "funder", programmeForm("Move-on Fund", start.Add(24*time.Hour), start.Add(30*24*time.Hour)), 303)
		prog := rec.Header().Get("Location")
		edit := prog + "/edit"
		w.expect("GET", prog, "funder", nil, 200, `href="`+edit+`"`)
		rec = w.expect("GET", edit, "funder", nil, 200, "Change Move-on Fund", `value="Move-on Fund"`, "6: Co-production", "share power over the whole proposal")
		for _, who := range []string{"officer", "member", "assessor", "admin"} {
			w.expect("GET", edit, who, nil, 403)
			w.expect("POST", edit, who, url.Values{"name": {"Hijacked"}}, 403)
		}

		form := programmeForm("Move-on Fund 2026", start.Add(24*time.Hour), start.Add(40*24*time.Hour))
		for i := 0; i <= 6; i++ {
			form.Set(fmt.Sprintf("level-%d", i), fmt.Sprintf("What level %d looks like in a bid.", i))
		}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("name", "")
		bad.Set("level-3", "")
		w.expect("POST", edit, "funder", bad, 422, `href="#name"`, `href="#level-3"`, "Describe what the level Consultation looks like")
		w.expect("GET", prog, "funder", nil, 200, "Move-on Fund")
		if n := countWhere(t, d, `SELECT count(*) FROM funding_programmes WHERE name = 'Move-on Fund'`); n != 1 {
			t.Fatal("a refused change was saved")
		}

		w.expect("POST", edit, "funder", form, 303)
		w.expect("GET", prog, "funder", nil, 200, "Move-on Fund 2026", "What level 5 looks like in a bid.")
		if n := countWhere(t, d, `SELECT count(*) FROM audit_log WHERE action = 'programme.changed'`); n != 1 {
			t.Errorf("%d programme.changed audit records, want 1", n)
		}

		// Published: no more changes.
		w.expect("POST", prog+"/pots", "funder", url.Values{"pot_name": {"Homes"}, "kind": {"capital"}, "amount": {"1000000"}, "limit": {"100000"}}, 303)
		w.expect("POST", prog+"/publish", "funder", nil, 303)
		w.expect("GET", edit, "funder", nil, 409, "can no longer be changed")
		w.expect("POST", edit, "funder", form, 409)
	})
}
