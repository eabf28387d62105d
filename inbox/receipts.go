package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
)

// Receipts records a platform's delivery and read receipts on the replies
// they name, and refreshes the screens showing them. It returns how many
// replies changed.
func (s *Service) Receipts(ctx context.Context, ch *redazione.Channel, rs []redazione.Receipt) (int, error) {
	s.DB.ChannelWorks(ctx, ch.ID) // the platform's webhook reached us
	changed := 0
	convs := map[int64]*redazione.Conversation{} // a watermark names many replies of one conversation
	for _, r := range rs {
		done, err := s.DB.ApplyReceipt(ctx, ch, r)
		if redazione.ErrorCode(err) == redazione.EINVALID {
			s.Log.Warn("receipt ignored", "channel", ch.ID, "err", err)
			continue
		}
		if err != nil {
			return changed, err
		}
		for _, d := range done {
			conv := convs[d.ConversationID]
			if conv == nil {
				if conv, err = s.DB.Conversation(ctx, redazione.SystemActor(ch.EnteID), d.ConversationID); err != nil {
					continue
				}
				convs[d.ConversationID] = conv
			}
			s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: ch.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID,
				ContactID: conv.ContactID, MessageID: d.MessageID})
		}
		changed += len(done)
	}
	return changed, nil
}
