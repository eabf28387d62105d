package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
)

// attachmentReads is what the files' handlers read (*store.DB has it).
type attachmentReads interface {
	Attachment(ctx context.Context, a redazione.Actor, id int64) (*redazione.Attachment, error)
	Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error)
}

func (s *Server) attachmentDB() attachmentReads { return s.DB }

// inlineTypes are shown in the browser; every other file is downloaded.
// The type is the one sniffed from the content, never the sender's word.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// attachment serves a file a citizen sent to the operators who may see its
// conversation; apiAttachment serves it to integrations (errors in JSON).
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, u *session) {
	s.serveAttachment(w, r, u, func(err error) { s.fail(w, r, nil, err) })
}

func (s *Server) apiAttachment(w http.ResponseWriter, r *http.Request, u *session) {
	s.serveAttachment(w, r, u, func(err error) { s.jsonError(w, r, err) })
}

// serveAttachment serves the file as inert content: no script runs, no
// sniffing, and only the types a browser shows safely are shown inline.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request, u *session, fail func(error)) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		fail(redazione.Errorf(redazione.ENOTFOUND, "allegato non trovato"))
		return
	}
	a, err := s.attachmentDB().Attachment(r.Context(), u.Actor, id)
	if err != nil {
		fail(err)
		return
	}
	s.serveFile(w, r, a, fail)
}

// serveFile serves a kept attachment's file, inert.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, a *redazione.Attachment, fail func(error)) {
	if a.Status != redazione.AttachmentStored || s.Blobs == nil {
		fail(redazione.Errorf(redazione.ENOTFOUND, "il file dell'allegato non è disponibile"))
		return
	}
	f, err := s.Blobs.Open(a.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		fail(redazione.Errorf(redazione.ENOTFOUND, "il file dell'allegato non è disponibile"))
		return
	}
	if err != nil {
		fail(err)
		return
	}
	defer f.Close()
	disposition := "attachment"
	if inlineTypes[a.ContentType] {
		disposition = "inline"
	}
	name := a.Name
	if name == "" {
		name = "allegato-" + strconv.FormatInt(a.ID, 10)
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("ETag", `"`+a.BlobKey+`"`) // a stored file never changes
	http.ServeContent(w, r, "", time.Time{}, f)
}
