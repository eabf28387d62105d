package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/store"
)

// The JSON API's writes: a reply (or an internal note) and a change of
// status, with a read-write token (apiUser refuses a read-only one with
// 403). They go through inbox.Service like the web's forms, with the same
// permission checks: the token's user must be able to write on the
// conversation's desk.

// apiReplyRequest is the body of POST /api/v1/conversations/{id}/replies.
type apiReplyRequest struct {
	Text string `json:"text"`
	Note bool   `json:"note"` // an internal note, not sent to the citizen
}

// apiStatusRequest is the body of POST /api/v1/conversations/{id}/status.
type apiStatusRequest struct {
	Status string `json:"status"`
}

// readJSON decodes a request's JSON body into v: a field it does not know,
// a body over MaxMessageBytes or not JSON are refused with the reason.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, redazione.MaxMessageBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return redazione.Errorf(redazione.ETOOLARGE, "il corpo supera %d byte", redazione.MaxMessageBytes)
	case errors.Is(err, io.EOF):
		return redazione.FieldError("body", "manca il corpo JSON")
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		return redazione.FieldError("body", "campo sconosciuto: %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case err != nil:
		return redazione.FieldError("body", "il corpo non è JSON valido")
	}
	return nil
}

// apiReply adds a reply (or a note) to a conversation, as the web's
// composer does, and answers 201 with the message.
func (s *Server) apiReply(w http.ResponseWriter, r *http.Request, u *session) {
	var req apiReplyRequest
	if err := readJSON(w, r, &req); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if !req.Note && channel.IsWhatsAppTemplate(strings.TrimSpace(req.Text)) {
		s.jsonError(w, r, redazione.FieldError("text", "un modello WhatsApp si sceglie dall'elenco della conversazione"))
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	m, err := s.Inbox.ReplyWith(r.Context(), u.Actor, id, store.Outgoing{Text: req.Text, Note: req.Note})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIMessage(m))
}

// apiStatus changes the status of a conversation (open, pending,
// resolved), as the web's status form does, and answers with the
// conversation.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request, u *session) {
	var req apiStatusRequest
	if err := readJSON(w, r, &req); err != nil {
		s.jsonError(w, r, err)
		return
	}
	st := redazione.Status(req.Status)
	if !st.Valid() {
		s.jsonError(w, r, redazione.FieldError("status", "stato non valido: open, pending o resolved"))
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := s.Inbox.Change(r.Context(), u.Actor, id, store.Change{Status: &st})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if st == redazione.StatusResolved {
		if err := s.sendSurvey(r, u, id); err != nil {
			s.Log.Warn("satisfaction survey", "conversation", id, "err", err)
		}
	}
	writeJSON(w, http.StatusOK, toAPIConversation(c))
}
