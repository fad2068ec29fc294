package standards_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/personaldata/personaldatatest"
	"roundtable/internal/standards"
)

// TestStandardsPersonalData: the source claims exactly the standards columns that refer to
// people; the download names the standard, panel and proposal; erasure, either way the person
// chooses, keeps every proposal, comment and consent response (so rounds and provenance add
// up), removes the person's reasons and comments only when asked, and takes their name off a
// council's sign-off.
func TestStandardsPersonalData(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(fmt.Sprintf("remove contributions %v", remove), func(t *testing.T) {
			dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				src := standards.PersonalData{}
				personaldatatest.ClaimsMatchSchema(t, d, src)
				w := newWorld(t, d)
				sam := w.ids["sam"]
				empty, err := src.Export(ctx, d, w.ids["bpool"])
				if err != nil {
					t.Fatal(err)
				}
				for _, tb := range empty {
					if len(tb.Columns) == 0 || len(tb.Rows) != 0 {
						t.Errorf("%s: columns %v, %d rows for someone who took no part", tb.Name, tb.Columns, len(tb.Rows))
					}
				}

				p := w.propose(standards.NewProposal{Kind: standards.AddClause, Title: "Paying people", Wording: "People are paid.",
					Reason: "I was never paid for my time at the council"})
				for who, body := range map[string]string{"sam": "Sam thinks vouchers matter", "aisha": "Aisha agrees"} {
					if _, err := d.Write.Exec(`INSERT INTO standard_comments (proposal_id, person_id, body, created_at) VALUES ($1, $2, $3, $4)`,
						p.ID, w.ids[who], body, start); err != nil {
						t.Fatal(err)
					}
				}
				ver, err := standards.Publish(ctx, d, w.std, false, "First.", w.who["facilitator"], start)
				if err != nil {
					t.Fatal(err)
				}
				// Sam, here also a council's note-taker, recorded an adoption that names them as signing off.
				if _, err := d.Write.Exec(`INSERT INTO standard_adoptions (council_id, version_id, adopted_on, signed_off_by, recorded_at, recorded_by)
					VALUES ($1, $2, '2026-03-05', 'Test sam', $3, $4)`, council(t, d, lutonCode), ver.ID, start, sam); err != nil {
					t.Fatal(err)
				}

				tables, err := src.Export(ctx, d, sam)
				if err != nil {
					t.Fatal(err)
				}
				ps := personaldatatest.Rows(t, tables, "standard_proposals")
				if len(ps) != 3 || ps[2]["standard"] != "Co-production standard" || ps[2]["panel"] != w.luton.Name || ps[2]["reason"] != "I was never paid for my time at the council" {
					t.Errorf("proposals: %v", ps)
				}
				if cs := personaldatatest.Rows(t, tables, "standard_comments"); len(cs) != 1 || cs[0]["proposal_title"] != "Paying people" || cs[0]["body"] != "Sam thinks vouchers matter" {
					t.Errorf("comments: %v", cs)
				}
				if made := personaldatatest.Rows(t, tables, "standards_records_you_made"); len(made) != 1 || made[0]["kind"] != "adoption recorded" {
					t.Errorf("records made: %v", made)
				}
				facTables, err := src.Export(ctx, d, w.ids["facilitator"])
				if err != nil {
					t.Fatal(err)
				}
				if made := personaldatatest.Rows(t, facTables, "standards_records_you_made"); len(made) != 1+2+1 {
					t.Errorf("the facilitator's records: %v, want the standard, two decisions and a version", made)
				}

				const counts = `SELECT (SELECT count(*) FROM standard_proposals) || ' ' || (SELECT count(*) FROM standard_comments) || ' ' ||
					(SELECT count(*) FROM consent_responses) || ' ' || (SELECT count(*) FROM standard_clause_changes) || ' ' || (SELECT count(*) FROM standard_adoptions)`
				var before, after string
				if err := d.Read.QueryRow(counts).Scan(&before); err != nil {
					t.Fatal(err)
				}
				err = d.Tx(ctx, func(tx *sql.Tx) error {
					return src.Erase(ctx, tx, personaldata.Erasure{PersonID: sam, RemoveContributions: remove, At: start, Names: []string{"Test sam"}})
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := d.Read.QueryRow(counts).Scan(&after); err != nil || after != before {
					t.Errorf("counts changed: %q before, %q after (%v)", before, after, err)
				}
				var reason, body, aisha, signed, wording string
				if err := d.Read.QueryRow(`SELECT p.reason, p.wording, c.body FROM standard_proposals p JOIN standard_comments c ON c.proposal_id = p.id AND c.person_id = p.proposed_by
					WHERE p.id = $1`, p.ID).Scan(&reason, &wording, &body); err != nil {
					t.Fatal(err)
				}
				if got := reason == personaldata.Removed && body == personaldata.Removed; got != remove {
					t.Errorf("remove %v: reason %q, comment %q", remove, reason, body)
				}
				if wording != "People are paid." {
					t.Errorf("the proposed wording, part of the standard's provenance, became %q", wording)
				}
				if err := d.Read.QueryRow(`SELECT body FROM standard_comments WHERE person_id = $1`, w.ids["aisha"]).Scan(&aisha); err != nil || aisha != "Aisha agrees" {
					t.Errorf("another person's comment became %q (%v)", aisha, err)
				}
				if err := d.Read.QueryRow(`SELECT signed_off_by FROM standard_adoptions`).Scan(&signed); err != nil || signed != personaldata.FormerMember {
					t.Errorf("the sign-off reads %q (%v)", signed, err)
				}
			})
		})
	}
}
