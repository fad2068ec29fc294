package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
)

func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			return audit.Record(ctx, tx, audit.Entry{ActorID: 7, ActorName: "Jo", Action: "claim.approved",
				Subject: fmt.Sprint("claim:", i), Scope: "panel:1", Before: map[string]any{"state": "owed"}, After: map[string]any{"state": "approved", "pence": 2500}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, d *db.DB) (int, []audit.Problem) {
	t.Helper()
	n, problems, err := audit.Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return n, problems
}

func TestChainFindsEditsAndDeletions(t *testing.T) {
	dbtest.Each(t, audit.Migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if n, p := verify(t, d); n != 0 || len(p) != 0 {
			t.Fatalf("empty log: %d %v", n, p)
		}
		record(t, d, 5)
		if n, p := verify(t, d); n != 5 || len(p) != 0 {
			t.Fatalf("intact log: %d records, problems %v", n, p)
		}
		var ids []int64
		rows, _ := d.Read.QueryContext(ctx, "SELECT id FROM audit_log ORDER BY id")
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()

		// An edit of money in the third record.
		if _, err := d.Write.ExecContext(ctx, "UPDATE audit_log SET after_json = $1 WHERE id = $2", `{"pence":250000,"state":"approved"}`, ids[2]); err != nil {
			t.Fatal(err)
		}
		_, p := verify(t, d)
		if len(p) != 1 || p[0].ID != ids[2] || !strings.Contains(p[0].Reason, "changed after it was written") {
			t.Fatalf("edit: problems %v", p)
		}
		// A deletion in the middle.
		if _, err := d.Write.ExecContext(ctx, "DELETE FROM audit_log WHERE id = $1", ids[1]); err != nil {
			t.Fatal(err)
		}
		_, p = verify(t, d)
		if !hasProblem(p, ids[2], "before it was changed or removed") {
			t.Fatalf("deletion: problems %v", p)
		}
		// The newest record deleted.
		if _, err := d.Write.ExecContext(ctx, "DELETE FROM audit_log WHERE id = $1", ids[4]); err != nil {
			t.Fatal(err)
		}
		_, p = verify(t, d)
		if !hasProblem(p, ids[4], "newest record was removed") {
			t.Fatalf("deletion of the newest: problems %v", p)
		}
	})
}

func hasProblem(ps []audit.Problem, id int64, reason string) bool {
	for _, p := range ps {
		if p.ID == id && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

func TestConcurrentWritersKeepOneChain(t *testing.T) {
	dbtest.Each(t, audit.Migrations, func(t *testing.T, d *db.DB) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				record(t, d, 10)
			}()
		}
		wg.Wait()
		if n, p := verify(t, d); n != 80 || len(p) != 0 {
			t.Fatalf("%d records, problems %v", n, p)
		}
	})
}

func TestRolledBackChangeLeavesNoRecord(t *testing.T) {
	dbtest.Each(t, audit.Migrations, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_ = d.Tx(ctx, func(tx *sql.Tx) error {
			if err := audit.Record(ctx, tx, audit.Entry{Action: "x.y", Subject: "x:1"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		record(t, d, 1)
		if n, p := verify(t, d); n != 1 || len(p) != 0 {
			t.Fatalf("%d records, problems %v", n, p)
		}
	})
}
