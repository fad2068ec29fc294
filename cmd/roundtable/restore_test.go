package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/shareddata"
)

// rowCounts counts the rows of every table of a SQLite database.
func rowCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenSQLiteFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tables, err := db.Collect(ctx, d.Read, func(s db.Scanner) (name string, err error) {
		err = s.Scan(&name)
		return name, err
	}, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, table := range tables {
		var n int
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

func TestBackupRestoresEveryRowAndTheAuditTrailVerifies(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"ROUNDTABLE_DATA": data}
	if _, _, err := runCmd(t, env, "demo", "--authorities", shareddata.Path(t, shareddata.Authorities)); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, env, "audit", "verify")
	if err != nil || !strings.Contains(out, "The audit trail is intact") {
		t.Fatalf("audit verify on the demo: %v %q", err, out)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, _, err := runCmd(t, env, "backup", backup); err != nil {
		t.Fatal(err)
	}
	want := rowCounts(t, filepath.Join(data, "roundtable.db"))
	if want["people"] == 0 || want["councils"] != 338 || want["audit_log"] == 0 {
		t.Fatalf("the demo database is not what the test expects: %v", want)
	}

	// Restore into a new data directory, and over the existing one (kept aside).
	restored := t.TempDir()
	out, _, err = runCmd(t, map[string]string{"ROUNDTABLE_DATA": restored}, "restore", backup)
	if err != nil || !strings.Contains(out, "Restored from") {
		t.Fatalf("restore: %v %q", err, out)
	}
	got := rowCounts(t, filepath.Join(restored, "roundtable.db"))
	for table, n := range want {
		if got[table] != n {
			t.Errorf("table %s: %d rows restored, want %d", table, got[table], n)
		}
	}
	out, _, err = runCmd(t, env, "restore", backup)
	if err != nil || !strings.Contains(out, "kept as") {
		t.Fatalf("restore over a database: %v %q", err, out)
	}
	if _, _, err := runCmd(t, env, "restore", filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("restore of a missing file succeeded")
	}

	// An edit behind Roundtable's back is found.
	ctx := context.Background()
	d, err := db.OpenSQLiteFile(ctx, filepath.Join(restored, "roundtable.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.ExecContext(ctx, "UPDATE audit_log SET actor_name = 'Someone else' WHERE id = (SELECT min(id) FROM audit_log)"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out, _, err = runCmd(t, map[string]string{"ROUNDTABLE_DATA": restored}, "audit", "verify")
	if err == nil || !strings.Contains(out, "changed after it was written") {
		t.Fatalf("audit verify after an edit: %v %q", err, out)
	}
}
