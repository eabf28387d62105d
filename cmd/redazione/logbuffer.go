package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// The server's log is written in batches. A line per request, each its own
// write to stderr (and a wake-up of whatever reads it: journald, Docker),
// cost the server about a tenth of its CPU on a heavy day of ingest
// (docs/PERFORMANCE.md). Lines are gathered for at most logFlushDelay or
// logFlushSize bytes, whichever comes first; a warning or an error is
// written at once, with the lines before it, and everything is written
// when the server stops. What a crash of the process can lose is the last
// tenth of a second of informational lines, never a warning or an error.
const (
	logFlushDelay = 100 * time.Millisecond
	logFlushSize  = 32 << 10
)

// logBuffer is an io.Writer that writes to w in batches. Each Write is one
// whole record of a slog handler, so a batch never splits a line.
type logBuffer struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	timer *time.Timer
	armed bool
	delay time.Duration
}

func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{w: w, buf: make([]byte, 0, logFlushSize), delay: logFlushDelay}
	b.timer = time.AfterFunc(time.Hour, b.Flush)
	b.timer.Stop()
	return b
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= logFlushSize:
		b.flushLocked()
	case !b.armed:
		b.armed = true
		b.timer.Reset(b.delay)
	}
	return len(p), nil
}

// Flush writes what is gathered.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *logBuffer) flushLocked() {
	if b.armed {
		b.timer.Stop()
		b.armed = false
	}
	if len(b.buf) == 0 {
		return
	}
	// A failed write to stderr has nowhere to be reported; the lines are
	// dropped rather than kept to grow without bound.
	b.w.Write(b.buf)
	b.buf = b.buf[:0]
}

// flushingHandler writes the batch at once after a record at level warn or
// above, so that a problem is in the log when it happens.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
