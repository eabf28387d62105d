package web

import (
	"fmt"
	"io"
	"net/http"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/meta"
)

func (s *Server) metaChannel(r *http.Request) (*redazione.Channel, error) {
	return s.pathChannel(r, redazione.ChannelWhatsApp, redazione.ChannelMessenger, redazione.ChannelInstagram)
}

// metaVerify answers Meta's webhook verification handshake.
func (s *Server) metaVerify(w http.ResponseWriter, r *http.Request) {
	ch, err := s.metaChannel(r)
	if err != nil {
		http.Error(w, "canale non trovato", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	challenge, ok := meta.Handshake(ch.Settings["verify_token"], q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge"))
	if !ok {
		http.Error(w, "verifica non riuscita", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, challenge)
}

// metaHook receives a signed Meta webhook POST (private messages, and on
// Facebook pages and Instagram the public comments too); the signature is checked
// before the body is read as JSON, and any refusal stores nothing.
func (s *Server) metaHook(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ch, err := s.metaChannel(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if !meta.Verify(ch.Settings["app_secret"], body, r.Header.Get(meta.SignatureHeader)) {
		s.jsonError(w, r, redazione.Errorf(redazione.EUNAUTHORIZED, "firma %s mancante o non valida", meta.SignatureHeader))
		return
	}
	var ins []redazione.Inbound
	var receipts []redazione.Receipt
	var revs []redazione.Revision
	switch ch.Kind {
	case redazione.ChannelMessenger:
		ins, err = both(meta.ParseMessaging(body, "page"))(meta.ParsePageFeed(body))
		if err == nil {
			receipts, err = meta.ParseMessagingReceipts(body, "page")
		}
		if err == nil {
			revs, err = meta.ParseRevisions(body, "page")
		}
	case redazione.ChannelInstagram:
		ins, err = both(meta.ParseMessaging(body, "instagram"))(meta.ParseInstagramComments(body))
		if err == nil {
			receipts, err = meta.ParseMessagingReceipts(body, "instagram")
		}
		if err == nil {
			revs, err = meta.ParseRevisions(body, "instagram")
		}
		if err == nil {
			ins, err = both(ins, nil)(s.instagramMentions(r, ch, body))
		}
	default:
		ins, err = meta.ParseWhatsApp(body)
		if err == nil {
			receipts, err = meta.ParseWhatsAppStatuses(body)
		}
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	stored := 0
	for _, in := range ins {
		res, err := s.Inbox.Ingest(r.Context(), ch, in)
		if err != nil {
			// Meta retries a POST that did not get a 2xx: the messages
			// already stored come back as duplicates and store nothing.
			s.jsonError(w, r, err)
			return
		}
		if !res.Duplicate {
			stored++
		}
	}
	// Receipts after the messages: a refusal above makes Meta send the
	// whole POST again, and applying a receipt twice changes nothing.
	updated, err := s.Inbox.Receipts(r.Context(), ch, receipts)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	// Edits and deletions after the messages too: an edit in the same POST
	// as its message finds it stored.
	edited, err := s.Inbox.Revise(r.Context(), ch, revs)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"received": len(ins), "stored": stored, "receipts": len(receipts), "updated": updated, "edited": edited})
}

// both joins the messages of two parsers of one POST; either failing
// refuses the whole POST, so nothing of it is stored.
func both(a []redazione.Inbound, errA error) func([]redazione.Inbound, error) ([]redazione.Inbound, error) {
	return func(b []redazione.Inbound, errB error) ([]redazione.Inbound, error) {
		if errA != nil {
			return nil, errA
		}
		if errB != nil {
			return nil, errB
		}
		return append(a, b...), nil
	}
}

// instagramMentions reads the mentions of an Instagram webhook POST and
// fetches their text; if Instagram cannot be read, the POST fails and Meta
// delivers it again.
func (s *Server) instagramMentions(r *http.Request, ch *redazione.Channel, body []byte) ([]redazione.Inbound, error) {
	ms, err := meta.ParseInstagramMentions(body)
	if err != nil {
		return nil, err
	}
	var out []redazione.Inbound
	for _, m := range ms {
		in, err := meta.FetchMention(r.Context(), nil, ch, m)
		if err != nil {
			return nil, fmt.Errorf("instagram mention %s: %w", m.ExternalID(), err)
		}
		out = append(out, in)
	}
	return out, nil
}
