package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads REDAZIONE_TRUSTED_PROXIES: addresses and CIDR
// prefixes, separated by commas or spaces.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("REDAZIONE_TRUSTED_PROXIES: %q is not an address or a CIDR prefix", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("REDAZIONE_TRUSTED_PROXIES: %q is not an address or a CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

type clientIPKey struct{}

// clientAddress finds each request's client address once (see
// Server.clientAddr) for clientIP.
func (s *Server) clientAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, s.clientAddr(r))))
	})
}

// clientIP is the address of the client of r: the connecting address or,
// when that is a trusted proxy, the one the proxies forwarded. Rate limits,
// login limits and the audit trail use it.
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return remoteHost(r.RemoteAddr)
}

func remoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.Config.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr reads X-Forwarded-For (or, without it, Forwarded) only when
// the connecting address is a trusted proxy, and then takes the rightmost
// hop that is not one: what came before it the client could have written.
func (s *Server) clientAddr(r *http.Request) string {
	remote := remoteHost(r.RemoteAddr)
	a, err := netip.ParseAddr(remote)
	if err != nil || !s.trusted(a.Unmap()) {
		return remote
	}
	hops := forwardedFor(r.Header)
	client := a.Unmap()
	for i := len(hops) - 1; i >= 0; i-- {
		h, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = h
		if !s.trusted(h) {
			break
		}
	}
	return client.String()
}

// forwardedFor lists the hops of X-Forwarded-For, or of Forwarded's for=.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for f := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(f))
		}
	}
	if len(hops) > 0 {
		return hops
	}
	for _, v := range h.Values("Forwarded") {
		for elem := range strings.SplitSeq(v, ",") {
			for pair := range strings.SplitSeq(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					hops = append(hops, strings.Trim(val, `"`))
				}
			}
		}
	}
	return hops
}

// parseHop reads one hop: an address, perhaps with a port, IPv6 perhaps in
// brackets.
func parseHop(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
