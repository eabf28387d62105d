package inbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/channel/appio"
	"github.com/redazione/redazione/codicefiscale"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/store"
)

// App IO: an operator writes to a citizen on App IO from a conversation,
// an access request or a report, and the decision on a request or the new
// status of a report goes there by itself when the citizen asked for it.
// Each message is stored queued and delivered by the job queue (the
// profile check, then the send), and a later job asks IO its outcome.

// DefaultAppIOCheckAfter is how long after IO took a message its outcome
// is first asked for.
const DefaultAppIOCheckAfter = 30 * time.Second

// Where an App IO message is sent from.
const (
	AppIOFromConversation = "conversation"
	AppIOFromAccess       = "access"
	AppIOFromReport       = "report"
)

// AppIORequest is an operator's message to a citizen on App IO.
type AppIORequest struct {
	From       string // AppIOFrom*
	ID         int64  // of the conversation, request or report
	ChannelID  int64  // 0: the ente's first App IO channel
	FiscalCode string
	Subject    string
	Markdown   string
	DueDate    string // YYYY-MM-DD, "" for none
}

// AppIOError is a message the citizen cannot get: nothing was sent.
type AppIOError struct{ Reason string }

func (e *AppIOError) Error() string { return e.Reason }

// appioOrigin is what a page tells of the citizen it is about.
type appioOrigin struct {
	origin     string
	desk       int64
	personOf   int64
	name       string
	fiscalCode string
}

func (s *Service) appioOrigin(ctx context.Context, a redazione.Actor, from string, id int64) (*appioOrigin, error) {
	switch from {
	case AppIOFromConversation:
		c, err := s.DB.Conversation(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if c.ChannelKind == redazione.ChannelAppIO {
			return &appioOrigin{origin: store.Origin(from, id), desk: c.DeskID, personOf: c.ContactID, name: c.Contact.Name, fiscalCode: c.Contact.ExternalID}, nil
		}
		cf, err := s.DB.AppIOFiscalCode(ctx, a.EnteID, c.ContactID)
		if err != nil {
			return nil, err
		}
		return &appioOrigin{origin: store.Origin(from, id), desk: c.DeskID, personOf: c.ContactID, name: c.Contact.Name, fiscalCode: cf}, nil
	case AppIOFromAccess:
		r, err := s.DB.AccessRequest(ctx, a, id)
		if err != nil {
			return nil, err
		}
		o := &appioOrigin{origin: store.Origin(from, id), desk: r.DeskID, name: r.RequesterName, fiscalCode: r.FiscalCode}
		if r.ConversationID != 0 {
			if c, err := s.DB.Conversation(ctx, redazione.SystemActor(a.EnteID), r.ConversationID); err == nil {
				o.personOf = c.ContactID
			}
		}
		return o, nil
	case AppIOFromReport:
		r, err := s.DB.ServiceRequest(ctx, a, id)
		if err != nil {
			return nil, err
		}
		o := &appioOrigin{origin: store.Origin(from, id), desk: r.DeskID, name: strings.TrimSpace(r.FirstName + " " + r.LastName), fiscalCode: r.FiscalCode}
		if r.ConversationID != 0 {
			if c, err := s.DB.Conversation(ctx, redazione.SystemActor(a.EnteID), r.ConversationID); err == nil {
				o.personOf = c.ContactID
			}
		}
		return o, nil
	}
	return nil, redazione.Errorf(redazione.EINVALID, "origine del messaggio App IO sconosciuta")
}

// AppIOFiscalCode returns the codice fiscale the citizen of a page gave
// ("" when none is known), to fill in the form.
func (s *Service) AppIOFiscalCode(ctx context.Context, a redazione.Actor, from string, id int64) (string, error) {
	o, err := s.appioOrigin(ctx, a, from, id)
	if err != nil {
		return "", err
	}
	return o.fiscalCode, nil
}

// AppIOChannels returns the ente's App IO channels in use.
func (s *Service) AppIOChannels(ctx context.Context, enteID int64) ([]*redazione.Channel, error) {
	return s.DB.AppIOChannels(ctx, enteID)
}

func (s *Service) appioChannel(ctx context.Context, enteID, id int64) (*redazione.Channel, error) {
	chans, err := s.AppIOChannels(ctx, enteID)
	if err != nil {
		return nil, err
	}
	for _, c := range chans {
		if id == 0 || c.ID == id {
			return c, nil
		}
	}
	if id != 0 {
		return nil, redazione.FieldError("channel", "canale App IO sconosciuto o disattivato")
	}
	return nil, redazione.Errorf(redazione.ECONFLICT, "nessun canale App IO attivo: un amministratore lo aggiunge in Amministrazione › Canali")
}

func (s *Service) appioHTTP() *http.Client {
	if s.AppIOClient != nil {
		return s.AppIOClient
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// SendAppIO checks and queues an operator's message to a citizen on App
// IO. The citizen's profile is checked first: when they do not use IO or
// turned the service off, nothing is stored and an *AppIOError says so.
func (s *Service) SendAppIO(ctx context.Context, a redazione.Actor, req AppIORequest) (*redazione.Message, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	cf, err := codicefiscale.Parse(req.FiscalCode)
	if err != nil {
		return nil, err
	}
	content := appio.Content{Subject: req.Subject, Markdown: req.Markdown}
	if err := content.Check(); err != nil {
		return nil, err
	}
	if d := strings.TrimSpace(req.DueDate); d != "" {
		day, err := calendar.ParseDate(d)
		if err != nil {
			return nil, redazione.FieldError("due_date", "scadenza non valida: usa una data come 31/12/2026")
		}
		if day.String() < calendar.DateOf(time.Now(), calendar.Rome).String() {
			return nil, redazione.FieldError("due_date", "la scadenza è già passata")
		}
		content.DueDate = time.Date(day.Year, time.Month(day.Month), day.Day, 0, 0, 0, 0, time.UTC)
	}
	o, err := s.appioOrigin(ctx, a, req.From, req.ID)
	if err != nil {
		return nil, err
	}
	ch, err := s.appioChannel(ctx, a.EnteID, req.ChannelID)
	if err != nil {
		return nil, err
	}
	// Asked now, so the operator knows at once; the delivery asks again.
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = appio.ClientFor(ch, s.appioHTTP()).Profile(pctx, cf)
	cancel()
	switch {
	case errors.Is(err, appio.ErrNoProfile) || errors.Is(err, appio.ErrNotAllowed):
		reason := "Il cittadino ha disattivato su App IO i messaggi di questo servizio. Il messaggio non è stato inviato."
		if errors.Is(err, appio.ErrNoProfile) {
			reason = "Il cittadino non usa App IO: nessun profilo per questo codice fiscale. Il messaggio non è stato inviato."
		}
		if aerr := s.DB.AppIORefused(ctx, a, o.origin, cf, errors.Unwrap(err).Error()); aerr != nil {
			return nil, aerr
		}
		return nil, &AppIOError{Reason: reason}
	case err != nil:
		var perm jobs.Permanent
		if errors.As(err, &perm) { // a refused key: sending cannot work either
			return nil, redazione.Errorf(redazione.ECONFLICT, "%s", err.Error())
		}
		// IO busy or unreachable: the delivery job checks again, with retries.
		s.Log.Info("appio: profile check postponed to the delivery", "err", err)
	}
	return s.queueAppIO(ctx, a, store.AppIOSend{ChannelID: ch.ID, FiscalCode: cf, Name: o.name, Subject: content.Subject, Markdown: content.Markdown,
		DueDate: content.DueDate, Origin: o.origin, DeskID: o.desk, PersonOf: o.personOf})
}

func (s *Service) queueAppIO(ctx context.Context, a redazione.Actor, in store.AppIOSend) (*redazione.Message, error) {
	m, conv, err := s.DB.SendAppIO(ctx, a, in)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, events.Event{Type: events.MessageCreated, EnteID: a.EnteID, ConversationID: conv.ID, DeskID: conv.DeskID, ContactID: conv.ContactID, MessageID: m.ID, Public: true})
	// Stored as queued before the job exists: Sweep enqueues it again if
	// this process dies here.
	if err := s.Queue.EnqueueDelivery(ctx, a.EnteID, m.ID); err != nil {
		s.Log.Error("enqueue delivery", "message", m.ID, "err", err)
	}
	return m, nil
}

// autoAppIO sends, by itself, the message of a decision or a change of
// status the citizen asked to get on App IO. A failure is logged: the
// decision itself is saved.
func (s *Service) autoAppIO(ctx context.Context, a redazione.Actor, from string, id int64, subject, markdown string) {
	o, err := s.appioOrigin(ctx, a, from, id)
	if err == nil && o.fiscalCode == "" {
		return
	}
	var ch *redazione.Channel
	if err == nil {
		ch, err = s.appioChannel(ctx, a.EnteID, 0)
	}
	var cf codicefiscale.Code
	if err == nil {
		cf, err = codicefiscale.Parse(o.fiscalCode)
	}
	if err == nil {
		_, err = s.queueAppIO(ctx, a, store.AppIOSend{ChannelID: ch.ID, FiscalCode: cf, Name: o.name, Subject: clip(subject, appio.SubjectMax),
			Markdown: clip(markdown, appio.MarkdownMax), Origin: o.origin, DeskID: o.desk, PersonOf: o.personOf, Automatic: true})
	}
	if err != nil {
		s.Log.Warn("appio: automatic message not queued", "from", from, "id", id, "err", err)
	}
}

// clip shortens a text to max characters.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// dmy writes a day as Italians do.
func dmy(day string) string {
	d, err := calendar.ParseDate(day)
	if err != nil {
		return day
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
}

var accessKindText = map[string]string{
	accesso.Documentale:         "di accesso documentale",
	accesso.CivicoSemplice:      "di accesso civico semplice",
	accesso.CivicoGeneralizzato: "di accesso civico generalizzato",
}

var accessOutcomeText = map[string]string{
	accesso.Accolta:         "accolta",
	accesso.RifiutoParziale: "accolta in parte (rifiuto parziale)",
	accesso.RifiutoTotale:   "respinta (rifiuto totale)",
}

// AccessDecisionMessage composes the App IO message of a decision on an
// access request.
func AccessDecisionMessage(enteName string, r *accesso.Request) (subject, markdown string) {
	subject = fmt.Sprintf("Esito della sua richiesta di accesso n. %s", r.Number())
	var b strings.Builder
	fmt.Fprintf(&b, "Gentile cittadina, gentile cittadino,\n\nla sua richiesta %s n. %s, presentata il %s, è stata **%s** con provvedimento del %s.\n\n",
		accessKindText[r.Kind], r.Number(), dmy(r.ReceivedOn), accessOutcomeText[r.Outcome], dmy(r.DecidedOn))
	fmt.Fprintf(&b, "**Oggetto:** %s\n\n", clip(r.Subject, 2000))
	if r.Reason != "" {
		fmt.Fprintf(&b, "**Sintesi della motivazione:** %s\n\n", r.Reason)
	}
	if r.Outcome != accesso.Accolta && accesso.Reviewable(r.Kind) {
		b.WriteString("Può chiedere il riesame al Responsabile della prevenzione della corruzione e della trasparenza entro 30 giorni (d.lgs. 33/2013, art. 5, c. 7).\n\n")
	}
	b.WriteString(enteName)
	return subject, b.String()
}

// ReportStatusMessage composes the App IO message of a report's new status.
func ReportStatusMessage(enteName string, r *store.ServiceRequest) (subject, markdown string) {
	state := "è in lavorazione"
	if r.Status == "closed" {
		state = "è stata chiusa"
	}
	subject = fmt.Sprintf("Aggiornamento sulla sua segnalazione n. %d", r.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "Gentile cittadina, gentile cittadino,\n\nla sua segnalazione n. %d (%s), ricevuta il %s, %s.\n\n",
		r.ID, r.ServiceName, r.RequestedAt.In(calendar.Rome).Format("02/01/2006"), state)
	if r.StatusNotes != "" {
		fmt.Fprintf(&b, "**Note dell'ufficio:** %s\n\n", r.StatusNotes)
	}
	b.WriteString("Grazie per la sua segnalazione.\n\n")
	b.WriteString(enteName)
	return subject, b.String()
}

func (s *Service) enteName(ctx context.Context, enteID int64) string {
	if e, err := s.DB.Ente(ctx, enteID); err == nil {
		return e.Name
	}
	return ""
}

// afterAppIOSent asks for the outcome of a message IO took.
func (s *Service) afterAppIOSent(ctx context.Context, enteID, messageID int64) {
	after := s.AppIOCheckAfter
	if after <= 0 {
		after = DefaultAppIOCheckAfter
	}
	if err := s.Queue.EnqueueAppIOCheck(ctx, enteID, messageID, after); err != nil {
		s.Log.Error("enqueue appio check", "message", messageID, "err", err)
	}
}

// CheckAppIO asks IO where a message stands and records it: PROCESSED is
// delivered to the citizen's app, REJECTED and FAILED failed; while IO has
// not decided, it is asked again later.
func (s *Service) CheckAppIO(ctx context.Context, enteID, messageID int64, attempt int, final bool) error {
	m, err := s.DB.Message(ctx, enteID, messageID)
	if redazione.ErrorCode(err) == redazione.ENOTFOUND {
		return jobs.Permanent{Err: err}
	}
	if err != nil {
		return err
	}
	if m.ExternalID == "" {
		return jobs.Permanent{Err: errors.New("messaggio non ancora accettato da App IO")}
	}
	sys := redazione.SystemActor(enteID)
	conv, err := s.DB.Conversation(ctx, sys, m.ConversationID)
	if err != nil {
		return err
	}
	ch, err := s.DB.Channel(ctx, conv.ChannelID)
	if err != nil {
		return err
	}
	cf, err := codicefiscale.Parse(conv.Contact.ExternalID)
	if err != nil {
		return jobs.Permanent{Err: errors.New("il contatto non ha più un codice fiscale (dati cancellati)")}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	st, err := appio.ClientFor(ch, s.appioHTTP()).MessageStatus(cctx, cf, m.ExternalID)
	cancel()
	if err != nil {
		return err
	}
	delivery, reason := redazione.DeliveryNone, ""
	switch st {
	case appio.Processed:
		delivery = redazione.DeliveryDelivered
	case appio.Rejected:
		delivery, reason = redazione.DeliveryFailed, "App IO ha respinto il messaggio (REJECTED): il cittadino non è raggiungibile o ha bloccato il servizio"
	case appio.Failed:
		delivery, reason = redazione.DeliveryFailed, "App IO non è riuscito a consegnare il messaggio (FAILED)"
	}
	if err := s.DB.SetAppIOStatus(ctx, enteID, messageID, string(st), delivery, reason); err != nil {
		return err
	}
	if delivery != redazione.DeliveryNone {
		s.publish(ctx, events.Event{Type: events.MessageUpdated, EnteID: enteID, ConversationID: conv.ID, DeskID: conv.DeskID, ContactID: conv.ContactID, MessageID: m.ID})
		return nil
	}
	if final {
		return nil // left as sent, the last status IO gave noted
	}
	// Not decided yet (ACCEPTED, THROTTLED): ask again, less and less often.
	return jobs.Later{Err: fmt.Errorf("App IO non ha ancora elaborato il messaggio (%s)", st), After: s.appioRecheck(attempt)}
}

func (s *Service) appioRecheck(attempt int) time.Duration {
	base := s.AppIOCheckAfter
	if base <= 0 {
		base = DefaultAppIOCheckAfter
	}
	return min(base<<min(attempt, 10), time.Hour)
}
