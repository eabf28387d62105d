package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
)

// Revise applies citizens' edits and deletions of messages already in the
// inbox, and shows each change live on the conversation's open screens. A
// revision that cannot be read is logged and skipped; one for a message
// Redazione never received changes nothing. It returns how many messages
// changed.
func (s *Service) Revise(ctx context.Context, ch *redazione.Channel, revs []redazione.Revision) (int, error) {
	s.DB.ChannelWorks(ctx, ch.ID) // the platform's webhook or poll reached us
	changed := 0
	for _, rev := range revs {
		done, err := s.DB.ReviseMessage(ctx, ch, rev)
		if redazione.ErrorCode(err) == redazione.EINVALID {
			s.Log.Warn("revision ignored", "channel", ch.ID, "err", err)
			continue
		}
		if err != nil {
			return changed, err
		}
		if done == nil {
			continue
		}
		conv, err := s.DB.Conversation(ctx, redazione.SystemActor(ch.EnteID), done.ConversationID)
		if err != nil {
			continue
		}
		s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: ch.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID,
			ContactID: conv.ContactID, MessageID: done.MessageID, Public: true})
		if done.Flagged {
			// the flags beside the thread change too
			s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: ch.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID})
		}
		changed++
	}
	return changed, nil
}
