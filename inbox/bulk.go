package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/store"
)

// bulkEventsEach is up to how many changed conversations a bulk action
// tells the screens about one by one, as Change does; beyond it, one event
// per desk touched makes those screens redraw (a screen redraws its list
// on any conversation event, and thousands of notices would only overflow
// the subscribers' queues).
const bulkEventsEach = 500

// Bulk makes one change to many conversations (see store.DB.BulkChange)
// and tells the screens of their desks, before and after.
func (s *Service) Bulk(ctx context.Context, a redazione.Actor, ids []int64, ch store.Change) (*store.BulkResult, error) {
	res, err := s.DB.BulkChange(ctx, a, ids, ch)
	if res != nil {
		s.bulkChanged(ctx, a.EnteID, res.Changed)
	}
	return res, err
}

func (s *Service) bulkChanged(ctx context.Context, enteID int64, changed []store.BulkChanged) {
	if len(changed) <= bulkEventsEach {
		for _, c := range changed {
			s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: enteID, ConversationID: c.ID, DeskID: c.DeskID})
			if c.FromDeskID != c.DeskID {
				// Screens of the old desk must drop it too.
				s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: enteID, ConversationID: c.ID, DeskID: c.FromDeskID})
			}
		}
		return
	}
	desks := map[int64]bool{}
	for _, c := range changed {
		desks[c.DeskID], desks[c.FromDeskID] = true, true
	}
	for d := range desks {
		s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: enteID, DeskID: d})
	}
}

// Snooze puts a conversation aside until a time or until the citizen
// writes, or (the zero store.Snooze) brings it back now.
func (s *Service) Snooze(ctx context.Context, a redazione.Actor, id int64, sn store.Snooze) (*redazione.Conversation, error) {
	return s.Change(ctx, a, id, store.Change{Snooze: &sn})
}

// WakeSnoozed ends the snoozes whose time has come and refreshes the
// screens that show those conversations (the upkeep calls it).
func (s *Service) WakeSnoozed(ctx context.Context) (int, error) {
	woken, err := s.DB.WakeSnoozed(ctx, 1000)
	for _, w := range woken {
		s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: w.EnteID, ConversationID: w.ConversationID, DeskID: w.DeskID})
	}
	return len(woken), err
}
