package directory_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/shareddata"
)

// registerHead is the header and the first n English rows of the real register, a seed that
// gets past the header checks so the fuzzer explores the rows.
func registerHead(t testing.TB, n int) []byte {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, shareddata.Authorities))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && n > 0 {
		line := sc.Text()
		if b.Len() > 0 && !strings.Contains(line, ",E0") {
			continue
		}
		if b.Len() > 0 {
			n--
		}
		b.WriteString(line + "\n")
	}
	return b.Bytes()
}

func countCouncils(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow("SELECT count(*) FROM councils").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzImportAuthorities feeds the register importer any bytes. It must never panic, must
// refuse a bad file with an *ImportError (or a domain error) that changes nothing, and a file
// it accepts must import again without adding anything.
func FuzzImportAuthorities(f *testing.F) {
	f.Add(registerHead(f, 5))
	f.Add(registerHead(f, 1))
	f.Add([]byte("local-authority-code,official-name\n"))
	f.Add([]byte(""))
	f.Add([]byte("\xef\xbb\xbf\"unterminated\n"))
	d := dbtest.SQLite(f, app.Migrations())
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		before := countCouncils(t, d)
		res, err := directory.ImportAuthorities(ctx, d, bytes.NewReader(data))
		if err != nil {
			var ie *directory.ImportError
			if _, ok := errs.As(err); !errors.As(err, &ie) && !ok {
				t.Fatalf("an error that is neither an ImportError nor a domain error: %v", err)
			}
			if after := countCouncils(t, d); after != before {
				t.Fatalf("a refused file changed the councils: %d -> %d (%v)", before, after, err)
			}
			return
		}
		again, err := directory.ImportAuthorities(ctx, d, bytes.NewReader(data))
		if err != nil || again.Added != 0 || again.Current != res.Current || again.Past != res.Past {
			t.Fatalf("importing an accepted file again: %+v, %v (first %+v)", again, err, res)
		}
	})
}
