package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
)

// Citizens may attach one file to a web chat message: a photo (of the
// pothole, of the notice they received) or a PDF (a form, a receipt). The
// type is read from the content, never from the name or the browser's word,
// and anything else is refused before it is kept. Files are served to
// operators inert (see attachments.go), like every file Redazione keeps.

// citizenTypes are the types a citizen may send, with the label that stands
// for the file in the message text (as on the other channels).
var citizenTypes = map[string]string{
	"image/jpeg":      "foto",
	"image/png":       "foto",
	"image/gif":       "foto",
	"image/webp":      "foto",
	"application/pdf": "documento",
}

// widgetFilesOn tells whether the web chat channel takes citizens' files
// (setting files; on unless an administrator turned it off).
func widgetFilesOn(ch *redazione.Channel) bool { return ch.Settings["files"] != "off" }

// widgetUpload reads a web chat message with a file (the channel taking
// files, checked by the caller): the form within the
// file size limit (the file spilled to disk, not memory), and its one file,
// or nil if the form has none.
func (s *Server) widgetUpload(w http.ResponseWriter, r *http.Request, ch *redazione.Channel) (*multipart.FileHeader, error) {
	// A photo on a slow mobile link takes longer than a form is given.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(10 * time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, s.Inbox.FileLimit()+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, redazione.Errorf(redazione.ETOOLARGE, "%s", s.Inbox.TooLarge())
		}
		return nil, redazione.FieldError("body", "richiesta non valida")
	}
	var hs []*multipart.FileHeader
	for _, h := range r.MultipartForm.File["file"] {
		if h.Filename != "" || h.Size > 0 {
			hs = append(hs, h)
		}
	}
	switch len(hs) {
	case 0:
		return nil, nil
	case 1:
		return hs[0], nil
	}
	r.MultipartForm.RemoveAll()
	return nil, redazione.FieldError("file", "si può allegare un solo file per messaggio")
}

// keepCitizenFile checks the type of a citizen's file from its first bytes,
// lets ready check the message with the label that stands for the file in
// its text, and only then keeps the file in the blob store: a refused
// message leaves nothing behind.
func (s *Server) keepCitizenFile(h *multipart.FileHeader, ready func(label string) error) (a redazione.InboundAttachment, err error) {
	if h.Size > s.Inbox.FileLimit() {
		return a, redazione.Errorf(redazione.ETOOLARGE, "%s", s.Inbox.TooLarge())
	}
	f, err := h.Open()
	if err != nil {
		return a, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return a, err
	}
	kind := citizenTypes[http.DetectContentType(head[:n])]
	if kind == "" {
		return a, redazione.FieldError("file", "si possono allegare solo foto (JPEG, PNG, GIF, WebP) e documenti PDF")
	}
	name := channel.FileName(h.Filename, "allegato")
	if err := ready("[" + kind + ": " + name + "]"); err != nil {
		return a, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return a, err
	}
	return s.Inbox.KeepUpload(f, name)
}
