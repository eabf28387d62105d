package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// signalWriter records each write it is given and signals it.
type signalWriter struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes = append(w.writes, string(p))
	w.mu.Unlock()
	w.wrote <- struct{}{}
	return len(p), nil
}

func (w *signalWriter) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.writes...)
}

// The server's log is written in batches: informational lines wait for
// the batch, a warning is written at once with the lines before it, in
// order, and what is left is written when the server stops.
func TestLogWrittenInBatches(t *testing.T) {
	t.Parallel()
	out := &signalWriter{wrote: make(chan struct{}, 16)}
	buf := newLogBuffer(out)
	log := newLogger(config{LogFormat: "json"}, buf)

	log.Info("request", "path", "/api/v1/channels/1/messages")
	log.Info("request", "path", "/inbox")
	if got := out.all(); len(got) != 0 {
		t.Fatalf("informational lines written one by one: %q", got)
	}
	log.Warn("channel failing", "channel", 7)
	<-out.wrote
	got := out.all()
	if len(got) != 1 || strings.Count(got[0], "\n") != 3 {
		t.Fatalf("a warning should write the batch at once, in one write: %q", got)
	}
	if i, j := strings.Index(got[0], "/inbox"), strings.Index(got[0], "channel failing"); i < 0 || j < i {
		t.Fatalf("lines out of order: %q", got[0])
	}

	// A line alone is written within the delay, by the timer.
	log.Info("request", "path", "/search")
	select {
	case <-out.wrote:
	case <-time.After(30 * logFlushDelay):
		t.Fatal("a lone line was never written")
	}
	if got := out.all(); len(got) != 2 || !strings.Contains(got[1], "/search") {
		t.Fatalf("the timer wrote %q", got)
	}

	// What is gathered when the server stops is written then.
	log.Info("stopping")
	buf.Flush()
	<-out.wrote
	if got := out.all(); len(got) != 3 || !strings.Contains(got[2], "stopping") {
		t.Fatalf("flush on stop wrote %q", got)
	}
}

// A batch is written when it reaches logFlushSize, without waiting.
func TestLogBatchBounded(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	buf := newLogBuffer(&out)
	buf.delay = time.Hour // the size alone writes it
	line := strings.Repeat("x", 1000) + "\n"
	for range logFlushSize / len(line) {
		buf.Write([]byte(line))
	}
	if out.Len() != 0 {
		t.Fatalf("written before the batch was full: %d bytes", out.Len())
	}
	buf.Write([]byte(line))
	if n := out.Len(); n < logFlushSize || n%len(line) != 0 {
		t.Fatalf("a full batch wrote %d bytes", n)
	}
	buf.Flush() // stops the timer
}
