package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/redazione/redazione/events"
)

// sse streams server-sent events: keep writes small and flush each one.
type sse struct {
	w http.ResponseWriter
	f *http.ResponseController
}

func startSSE(w http.ResponseWriter, r *http.Request) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &sse{w: w, f: http.NewResponseController(w)}
	// An SSE stream outlives the server's write timeout.
	s.f.SetWriteDeadline(time.Time{})
	fmt.Fprint(w, "retry: 2000\n\n")
	s.f.Flush()
	return s
}

func (s *sse) send(event string, data any) error {
	b, _ := json.Marshal(data)
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, b); err != nil {
		return err
	}
	return s.f.Flush()
}

func (s *sse) ping() error {
	if _, err := fmt.Fprint(s.w, ": ping\n\n"); err != nil {
		return err
	}
	return s.f.Flush()
}

// operatorEvents streams to an operator's screen the events of the
// conversations they may see.
func (s *Server) operatorEvents(w http.ResponseWriter, r *http.Request, u *session) {
	release, ok := s.operatorStreams.acquire(strconv.FormatInt(u.User.ID, 10))
	if !ok {
		s.refuseStream(w, s.operatorStreams, "operator", "Troppe schede aperte in diretta: chiudine qualcuna.")
		return
	}
	defer release()
	// The session is read again at every ping: a session ended (by its
	// user, an administrator, or disabling) closes its live stream too.
	alive := func() bool { _, ok := s.sessionOf(r); return ok }
	s.streamWhile(w, r, alive, func(e events.Event) (string, any) {
		if (e.EnteID != u.Actor.EnteID && e.EnteID != 0) || e.Type == events.SettingsChanged {
			return "", nil
		}
		if e.DeskID != 0 && !u.Actor.CanSeeDesk(e.DeskID) {
			return "", nil
		}
		if e.Type == events.Notification && e.UserID != 0 && e.UserID != u.User.ID {
			return "", nil
		}
		if e.Type == events.PresenceChanged {
			if e.UserID == u.User.ID {
				return "", nil // one's own other tabs
			}
			return e.Type, map[string]any{"conversation": e.ConversationID, "user": e.UserID, "name": e.Name, "state": e.State}
		}
		return e.Type, map[string]int64{"conversation": e.ConversationID, "message": e.MessageID}
	})
}

// stream sends, until the client leaves, the bus events that pick turns
// into an event name and data ("" skips the event), with a ping every 25 s
// so that proxies keep the connection open. It subscribes before it
// answers, so nothing published after the response starts is missed. A
// stream that has sent no event for s.streamIdle ends (the pings do not
// count): EventSource reconnects by itself, and an abandoned page's
// connection is given back.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, pick func(events.Event) (string, any)) {
	s.streamWhile(w, r, nil, pick)
}

// streamWhile is stream that also ends, at a ping, when alive (if not nil)
// says the stream's session has ended.
func (s *Server) streamWhile(w http.ResponseWriter, r *http.Request, alive func() bool, pick func(events.Event) (string, any)) {
	sub, stop := s.Bus.Subscribe()
	defer stop()
	out := startSSE(w, r)
	tick := time.NewTicker(min(25*time.Second, s.streamIdle))
	defer tick.Stop()
	idle := time.NewTimer(s.streamIdle)
	defer idle.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-idle.C:
			return
		case <-tick.C:
			if alive != nil && !alive() {
				return
			}
			if out.ping() != nil {
				return
			}
		case e := <-sub:
			name, data := pick(e)
			if name == "" {
				continue
			}
			if out.send(name, data) != nil {
				return
			}
			idle.Reset(s.streamIdle)
		}
	}
}
