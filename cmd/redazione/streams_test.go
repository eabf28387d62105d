package main

import (
	"testing"
	"time"

	"github.com/redazione/redazione/web"
)

func TestStreamLimitsFromEnv(t *testing.T) {
	t.Setenv("REDAZIONE_STREAMS_PER_ADDRESS", "7")
	t.Setenv("REDAZIONE_STREAMS_PUBLIC", "700")
	t.Setenv("REDAZIONE_STREAMS_PER_USER", "3")
	t.Setenv("REDAZIONE_STREAMS_OPERATORS", "90")
	t.Setenv("REDAZIONE_STREAM_IDLE", "90s")
	want := web.StreamLimits{PerAddress: 7, Public: 700, PerUser: 3, Operators: 90, Idle: 90 * time.Second}
	if got := configFromEnv().Streams; got != want {
		t.Fatalf("stream limits %+v, want %+v", got, want)
	}
	t.Setenv("REDAZIONE_STREAMS_PER_ADDRESS", "many")
	t.Setenv("REDAZIONE_STREAM_IDLE", "-1m")
	if got := configFromEnv().Streams; got.PerAddress != 0 || got.Idle != 0 {
		t.Fatalf("unreadable values give %+v; want zero, the defaults", got)
	}
}
