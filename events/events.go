// Package events fans out what happens (a message arrives, a conversation is
// assigned) to every open screen: in one process with a local hub, across
// processes sharing PostgreSQL with LISTEN/NOTIFY.
package events

import (
	"context"
	"sync"
)

// Types of event.
const (
	MessageCreated      = "message"
	ConversationChanged = "conversation"
	Notification        = "notification"
	MessageUpdated      = "delivery"
	// CrisisChanged: an ente's crisis mode was turned on or off; every
	// screen of the ente redraws its banner.
	CrisisChanged = "crisis"
	// SettingsChanged: an ente's channels, routing rules, calendar or
	// response-time targets changed; every process forgets what it cached
	// of them (store.DB.Forget). No screen is told.
	SettingsChanged = "settings"
	// PresenceChanged: an operator opened, is writing a reply in, or left
	// a conversation (State); screens showing it say so. Nothing is
	// stored: each screen forgets a colleague not heard of for a while.
	PresenceChanged = "presence"
)

// Presence states.
const (
	Viewing = "viewing"
	Typing  = "typing"
	Left    = "left"
)

// Event is a small notice; screens fetch what they show, so an event never
// carries a citizen's text across processes.
type Event struct {
	Type           string `json:"t"`
	EnteID         int64  `json:"e"`
	ConversationID int64  `json:"c,omitempty"`
	DeskID         int64  `json:"d,omitempty"`
	ContactID      int64  `json:"k,omitempty"`
	MessageID      int64  `json:"m,omitempty"`
	UserID         int64  `json:"u,omitempty"` // the user a notification is for
	Public         bool   `json:"p,omitempty"` // visible to the citizen (not a note)
	// State and Name are a presence's: what the operator UserID is doing
	// and their name (an operator's, never a citizen's).
	State string `json:"s,omitempty"`
	Name  string `json:"n,omitempty"`
}

// Bus publishes events and lets screens subscribe.
type Bus interface {
	Publish(ctx context.Context, e Event) error
	Subscribe() (<-chan Event, func())
}

// Hub delivers events to the subscribers of this process.
type Hub struct {
	mu   sync.RWMutex
	subs map[chan Event]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[chan Event]struct{}{}} }

// Publish delivers e to every subscriber. A subscriber too slow to keep up
// loses the event rather than slowing everyone down; screens refresh from the
// database, so the next event brings them up to date.
func (h *Hub) Publish(_ context.Context, e Event) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
		}
	}
	return nil
}

// Subscribe returns a channel of events and a function that ends it.
func (h *Hub) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
		})
	}
}

// Subscribers counts the open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}
