package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/store"
)

// The registro degli accessi: the office registers requests of accesso
// documentale, civico semplice and civico generalizzato (from a
// conversation or by hand), follows their legal terms, records decisions,
// riesami and ricorsi, is told which documents to publish proactively
// (§8.2), and publishes the register without personal data.

// accessReads is what the access register's pages read (*store.DB has
// it); they write through inbox.Service.
type accessReads interface {
	AccessRequests(ctx context.Context, a redazione.Actor, f store.AccessFilter) ([]*accesso.Request, error)
	AccessRequest(ctx context.Context, a redazione.Actor, id int64) (*accesso.Request, error)
	AccessRepeats(ctx context.Context, a redazione.Actor, today calendar.Date) ([]store.AccessRepeat, error)
	PublicAccessRegister(ctx context.Context, enteID int64) ([]store.PublicAccessEntry, error)
	Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error)
	Messages(ctx context.Context, a redazione.Actor, conversationID int64, max int) ([]*redazione.Message, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error)
	Now() time.Time
}

func (s *Server) accessDB() accessReads { return s.DB }

var _ = addCatalog(accessCatalog)

func init() {
	funcs["accessLabel"] = func(lang, prefix, v string) string {
		if v == "" {
			return ""
		}
		return translate(lang, prefix+"."+v)
	}
	funcs["dmy"] = dmy
	funcs["list"] = func(v ...string) []string { return v }
	funcs["neg"] = func(n int) int { return -n }
}

// dmy shows a stored day (2026-04-07) the Italian way (07/04/2026).
func dmy(day string) string {
	d, err := calendar.ParseDate(day)
	if err != nil {
		return day
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
}

// today is the day in Rome, for terms.
func (s *Server) today() calendar.Date { return calendar.DateOf(s.accessDB().Now(), calendar.Rome) }

// accessRow is a request with where it stands today.
type accessRow struct {
	*accesso.Request
	State accesso.State
	Left  int
}

type accessListView struct {
	Rows           []accessRow
	Repeats        []store.AccessRepeat
	State, Kind    string
	Year           int
	Years          []int
	Kinds          []string
	CanWrite       bool
	Threshold      int
	PublicRegister string
}

func (s *Server) accessPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderAccessList(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderAccessList(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "access.title"), "access")
	q := r.URL.Query()
	today := s.today()
	v := &accessListView{State: q.Get("stato"), Kind: q.Get("tipo"), Kinds: accesso.Kinds, CanWrite: u.Actor.CanWrite(),
		Threshold: accesso.RepeatThreshold, PublicRegister: "/trasparenza/" + u.Ente.Slug + "/accessi"}
	switch v.State {
	case "pending", "overdue", "decided":
	default:
		v.State = ""
	}
	if !accesso.ValidKind(v.Kind) {
		v.Kind = ""
	}
	v.Year, _ = strconv.Atoi(q.Get("anno"))
	for y := today.Year; y >= today.Year-4; y-- {
		v.Years = append(v.Years, y)
	}
	rows, err := s.accessDB().AccessRequests(r.Context(), u.Actor, store.AccessFilter{State: v.State, Kind: v.Kind, Year: v.Year, Today: today})
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	for _, x := range rows {
		st, left := x.State(today)
		v.Rows = append(v.Rows, accessRow{x, st, left})
	}
	if v.Repeats, err = s.accessDB().AccessRepeats(r.Context(), u.Actor, today); err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "access", p, status, formErr)
}

type accessFormView struct {
	Request      *accesso.Request
	State        accesso.State
	Left         int
	Conversation *redazione.Conversation
	Desks        []redazione.Desk
	Kinds        []string
	Outcomes     []string
	Appeals      []string
	CanWrite     bool
	New          bool
	Receipt      bool
	Reviewable   bool
	AppIO        *appioBoxView
}

// newAccessPage is the form to register a request; from a conversation,
// it is filled in with the citizen and their latest message.
func (s *Server) newAccessPage(w http.ResponseWriter, r *http.Request, u *session) {
	req := &accesso.Request{Kind: accesso.CivicoGeneralizzato, ReceivedOn: s.today().String()}
	if conv, _ := strconv.ParseInt(r.URL.Query().Get("conversazione"), 10, 64); conv != 0 {
		msgs, err := s.accessDB().Messages(r.Context(), u.Actor, conv, 50)
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "access"), err)
			return
		}
		req.ConversationID = conv
		for i := len(msgs) - 1; i >= 0; i-- {
			if m := msgs[i]; m.Direction == redazione.DirIn && m.DeletedAt.IsZero() {
				req.Subject = strings.TrimSpace(m.Text)
				if n := []rune(req.Subject); len(n) > 500 {
					req.Subject = string(n[:500])
				}
				req.ReceivedOn = calendar.DateOf(m.CreatedAt, calendar.Rome).String()
				break
			}
		}
	}
	s.renderAccessForm(w, r, u, req, true, true, "", http.StatusOK, nil)
}

func (s *Server) renderAccessForm(w http.ResponseWriter, r *http.Request, u *session, req *accesso.Request, isNew, receipt bool, flash string, status int, formErr error) {
	lang := langOf(r)
	title := translate(lang, "access.new")
	if !isNew {
		title = translate(lang, "access.request") + " " + req.Number()
	}
	p := s.page(r, u, title, "access")
	v := &accessFormView{Request: req, Kinds: accesso.Kinds, Outcomes: accesso.Outcomes, Appeals: accesso.AppealOutcomes,
		CanWrite: u.Actor.CanWrite(), New: isNew, Receipt: receipt, Reviewable: accesso.Reviewable(req.Kind)}
	ctx := r.Context()
	if req.ConversationID != 0 {
		c, err := s.accessDB().Conversation(ctx, u.Actor, req.ConversationID)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		v.Conversation = c
		if req.RequesterName == "" && isNew && formErr == nil {
			req.RequesterName = c.Contact.Name
		}
	}
	var err error
	if v.Desks, err = s.actorDesks(r, u); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if !isNew {
		v.State, v.Left = req.State(s.today())
		if v.AppIO, err = s.appioBox(r, u, inbox.AppIOFromAccess, req.ID); err != nil {
			s.fail(w, r, p, err)
			return
		}
	}
	p.Data = v
	if flash != "" {
		p.Flash = translate(lang, flash)
	}
	s.renderForm(w, r, "access_form", p, status, formErr)
}

// actorDesks are the desks whose work the user sees: where they may file
// a request or a post.
func (s *Server) actorDesks(r *http.Request, u *session) ([]redazione.Desk, error) {
	desks, err := s.accessDB().Desks(r.Context(), u.Actor.EnteID)
	if err != nil {
		return nil, err
	}
	var out []redazione.Desk
	for _, d := range desks {
		if u.Actor.CanSeeDesk(d.ID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// accessFromForm reads the request's fields from a posted form.
func accessFromForm(r *http.Request) *accesso.Request {
	f := r.PostFormValue
	days, _ := strconv.Atoi(strings.TrimSpace(f("suspended_days")))
	if f("counterparties") == "on" && strings.TrimSpace(f("suspended_days")) == "" {
		days = accesso.MaxSuspension
	}
	desk, _ := strconv.ParseInt(f("desk"), 10, 64)
	conv, _ := strconv.ParseInt(f("conversation"), 10, 64)
	return &accesso.Request{DeskID: desk, ConversationID: conv, Kind: f("kind"), ReceivedOn: f("received_on"), Protocol: f("protocol"),
		Subject: f("subject"), Document: f("document"), RequesterName: f("requester_name"), RequesterAddress: f("requester_address"),
		Counterparties: f("counterparties") == "on", Opposed: f("opposed") == "on", SuspendedDays: days,
		Outcome: f("outcome"), DecidedOn: f("decided_on"), Reason: f("reason"),
		ReviewOn: f("review_on"), ReviewOutcome: f("review_outcome"), ReviewDecidedOn: f("review_decided_on"), ReviewReason: f("review_reason"),
		AppealOn: f("appeal_on"), AppealOutcome: f("appeal_outcome"), FiscalCode: f("fiscal_code"), AppIONotify: f("appio_notify") == "on"}
}

// createAccess registers a request; from a conversation it may send the
// citizen the receipt with the register number and the term at once (§8).
func (s *Server) createAccess(w http.ResponseWriter, r *http.Request, u *session) {
	req := accessFromForm(r)
	receipt := r.PostFormValue("receipt") == "on"
	if err := s.Inbox.CreateAccessRequest(r.Context(), u.Actor, req); err != nil {
		s.renderAccessForm(w, r, u, req, true, receipt, "", 0, err)
		return
	}
	to := fmt.Sprintf("/accessi/%d", req.ID)
	if receipt && req.ConversationID != 0 {
		// Registered all the same if it does not go: the page says so.
		to += s.tellCitizen(r, u, req.ConversationID, accessReceipt(req))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// told and notTold are what tellCitizen adds to the address of the page
// shown next, for toldFlash to read.
const (
	told    = "?avviso=inviato"
	notTold = "?avviso=errore"
)

// tellCitizen writes to the citizen in a conversation, for the office (a
// receipt, news of their request); a failure is logged, and the page
// shown next says so.
func (s *Server) tellCitizen(r *http.Request, u *session, conv int64, text string) string {
	if _, err := s.Inbox.Reply(r.Context(), u.Actor, conv, text, false); err != nil {
		s.Log.WarnContext(r.Context(), "message to the citizen not sent", "conversation", conv, "path", r.URL.Path, "err", err)
		return notTold
	}
	return told
}

// toldFlash is the key of the message saying whether tellCitizen
// succeeded, from the page's address ("" when nothing was sent).
func toldFlash(r *http.Request, sent, failed string) string {
	switch "?avviso=" + r.URL.Query().Get("avviso") {
	case told:
		return sent
	case notTold:
		return failed
	}
	return ""
}

// accessReceipt is the message that acknowledges a request to the citizen.
func accessReceipt(req *accesso.Request) string {
	var b strings.Builder
	b.WriteString("Gentile cittadina, gentile cittadino,\nla sua richiesta di ")
	b.WriteString(translate("it", "ak."+req.Kind))
	fmt.Fprintf(&b, ", ricevuta il %s, è registrata con il numero %s", dmy(req.ReceivedOn), req.Number())
	if req.Protocol != "" {
		fmt.Fprintf(&b, " (protocollo %s)", req.Protocol)
	}
	fmt.Fprintf(&b, ".\nL'amministrazione le risponderà con un provvedimento motivato entro il %s", dmy(req.DueOn))
	if req.Counterparties {
		b.WriteString(", termine che tiene conto della comunicazione ai controinteressati")
	}
	b.WriteString(".")
	return b.String()
}

func (s *Server) accessDetail(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	req, err := s.accessDB().AccessRequest(r.Context(), u.Actor, id)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "access"), err)
		return
	}
	flash := toldFlash(r, "access.receipt.sent", "access.receipt.failed")
	if r.URL.Query().Get("salvata") != "" {
		flash = "access.saved"
	}
	if r.URL.Query().Get("appio") == "accodato" {
		flash = "appio.queued"
	}
	s.renderAccessForm(w, r, u, req, false, false, flash, http.StatusOK, nil)
}

func (s *Server) updateAccess(w http.ResponseWriter, r *http.Request, u *session) {
	req := accessFromForm(r)
	req.ID, _ = strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Inbox.UpdateAccessRequest(r.Context(), u.Actor, req); err != nil {
		if old, gerr := s.accessDB().AccessRequest(r.Context(), u.Actor, req.ID); gerr == nil {
			req.Year, req.Seq, req.ConversationID, req.DeskID = old.Year, old.Seq, old.ConversationID, old.DeskID
			s.renderAccessForm(w, r, u, req, false, false, "", 0, err)
			return
		}
		s.fail(w, r, s.page(r, u, "", "access"), err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/accessi/%d?salvata=1", req.ID), http.StatusSeeOther)
}

// publishAccess records that a repeatedly asked document is published.
func (s *Server) publishAccess(w http.ResponseWriter, r *http.Request, u *session) {
	doc, link := strings.TrimSpace(r.PostFormValue("document")), strings.TrimSpace(r.PostFormValue("url"))
	convs, err := s.Inbox.PublishAccessDocument(r.Context(), u.Actor, r.PostFormValue("key"), doc, link)
	if err != nil {
		s.renderAccessList(w, r, u, "", 0, err)
		return
	}
	lang := langOf(r)
	flash := translate(lang, "access.published")
	// Tell the requesters on the channel they wrote from (§8.2).
	if r.PostFormValue("notify") == "on" && link != "" && len(convs) > 0 {
		text := fmt.Sprintf("Gentile cittadina, gentile cittadino,\nil documento che aveva chiesto con una richiesta di accesso («%s») è ora pubblicato sul sito dell'ente, a disposizione di tutti: %s", doc, link)
		sent := 0
		for _, c := range convs {
			if s.tellCitizen(r, u, c, text) == told {
				sent++
			}
		}
		flash += " " + fmt.Sprintf(translate(lang, "access.notified"), translateN(lang, "access.notified.count", sent), len(convs))
	}
	s.renderAccessList(w, r, u, flash, http.StatusOK, nil)
}

type publicAccessView struct {
	Ente    *redazione.Ente
	Entries []store.PublicAccessEntry
	CSV     string
}

// publicAccess is the register as published under Amministrazione
// trasparente: no requester, personal data removed. Anyone may read it.
func (s *Server) publicAccess(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	slug := strings.TrimSuffix(r.PathValue("ente"), ".csv")
	e, err := s.accessDB().EnteBySlug(r.Context(), slug)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	entries, err := s.accessDB().PublicAccessRegister(r.Context(), e.ID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	if strings.HasSuffix(r.URL.Path, ".csv") {
		writeAccessCSV(w, e, entries)
		return
	}
	p.Title = translate(p.Lang, "access.public") + " – " + e.Name
	p.Data = &publicAccessView{Ente: e, Entries: entries, CSV: "/trasparenza/" + e.Slug + "/accessi.csv"}
	s.render(w, r, http.StatusOK, "access_public", "", p)
}

// writeAccessCSV writes the public register as open data: UTF-8, comma
// separated, one request a row, the columns of Allegato 3 §4.
func writeAccessCSV(w http.ResponseWriter, e *redazione.Ente, entries []store.PublicAccessEntry) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="registro-accessi-%s.csv"`, e.Slug))
	cw := csv.NewWriter(w)
	cw.Write([]string{"numero", "tipo", "data_presentazione", "oggetto", "controinteressati", "esito", "data_provvedimento", "sintesi_motivazione",
		"riesame_data", "riesame_esito", "riesame_data_provvedimento", "riesame_motivazione", "ricorso_data", "ricorso_esito"})
	yes := map[bool]string{true: "sì", false: "no"}
	for _, x := range entries {
		cw.Write([]string{x.Number, x.Kind, x.ReceivedOn, csvSafe(x.Subject), yes[x.Counterparties], x.Outcome, x.DecidedOn, csvSafe(x.Reason),
			x.ReviewOn, x.ReviewOutcome, x.ReviewDecidedOn, csvSafe(x.ReviewReason), x.AppealOn, x.AppealOutcome})
	}
	cw.Flush()
}

var accessCatalog = map[string][2]string{
	"nav.access":                {"Accesso civico", "Civic access"},
	"access.title":              {"Registro degli accessi", "Access register (registro degli accessi)"},
	"access.help":               {"Le richieste di accesso documentale, civico semplice e civico generalizzato, con i termini di legge: 30 giorni dalla ricezione, sospesi fino a 10 giorni per i controinteressati; 20 giorni per il riesame.", "Requests for accesso documentale, civico semplice and civico generalizzato, with their legal terms: 30 days from receipt, suspended up to 10 days for the controinteressati; 20 days for a riesame."},
	"access.new":                {"Registra una richiesta di accesso", "Register an access request"},
	"access.request":            {"Richiesta di accesso", "Access request"},
	"access.number":             {"Numero", "Number"},
	"access.kind":               {"Tipo di accesso", "Kind of access"},
	"access.kind.help":          {"Se il cittadino non indica la norma, la richiesta si tratta come accesso civico generalizzato.", "A request naming no legal basis is handled as accesso civico generalizzato."},
	"access.received":           {"Data di presentazione", "Received on"},
	"access.received.help":      {"Il giorno in cui l'ente ha ricevuto la richiesta (anche su un social): da qui decorrono i 30 giorni.", "The day the ente received the request (on social media too): the 30 days run from it."},
	"access.protocol":           {"Numero di protocollo (facoltativo)", "Protocol number (optional)"},
	"access.subject":            {"Oggetto della richiesta", "Subject of the request"},
	"access.document":           {"Documento o dato richiesto", "Document or data asked for"},
	"access.document.help":      {"Scrivilo sempre allo stesso modo: serve a riconoscere i documenti chiesti più volte.", "Always write it the same way: it is how documents asked for again are recognised."},
	"access.requester":          {"Richiedente (non pubblicato)", "Requester (never published)"},
	"access.requester.name":     {"Nome e cognome", "Full name"},
	"access.requester.address":  {"E-mail, PEC o indirizzo", "E-mail, PEC or address"},
	"access.desk":               {"Area", "Desk"},
	"access.counterparties":     {"Controinteressati", "Controinteressati"},
	"access.counterparties.yes": {"Ci sono controinteressati e sono stati avvisati", "There are controinteressati and they were notified"},
	"access.opposed":            {"I controinteressati si sono opposti", "The controinteressati opposed"},
	"access.release":            {"Documenti trasmissibili dal", "Documents may be sent from"},
	"access.release.help":       {"Accesso concesso nonostante l'opposizione: i documenti si trasmettono non prima di 15 giorni dal provvedimento (d.lgs. 33/2013, art. 5, c. 6).", "Access granted over the opposition: documents go out no earlier than 15 days after the decision (d.lgs. 33/2013 art. 5 c. 6)."},
	"access.suspended":          {"Giorni di sospensione del termine (massimo 10)", "Days the term was suspended (at most 10)"},
	"access.suspended.help":     {"Il termine resta sospeso finché i controinteressati rispondono, al massimo 10 giorni.", "The term stays suspended until the controinteressati answer, at most 10 days."},
	"access.decision":           {"Provvedimento", "Decision"},
	"access.outcome":            {"Esito", "Outcome"},
	"access.pending":            {"In istruttoria", "Pending"},
	"access.decided_on":         {"Data del provvedimento", "Decision date"},
	"access.reason":             {"Sintesi della motivazione", "Summary of the reasons"},
	"access.reason.help":        {"Obbligatoria per un rifiuto. È pubblicata: non scrivere dati personali.", "Required for a refusal. It is published: write no personal data."},
	"access.review":             {"Riesame", "Riesame (review)"},
	"access.review_on":          {"Data della richiesta di riesame", "Riesame asked on"},
	"access.review.help":        {"Per l'accesso civico: il responsabile della prevenzione della corruzione e della trasparenza decide entro 20 giorni.", "For accesso civico: the RPCT decides within 20 days."},
	"access.review_due":         {"Termine del riesame", "Riesame due"},
	"access.review_outcome":     {"Esito del riesame", "Riesame outcome"},
	"access.review_decided":     {"Data del provvedimento di riesame", "Riesame decision date"},
	"access.review_reason":      {"Motivazione del riesame", "Riesame reasons"},
	"access.appeal":             {"Ricorso al giudice", "Appeal to the court"},
	"access.appeal_on":          {"Data di comunicazione del ricorso", "Appeal notified on"},
	"access.appeal_outcome":     {"Esito del ricorso", "Appeal outcome"},
	"access.due":                {"Termine", "Due"},
	"access.state":              {"Stato", "State"},
	"access.receipt":            {"Invia subito al cittadino la ricevuta con numero e termine", "Send the citizen the receipt with number and term now"},
	"access.receipt.sent":       {"Ricevuta inviata al cittadino.", "Receipt sent to the citizen."},
	"access.receipt.failed":     {"Richiesta registrata, ma la ricevuta non è partita: rispondi dalla conversazione.", "Request registered, but the receipt was not sent: answer from the conversation."},
	"access.saved":              {"Richiesta salvata.", "Request saved."},
	"access.register":           {"Registra la richiesta", "Register the request"},
	"access.save":               {"Salva", "Save"},
	"access.none":               {"Nessuna richiesta.", "No requests."},
	"access.from":               {"Dalla conversazione", "From the conversation"},
	"access.filter":             {"Filtra", "Filter"},
	"access.all":                {"Tutte", "All"},
	"access.year":               {"Anno", "Year"},
	"access.repeats":            {"Da pubblicare proattivamente", "To publish proactively"},
	"access.repeats.help":       {"Documenti chiesti da più di %d persone diverse nell'ultimo anno: la Circolare FOIA 2/2017 (§8.2) invita a pubblicarli e a comunicarlo sugli stessi canali.", "Documents asked for by more than %d different people in the last year: Circolare FOIA 2/2017 (§8.2) asks to publish them and to say so on the same channels."},
	"access.repeats.count":      {"persone diverse", "different people"},
	"access.publish.url":        {"Indirizzo della pubblicazione", "Published at"},
	"access.publish":            {"Segna come pubblicato", "Mark as published"},
	"access.published":          {"Documento segnato come pubblicato.", "Document marked as published."},
	"access.notified":           {"%s su %d, sulle conversazioni da cui avevano scritto.", "%s (of %d), in the conversations they wrote from."},
	"access.notify":             {"Avvisa i richiedenti sulle conversazioni da cui hanno scritto", "Tell the requesters in the conversations they wrote from"},
	"access.public":             {"Registro degli accessi", "Access register"},
	"access.public.help":        {"Elenco delle richieste di accesso ricevute dall'ente, con oggetto, data ed esito, senza dati personali (Amministrazione trasparente › Altri contenuti › Accesso civico).", "The access requests the ente received, with subject, date and outcome, without personal data."},
	"access.public.link":        {"Registro pubblico", "Public register"},
	"access.csv":                {"Scarica in CSV (dati aperti)", "Download as CSV (open data)"},
	"access.conv.none":          {"Nessuna richiesta di accesso registrata da questa conversazione.", "No access request registered from this conversation."},
	"access.conv.register":      {"Registra come richiesta di accesso", "Register as an access request"},
	"access.due.badge":          {"richieste con il termine vicino o scaduto", "requests due soon or overdue"},
	"access.days.left":          {"giorni rimasti", "days left"},
	"access.days.late":          {"giorni di ritardo", "days late"},
	"ak.documentale":            {"accesso documentale", "accesso documentale"},
	"ak.civico_semplice":        {"accesso civico semplice", "accesso civico semplice"},
	"ak.civico_generalizzato":   {"accesso civico generalizzato", "accesso civico generalizzato"},
	"ao.accoglimento":           {"accoglimento", "granted"},
	"ao.rifiuto_parziale":       {"rifiuto parziale", "partly refused"},
	"ao.rifiuto_totale":         {"rifiuto totale", "refused"},
	"ap.accolto":                {"accolto", "upheld"},
	"ap.respinto":               {"respinto", "dismissed"},
	"ap.in_corso":               {"in corso", "pending"},
	"as.open":                   {"in istruttoria", "pending"},
	"as.soon":                   {"in scadenza", "due soon"},
	"as.overdue":                {"termine scaduto", "overdue"},
	"as.review":                 {"riesame in corso", "riesame pending"},
	"as.decided":                {"decisa", "decided"},
	"as.reviewed":               {"riesame deciso", "riesame decided"},
	"as.pending":                {"da decidere", "to decide"},
}
