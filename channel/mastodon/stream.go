package mastodon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// Event is one server-sent event of the streaming API.
type Event struct {
	Name string // "notification", "update", "delete"...
	Data string
}

// maxEventBytes bounds one event: a notification with its status is a few
// kilobytes.
const maxEventBytes = 1 << 20

// ReadEvents reads server-sent events from r and hands each to handle, until
// r ends, handle fails or a line is too long. Comment lines (":thump", the
// heartbeat) are skipped; beat is called for every line read, so a caller
// can tell a silent connection from a quiet one.
func ReadEvents(r io.Reader, beat func(), handle func(Event) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var ev Event
	var data []string
	size := 0
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		if beat != nil {
			beat()
		}
		switch {
		case line == "":
			if len(data) > 0 {
				ev.Data = strings.Join(data, "\n")
				if ev.Name == "" {
					ev.Name = "message"
				}
				if err := handle(ev); err != nil {
					return err
				}
			}
			ev, data, size = Event{}, nil, 0
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				ev.Name = value
			case "data":
				if size += len(value); size > maxEventBytes {
					return errors.New("evento dello streaming troppo grande")
				}
				data = append(data, value)
			}
		}
	}
}

// readLine reads one line without its ending ("\n" or "\r\n"), refusing
// lines longer than maxEventBytes.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		part, isPrefix, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, part...)
		if len(b) > maxEventBytes {
			return "", errors.New("riga dello streaming troppo lunga")
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// silence is how long a stream may send nothing, not even a heartbeat,
// before it is taken for dead (Mastodon sends one every 15 seconds or so).
const silence = 90 * time.Second

// Stream reads the account's user stream (GET /api/v1/streaming/user,
// server-sent events) and hands each notification to handle, and each edit
// ("status.update") or deletion ("delete") of a status to revise, until the
// stream ends, fails, stays silent too long, or ctx ends. connected is
// called once the instance has accepted the stream, before any event is
// read: what arrived before can be fetched then without a gap.
func Stream(ctx context.Context, client *http.Client, streamBase, token string, connected func(), handle func(Notification) error, revise func(redazione.Revision) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(streamBase, "/")+"/api/v1/streaming/user", nil)
	if err != nil {
		return errors.New("indirizzo dello streaming Mastodon non valido")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("streaming Mastodon non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("lo streaming Mastodon ha risposto %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return fmt.Errorf("lo streaming Mastodon non ha risposto con eventi (%s)", ct)
	}
	if connected != nil {
		connected()
	}
	watchdog := time.AfterFunc(silence, cancel)
	defer watchdog.Stop()
	err = ReadEvents(resp.Body, func() { watchdog.Reset(silence) }, func(ev Event) error {
		return dispatch(ev.Name, ev.Data, handle, revise)
	})
	if errors.Is(err, io.EOF) || ctx.Err() != nil {
		return errors.New("lo streaming Mastodon si è interrotto")
	}
	return err
}

// dispatch applies one event of the user stream, whichever the transport:
// a notification goes to handle, the edit ("status.update", the Status) or
// deletion ("delete", the bare id) of a status to revise; other events
// (update, filters_changed...) are not the inbox's.
func dispatch(name, data string, handle func(Notification) error, revise func(redazione.Revision) error) error {
	switch name {
	case "status.update":
		var st Status
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			return fmt.Errorf("modifica illeggibile dallo streaming: %w", err)
		}
		if rev, ok := st.Revision(); ok && revise != nil {
			return revise(rev)
		}
		return nil
	case "delete":
		// the data is the id of the status, as a bare string
		if id := strings.Trim(strings.TrimSpace(data), `"`); id != "" && len(id) <= 255 && revise != nil {
			return revise(redazione.Revision{ExternalID: id, Deleted: true})
		}
		return nil
	case "notification":
		var n Notification
		if err := json.Unmarshal([]byte(data), &n); err != nil {
			return fmt.Errorf("notifica illeggibile dallo streaming: %w", err)
		}
		return handle(n)
	}
	return nil
}
