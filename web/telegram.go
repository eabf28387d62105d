package web

import (
	"net/http"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/telegram"
)

// telegramHook receives the updates of a Telegram bot channel. Telegram
// resends an update until it gets a 2xx, so an update with nothing to store
// is acknowledged too; every refusal changes nothing.
func (s *Server) telegramHook(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ch, err := s.pathChannel(r, redazione.ChannelTelegram)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if !telegram.Verify(ch, r.Header.Get(telegram.SecretHeader)) {
		s.jsonError(w, r, redazione.Errorf(redazione.EUNAUTHORIZED, "intestazione %s mancante o errata", telegram.SecretHeader))
		return
	}
	in, ok, err := telegram.Parse(body)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if !ok {
		rev, edit, err := telegram.ParseEdit(body)
		if err != nil {
			s.jsonError(w, r, err)
			return
		}
		if !edit {
			writeJSON(w, http.StatusOK, map[string]any{"ignored": true})
			return
		}
		changed, err := s.Inbox.Revise(r.Context(), ch, []redazione.Revision{rev})
		if err != nil {
			s.jsonError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"edited": changed})
		return
	}
	res, err := s.Inbox.Ingest(r.Context(), ch, in)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": res.Message.ID, "duplicate": res.Duplicate})
}
