package metrics

import (
	"testing"
	"time"
)

// A nil Metrics counts nothing and does not fail: code that counts needs
// no check.
func TestNilCountsNothing(t *testing.T) {
	t.Parallel()
	var m *Metrics
	m.MessageReceived("api")
	m.Delivery(Sent)
	m.SLABreaches(2)
	m.ObserveQuery("select", time.Millisecond)
	m.Streams(nil)
	m.Jobs(nil)
}

// What timing a statement costs the store (go test -bench Observe ./metrics).
func BenchmarkObserveQuery(b *testing.B) {
	m := New()
	for b.Loop() {
		start := time.Now()
		m.ObserveQuery("insert", time.Since(start))
	}
}

// The histogram alone, without the clock: the rest of a statement's cost
// is the two clock readings (here, on a VM, most of it).
func BenchmarkObserveOnly(b *testing.B) {
	m := New()
	for b.Loop() {
		m.ObserveQuery("insert", time.Microsecond)
	}
}
