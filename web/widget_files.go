package web

import (
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
)

// widgetFile is a file of the web chat, as the citizen's widget shows it: a
// link relative to the widget's API, to open with the visitor's token.
type widgetFile struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	Path string `json:"path"` // under /widget/v1/{channel}
}

func widgetFiles(m *redazione.Message) []widgetFile {
	var out []widgetFile
	for _, a := range m.Attachments {
		if a.Status != redazione.AttachmentStored {
			continue
		}
		name := a.Name
		if name == "" {
			name = "allegato"
		}
		out = append(out, widgetFile{ID: a.ID, Name: name, Size: a.Size, Path: "/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	return out
}

// widgetAttachment serves a file of the web chat to the citizen whose
// conversation it belongs to, and to nobody else.
func (s *Server) widgetAttachment(w http.ResponseWriter, r *http.Request) {
	ch, token, ok := s.widgetVisitor(w, r)
	if !ok {
		return
	}
	fail := func(err error) { s.jsonError(w, r, err) }
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		fail(redazione.Errorf(redazione.ENOTFOUND, "allegato non trovato"))
		return
	}
	a, err := s.widgetDB().ContactAttachment(r.Context(), ch.ID, visitorID(token), id)
	if err != nil {
		fail(err)
		return
	}
	s.serveFile(w, r, a, fail)
}
