package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"roundtable/internal/platform/db/dbtest"
)

// BenchmarkCouncils measures the councils list at its largest page (all 296 councils, one
// query) and one council with its figures and adopted standard, on SQLite with the demo data.
func BenchmarkCouncils(b *testing.B) {
	d := dbtest.SQLite(b, migrations())
	w := newWorld(b, d)
	for _, path := range []string{"/api/v1/councils?limit=500", "/api/v1/councils/E06000032"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				w.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
