// Package inbox is what operators and channels do to conversations: it
// stores through the store, tells every open screen through the event bus,
// and hands replies to the durable delivery queue. The office's writes
// that touch a conversation or may one day be followed live (the access
// register, reports, posts, crisis mode) go through it too, one file per
// area, so that web never writes to the store and tells the screens by
// hand.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/appio"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/metrics"
	"github.com/redazione/redazione/notify"
	"github.com/redazione/redazione/rules"
	"github.com/redazione/redazione/store"
)

// Enqueuer hands a reply to the delivery queue, and an attachment to the
// fetch queue.
type Enqueuer interface {
	EnqueueDelivery(ctx context.Context, enteID, messageID int64) error
	EnqueueFetch(ctx context.Context, attachmentID int64) error
	EnqueueAppIOCheck(ctx context.Context, enteID, messageID int64, after time.Duration) error
}

// Service is the inbox of every ente of the installation.
type Service struct {
	// Mailer, when set, copies response-time alerts by e-mail.
	Mailer notify.Mailer
	// PublicURL is where the office reaches Redazione, for links in e-mail.
	PublicURL string

	DB      *store.DB
	Blobs   *blob.Store // the files citizens send
	Bus     events.Bus
	Queue   Enqueuer
	Senders map[redazione.ChannelKind]channel.Sender
	// Fetchers fetch the files citizens send from their platform.
	Fetchers map[redazione.ChannelKind]channel.Fetcher
	// MaxFileSize is the largest file kept or sent (blob.MaxSize when 0).
	MaxFileSize int64
	// Hiders hide public comments on the platforms that allow it.
	Hiders map[redazione.ChannelKind]channel.Hider
	// PublishTimeout bounds the sending of one post to its platform
	// (DefaultPublishTimeout when 0).
	PublishTimeout time.Duration
	Log            *slog.Logger
	// Metrics counts messages, deliveries and breaches; nil counts nothing.
	Metrics *metrics.Metrics
	// AppIOClient calls App IO (a 15 s timeout when nil); AppIOCheckAfter
	// is how long after a send its outcome is asked (DefaultAppIOCheckAfter
	// when 0).
	AppIOClient     *http.Client
	AppIOCheckAfter time.Duration

	// limits keeps the accounts' daily publishing limits (instagram.go).
	limits limits
}

// Ingest stores a citizen's message and tells the screens. A redelivery
// stores nothing and tells nobody.
func (s *Service) Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	if ch.Disabled {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il canale è disattivato")
	}
	res, err := s.DB.Ingest(ctx, ch, in)
	if err != nil {
		return nil, err
	}
	s.DB.ChannelEvent(ctx, ch.ID)
	if !res.Duplicate {
		s.Metrics.MessageReceived(string(ch.Kind))
		s.enqueueFetches(ctx, res.PendingAttachments)
		s.publish(ctx, events.Event{Type: events.MessageCreated, EnteID: ch.EnteID, ConversationID: res.ConversationID, DeskID: res.DeskID, ContactID: res.ContactID, MessageID: res.Message.ID, Public: true})
		for _, f := range res.Flags {
			if f == store.FlagUrgent {
				// The store notified the coordinators: refresh their badges.
				s.publish(ctx, events.Event{Type: events.Notification, EnteID: ch.EnteID, ConversationID: res.ConversationID})
				s.escalateUrgent(ctx, ch.EnteID, res.ConversationID)
			}
		}
		s.route(ctx, ch, in, res)
	}
	return res, nil
}

// PECReceipt links a PEC receipt to the office's message it acknowledges,
// marks the message delivered or failed when the receipt says so, and
// refreshes the screens showing it. A receipt stored before changes nothing.
func (s *Service) PECReceipt(ctx context.Context, ch *redazione.Channel, r redazione.PECReceipt) error {
	if ch.Disabled {
		return redazione.Errorf(redazione.EFORBIDDEN, "il canale è disattivato")
	}
	m, dup, err := s.DB.AddPECReceipt(ctx, ch, r)
	if err != nil {
		return err
	}
	s.DB.ChannelEvent(ctx, ch.ID)
	if dup {
		return nil
	}
	if state := r.Delivery(); state != redazione.DeliveryNone {
		if _, err := s.DB.ApplyReceipt(ctx, ch, redazione.Receipt{ExternalID: r.Refers, State: state, Reason: r.Reason, At: r.At}); err != nil {
			return err
		}
	}
	conv, err := s.DB.Conversation(ctx, redazione.SystemActor(ch.EnteID), m.ConversationID)
	if err != nil {
		return err
	}
	s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: ch.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID, ContactID: conv.ContactID, MessageID: m.ID})
	return nil
}

// Reply stores an operator's reply (or an internal note) and queues its
// delivery; a note only tells the screens (and the people it mentions).
func (s *Service) Reply(ctx context.Context, a redazione.Actor, conversationID int64, text string, note bool) (*redazione.Message, error) {
	return s.ReplyWith(ctx, a, conversationID, store.Outgoing{Text: text, Note: note})
}

// ReplyWith is Reply of a reply or note that may carry files (already in
// the blob store); a reply with files only on a channel that can send them.
func (s *Service) ReplyWith(ctx context.Context, a redazione.Actor, conversationID int64, out store.Outgoing) (*redazione.Message, error) {
	text, note := out.Text, out.Note
	conv, err := s.DB.Conversation(ctx, a, conversationID)
	if err != nil {
		return nil, err
	}
	sender, instant := s.sender(conv.ChannelKind)
	if conv.ChannelKind == redazione.ChannelAppIO && !note {
		// A message on IO has a subject and is checked first: it goes through SendAppIO.
		return nil, redazione.FieldError("text", "su App IO si scrive con il modulo «Scrivi su App IO» (oggetto e testo); qui si possono aggiungere note interne")
	}
	if sender == nil && !note {
		return nil, redazione.Errorf(redazione.EINVALID, "questo canale non può ancora inviare risposte")
	}
	if lim, ok := sender.(channel.ReplyLimiter); ok && !note {
		if err := lim.CheckReply(conv, text); err != nil {
			return nil, redazione.FieldError("text", "%s", err)
		}
	}
	if len(out.Attachments) > 0 && !note && !s.CanSendFiles(conv.ChannelKind) {
		return nil, redazione.FieldError("file", "questo canale non può inviare file al cittadino: togli l'allegato o aggiungilo come nota interna")
	}
	if !note {
		if closed, err := s.WindowClosed(ctx, conv); err != nil {
			return nil, err
		} else if closed && !channel.IsWhatsAppTemplate(text) {
			if conv.ChannelKind == redazione.ChannelWhatsApp {
				return nil, redazione.FieldError("text", "sono passate più di 24 ore dall'ultimo messaggio del cittadino: WhatsApp accetta solo un modello approvato")
			}
			return nil, redazione.FieldError("text", "sono passati più di 7 giorni dall'ultimo messaggio del cittadino: Meta non consente più di rispondere in questa conversazione")
		}
	}
	out.Sent = instant
	m, err := s.DB.AddMessage(ctx, a, conversationID, out)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, events.Event{Type: events.MessageCreated, EnteID: a.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID, ContactID: conv.ContactID, MessageID: m.ID, Public: !note})
	if note {
		if len(store.Mentions(text)) > 0 {
			s.mentioned(ctx, a, conv, m.ID)
		}
		return m, nil
	}
	if m.Delivery == redazione.DeliveryQueued {
		// The message is stored as queued before the job exists: if this
		// process dies here, Sweep enqueues it again on the next start.
		if err := s.Queue.EnqueueDelivery(ctx, a.EnteID, m.ID); err != nil {
			s.Log.Error("enqueue delivery", "message", m.ID, "err", err)
		}
	}
	return m, nil
}

// ReplyLimit is the longest answer conv's platform takes, as it counts
// (Bluesky's graphemes, X's weighted characters, Mastodon's graphemes with
// links of fixed length), or 0 if it sets none shorter than
// redazione.MaxTextRunes.
func (s *Service) ReplyLimit(conv *redazione.Conversation) int {
	if lim, ok := s.Senders[conv.ChannelKind].(channel.ReplyLimiter); ok {
		return lim.ReplyLimit(conv)
	}
	return 0
}

func (s *Service) sender(kind redazione.ChannelKind) (channel.Sender, bool) {
	snd := s.Senders[kind]
	_, instant := snd.(channel.Instant)
	return snd, instant
}

// Change assigns, moves, tags or changes the status of a conversation.
func (s *Service) Change(ctx context.Context, a redazione.Actor, id int64, ch store.Change) (*redazione.Conversation, error) {
	before, err := s.DB.Conversation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	c, err := s.DB.ChangeConversation(ctx, a, id, ch)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: a.EnteID, ConversationID: id, DeskID: c.DeskID})
	if before.DeskID != c.DeskID {
		// Screens of the old desk must drop it too.
		s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: a.EnteID, ConversationID: id, DeskID: before.DeskID})
	}
	return c, nil
}

// Deliver sends one queued reply (the delivery job calls it).
func (s *Service) Deliver(ctx context.Context, enteID, messageID int64, attempt int, final bool) error {
	m, err := s.DB.Message(ctx, enteID, messageID)
	if redazione.ErrorCode(err) == redazione.ENOTFOUND {
		return jobs.Permanent{Err: err}
	}
	if err != nil {
		return err
	}
	if m.Delivery != redazione.DeliveryQueued {
		return nil // already delivered or given up: never send twice
	}
	sys := redazione.SystemActor(enteID)
	conv, err := s.DB.Conversation(ctx, sys, m.ConversationID)
	if err != nil {
		return err
	}
	ch, err := s.DB.Channel(ctx, conv.ChannelID)
	if err != nil {
		return err
	}
	sender, _ := s.sender(ch.Kind)
	if sender == nil {
		err = jobs.Permanent{Err: fmt.Errorf("nessun adattatore per il canale %s", ch.Kind)}
	} else {
		timeout := 40 * time.Second
		if len(m.Attachments) > 0 {
			timeout = 90 * time.Second // uploads of up to tens of megabytes
		}
		sctx, cancel := context.WithTimeout(channel.WithAttempt(ctx, attempt), timeout)
		if len(m.Attachments) > 0 {
			err = s.sendFiles(sctx, sender, ch, conv, m)
		} else {
			err = sender.Send(sctx, ch, conv, m)
		}
		cancel()
	}
	var perm jobs.Permanent
	var later jobs.Later
	if errors.As(err, &later) && m.Attempts+1 >= jobs.MaxAttempts {
		// Told to wait too often: count the attempt, so the reply fails in the end.
		err = later.Err
	}
	if err != nil && !errors.Is(err, appio.ErrNoProfile) && !errors.Is(err, appio.ErrNotAllowed) {
		// (a citizen who cannot get App IO messages says nothing of the channel's health)
		s.DB.ChannelError(ctx, ch.ID, err.Error())
	}
	switch {
	case err == nil:
		s.DB.ChannelWorks(ctx, ch.ID)
		s.Metrics.Delivery(metrics.Sent)
		err = s.DB.MarkSent(ctx, enteID, m.ID, m.ExternalID)
		if err == nil && ch.Kind == redazione.ChannelAppIO {
			s.afterAppIOSent(ctx, enteID, m.ID)
		}
	case errors.As(err, &perm) || final:
		s.Metrics.Delivery(metrics.Failed)
		s.Log.Warn("delivery failed", "message", m.ID, "attempt", attempt, "err", err)
		if merr := s.DB.MarkDelivery(ctx, enteID, m.ID, redazione.DeliveryFailed, err.Error()); merr != nil {
			return merr
		}
	default:
		s.Metrics.Delivery(metrics.Retry)
		s.Log.Info("delivery will be retried", "message", m.ID, "attempt", attempt, "err", err)
		if merr := s.DB.MarkDelivery(ctx, enteID, m.ID, redazione.DeliveryQueued, err.Error()); merr != nil {
			return merr
		}
	}
	s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: enteID, ConversationID: conv.ID, DeskID: conv.DeskID, ContactID: conv.ContactID, MessageID: m.ID})
	return err
}

// Sweep enqueues the replies a crash left queued without a job. Enqueueing is
// unique per message, so a reply with a live job is not enqueued twice.
func (s *Service) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	ms, err := s.DB.QueuedMessages(ctx, time.Now().Add(-olderThan), 1000)
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		if err := s.Queue.EnqueueDelivery(ctx, m.EnteID, m.ID); err != nil {
			return 0, err
		}
	}
	return len(ms), nil
}

func (s *Service) publish(ctx context.Context, e events.Event) {
	if err := s.Bus.Publish(ctx, e); err != nil {
		s.Log.Warn("event not published", "type", e.Type, "err", err)
	}
}

// AlertSLA notifies who must act on conversations whose response-time
// target is about to pass or has passed, and refreshes their screens.
func (s *Service) AlertSLA(ctx context.Context) (int, error) {
	alerts, err := s.DB.AlertSLA(ctx)
	s.Metrics.SLABreaches(len(alerts))
	for _, a := range alerts {
		// Out of office hours, the people on call too.
		onCall := s.onCallFor(ctx, a.EnteID, a.UserIDs)
		var extra []int64
		for _, u := range onCall {
			extra = append(extra, u.ID)
		}
		if nerr := s.DB.Notify(ctx, a.EnteID, a.ConversationID, a.Text, extra); nerr != nil {
			s.Log.Warn("on-call notification", "err", nerr)
		}
		a.UserIDs = append(a.UserIDs, extra...)
		var to []*redazione.User
		for _, u := range a.UserIDs {
			s.publish(ctx, events.Event{Type: events.Notification, EnteID: a.EnteID, ConversationID: a.ConversationID, UserID: u})
			if user, err := s.DB.User(ctx, a.EnteID, u); err == nil && !user.Disabled {
				to = append(to, user)
			}
		}
		s.mail(ctx, to, a.Text, fmt.Sprintf("/conversations/%d", a.ConversationID))
	}
	return len(alerts), err
}

// changed tells the screens that a conversation changed outside Change
// (a flag cleared, for instance).
func (s *Service) changed(ctx context.Context, a redazione.Actor, id int64) {
	c, err := s.DB.Conversation(ctx, a, id)
	if err != nil {
		return
	}
	s.publish(ctx, events.Event{Type: events.ConversationChanged, EnteID: a.EnteID, ConversationID: id, DeskID: c.DeskID})
}

// route applies the ente's routing rules to a citizen's new message, then,
// for a new conversation nobody has, the desk's automatic assignment. The
// message is already stored: a failure here is logged, never returned.
func (s *Service) route(ctx context.Context, ch *redazione.Channel, in redazione.Inbound, res *redazione.Ingested) {
	active, err := s.DB.ActiveRules(ctx, ch.EnteID)
	if err != nil {
		s.Log.Warn("routing rules", "err", err)
		return
	}
	sys := redazione.SystemActor(ch.EnteID)
	var change store.Change
	var situations []string
	var autoReply string
	var fired []int64
	if len(active) > 0 {
		cfg, err := s.DB.SLA(ctx, ch.EnteID)
		if err != nil {
			s.Log.Warn("routing rules", "err", err)
			return
		}
		now := time.Now()
		input := rules.Input{ChannelID: ch.ID, Public: in.Public, Text: in.Text, ContactID: in.ContactID,
			ContactName: in.ContactName, At: now, New: res.NewConversation}
		open := cfg.Calendar.IsOpen(now)
		for i := range active {
			r := &active[i]
			if !r.Matches(input, open) {
				continue
			}
			fired = append(fired, r.ID)
			a := r.Actions
			if a.DeskID != 0 {
				change.DeskID = &a.DeskID
			}
			if a.AssigneeID != 0 {
				change.AssigneeID = &a.AssigneeID
			}
			if a.Priority != nil {
				change.Priority = a.Priority
			}
			change.AddTags = append(change.AddTags, a.Tags...)
			if a.Situation != "" {
				situations = append(situations, a.Situation)
			}
			if a.AutoReply != "" && autoReply == "" {
				autoReply = strings.NewReplacer("{orari}", cfg.Settings.HoursText()).Replace(a.AutoReply)
			}
			if a.Stop {
				break
			}
		}
	}
	if len(fired) > 0 {
		if err := s.DB.RuleFired(ctx, ch.EnteID, fired); err != nil {
			s.Log.Warn("routing rules", "err", err)
		}
	}
	if change.DeskID != nil || change.AssigneeID != nil || change.Priority != nil || len(change.AddTags) > 0 {
		if _, err := s.Change(ctx, sys, res.ConversationID, change); err != nil {
			s.Log.Warn("routing rule action", "conversation", res.ConversationID, "err", err)
		}
	}
	for _, sit := range situations {
		if err := s.MarkSituation(ctx, sys, res.ConversationID, sit); err != nil {
			s.Log.Warn("routing rule situation", "err", err)
		}
	}
	if autoReply != "" && res.NewConversation {
		if _, err := s.Reply(ctx, sys, res.ConversationID, autoReply, false); err != nil {
			s.Log.Warn("automatic answer", "conversation", res.ConversationID, "err", err)
		}
	}
	if res.NewConversation && change.AssigneeID == nil && res.AssigneeID == 0 {
		desk := res.DeskID
		if change.DeskID != nil {
			desk = *change.DeskID
		}
		id, err := s.DB.NextAssignee(ctx, ch.EnteID, desk)
		if err != nil {
			s.Log.Warn("automatic assignment", "err", err)
		} else if id != 0 {
			if _, err := s.Change(ctx, sys, res.ConversationID, store.Change{AssigneeID: &id}); err != nil {
				s.Log.Warn("automatic assignment", "err", err)
			}
		}
	}
}

// WindowClosed reports whether a free reply can no longer be sent in a
// conversation: on WhatsApp, more than 24 hours after the citizen last wrote.
func (s *Service) WindowClosed(ctx context.Context, conv *redazione.Conversation) (bool, error) {
	if conv.Public {
		return false, nil // a comment can be answered in public at any time
	}
	window := time.Duration(0)
	switch conv.ChannelKind {
	case redazione.ChannelWhatsApp:
		window = channel.MetaWindow // then approved templates only
	case redazione.ChannelMessenger, redazione.ChannelInstagram:
		window = channel.HumanAgentWindow // 24 hours, then 7 with the HUMAN_AGENT tag
	default:
		return false, nil
	}
	last, err := s.DB.LastInbound(ctx, conv.ID)
	if err != nil {
		return false, err
	}
	return !last.IsZero() && time.Since(last) > window, nil
}
