package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the reverse proxies (such as nginx in front of several servers) whose
// forwarded headers are believed. Behind a proxy every request's RemoteAddr is the proxy's
// own, so throttling by it would lock everybody out at once, or nobody.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma-separated list of CIDRs or single addresses, such as
// "127.0.0.1/32, 10.0.0.0/8, ::1". An empty string trusts no proxy.
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var t TrustedProxies
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or a CIDR such as 10.0.0.0/8", part)
			}
			t = append(t, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", part)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		t = append(t, p.Masked())
	}
	return t, nil
}

func (t TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// String lists the proxies as they would be written in the setting.
func (t TrustedProxies) String() string {
	s := make([]string, len(t))
	for i, p := range t {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

type clientKey struct{}

type client struct {
	addr  string
	https bool
}

// ClientAddresses works out, once per request, the address of the person at the other end and
// whether they reached the service over HTTPS. A forwarded header counts only when the
// request came from a trusted proxy; the client is then the nearest address in the chain that
// is not itself a trusted proxy, so a forged X-Forwarded-For a client sends is passed over.
func ClientAddresses(trusted TrustedProxies) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := resolveClient(r, trusted)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
		})
	}
}

// ClientAddr is the client's address: the one everything that counts or logs an address
// uses (sign-in throttling, the request log).
func ClientAddr(r *http.Request) string {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c.addr
	}
	return remoteHost(r)
}

// ClientHTTPS reports whether the client reached the service over HTTPS: directly, or
// through a trusted proxy that said so.
func ClientHTTPS(r *http.Request) bool {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c.https
	}
	return r.TLS != nil
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func resolveClient(r *http.Request, trusted TrustedProxies) client {
	c := client{addr: remoteHost(r), https: r.TLS != nil}
	peer, err := netip.ParseAddr(c.addr)
	if err != nil || len(trusted) == 0 || !trusted.trusts(peer) {
		return c
	}
	chain, proto := forwarded(r.Header)
	// Walk from the nearest hop outwards; stop at the first address no trusted proxy vouches for.
	for i := len(chain) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(chain[i])
		if err != nil {
			break // garbage in the chain: believe nothing further out
		}
		c.addr = a.Unmap().String()
		if !trusted.trusts(a) {
			break
		}
	}
	if proto != "" {
		c.https = strings.EqualFold(proto, "https")
	}
	return c
}

// forwarded reads the standard Forwarded header (RFC 7239) when present, else the
// X-Forwarded-For and X-Forwarded-Proto pair, returning the address chain (client first) and
// the protocol the nearest proxy was reached by.
func forwarded(h http.Header) (chain []string, proto string) {
	if fw := h.Values("Forwarded"); len(fw) > 0 {
		for _, v := range fw {
			for _, elem := range strings.Split(v, ",") {
				for _, pair := range strings.Split(elem, ";") {
					k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
					if !ok {
						continue
					}
					val = strings.Trim(val, `"`)
					switch strings.ToLower(k) {
					case "for":
						chain = append(chain, forwardedNode(val))
					case "proto":
						proto = val
					}
				}
			}
		}
		return chain, proto
	}
	for _, v := range h.Values("X-Forwarded-For") {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				chain = append(chain, a)
			}
		}
	}
	if p := h.Values("X-Forwarded-Proto"); len(p) > 0 {
		parts := strings.Split(p[len(p)-1], ",")
		proto = strings.TrimSpace(parts[len(parts)-1])
	}
	return chain, proto
}

// forwardedNode turns a Forwarded for= value ("192.0.2.1", "192.0.2.1:4711",
// "[2001:db8::1]:4711") into a bare address; an obfuscated node stays as it is and so is not
// an address.
func forwardedNode(v string) string {
	if strings.HasPrefix(v, "[") {
		if end := strings.Index(v, "]"); end > 0 {
			return v[1:end]
		}
	}
	if host, _, err := net.SplitHostPort(v); err == nil {
		return host
	}
	return v
}
