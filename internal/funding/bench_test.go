package funding_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

// BenchmarkBidPages renders a submitted bid's page and its evidence pack when the bid uses 500
// activities holding 5,000 contributions, on SQLite, as the council's officer.
func BenchmarkBidPages(b *testing.B) {
	d := dbtest.SQLite(b, app.Migrations())
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	w := newWorld(b, d, now)
	ctx := context.Background()
	luton := w.ids["luton"]
	p, pot := benchProgramme(b, d, now)
	bid, err := funding.StartBid(ctx, d, officerID, p.ID, luton, now)
	if err != nil {
		b.Fatal(err)
	}
	var acts []int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		for i := range 500 {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO funding_activities (council_id, title, held_on, format, place, access, minutes, created_at)
				VALUES ($1, $2, $3, 'workshop', 'Luton', 'Step-free', 120, $3) RETURNING id`, luton, fmt.Sprintf("Workshop %d", i), now.Add(-time.Duration(i)*time.Hour)).Scan(&id); err != nil {
				return err
			}
			acts = append(acts, id)
			if _, err := tx.ExecContext(ctx, `INSERT INTO funding_participants (activity_id, stakeholder_type, person_id, anonymous_count) VALUES ($1, 'lived_experience', $2, 0), ($1, 'support_provider', NULL, 2)`,
				id, w.ids["member"]); err != nil {
				return err
			}
			for j := range 10 {
				resp := []string{"adopted", "adapted", "not_taken_forward", ""}[j%4]
				if _, err := tx.ExecContext(ctx, `INSERT INTO funding_contributions (activity_id, stakeholder_type, person_id, said, may_quote, response, reason, created_at)
					VALUES ($1, 'lived_experience', $2, $3, $4, $5, $6, $7)`, id, nil, fmt.Sprintf("Contribution %d about support after the move, in a sentence or two.", j),
					j%3, resp, "Because the panel asked for it and the budget allows.", now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []funding.SectionInput{
		{Section: "about", Title: "T", Summary: "S", Contact: "C"},
		{Section: "amounts", Amounts: map[int64]int64{pot.ID: 100_000_00}, Homes: 10},
		{Section: "support", Support: "Support"},
		{Section: "evidence", Evidence: "E", Activities: acts},
		{Section: "declarations", DeclaredBy: "Director", Declared: true},
	} {
		in.Completed = true
		if err := funding.SaveSection(ctx, d, officerID, bid, luton, in, p.Pots, now); err != nil {
			b.Fatal(err)
		}
	}
	cookie := accountstest.Session(b, d, w.ids["officer"], now)
	for _, page := range []string{"", "/pack"} {
		path := fmt.Sprintf("/funding/bids/%d%s", bid, page)
		b.Run(map[string]string{"": "bid", "/pack": "pack"}[page], func(b *testing.B) {
			var size int
			start := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				w.app.Handler.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d", path, rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
			// CPU time per page, all threads: a fairer figure than wall time on a busy machine.
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchProgramme(b *testing.B, d *db.DB, now time.Time) (funding.Programme, funding.Pot) {
	b.Helper()
	ctx := context.Background()
	id, err := funding.CreateProgramme(ctx, d, nil, funding.NewProgramme{Name: "Bench", Purpose: "Homes.", HomesTarget: 100,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.AddDate(0, 1, 0), RequiredTypes: []directory.StakeholderType{directory.LivedExperience}, Questions: []string{"q"}}, now)
	if err != nil {
		b.Fatal(err)
	}
	if err := funding.AddPot(ctx, d, nil, id, funding.NewPot{Name: "Capital", Kind: "capital", AmountPence: 500_000_000, BidLimitPence: 100_000_000}, now); err != nil {
		b.Fatal(err)
	}
	if err := funding.Publish(ctx, d, nil, id, now); err != nil {
		b.Fatal(err)
	}
	p, err := funding.GetProgramme(ctx, d, id, false)
	if err != nil {
		b.Fatal(err)
	}
	return p, p.Pots[0]
}
