package panels_test

import (
	"fmt"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// TestStartPanel: an administrator starts a panel for a lived-experience group in the
// directory; mistakes are named and save nothing; nobody else may.
func TestStartPanel(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		org, err := directory.CreateOrganisation(t.Context(), d, directory.NewOrganisation{Name: "Hastings Voices", StakeholderType: directory.LivedExperience})
		if err != nil {
			t.Fatal(err)
		}
		w.want(w.do("GET", "/panels", "admin", nil), 200, `href="/panels/new"`)
		w.wantNot(w.do("GET", "/panels", "facilitator", nil), `href="/panels/new"`)
		// Groups that already have a panel are not offered.
		rec := w.do("GET", "/panels/new", "admin", nil)
		w.want(rec, 200, "Start a panel", "Hastings Voices")
		w.wantNot(rec, ">Luton Homelessness Partnership<")
		for _, who := range []string{"facilitator", "sam", "officer", "funder"} {
			w.want(w.do("GET", "/panels/new", who, nil), 403)
			w.want(w.do("POST", "/panels/new", who, form("organisation", fmt.Sprint(org), "name", "X", "kind", "local")), 403)
		}
		var before int
		d.Read.QueryRow(`SELECT count(*) FROM panels`).Scan(&before)
		w.want(w.do("POST", "/panels/new", "admin", form("name", "", "kind", "regional")), 422,
			"Enter the panel&#39;s name", "Choose the panel&#39;s organisation", "Choose the region of a regional panel")
		w.want(w.do("POST", "/panels/new", "admin", form("organisation", fmt.Sprint(org), "name", "Hastings Voices", "slug", "luton", "kind", "local")), 422, "There is already a panel with the web name luton")
		var after int
		d.Read.QueryRow(`SELECT count(*) FROM panels`).Scan(&after)
		if after != before {
			t.Fatalf("refused forms added %d panels", after-before)
		}
		rec = w.do("POST", "/panels/new", "admin", form("organisation", fmt.Sprint(org), "name", "Hastings Voices", "kind", "local",
			"about", "People with lived experience in Hastings."))
		if rec.Code != 303 || w.location(rec) != "/panels/hastings-voices" {
			t.Fatalf("start panel: %d %s", rec.Code, w.location(rec))
		}
		w.want(w.do("GET", "/panels/hastings-voices", "", nil), 200, "Hastings Voices", "People with lived experience in Hastings.")
		if n := auditCount(t, d, "panel.created"); n != before+1 {
			t.Errorf("panel.created audit records: %d, want %d", n, before+1)
		}
	})
}
