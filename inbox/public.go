package inbox

import (
	"context"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/store"
)

// CanReplyPrivately reports whether a public conversation of a channel kind
// can be moved to a private message (Meta's Private Replies, a Mastodon
// direct message).
func (s *Service) CanReplyPrivately(c *redazione.Conversation) bool {
	if !c.Public || s.Senders[c.ChannelKind] == nil {
		return false
	}
	switch c.ChannelKind {
	case redazione.ChannelMessenger, redazione.ChannelInstagram, redazione.ChannelMastodon:
		return true
	}
	return false
}

// CanHide reports whether the comments of a public conversation can be
// hidden on its platform.
func (s *Service) CanHide(c *redazione.Conversation) bool {
	return c.Public && s.Hiders[c.ChannelKind] != nil
}

// ReplyPrivately answers the citizen's latest comment of a public
// conversation with a private message, queued for delivery, in their
// private conversation on the same channel (opened if needed).
func (s *Service) ReplyPrivately(ctx context.Context, a redazione.Actor, publicID int64, text string) (*store.PrivateReply, error) {
	c, err := s.DB.Conversation(ctx, a, publicID)
	if err != nil {
		return nil, err
	}
	if !s.CanReplyPrivately(c) {
		return nil, redazione.Errorf(redazione.EINVALID, "su questo canale non si può rispondere in privato a un commento pubblico")
	}
	if last, err := s.DB.LastInboundExternalID(ctx, c.ID); err != nil {
		return nil, err
	} else if channel.IsInstagramMention(last) {
		return nil, redazione.Errorf(redazione.EINVALID, "Instagram non consente di rispondere in privato a una menzione")
	}
	r, err := s.DB.AddPrivateReply(ctx, a, publicID, text)
	if err != nil {
		return nil, err
	}
	priv := r.Conversation
	s.publish(ctx, events.Event{Type: events.MessageCreated, EnteID: a.EnteID, ConversationID: priv.ID, DeskID: priv.DeskID, ContactID: priv.ContactID, MessageID: r.Message.ID, Public: true})
	s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: a.EnteID, ConversationID: c.ID, DeskID: c.DeskID})
	// stored as queued before the job exists: Sweep enqueues it again if
	// this process dies here
	if err := s.Queue.EnqueueDelivery(ctx, a.EnteID, r.Message.ID); err != nil {
		s.Log.Error("enqueue delivery", "message", r.Message.ID, "err", err)
	}
	return r, nil
}

// HideComment hides a citizen's comment of a public conversation on the
// platform (or, with hidden false, shows it again), then records it. The
// platform is asked first: when it refuses, nothing changes and its reason
// is returned.
func (s *Service) HideComment(ctx context.Context, a redazione.Actor, convID, messageID int64, hidden bool) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	c, err := s.DB.Conversation(ctx, a, convID)
	if err != nil {
		return err
	}
	if !s.CanHide(c) {
		return redazione.Errorf(redazione.EINVALID, "su questo canale non si possono nascondere i commenti")
	}
	m, err := s.DB.Message(ctx, a.EnteID, messageID)
	if err != nil {
		return err
	}
	if m.ConversationID != c.ID || m.Direction != redazione.DirIn || m.ExternalID == "" {
		return redazione.Errorf(redazione.ENOTFOUND, "commento non trovato")
	}
	if channel.IsInstagramMention(m.ExternalID) {
		return redazione.Errorf(redazione.EINVALID, "Instagram non consente di nascondere una menzione su un post altrui")
	}
	ch, err := s.DB.Channel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = s.Hiders[c.ChannelKind].Hide(hctx, ch, m.ExternalID, hidden)
	cancel()
	if err != nil {
		s.DB.ChannelError(ctx, ch.ID, err.Error())
		return redazione.Errorf(redazione.ECONFLICT, "%s", err.Error())
	}
	if err := s.DB.SetHidden(ctx, a, c.ID, m.ID, hidden); err != nil {
		return err
	}
	s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: a.EnteID, ConversationID: c.ID, DeskID: c.DeskID, ContactID: c.ContactID, MessageID: m.ID})
	return nil
}
