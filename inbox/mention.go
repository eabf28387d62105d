package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
)

// mentioned tells the colleagues a note named, whose mentions and
// notifications the store wrote with the note: their badges refresh
// live, and each gets an e-mail when the office sends mail. The e-mail says
// who and where, not the note, which stays in Redazione.
func (s *Service) mentioned(ctx context.Context, a redazione.Actor, conv *redazione.Conversation, msgID int64) {
	byMsg, err := s.DB.NoteMentions(ctx, a.EnteID, []int64{msgID})
	if err != nil {
		s.Log.Warn("mentions", "message", msgID, "err", err)
		return
	}
	var users []*redazione.User
	for _, m := range byMsg[msgID] {
		s.publish(ctx, events.Event{Type: events.Notification, EnteID: a.EnteID, ConversationID: conv.ID, UserID: m.UserID})
		users = append(users, &redazione.User{ID: m.UserID, Name: m.Name, Email: m.Email})
	}
	if s.Mailer == nil || len(users) == 0 {
		return
	}
	author, err := s.DB.User(ctx, a.EnteID, a.UserID)
	name := "Un collega"
	if err == nil {
		name = author.Name
	}
	subject := fmt.Sprintf("%s ti ha menzionato in una nota", name)
	link := fmt.Sprintf("/conversations/%d#m%d", conv.ID, msgID)
	// Sent after the answer: a slow mail server does not hold the note up.
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 40*time.Second)
		defer cancel()
		for _, u := range users {
			s.mail(ctx, []*redazione.User{u}, subject, link)
		}
	}()
}

// Collision returns the messages a citizen or a colleague added to a
// conversation after the message seenID, which the operator about to
// reply has not seen (none when seenID is 0: the page did not say).
func (s *Service) Collision(ctx context.Context, a redazione.Actor, convID, seenID int64) ([]*redazione.Message, error) {
	if seenID <= 0 {
		return nil, nil
	}
	return s.DB.NewerMessages(ctx, a, convID, seenID)
}

// Presence tells the screens of a conversation that an operator opened
// it, is writing a reply in it, or left it. Nothing is stored.
func (s *Service) Presence(ctx context.Context, a redazione.Actor, name string, convID int64, state string) error {
	switch state {
	case events.Viewing, events.Typing, events.Left:
	default:
		return redazione.FieldError("state", "stato di presenza non valido")
	}
	conv, err := s.DB.Conversation(ctx, a, convID)
	if err != nil {
		return err
	}
	s.publish(ctx, events.Event{Type: events.PresenceChanged, EnteID: a.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID,
		UserID: a.UserID, State: state, Name: strings.TrimSpace(name)})
	return nil
}

// ReadMentions marks read the operator's mentions in a conversation they
// opened.
func (s *Service) ReadMentions(ctx context.Context, a redazione.Actor, convID int64) error {
	return s.DB.ReadMentions(ctx, a, convID)
}
