package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/appio"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/store"
)

// App IO: from a conversation, an access request or a report whose citizen
// gave their codice fiscale, an operator writes to them on App IO. Each
// of those pages lists what was sent there, with where it stands, and
// links to the form.

// appioReads is what the App IO pages read (*store.DB has it); they write
// through inbox.Service.
type appioReads interface {
	AppIOMessages(ctx context.Context, a redazione.Actor, origin string) ([]*store.AppIOMessage, error)
	AppIOSubjects(ctx context.Context, enteID, convID int64) (map[int64]string, error)
}

func (s *Server) appioDB() appioReads { return s.DB }

var _ = addCatalog(appioCatalog)

// appioBoxView is the App IO box of a page: the messages sent from it.
type appioBoxView struct {
	Lang     string
	From     string
	ID       int64
	Messages []*store.AppIOMessage
	// Enabled: the ente has an App IO channel; CanWrite: the user may send.
	Enabled  bool
	CanWrite bool
}

// appioBox reads the App IO box of a page the user may see.
func (s *Server) appioBox(r *http.Request, u *session, from string, id int64) (*appioBoxView, error) {
	v := &appioBoxView{Lang: langOf(r), From: from, ID: id, CanWrite: u.Actor.CanWrite()}
	chans, err := s.Inbox.AppIOChannels(r.Context(), u.Actor.EnteID)
	if err != nil {
		return nil, err
	}
	v.Enabled = len(chans) > 0
	if v.Messages, err = s.appioDB().AppIOMessages(r.Context(), u.Actor, store.Origin(from, id)); err != nil {
		return nil, err
	}
	return v, nil
}

// appioOn tells whether an ente has an App IO channel in use.
func (s *Server) appioOn(r *http.Request, enteID int64) bool {
	chans, err := s.Inbox.AppIOChannels(r.Context(), enteID)
	return err == nil && len(chans) > 0
}

// appioFormView is the form to write to a citizen on App IO.
type appioFormView struct {
	From     string
	ID       int64
	Back     string // the page it is written from
	Channels []*redazione.Channel
	Channel  int64
	Req      inbox.AppIORequest
	Box      *appioBoxView
	Limits   struct{ SubjectMin, SubjectMax, MarkdownMin, MarkdownMax int }
}

// appioBack is the page an App IO message is written from.
func appioBack(from string, id int64) (string, bool) {
	switch from {
	case inbox.AppIOFromConversation:
		return fmt.Sprintf("/conversations/%d", id), true
	case inbox.AppIOFromAccess:
		return fmt.Sprintf("/accessi/%d", id), true
	case inbox.AppIOFromReport:
		return fmt.Sprintf("/segnalazioni/%d", id), true
	}
	return "", false
}

// appioPage is the form, filled in with the citizen's codice fiscale when
// the page knows it.
func (s *Server) appioPage(w http.ResponseWriter, r *http.Request, u *session) {
	q := r.URL.Query()
	id, _ := strconv.ParseInt(q.Get("id"), 10, 64)
	v := &appioFormView{From: q.Get("da"), ID: id}
	if _, ok := appioBack(v.From, id); ok {
		cf, err := s.Inbox.AppIOFiscalCode(r.Context(), u.Actor, v.From, id)
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "inbox"), err)
			return
		}
		v.Req.FiscalCode = cf
	}
	s.renderAppIO(w, r, u, v, http.StatusOK, nil)
}

func (s *Server) renderAppIO(w http.ResponseWriter, r *http.Request, u *session, v *appioFormView, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "appio.title"), "inbox")
	back, ok := appioBack(v.From, v.ID)
	if !ok {
		s.fail(w, r, p, redazione.Errorf(redazione.ENOTFOUND, "pagina di partenza sconosciuta"))
		return
	}
	v.Back = back
	v.Limits.SubjectMin, v.Limits.SubjectMax, v.Limits.MarkdownMin, v.Limits.MarkdownMax = appio.SubjectMin, appio.SubjectMax, appio.MarkdownMin, appio.MarkdownMax
	var err error
	if v.Box, err = s.appioBox(r, u, v.From, v.ID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if v.Channels, err = s.Inbox.AppIOChannels(r.Context(), u.Actor.EnteID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = v
	s.renderForm(w, r, "appio", p, status, formErr)
}

// sendAppIO queues the message; a citizen who cannot get it is told on the
// form, and nothing is sent.
func (s *Server) sendAppIO(w http.ResponseWriter, r *http.Request, u *session) {
	f := r.PostFormValue
	id, _ := strconv.ParseInt(f("id"), 10, 64)
	ch, _ := strconv.ParseInt(f("channel"), 10, 64)
	v := &appioFormView{From: f("from"), ID: id, Channel: ch,
		Req: inbox.AppIORequest{From: f("from"), ID: id, ChannelID: ch, FiscalCode: f("fiscal_code"), Subject: f("subject"), Markdown: f("markdown"), DueDate: f("due_date")}}
	back, ok := appioBack(v.From, id)
	if !ok {
		s.fail(w, r, s.page(r, u, "", "inbox"), redazione.Errorf(redazione.ENOTFOUND, "pagina di partenza sconosciuta"))
		return
	}
	if _, err := s.Inbox.SendAppIO(r.Context(), u.Actor, v.Req); err != nil {
		var refused *inbox.AppIOError
		if errors.As(err, &refused) {
			// Said where the operator acted, what they typed kept.
			err = redazione.Errorf(redazione.ECONFLICT, "%s", refused.Reason)
		}
		s.renderAppIO(w, r, u, v, 0, err)
		return
	}
	http.Redirect(w, r, back+"?appio=accodato#appio-box", http.StatusSeeOther)
}

// appioFlash is the flash of a page an App IO message was just queued from.
func appioFlash(r *http.Request) string {
	if r.URL.Query().Get("appio") == "accodato" {
		return translate(langOf(r), "appio.queued")
	}
	return ""
}

// appioStatus is how IO's status of a message reads.
func appioStatus(lang, st string) string {
	if st == "" {
		return ""
	}
	return translate(lang, "appio.status."+strings.ToLower(st))
}

func init() { funcs["appioStatus"] = appioStatus }

var appioCatalog = map[string][2]string{
	"kind.appio":               {"App IO", "App IO"},
	"set.api_key":              {"Chiave API del servizio (Ocp-Apim-Subscription-Key)", "The service's API key (Ocp-Apim-Subscription-Key)"},
	"set.service_name":         {"Nome del servizio su App IO", "The service's name on App IO"},
	"appio.title":              {"Scrivi su App IO", "Write on App IO"},
	"appio.box":                {"App IO", "App IO"},
	"appio.help":               {"Il messaggio arriva al cittadino nell'app IO, se la usa e non ha disattivato il servizio: prima dell'invio Redazione lo controlla. Un messaggio per volta, a una persona sola.", "The message reaches the citizen in the IO app, if they use it and have not turned the service off: Redazione checks before sending. One message at a time, to one person."},
	"appio.none":               {"Nessun messaggio App IO inviato da qui.", "No App IO message sent from here."},
	"appio.write":              {"Scrivi su App IO", "Write on App IO"},
	"appio.disabled":           {"Nessun canale App IO: un amministratore lo aggiunge in Amministrazione › Canali.", "No App IO channel: an administrator adds one in Administration › Channels."},
	"appio.cf":                 {"Codice fiscale", "Codice fiscale (tax code)"},
	"appio.cf.help":            {"Il codice fiscale del cittadino, 16 caratteri: App IO lo raggiunge così.", "The citizen's codice fiscale, 16 characters: App IO reaches them by it."},
	"appio.channel":            {"Servizio App IO", "App IO service"},
	"appio.subject":            {"Oggetto", "Subject"},
	"appio.markdown":           {"Testo (Markdown: titoli, grassetto, corsivo, elenchi)", "Text (Markdown: headings, bold, italics, lists)"},
	"appio.due":                {"Scadenza (facoltativa)", "Due date (optional)"},
	"appio.due.help":           {"Il cittadino può aggiungerla al suo calendario.", "The citizen can add it to their calendar."},
	"appio.count":              {"caratteri", "characters"},
	"appio.send":               {"Invia su App IO", "Send on App IO"},
	"appio.back":               {"Torna alla pagina di partenza", "Back to where you came from"},
	"appio.queued":             {"Messaggio App IO in coda di invio: il cittadino è stato controllato, l'esito compare qui sotto.", "App IO message queued: the citizen was checked, the outcome shows below."},
	"appio.automatic":          {"automatico", "automatic"},
	"appio.by":                 {"da", "by"},
	"appio.due.short":          {"scadenza", "due"},
	"appio.status.accepted":    {"IO: accettato, in elaborazione", "IO: accepted, being processed"},
	"appio.status.throttled":   {"IO: in ritardo, riprova in corso", "IO: delayed, being retried"},
	"appio.status.processed":   {"IO: nella casella del cittadino", "IO: in the citizen's inbox"},
	"appio.status.rejected":    {"IO: respinto", "IO: rejected"},
	"appio.status.failed":      {"IO: non riuscito", "IO: failed"},
	"appio.notify.access":      {"Il richiedente chiede l'esito anche su App IO", "The requester wants the decision on App IO too"},
	"appio.notify.access.help": {"Con il codice fiscale e la richiesta del cittadino, la decisione gli arriva su App IO appena registrata.", "With the codice fiscale and the citizen's request, the decision reaches them on App IO as soon as it is recorded."},
	"appio.notify.report":      {"Avvisami anche su App IO", "Notify me on App IO too"},
	"appio.notify.report.help": {"Ti scriviamo nell'app IO quando la segnalazione cambia stato. Serve il tuo codice fiscale, che non è mai pubblicato.", "We write to you in the IO app when the report changes status. Your codice fiscale is needed; it is never published."},
	"appio.notify.office":      {"Il cittadino chiede gli avvisi su App IO", "The citizen wants updates on App IO"},
	"appio.on":                 {"Avvisi su App IO", "Updates on App IO"},
}
