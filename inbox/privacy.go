package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// EraseContact erases everything about the citizen behind a contact (GDPR
// art. 17): their messages and files, and their identity. The files go
// from the blob store once the database no longer refers to them. Every
// screen showing one of their conversations is refreshed.
func (s *Service) EraseContact(ctx context.Context, a redazione.Actor, contactID int64) (*store.Erased, error) {
	// Listed before: the erasure leaves no contact to find them by.
	var convs []*redazione.Conversation
	if person, err := s.DB.PersonContacts(ctx, a.EnteID, contactID); err == nil {
		convs = s.personConversations(ctx, a.EnteID, person)
	}
	out, err := s.DB.EraseContact(ctx, a, contactID)
	if err != nil {
		return nil, err
	}
	s.removeBlobs(out.Blobs)
	s.scrubbed(out)
	s.conversationsChanged(ctx, a.EnteID, convs)
	return out, nil
}

// ApplyRetention erases what the enti's retention periods have ended.
func (s *Service) ApplyRetention(ctx context.Context) (*store.Erased, error) {
	out, err := s.DB.ApplyRetention(ctx)
	if out != nil {
		s.removeBlobs(out.Blobs)
		s.scrubbed(out)
	}
	return out, err
}

// scrubbed logs an erasure whose data could not be made unreadable in the
// database's files at once (the next erasure or retention run tries again).
func (s *Service) scrubbed(out *store.Erased) {
	if out.ScrubError != "" && s.Log != nil {
		s.Log.Warn("erase: database files not yet scrubbed", "err", out.ScrubError)
	}
}

func (s *Service) removeBlobs(keys []string) {
	if s.Blobs == nil {
		return
	}
	for _, k := range keys {
		if err := s.Blobs.Delete(k); err != nil && s.Log != nil {
			s.Log.Warn("erase: file not removed", "blob", k, "err", err)
		}
	}
}
