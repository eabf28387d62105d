package web

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
)

// parseUpload reads a multipart form (a reply with a file) within the file
// size limit, spilling the file to disk rather than memory. It answers the
// request itself and returns false when the form cannot be read.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request, u *session) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return true
	}
	// A file of tens of megabytes on a slow link takes longer than the
	// server's read timeout allows a form.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(10 * time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, s.Inbox.FileLimit()+redazione.MaxMessageBytes)
	err := r.ParseMultipartForm(1 << 20)
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.fail(w, r, s.page(r, u, "", ""), redazione.Errorf(redazione.ETOOLARGE, "%s", s.Inbox.TooLarge()))
	} else {
		s.fail(w, r, s.page(r, u, "", ""), redazione.FieldError("file", "modulo non leggibile"))
	}
	return false
}

// uploadedFiles keeps the file attached in the composer (if any) in the
// blob store, its type sniffed from the content. A reply that would be
// refused anyway (no text, a channel that cannot send files) is refused
// before the file is kept.
func (s *Server) uploadedFiles(r *http.Request, u *session, note bool, text string) ([]redazione.InboundAttachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var hs []*multipart.FileHeader
	for _, h := range r.MultipartForm.File["file"] {
		if h.Filename != "" || h.Size > 0 { // else the file input was left empty
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return nil, nil
	}
	if strings.TrimSpace(text) == "" {
		return nil, redazione.FieldError("text", "scrivi un testo da inviare con il file")
	}
	if !note {
		c, err := s.attachmentDB().Conversation(r.Context(), u.Actor, s.convID(r))
		if err != nil {
			return nil, err
		}
		if !s.Inbox.CanSendFiles(c.ChannelKind) {
			return nil, redazione.FieldError("file", "questo canale non può inviare file al cittadino: togli l'allegato o aggiungilo come nota interna")
		}
	}
	var out []redazione.InboundAttachment
	for _, h := range hs {
		f, err := h.Open()
		if err != nil {
			return nil, err
		}
		a, err := s.Inbox.KeepUpload(f, channel.FileName(h.Filename, "allegato"))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
