package demo_test

import (
	"context"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/directory"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

func TestDemoFillsAnEmptyDatabaseOnce(t *testing.T) {
	register := shareddata.Path(t, shareddata.Authorities)
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		loaded, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: register})
		if err != nil || !loaded {
			t.Fatalf("first load: %v %v", loaded, err)
		}
		// Every demo account signs in with the password the start page shows, and holds the
		// role it is listed under.
		seen := map[auth.Role]bool{}
		for _, a := range demo.Accounts() {
			id, err := accounts.Authenticate(ctx, d, a.Login, a.Password, "192.0.2.1", timeNow())
			if err != nil {
				t.Fatalf("demo account %s cannot sign in: %v", a.Login, err)
			}
			var role string
			if err := d.Read.QueryRowContext(ctx, "SELECT role FROM memberships WHERE person_id = $1", id).Scan(&role); err != nil {
				t.Fatal(err)
			}
			seen[auth.Role(role)] = true
		}
		for _, r := range auth.Roles {
			if !seen[r] {
				t.Errorf("no demo account for the role %s", r)
			}
		}
		luton, err := directory.CouncilByCode(ctx, d, demo.Luton)
		if err != nil || luton.Name != "Luton" || luton.OrganisationID == 0 {
			t.Fatalf("Luton: %+v %v", luton, err)
		}
		var people int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM people").Scan(&people); err != nil {
			t.Fatal(err)
		}
		loaded, err = demo.Load(ctx, d, demo.Options{AuthoritiesFile: register})
		if err != nil || loaded {
			t.Fatalf("second load: loaded %v, err %v; want false, nil", loaded, err)
		}
		var after int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM people").Scan(&after); err != nil || after != people {
			t.Fatalf("people after a second load: %d, want %d", after, people)
		}
	})
}

func timeNow() time.Time { return time.Now() }

// The demo's history is written relative to the moment it is loaded; it must load whatever
// the hour (a CI run at 1am once found a meeting recorded before it had started), across the
// clock change and at the turn of a year.
func TestDemoLoadsAtAnyHour(t *testing.T) {
	register := shareddata.Path(t, shareddata.Authorities)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{
		time.Date(2026, 12, 5, 0, 5, 0, 0, london),
		time.Date(2026, 12, 5, 9, 59, 0, 0, london),
		time.Date(2026, 12, 31, 23, 55, 0, 0, london),
		time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC), // the hour the clocks go forward
		time.Date(2027, 4, 18, 0, 30, 0, 0, london),   // three weeks on: the past meeting was before the change
	} {
		t.Run(at.Format("2006-01-02T15:04"), func(t *testing.T) {
			t.Parallel()
			d := dbtest.SQLite(t, app.Migrations())
			if _, err := demo.Load(context.Background(), d, demo.Options{AuthoritiesFile: register, Now: func() time.Time { return at }}); err != nil {
				t.Fatalf("demo at %s: %v", at, err)
			}
		})
	}
}
