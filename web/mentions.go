package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

var _ = addCatalog(map[string][2]string{
	"nav.mentions":         {"Menzioni", "Mentions"},
	"mentions.title":       {"Menzioni", "Mentions"},
	"mentions.none":        {"Nessun collega ti ha ancora menzionato in una nota.", "No colleague has mentioned you in a note yet."},
	"mentions.help":        {"Le note in cui un collega ti ha scritto con @, le più recenti in alto. Aprendo la conversazione la menzione diventa letta.", "The notes in which a colleague wrote to you with @, newest first. Opening the conversation marks the mention read."},
	"mentions.by":          {"ti ha menzionato nella conversazione con", "mentioned you in the conversation with"},
	"mentions.unread":      {"Non letta", "Unread"},
	"mentions.suggestions": {"Colleghi da menzionare", "Colleagues to mention"},
	"presence.title":       {"Chi è nella conversazione", "Who is in the conversation"},
	"presence.viewing":     {"%s sta guardando", "%s is looking"},
	"presence.typing":      {"%s sta scrivendo una risposta…", "%s is writing a reply…"},
	"conflict.title":       {"Nel frattempo è arrivato un nuovo messaggio", "A new message arrived meanwhile"},
	"conflict.error":       {"Mentre scrivevi è arrivato un nuovo messaggio in questa conversazione: leggilo e, se la tua risposta va ancora bene, premi «Invia comunque».", "While you were writing a new message arrived in this conversation: read it and, if your reply still fits, press “Send anyway”."},
	"conflict.help":        {"La tua risposta non è stata inviata. Ecco cosa è arrivato dopo che hai aperto la conversazione:", "Your reply was not sent. This is what arrived after you opened the conversation:"},
	"conflict.send":        {"Invia comunque", "Send anyway"},
	"conflict.back":        {"Torna alla conversazione senza inviare", "Back to the conversation without sending"},
	"conflict.text":        {"La tua risposta", "Your reply"},
	"conflict.file":        {"Il file che avevi allegato non è stato inviato: sceglilo di nuovo se serve.", "The file you attached was not sent: choose it again if needed."},
	"conflict.file.label":  {"File da allegare (facoltativo)", "File to attach (optional)"},
	"conflict.by.citizen":  {"Il cittadino", "The citizen"},
})

func init() {
	funcs["noteText"] = noteText
}

// noteText writes a note with each handle that named a colleague shown as
// the colleague's name, highlighted; the rest, and a handle that named no
// one, is plain escaped text.
func noteText(text string, named []store.Mentioned) template.HTML {
	var b strings.Builder
	pos := 0
	for _, sp := range store.MentionSpans(text) {
		for _, m := range named {
			if m.Handle != sp.Handle {
				continue
			}
			b.WriteString(template.HTMLEscapeString(text[pos:sp.Start]))
			b.WriteString(`<mark class="mention" title="@` + template.HTMLEscapeString(sp.Handle) + `">@`)
			b.WriteString(template.HTMLEscapeString(m.Name))
			b.WriteString("</mark>")
			pos = sp.End
			break
		}
	}
	b.WriteString(template.HTMLEscapeString(text[pos:]))
	return template.HTML(b.String())
}

// colleagues lists, as JSON, who a note on the conversation may mention:
// the @ suggestions of the composer.
func (s *Server) colleagues(w http.ResponseWriter, r *http.Request, u *session) {
	list, err := s.conversationDB().Colleagues(r.Context(), u.Actor, s.convID(r))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if list == nil {
		list = []store.Colleague{}
	}
	writeJSON(w, http.StatusOK, list)
}

// mentionsPage lists the notes that mentioned the operator, newest first.
func (s *Server) mentionsPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "mentions.title"), "mentions")
	list, _, err := s.conversationDB().MentionsOf(r.Context(), u.Actor, 100)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = list
	s.render(w, r, http.StatusOK, "mentions", "", p)
}

// presence tells the conversation's other screens that the operator is
// looking at it, writing a reply in it, or has left it.
func (s *Server) presence(w http.ResponseWriter, r *http.Request, u *session) {
	if !s.presenceLimit.allow(strconv.FormatInt(u.User.ID, 10)) {
		s.jsonError(w, r, redazione.Errorf(redazione.ETOOMANY, "troppi avvisi di presenza: riprova tra poco"))
		return
	}
	if err := s.Inbox.Presence(r.Context(), u.Actor, u.User.Name, s.convID(r), r.PostFormValue("state")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// conflictView is a reply held back because the conversation moved on
// while it was being written.
type conflictView struct {
	Conversation *redazione.Conversation
	Messages     []*redazione.Message // what arrived meanwhile
	Text         string
	Seen         int64 // the newest of Messages: what the operator has now seen
	HadFile      bool
	CanSendFiles bool
}

// replyConflict refuses a reply written before the messages newer arrived:
// it shows them with the reply kept and a button that sends it anyway, as
// a page, or, for the page's script, as a panel beside the composer.
func (s *Server) replyConflict(w http.ResponseWriter, r *http.Request, u *session, text string, newer []*redazione.Message) {
	p := s.page(r, u, translate(langOf(r), "conflict.title"), "inbox")
	c, err := s.conversationDB().Conversation(r.Context(), u.Actor, s.convID(r))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v := &conflictView{Conversation: c, Messages: newer, Text: text, Seen: newer[len(newer)-1].ID, CanSendFiles: s.Inbox.CanSendFiles(c.ChannelKind)}
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		v.HadFile = true
	}
	p.Data = v
	p.Error = translate(p.Lang, "conflict.error")
	w.Header().Set("X-Redazione-Collision", strconv.FormatInt(v.Seen, 10))
	refused(w, redazione.Errorf(redazione.ECONFLICT, "%s", p.Error))
	if inPage(r) {
		s.render(w, r, http.StatusConflict, "reply_conflict", "conflict", p)
		return
	}
	s.render(w, r, http.StatusConflict, "reply_conflict", "", p)
}
