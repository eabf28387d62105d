package web

import (
	"net/http/httptest"
	"testing"
)

// X-Forwarded-For and Forwarded are read only from a trusted proxy, and
// the client's address is their rightmost hop that is not a trusted proxy.
func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies, err := ParseTrustedProxies("10.0.0.5, 172.16.0.0/12 ::1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTrustedProxies("10.0.0.5, nonsense"); err == nil {
		t.Error("an invalid proxy was accepted")
	}
	s := &Server{Config: Config{TrustedProxies: proxies}}
	for _, c := range []struct {
		remote, xff, fwd, want string
	}{
		{"198.51.100.7:1234", "203.0.113.9", "", "198.51.100.7"},                 // not from a proxy: ignored
		{"10.0.0.5:1234", "", "", "10.0.0.5"},                                    // a proxy, nothing forwarded
		{"10.0.0.5:1234", "203.0.113.9", "", "203.0.113.9"},                      // one proxy
		{"10.0.0.5:1234", "1.2.3.4, 203.0.113.9", "", "203.0.113.9"},             // the client wrote 1.2.3.4
		{"10.0.0.5:1234", "1.2.3.4, 203.0.113.9, 172.16.3.4", "", "203.0.113.9"}, // two proxies
		{"10.0.0.5:1234", "garbage", "", "10.0.0.5"},                             // unreadable hop
		{"10.0.0.5:1234", "", `for=1.2.3.4, for="[2001:db8::1]:4711"`, "2001:db8::1"},
		{"[::1]:1234", "203.0.113.9:5555", "", "203.0.113.9"},
		{"[::ffff:10.0.0.5]:1234", "203.0.113.9", "", "203.0.113.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.fwd != "" {
			r.Header.Set("Forwarded", c.fwd)
		}
		if got := s.clientAddr(r); got != c.want {
			t.Errorf("from %s, X-Forwarded-For %q, Forwarded %q: %s, want %s", c.remote, c.xff, c.fwd, got, c.want)
		}
	}
}
