package inbox

import (
	"context"
	"errors"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/store"
)

// What operators do to a conversation besides replying and Change: each
// writes through the store, then tells the screens showing it.

// ClearFlag records that a flag of a conversation was a false alarm.
func (s *Service) ClearFlag(ctx context.Context, a redazione.Actor, convID, flagID int64, reason string) error {
	if err := s.DB.ClearFlag(ctx, a, convID, flagID, reason); err != nil {
		return err
	}
	s.changed(ctx, a, convID)
	return nil
}

// MarkSituation marks a conversation with a situation an operator
// recognised (a complaint, a journalist asking...).
func (s *Service) MarkSituation(ctx context.Context, a redazione.Actor, convID int64, situation string) error {
	if err := s.DB.MarkSituation(ctx, a, convID, situation); err != nil {
		return err
	}
	s.changed(ctx, a, convID)
	return nil
}

// MergeContact makes the citizen of a conversation and another contact the
// same person, so that each one's history shows the other's.
func (s *Service) MergeContact(ctx context.Context, a redazione.Actor, convID, other int64) error {
	c, err := s.DB.Conversation(ctx, a, convID)
	if err != nil {
		return err
	}
	if err := s.DB.MergeContacts(ctx, a, c.ContactID, other); err != nil {
		return err
	}
	person, err := s.DB.PersonContacts(ctx, a.EnteID, c.ContactID)
	if err != nil {
		s.Log.Warn("contacts merged, screens not told", "conversation", convID, "err", err)
		return nil
	}
	s.personChanged(ctx, a.EnteID, person)
	return nil
}

// SeparateContact undoes a merge: one of the contacts of a conversation's
// citizen is on its own again. Only a contact of that citizen.
func (s *Service) SeparateContact(ctx context.Context, a redazione.Actor, convID, contactID int64) error {
	c, err := s.DB.Conversation(ctx, a, convID)
	if err != nil {
		return err
	}
	person, err := s.DB.PersonContacts(ctx, a.EnteID, c.ContactID)
	if err != nil {
		return err
	}
	found := false
	for _, p := range person {
		found = found || p.ID == contactID
	}
	if !found {
		return redazione.Errorf(redazione.ENOTFOUND, "contatto non trovato")
	}
	if err := s.DB.SeparateContact(ctx, a, contactID); err != nil {
		return err
	}
	s.personChanged(ctx, a.EnteID, person)
	return nil
}

// personChanged tells the screens of every conversation of a citizen's
// contacts (on every desk): merging or separating them changes the history
// each conversation shows.
func (s *Service) personChanged(ctx context.Context, enteID int64, person []store.PersonContact) {
	s.conversationsChanged(ctx, enteID, s.personConversations(ctx, enteID, person))
}

// personConversations lists the conversations of a citizen's contacts,
// on every desk.
func (s *Service) personConversations(ctx context.Context, enteID int64, person []store.PersonContact) []*redazione.Conversation {
	ids := make([]int64, 0, len(person))
	for _, p := range person {
		ids = append(ids, p.ID)
	}
	convs, err := s.DB.Conversations(ctx, redazione.SystemActor(enteID), store.InboxFilter{ContactIDs: ids, Status: "any", Limit: 200})
	if err != nil {
		s.Log.Warn("citizen's conversations, screens not told", "err", err)
	}
	return convs
}

func (s *Service) conversationsChanged(ctx context.Context, enteID int64, convs []*redazione.Conversation) {
	for _, c := range convs {
		s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: enteID, ConversationID: c.ID, DeskID: c.DeskID, ContactID: c.ContactID})
	}
}

// SendSurvey asks the citizen of a just-resolved private conversation, on
// the same channel, to rate the answer: text makes the message from the
// token of the survey's public page. Once per conversation; never on
// public threads or when the ente switched surveys off.
func (s *Service) SendSurvey(ctx context.Context, a redazione.Actor, convID int64, text func(token string) string) error {
	token := auth.NewToken("")
	hash := auth.HashToken(token)
	created, err := s.DB.CreateSurvey(ctx, a, convID, hash)
	if err != nil || !created {
		return err
	}
	if _, err = s.Reply(ctx, a, convID, text(token), false); err != nil {
		// no survey without its link: the next resolution asks again
		if derr := s.DB.DropSurvey(ctx, hash); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return err
}

// AnswerSurvey records a citizen's rating of an answer, from the survey's
// public page. It tells no screen: the ratings are shown only in the
// reports, drawn when they are opened.
func (s *Service) AnswerSurvey(ctx context.Context, tokenHash string, rating int, comment string) error {
	return s.DB.AnswerSurvey(ctx, tokenHash, rating, comment)
}

// ReadNotifications marks all of a user's notifications read. It tells
// no screen: a notification event would announce a new notification on the
// user's other tabs, and the badge is redrawn with the next page.
func (s *Service) ReadNotifications(ctx context.Context, a redazione.Actor) error {
	return s.DB.MarkNotificationsRead(ctx, a)
}
