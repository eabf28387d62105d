package mastodon

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The streaming API's wire format, as documented
// (https://docs.joinmastodon.org/methods/streaming/): "event:" and "data:"
// lines, a blank line ends an event, lines starting with ":" are heartbeats.
const streamSample = ":)\n\n:thump\n\nevent: update\ndata: {\"id\": \"1\"}\n\nevent: notification\ndata: {\"id\": \"34975870\", \"type\": \"mention\", \"account\": {\"id\": \"109400\", \"acct\": \"marco@mastodon.example\", \"display_name\": \"Marco Neri\"}, \"status\": {\"id\": \"113450000000000010\", \"created_at\": \"2026-11-20T11:00:00.000Z\", \"visibility\": \"direct\", \"content\": \"<p>@comune quando apre la biblioteca?</p>\"}}\r\n\r\nevent: delete\ndata: 113440000000000000\n\n"

func TestReadEvents(t *testing.T) {
	var got []Event
	beats := 0
	err := ReadEvents(strings.NewReader(streamSample), func() { beats++ }, func(ev Event) error { got = append(got, ev); return nil })
	if err == nil || err.Error() != "EOF" {
		t.Fatalf("end of stream: %v", err)
	}
	if len(got) != 3 || got[0].Name != "update" || got[1].Name != "notification" || got[2].Data != "113440000000000000" || beats == 0 {
		t.Fatalf("events = %+v", got)
	}
	var n Notification
	if err := json.Unmarshal([]byte(got[1].Data), &n); err != nil {
		t.Fatal(err)
	}
	if ins := Parse([]Notification{n}); len(ins) != 1 || ins[0].Public || ins[0].Text != "quando apre la biblioteca?" {
		t.Fatalf("streamed direct message = %+v", ins)
	}
	stop := errors.New("stop")
	if err := ReadEvents(strings.NewReader(streamSample), nil, func(Event) error { return stop }); err != stop {
		t.Errorf("a handler's error ends the stream: %v", err)
	}
	if err := ReadEvents(strings.NewReader("data: "+strings.Repeat("x", maxEventBytes+1)+"\n\n"), nil, func(Event) error { return nil }); err == nil || err.Error() == "EOF" {
		t.Errorf("an oversized event: %v", err)
	}
}

// The event reader never panics, and what it hands over has no line breaks
// in its name.
func FuzzReadEvents(f *testing.F) {
	f.Add([]byte(streamSample))
	f.Add([]byte("data\n\ndata:\n\nevent:\n\n:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadEvents(strings.NewReader(string(b)), nil, func(ev Event) error {
			if strings.ContainsAny(ev.Name, "\r\n") {
				t.Fatalf("event name %q", ev.Name)
			}
			var n Notification
			if json.Unmarshal([]byte(ev.Data), &n) == nil {
				for _, in := range Parse([]Notification{n}) {
					if err := in.Validate(); err != nil {
						t.Fatalf("accepted %+v: %v", in, err)
					}
				}
			}
			return nil
		})
	})
}
