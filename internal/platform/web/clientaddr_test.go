package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientAddressBehindTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("127.0.0.1/32, 10.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote string
		headers      map[string]string
		trusted      TrustedProxies
		want         string
		https        bool
	}{
		{"no proxy", "203.0.113.7:5000", nil, trusted, "203.0.113.7", false},
		{"forged header from an untrusted client is ignored", "203.0.113.7:5000",
			map[string]string{"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}, trusted, "203.0.113.7", false},
		{"trusted proxy", "127.0.0.1:4000",
			map[string]string{"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}, trusted, "198.51.100.1", true},
		{"client forges a hop; the proxy appends the real address", "127.0.0.1:4000",
			map[string]string{"X-Forwarded-For": "192.0.2.66, 198.51.100.1"}, trusted, "198.51.100.1", false},
		{"two trusted proxies in a row", "127.0.0.1:4000",
			map[string]string{"X-Forwarded-For": "198.51.100.1, 10.1.2.3"}, trusted, "198.51.100.1", false},
		{"garbage nearest hop: believe nothing beyond the proxy", "127.0.0.1:4000",
			map[string]string{"X-Forwarded-For": "198.51.100.1, not-an-address"}, trusted, "127.0.0.1", false},
		{"Forwarded header (RFC 7239)", "[::1]:4000",
			map[string]string{"Forwarded": `for="[2001:db8::17]:4711";proto=https`}, trusted, "2001:db8::17", true},
		{"setting off: headers ignored even from loopback", "127.0.0.1:4000",
			map[string]string{"X-Forwarded-For": "198.51.100.1"}, nil, "127.0.0.1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			var gotAddr string
			var gotHTTPS bool
			ClientAddresses(c.trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAddr, gotHTTPS = ClientAddr(r), ClientHTTPS(r)
			})).ServeHTTP(httptest.NewRecorder(), r)
			if gotAddr != c.want || gotHTTPS != c.https {
				t.Errorf("client %q https %v, want %q %v", gotAddr, gotHTTPS, c.want, c.https)
			}
		})
	}
}

func TestParseTrustedProxiesRefusesNonsense(t *testing.T) {
	for _, bad := range []string{"nginx", "10.0.0.0/33", "10.0.0/8", "127.0.0.1,,bogus"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	got, err := ParseTrustedProxies(" 10.1.2.3/8 , ::ffff:127.0.0.1 ")
	if err != nil || got.String() != "10.0.0.0/8,127.0.0.1/32" {
		t.Errorf("parsed %q %v", got.String(), err)
	}
}
