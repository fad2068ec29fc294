package staffsignin_test

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/web/browsertest"
)

// TestBrowserCouncilOfficerSignsIn signs a Luton officer in, in a real browser, through the
// provider's own login page, and reaches Luton's bids.
func TestBrowserCouncilOfficerSignsIn(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
		if err != nil {
			t.Fatal(err)
		}
		_, err = directory.ImportAuthorities(ctx, d, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		luton, err := directory.CouncilByCode(ctx, d, "E06000032")
		if err != nil {
			t.Fatal(err)
		}
		var h atomic.Pointer[http.Handler]
		j := browsertest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) }))
		e, handler := build(t, d, j.Base, luton.OrganisationID)
		h.Store(&handler)
		e.users.add("entra-grace", "grace@luton.gov.uk")

		// A published programme with Luton's bid in it.
		now := e.clock.Now()
		prog, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "Move-on Fund", Purpose: "Homes.", HomesTarget: 100,
			OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(30 * 24 * time.Hour), RequiredTypes: []directory.StakeholderType{directory.LivedExperience},
			Questions: []string{"Who took part?"}}, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := funding.AddPot(ctx, d, nil, prog, funding.NewPot{Name: "Capital", Kind: "capital", AmountPence: 500_000_000, BidLimitPence: 100_000_000}, now); err != nil {
			t.Fatal(err)
		}
		if err := funding.Publish(ctx, d, nil, prog, now); err != nil {
			t.Fatal(err)
		}
		if _, err := funding.StartBid(ctx, d, nil, prog, luton.OrganisationID, now); err != nil {
			t.Fatal(err)
		}

		j.Visit("/sign-in", "sign in with your organisation's account")
		j.Visit("/sign-in/organisation", "Sign in with Luton Council")
		// The provider's login page is the provider's; it is not held to Roundtable's checks.
		j.Elsewhere("go to the provider",
			chromedp.Click(chromedp.CSS(`a[href^="/sign-in/organisation/council"]`)))
		j.Elsewhere("sign in at the provider",
			chromedp.WaitReady(chromedp.CSS(`#password`)),
			chromedp.SetValue(chromedp.CSS(`#username`), "grace@luton.gov.uk"),
			chromedp.SetValue(chromedp.CSS(`#password`), "provider-password"),
			chromedp.Submit(chromedp.CSS(`#password`)))
		j.Elsewhere("back at Roundtable", chromedp.WaitReady(chromedp.CSS(`#main-content`)))
		st := j.Check("back from the provider")
		j.Contains("back from the provider", st, "Welcome to Roundtable", "Pat entra-grace")
		j.Visit("/funding", "Your bids", "Bid")
		j.Visit("/councils/E06000032", "Luton")
	})
}
