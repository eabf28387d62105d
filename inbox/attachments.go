package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/jobs"
)

// FileLimit is the largest file kept or sent, in bytes.
func (s *Service) FileLimit() int64 {
	if s.MaxFileSize > 0 {
		return s.MaxFileSize
	}
	return blob.MaxSize
}

// TooLarge is the reason given for a file over the limit, in words an
// operator understands.
func (s *Service) TooLarge() string {
	return fmt.Sprintf("file troppo grande (oltre %d MB)", s.FileLimit()>>20)
}

// enqueueFetches queues the fetch of a new message's files. The attachments
// are stored as pending before their jobs exist: if this process dies here,
// SweepFetches enqueues them again.
func (s *Service) enqueueFetches(ctx context.Context, ids []int64) {
	for _, id := range ids {
		if err := s.Queue.EnqueueFetch(ctx, id); err != nil {
			s.Log.Error("enqueue attachment fetch", "attachment", id, "err", err)
		}
	}
}

// Fetch fetches one pending attachment from its platform into the blob store
// (the fetch job calls it) and tells the screens showing its thread. A
// temporary failure is returned to be tried again; a permanent one, or the
// last attempt, marks the attachment failed with the reason.
func (s *Service) Fetch(ctx context.Context, attachmentID int64, attempt int, final bool) error {
	p, err := s.DB.PendingAttachment(ctx, attachmentID)
	if redazione.ErrorCode(err) == redazione.ENOTFOUND {
		return nil // stored or failed already: never fetched twice
	}
	if err != nil {
		return err
	}
	ch, err := s.DB.Channel(ctx, p.ChannelID)
	if redazione.ErrorCode(err) == redazione.ENOTFOUND {
		ch, err = &redazione.Channel{ID: p.ChannelID}, jobs.Permanent{Err: errors.New("il canale non esiste più")}
	} else if err == nil {
		err = s.fetch(ctx, ch, p.ID, p.Source)
	}
	var perm jobs.Permanent
	switch {
	case err == nil:
	case errors.Is(err, channel.ErrTooLarge):
		err = s.DB.AttachmentFailed(ctx, p.ID, s.TooLarge())
	case errors.As(err, &perm) || final:
		s.Log.Warn("attachment not fetched", "attachment", p.ID, "attempt", attempt, "err", err)
		if !errors.Is(err, channel.ErrGone) {
			s.DB.ChannelError(ctx, ch.ID, "allegato: "+err.Error())
		}
		reason := err.Error()
		if !errors.As(err, &perm) {
			reason = fmt.Sprintf("non scaricato dopo %d tentativi: %s", attempt, reason)
		}
		err = s.DB.AttachmentFailed(ctx, p.ID, reason)
	default:
		s.Log.Info("attachment fetch will be retried", "attachment", p.ID, "attempt", attempt, "err", err)
		return err
	}
	if err != nil {
		return err
	}
	s.attachmentChanged(ctx, p.EnteID, p.MessageID)
	return nil
}

// fetch asks the channel's adapter for the file and keeps it.
func (s *Service) fetch(ctx context.Context, ch *redazione.Channel, id int64, source string) error {
	f := s.Fetchers[ch.Kind]
	if f == nil {
		return jobs.Permanent{Err: fmt.Errorf("il canale %s non permette di scaricare allegati", ch.Kind)}
	}
	if s.Blobs == nil {
		return jobs.Permanent{Err: errors.New("nessun archivio per i file")}
	}
	fctx, cancel := context.WithTimeout(ctx, 80*time.Second)
	defer cancel()
	max := s.FileLimit()
	file, err := f.Fetch(fctx, ch, source, max)
	if err != nil {
		return err
	}
	defer file.Body.Close()
	if file.Size > max {
		return channel.ErrTooLarge
	}
	b, err := s.Blobs.Put(file.Body, max)
	if errors.Is(err, blob.ErrTooLarge) {
		return channel.ErrTooLarge
	}
	if err != nil {
		// most often the connection broke halfway: try again
		return fmt.Errorf("file interrotto durante lo scaricamento: %w", err)
	}
	return s.DB.AttachmentStored(ctx, id, b)
}

// attachmentChanged refreshes the screens showing the message's thread.
func (s *Service) attachmentChanged(ctx context.Context, enteID, messageID int64) {
	m, err := s.DB.Message(ctx, enteID, messageID)
	if err != nil {
		return
	}
	conv, err := s.DB.Conversation(ctx, redazione.SystemActor(enteID), m.ConversationID)
	if err != nil {
		return
	}
	s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: enteID, ConversationID: conv.ID, DeskID: conv.DeskID, ContactID: conv.ContactID, MessageID: messageID})
}

// SweepFetches enqueues the fetches of attachments a crash left pending
// without a job. Enqueueing is unique per attachment, so one with a live
// job is not enqueued twice.
func (s *Service) SweepFetches(ctx context.Context) (int, error) {
	ids, err := s.DB.PendingAttachments(ctx, 1000)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := s.Queue.EnqueueFetch(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// CanSendFiles reports whether replies on a kind of channel may carry files.
func (s *Service) CanSendFiles(kind redazione.ChannelKind) bool {
	_, ok := s.Senders[kind].(channel.FileSender)
	return ok && s.Blobs != nil
}

// sendFiles delivers a reply with its files, read from the blob store.
func (s *Service) sendFiles(ctx context.Context, sender channel.Sender, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	fs, ok := sender.(channel.FileSender)
	if !ok || s.Blobs == nil {
		return jobs.Permanent{Err: fmt.Errorf("il canale %s non può inviare file", ch.Kind)}
	}
	files := make([]channel.File, 0, len(m.Attachments))
	defer func() {
		for _, f := range files {
			f.Body.Close()
		}
	}()
	for _, a := range m.Attachments {
		if a.Status != redazione.AttachmentStored {
			return jobs.Permanent{Err: fmt.Errorf("il file %q non è disponibile", a.Name)}
		}
		body, err := s.Blobs.Open(a.BlobKey)
		if err != nil {
			return jobs.Permanent{Err: fmt.Errorf("il file %q non è disponibile: %v", a.Name, err)}
		}
		files = append(files, channel.File{Name: a.Name, ContentType: a.ContentType, Size: a.Size, Body: body})
	}
	return fs.SendFiles(ctx, ch, conv, m, files)
}

// KeepUpload stores a file an operator attaches to a reply, under the size
// limit, and returns it as an attachment for ReplyWith.
func (s *Service) KeepUpload(r io.Reader, name string) (redazione.InboundAttachment, error) {
	if s.Blobs == nil {
		return redazione.InboundAttachment{}, redazione.FieldError("file", "questa installazione non conserva file")
	}
	b, err := s.Blobs.Put(r, s.FileLimit())
	if errors.Is(err, blob.ErrTooLarge) {
		return redazione.InboundAttachment{}, redazione.FieldError("file", "%s", s.TooLarge())
	}
	if err != nil {
		return redazione.InboundAttachment{}, err
	}
	return redazione.InboundAttachment{Name: name, BlobKey: b.Key, ContentType: b.ContentType, Size: b.Size}, nil
}
