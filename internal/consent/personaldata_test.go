package consent_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/personaldata/personaldatatest"
)

func TestConsentPersonalData(t *testing.T) {
	var schema []db.Migration
	for _, ms := range [][]db.Migration{audit.Migrations, directory.Migrations, accounts.Migrations, consent.Migrations} {
		schema = append(schema, ms...)
	}
	for _, remove := range []bool{false, true} {
		t.Run(fmt.Sprint("remove ", remove), func(t *testing.T) { testConsentErasure(t, schema, remove) })
	}
}

func testConsentErasure(t *testing.T, schema []db.Migration, remove bool) {
	dbtest.Each(t, schema, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		src := consent.PersonalData{}
		personaldatatest.ClaimsMatchSchema(t, d, src)
		org := accountstest.Organisation(t, d, "Group")
		id, _ := accountstest.Person(t, d, "Rowan Vale", auth.Member, org)
		now := time.Now().UTC()
		var round int64
		if err := d.Write.QueryRow(`INSERT INTO consent_rounds (subject, opened_at, closes_at, quorum) VALUES ('x:1', $1, $1, 1) RETURNING id`, now).Scan(&round); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write.Exec(`INSERT INTO consent_responses (round_id, person_id, kind, reason, responded_at) VALUES ($1, $2, 'object', 'Too soon', $3)`, round, id, now); err != nil {
			t.Fatal(err)
		}
		tables, err := src.Export(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		if rows := personaldatatest.Rows(t, tables, "consent_responses"); len(rows) != 1 || rows[0]["reason"] != "Too soon" || rows[0]["subject"] != "x:1" {
			t.Errorf("export: %v", rows)
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			return src.Erase(ctx, tx, personaldata.Erasure{PersonID: id, RemoveContributions: remove, At: now})
		}); err != nil {
			t.Fatal(err)
		}
		// The objection still counts; its reason goes only when asked.
		var kind, reason string
		if err := d.Read.QueryRow("SELECT kind, reason FROM consent_responses WHERE person_id = $1", id).Scan(&kind, &reason); err != nil {
			t.Fatal(err)
		}
		want := "Too soon"
		if remove {
			want = personaldata.Removed
		}
		if kind != "object" || reason != want {
			t.Errorf("remove %v: %s %q, want object %q", remove, kind, reason, want)
		}
	})
}
