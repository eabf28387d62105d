package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// parseUpload reads a multipart form (a reply with a file) within the file
// size limit, spilling the file to disk rather than memory. It answers the
// request itself and returns false when the form cannot be read.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request, u *session) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return true
	}
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
// blob store, its type sniffed from the content.
func (s *Server) uploadedFiles(r *http.Request) ([]store.InboundAttachment, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, nil
	}
	var out []store.InboundAttachment
	for _, h := range r.MultipartForm.File["file"] {
		if h.Filename == "" && h.Size == 0 {
			continue // the file input left empty
		}
		f, err := h.Open()
		if err != nil {
			return nil, err
		}
		name := h.Filename
		if name == "" {
			name = "allegato"
		}
		a, err := s.Inbox.KeepUpload(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
