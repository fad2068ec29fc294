package consent_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/consent"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

type people struct {
	ann, ben, cat, fac *auth.Identity
}

func makePeople(t *testing.T, d *db.DB) people {
	org := accountstest.Organisation(t, d, "Consent test group")
	mk := func(name string, role auth.Role) *auth.Identity {
		id, _ := accountstest.Person(t, d, name, role, org)
		return &auth.Identity{PersonID: id, DisplayName: name}
	}
	return people{mk("Ann", auth.Member), mk("Ben", auth.Member), mk("Cat", auth.Member), mk("Fay", auth.Facilitator)}
}

func tx(t *testing.T, d *db.DB, fn func(tx *sql.Tx) error) error {
	t.Helper()
	return d.Tx(context.Background(), fn)
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func auditCount(t *testing.T, d *db.DB, subject, action string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT count(*) FROM audit_log WHERE subject = $1 AND action = $2", subject, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRoundAgreedWithObjectionResolved(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := makePeople(t, d)
		now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
		closes := consent.EndOfDay(now.AddDate(0, 0, 14))
		const subj = "recommendation:1"
		if err := tx(t, d, func(tx *sql.Tx) error { _, err := consent.Open(ctx, tx, subj, closes, 3, now); return err }); err != nil {
			t.Fatal(err)
		}
		// A second round about the same subject is a conflict.
		wantCode(t, tx(t, d, func(tx *sql.Tx) error { _, err := consent.Open(ctx, tx, subj, closes, 3, now); return err }), errs.Conflict)

		respond := func(who *auth.Identity, k consent.Kind, reason string, at time.Time) error {
			return tx(t, d, func(tx *sql.Tx) error { return consent.Respond(ctx, tx, subj, who, k, reason, at) })
		}
		// An objection needs a reason.
		err := respond(p.ann, consent.Object, "  ", now)
		wantCode(t, err, errs.Invalid)
		if e, _ := errs.As(err); e.Fields["reason"] == "" {
			t.Errorf("no message for the reason: %v", e)
		}
		wantCode(t, respond(p.ann, consent.Kind("maybe"), "", now), errs.Invalid)

		if err := respond(p.ann, consent.Consent, "", now); err != nil {
			t.Fatal(err)
		}
		// A second response replaces the first.
		if err := respond(p.ann, consent.Object, "It leaves out people sleeping in cars.", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := respond(p.ben, consent.Concern, "The timescale is tight.", now); err != nil {
			t.Fatal(err)
		}
		if err := respond(p.cat, consent.Consent, "", now); err != nil {
			t.Fatal(err)
		}
		r, err := consent.Get(ctx, d.Read, subj)
		if err != nil {
			t.Fatal(err)
		}
		tl := r.Tally()
		if tl.Total != 3 || tl.Consents != 1 || tl.Concerns != 1 || tl.Objections != 1 || tl.Standing != 1 {
			t.Fatalf("tally %+v", tl)
		}
		if tl.Outcome() != consent.NotAgreed {
			t.Errorf("a standing objection: outcome %s", tl.Outcome())
		}
		if a, _ := r.ResponseOf(p.ann.PersonID); a.Kind != consent.Object || a.Reason != "It leaves out people sleeping in cars." {
			t.Errorf("Ann's response %+v", a)
		}
		if n := auditCount(t, d, subj, "consent.responded"); n != 4 {
			t.Errorf("%d responses audited, want 4", n)
		}

		// Resolving needs a note; only a standing objection can be resolved.
		wantCode(t, tx(t, d, func(tx *sql.Tx) error {
			return consent.Resolve(ctx, tx, subj, p.ann.PersonID, p.fac, "", now)
		}), errs.Invalid)
		wantCode(t, tx(t, d, func(tx *sql.Tx) error {
			return consent.Resolve(ctx, tx, subj, p.cat.PersonID, p.fac, "Nothing to resolve", now)
		}), errs.Conflict)
		if err := tx(t, d, func(tx *sql.Tx) error {
			return consent.Resolve(ctx, tx, subj, p.ann.PersonID, p.fac, "We added people sleeping in cars to the wording.", now.Add(2*time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, tx(t, d, func(tx *sql.Tx) error {
			return consent.Resolve(ctx, tx, subj, p.ann.PersonID, p.fac, "Again", now)
		}), errs.Conflict)

		// Closing before the close time is refused.
		wantCode(t, tx(t, d, func(tx *sql.Tx) error {
			_, err := consent.Close(ctx, tx, subj, p.fac, closes.Add(-time.Second))
			return err
		}), errs.Conflict)
		// A response after the close is refused, and changes nothing.
		wantCode(t, respond(p.ben, consent.Object, "Too late", closes), errs.Conflict)

		var out consent.Outcome
		if err := tx(t, d, func(tx *sql.Tx) error {
			var err error
			out, err = consent.Close(ctx, tx, subj, p.fac, closes)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if out != consent.Agreed {
			t.Errorf("outcome %s, want agreed", out)
		}
		r, _ = consent.Get(ctx, d.Read, subj)
		if !r.Closed() || r.Outcome != consent.Agreed || r.Tally().Standing != 0 {
			t.Errorf("round after close %+v", r)
		}
		if b, _ := r.ResponseOf(p.ben.PersonID); b.Kind != consent.Concern {
			t.Errorf("a late response changed Ben's: %+v", b)
		}
		wantCode(t, tx(t, d, func(tx *sql.Tx) error { _, err := consent.Close(ctx, tx, subj, p.fac, closes); return err }), errs.Conflict)
		if auditCount(t, d, subj, "consent.closed") != 1 || auditCount(t, d, subj, "consent.objection_resolved") != 1 {
			t.Error("closing and resolving are not both audited once")
		}
	})
}

func TestRoundNotAgreed(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := makePeople(t, d)
		now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
		closes := now.Add(24 * time.Hour)
		for _, s := range []string{"a:1", "a:2"} {
			if err := tx(t, d, func(tx *sql.Tx) error { _, err := consent.Open(ctx, tx, s, closes, 2, now); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// a:1 - too few took part.
		if err := tx(t, d, func(tx *sql.Tx) error { return consent.Respond(ctx, tx, "a:1", p.ann, consent.Consent, "", now) }); err != nil {
			t.Fatal(err)
		}
		// a:2 - quorate, but an objection stands.
		for _, who := range []*auth.Identity{p.ann, p.ben} {
			k := consent.Consent
			if who == p.ben {
				k = consent.Object
			}
			if err := tx(t, d, func(tx *sql.Tx) error { return consent.Respond(ctx, tx, "a:2", who, k, "No money for it", now) }); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []string{"a:1", "a:2"} {
			var out consent.Outcome
			if err := tx(t, d, func(tx *sql.Tx) error {
				var err error
				out, err = consent.Close(ctx, tx, s, p.fac, closes.Add(time.Minute))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if out != consent.NotAgreed {
				t.Errorf("%s: outcome %s, want not agreed", s, out)
			}
		}
		_, err := consent.Get(ctx, d.Read, "a:3")
		wantCode(t, err, errs.NotFound)
		// Bad rounds are refused.
		err = tx(t, d, func(tx *sql.Tx) error {
			_, err := consent.Open(ctx, tx, "a:4", now.Add(-time.Hour), 0, now)
			return err
		})
		wantCode(t, err, errs.Invalid)
		if e, _ := errs.As(err); e.Fields["closes"] == "" || e.Fields["quorum"] == "" {
			t.Errorf("fields %v", e.Fields)
		}
	})
}

func TestEndOfDayInLondon(t *testing.T) {
	// Summer: BST, the day ends at 23:00 UTC.
	got := consent.EndOfDay(time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 7, 15, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("summer: %v, want %v", got, want)
	}
	// Winter: GMT.
	got = consent.EndOfDay(time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("winter: %v, want %v", got, want)
	}
	// 23:30 UTC on 15 July is already 16 July in London.
	got = consent.EndOfDay(time.Date(2026, 7, 15, 23, 30, 0, 0, time.UTC))
	if want := time.Date(2026, 7, 16, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("late evening: %v, want %v (London is %v)", got, want, web.London)
	}
}
