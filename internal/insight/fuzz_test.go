package insight_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/insight"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/shareddata"
)

// snapshotHead is the first n lines of the real rough sleeping file, a seed in the long shape.
func snapshotHead(t testing.TB, n int) []byte {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, "rough_sleeping_snapshot_2017_2022_long.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(f)
	for i := 0; i < n && sc.Scan(); i++ {
		b.WriteString(sc.Text() + "\n")
	}
	return b.Bytes()
}

func countFigures(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT (SELECT count(*) FROM rough_sleeping_figures) + (SELECT count(*) FROM rough_sleeping_imports)").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzImportRoughSleeping feeds the rough sleeping importer any bytes, strict and not. It
// must never panic, and a refused file must change nothing.
func FuzzImportRoughSleeping(f *testing.F) {
	f.Add(snapshotHead(f, 40), true)
	f.Add(snapshotHead(f, 40), false)
	f.Add([]byte("Area code,Area name,Region,2017,2018\nE06000032,Luton,East of England,10,x\n"), false)
	f.Add([]byte("Local authority ONS code,Local authority,Region,Region ONS code,Period,Numerical\n"), true)
	f.Add([]byte(""), false)
	d := dbtest.SQLite(f, app.Migrations())
	importRegister(f, d)
	f.Fuzz(func(t *testing.T, data []byte, strict bool) {
		before := countFigures(t, d)
		res, err := insight.ImportRoughSleeping(ctx, d, bytes.NewReader(data), insight.ImportOptions{Strict: strict, Source: "fuzz.csv"})
		if err != nil {
			var ie *insight.ImportError
			if _, ok := errs.As(err); !errors.As(err, &ie) && !ok {
				t.Fatalf("an error that is neither an ImportError nor a domain error: %v", err)
			}
			if after := countFigures(t, d); after != before {
				t.Fatalf("a refused file changed the figures: %d -> %d (%v)", before, after, err)
			}
			return
		}
		if strict && len(res.Problems) > 0 {
			t.Fatalf("a strict import succeeded with problems: %v", res.Problems)
		}
	})
}
