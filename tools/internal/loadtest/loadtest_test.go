package loadtest

import (
	"testing"
	"time"
)

// A summary as Debian's hey 0.1.4 prints it, with a transport error.
const summary = `
Summary:
  Total:	8.0123 secs
  Slowest:	0.6364 secs
  Fastest:	0.0021 secs
  Average:	0.1980 secs
  Requests/sec:	32.3000

Latency distribution:
  10% in 0.0950 secs
  50% in 0.2133 secs
  99% in 0.6100 secs

Status code distribution:
  [200]	266 responses
  [503]	3 responses

Error distribution:
  [2]	Get "http://127.0.0.1:1/": context deadline exceeded
`

func TestParse(t *testing.T) {
	r := Parse(summary)
	if r.Requests != 269 || r.Statuses[200] != 266 || r.Statuses[503] != 3 || r.TransportErrors != 2 {
		t.Errorf("counts: %+v", r)
	}
	if r.RPS != 32.3 || r.P50 != 213300*time.Microsecond || r.P99 != 610*time.Millisecond || r.Slowest != 636400*time.Microsecond {
		t.Errorf("figures: %+v", r)
	}
	// Too few requests for a 99th percentile: the slowest stands in.
	if r := Parse("  Slowest:\t2.5000 secs\n  50% in 2.4000 secs\n  [200]\t3 responses\n"); r.P99 != 2500*time.Millisecond || r.Requests != 3 {
		t.Errorf("few requests: %+v", r)
	}
}
