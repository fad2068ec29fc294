package web

import (
	"net/http"
	"strings"
	"time"
)

// Shed caps the requests served at once. A request that finds every place taken waits up to
// wait for one, then gets a short 503 with Retry-After, so that under overload the server
// answers quickly instead of queueing without end, and recovers as soon as the load falls.
// Health checks and static files are not counted: they are cheap, and a load balancer must
// still see the server alive.
func Shed(max int, wait time.Duration) func(http.Handler) http.Handler {
	places := make(chan struct{}, max)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || strings.HasPrefix(r.URL.Path, "/static/") {
				next.ServeHTTP(w, r)
				return
			}
			select {
			case places <- struct{}{}:
			default:
				t := time.NewTimer(wait)
				select {
				case places <- struct{}{}:
					t.Stop()
				case <-t.C:
					overloaded(w)
					return
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			defer func() { <-places }()
			next.ServeHTTP(w, r)
		})
	}
}

// overloaded is written without templates or the database: it must cost almost nothing.
func overloaded(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "2")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<title>Roundtable is busy</title></head><body><main><h1>Roundtable is very busy</h1>` +
		`<p>Try again in a few seconds. Nothing you sent was saved.</p></main></body></html>`))
}
