package web

import "testing"

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for ip, want := range map[string]string{
		"203.0.113.7":            "203.0.113.7",
		"::ffff:203.0.113.7":     "203.0.113.7",
		"[2001:db8:1:2:3:4:5:6]": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":   "2001:db8:1:2::/64",
		"fe80::1%eth0":           "fe80::/64",
		"not an address":         "not an address",
	} {
		if got := addressKey(ip); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", ip, got, want)
		}
	}
}

// A slot is given back once, however often release is called.
func TestStreamPoolReleasesOnce(t *testing.T) {
	t.Parallel()
	p := newStreamPool(2, 3)
	r1, ok := p.acquire("a")
	if !ok {
		t.Fatal("first stream refused")
	}
	if _, ok := p.acquire("a"); !ok {
		t.Fatal("second stream refused")
	}
	if _, ok := p.acquire("a"); ok {
		t.Fatal("a third stream of one key, past its cap of 2")
	}
	if _, ok := p.acquire("b"); !ok {
		t.Fatal("another key's stream refused")
	}
	if _, ok := p.acquire("c"); ok {
		t.Fatal("a stream past the total of 3")
	}
	r1()
	r1()
	if _, ok := p.acquire("c"); !ok {
		t.Fatal("a released slot not given back")
	}
	if _, ok := p.acquire("a"); ok {
		t.Fatal("a double release gave back two slots")
	}
}
