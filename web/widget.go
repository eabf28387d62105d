package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/events"
)

// widgetReads is what the web chat widget reads (*store.DB has it).
type widgetReads interface {
	CachedChannel(ctx context.Context, id int64) (*redazione.Channel, error)
	ContactAttachment(ctx context.Context, channelID int64, externalID string, id int64) (*redazione.Attachment, error)
	ContactThread(ctx context.Context, channelID int64, externalID string, max int) (int64, []*redazione.Message, error)
	Ente(ctx context.Context, id int64) (*redazione.Ente, error)
}

func (s *Server) widgetDB() widgetReads { return s.DB }

// The web chat widget: one <script> tag on the ente's site talks to these
// public endpoints. A citizen is known by a random token the widget keeps in
// the browser; only its hash is stored, as the contact's external id.

func isWidgetPath(p string) bool {
	return strings.HasPrefix(p, "/widget") || strings.HasPrefix(p, "/demo/")
}

func widgetCORS(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
}

func (s *Server) widgetPreflight(w http.ResponseWriter, r *http.Request) {
	widgetCORS(w)
	w.WriteHeader(http.StatusNoContent)
}

// widgetChannel returns the web chat channel of the request.
func (s *Server) widgetChannel(r *http.Request) (*redazione.Channel, error) {
	id, err := strconv.ParseInt(r.PathValue("channel"), 10, 64)
	if err != nil {
		return nil, redazione.Errorf(redazione.ENOTFOUND, "chat non trovata")
	}
	ch, err := s.widgetDB().CachedChannel(r.Context(), id)
	if err != nil || ch.Kind != redazione.ChannelWebChat {
		return nil, redazione.Errorf(redazione.ENOTFOUND, "chat non trovata")
	}
	if ch.Disabled {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "la chat è chiusa")
	}
	return ch, nil
}

func visitorID(token string) string { return "web-" + auth.HashToken(token)[:32] }

func validToken(t string) bool { return len(t) >= 32 && len(t) <= 128 }

// widgetConfig tells the widget the ente's name and the privacy notice.
func (s *Server) widgetConfig(w http.ResponseWriter, r *http.Request) {
	widgetCORS(w)
	ch, err := s.widgetChannel(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	e, err := s.widgetDB().Ente(r.Context(), ch.EnteID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	files := widgetFilesOn(ch) && s.Inbox.Blobs != nil
	privacy := "Prima di scrivere: i dati che inserisci in questa chat sono trattati da " + e.Name +
		" solo per rispondere alla tua richiesta, secondo il Regolamento (UE) 2016/679 (GDPR). " +
		"Non inserire dati sanitari, dati giudiziari o dati di altre persone. "
	if files {
		privacy += "Nelle foto che alleghi evita volti, targhe e documenti di altre persone. "
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"files":       files,
		"max_file_mb": s.Inbox.FileLimit() >> 20,
		"ente":        e.Name,
		"title":       "Scrivici · " + e.Name,
		"privacy":     privacy + "Per le emergenze chiama il 112.",
	})
}

type widgetMessage struct {
	ID     int64     `json:"id"`
	From   string    `json:"from"` // "citizen" or "office"
	Text   string    `json:"text"`
	SentAt time.Time `json:"sent_at"`
	// Files are the kept files of the message, fetched with the token.
	Files []widgetFile `json:"files,omitempty"`
}

func toWidget(ms []*redazione.Message) []widgetMessage {
	out := make([]widgetMessage, 0, len(ms))
	for _, m := range ms {
		from := "office"
		if m.Direction == redazione.DirIn {
			from = "citizen"
		}
		out = append(out, widgetMessage{ID: m.ID, From: from, Text: m.Text, SentAt: m.SentAt, Files: widgetFiles(m)})
	}
	return out
}

func (s *Server) widgetPost(w http.ResponseWriter, r *http.Request) {
	widgetCORS(w)
	ch, err := s.widgetChannel(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if !s.widgetLimit.allow(clientIP(r)) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusTooManyRequests, apiError{Error: "Troppi messaggi in poco tempo: attendi qualche secondo.", Code: "rate_limited"})
		return
	}
	var in struct {
		Token string `json:"token"`
		Name  string `json:"name"`
		Text  string `json:"text"`
	}
	var file *multipart.FileHeader
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		// A message with a file (see widget_upload.go).
		if !widgetFilesOn(ch) || s.Inbox.Blobs == nil {
			s.jsonError(w, r, redazione.FieldError("file", "questa chat non accetta allegati"))
			return
		}
		if file, err = s.widgetUpload(w, r, ch); err != nil {
			s.jsonError(w, r, err)
			return
		}
		defer r.MultipartForm.RemoveAll()
		in.Token, in.Name, in.Text = r.FormValue("token"), r.FormValue("name"), r.FormValue("text")
	} else {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.jsonError(w, r, redazione.Errorf(redazione.ETOOLARGE, "messaggio troppo lungo"))
			return
		}
		if err != nil || json.Unmarshal(body, &in) != nil {
			s.jsonError(w, r, redazione.FieldError("body", "richiesta non valida"))
			return
		}
	}
	if in.Token == "" {
		in.Token = auth.NewToken("")
	} else if !validToken(in.Token) {
		s.jsonError(w, r, redazione.FieldError("token", "sessione della chat non valida"))
		return
	}
	if len(in.Text) > 4000 {
		s.jsonError(w, r, redazione.FieldError("text", "il messaggio supera 4000 caratteri"))
		return
	}
	msg := redazione.Inbound{ContactID: visitorID(in.Token), ContactName: strings.TrimSpace(in.Name), Text: in.Text}
	if file != nil {
		if !s.widgetFileLimit.allow(clientIP(r)) {
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusTooManyRequests, apiError{Error: "Troppi file in poco tempo: attendi un minuto.", Code: "rate_limited"})
			return
		}
		a, err := s.keepCitizenFile(file, func(label string) error {
			msg.Text = strings.TrimSpace(label + "\n" + strings.TrimSpace(in.Text))
			return msg.Validate()
		})
		if err != nil {
			s.jsonError(w, r, err)
			return
		}
		msg.Attachments = []redazione.InboundAttachment{a}
	}
	res, err := s.Inbox.Ingest(r.Context(), ch, msg)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"token": in.Token, "id": res.Message.ID})
}

// widgetVisitor reads the channel and the visitor's token of a widget
// request; on a bad one it answers with the error and returns false.
func (s *Server) widgetVisitor(w http.ResponseWriter, r *http.Request) (*redazione.Channel, string, bool) {
	widgetCORS(w)
	ch, err := s.widgetChannel(r)
	if err != nil {
		s.jsonError(w, r, err)
		return nil, "", false
	}
	token := r.URL.Query().Get("token")
	if !validToken(token) {
		s.jsonError(w, r, redazione.FieldError("token", "sessione della chat non valida"))
		return nil, "", false
	}
	return ch, token, true
}

func (s *Server) widgetMessages(w http.ResponseWriter, r *http.Request) {
	ch, token, ok := s.widgetVisitor(w, r)
	if !ok {
		return
	}
	_, msgs, err := s.widgetDB().ContactThread(r.Context(), ch.ID, visitorID(token), 200)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": toWidget(msgs)})
}

// widgetEvents streams "message" each time something the citizen can see is
// added to their conversation; the widget then fetches the messages.
func (s *Server) widgetEvents(w http.ResponseWriter, r *http.Request) {
	ch, token, ok := s.widgetVisitor(w, r)
	if !ok {
		return
	}
	release, ok := s.publicStreams.acquire(addressKey(clientIP(r)))
	if !ok {
		s.refuseStream(w, s.publicStreams, "widget", "Troppe conversazioni aperte da questo indirizzo: riprova tra poco.")
		return
	}
	defer release()
	contactID, _, err := s.widgetDB().ContactThread(r.Context(), ch.ID, visitorID(token), 0)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.stream(w, r, func(e events.Event) (string, any) {
		if e.EnteID != ch.EnteID || !e.Public {
			return "", nil
		}
		if contactID == 0 {
			// The citizen wrote their first message after connecting.
			contactID, _, _ = s.widgetDB().ContactThread(r.Context(), ch.ID, visitorID(token), 0)
		}
		if e.ContactID == 0 || e.ContactID != contactID {
			return "", nil
		}
		return "message", map[string]int64{"id": e.MessageID}
	})
}

// widgetScript serves the widget's JavaScript.
func (s *Server) widgetScript(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/widget.js")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
}

// widgetDemo is a page of a fictional ente's site with the widget on it.
func (s *Server) widgetDemo(w http.ResponseWriter, r *http.Request) {
	ch, err := s.widgetChannel(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	e, err := s.widgetDB().Ente(r.Context(), ch.EnteID)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	p := &page{Lang: "it", Title: e.Name, Ente: e, Data: map[string]any{"Channel": ch, "BaseURL": s.baseURL(r)}}
	s.render(w, r, http.StatusOK, "demo", "demo", p)
}

// limiter is a per-key token bucket (per client address), keeping at most
// guardedKeys keys: under a flood of new addresses it forgets the least
// recently used, never the ones still sending.
type limiter struct {
	burst int
	every time.Duration
	keys  *lru[*rate.Limiter]
}

func newLimiter(burst int, every time.Duration) *limiter {
	return &limiter{burst: burst, every: every, keys: newLRU[*rate.Limiter](guardedKeys)}
}

func (l *limiter) allow(key string) bool {
	return l.keys.get(key, func() *rate.Limiter { return rate.NewLimiter(rate.Every(l.every), l.burst) }).Allow()
}
