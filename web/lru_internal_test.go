package web

import (
	"strconv"
	"testing"
)

// The LRU keeps at most its bound and forgets the least recently used key,
// never one in use.
func TestLRUBounded(t *testing.T) {
	t.Parallel()
	c := newLRU[int](3)
	made := 0
	mk := func() int { made++; return made }
	c.get("a", mk)
	c.get("b", mk)
	c.get("c", mk)
	if v := c.get("a", mk); v != 1 {
		t.Fatalf("a = %d, want 1", v)
	}
	for i := range 100 {
		c.get(strconv.Itoa(i), mk)
		c.get("a", mk) // in use
	}
	if n := c.len(); n != 3 {
		t.Errorf("%d keys kept, want 3", n)
	}
	if v := c.get("a", mk); v != 1 {
		t.Errorf("a key in use was forgotten: %d", v)
	}
}
