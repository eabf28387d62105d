package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/detect"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/store"
)

// Citizens' reports (segnalazioni) in the office: the list of the desk's
// reports, one report with its place and status, a report filed from a
// conversation, and the administration of services and Open311 keys. A
// report that came from a conversation is answered there: the citizen
// gets its number, and every change of its status.

// reportReads is what the reports' pages read (*store.DB has it); they
// write through inbox.Service.
type reportReads interface {
	Services(ctx context.Context, enteID int64, activeOnly bool) ([]store.Service, error)
	ServiceRequests(ctx context.Context, a redazione.Actor, f store.ServiceRequestFilter) ([]*store.ServiceRequest, error)
	ServiceRequest(ctx context.Context, a redazione.Actor, id int64) (*store.ServiceRequest, error)
	Open311Keys(ctx context.Context, enteID int64) ([]store.Open311Key, error)
	Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error)
	Messages(ctx context.Context, a redazione.Actor, conversationID int64, max int) ([]*redazione.Message, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error)
}

func (s *Server) reportDB() reportReads { return s.DB }

var _ = addCatalog(reportsCatalog)

func init() {
	funcs["coord"] = func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
}

type serviceRequestListView struct {
	Requests []*store.ServiceRequest
	Services []store.Service
	Status   string
	Service  string
}

func (s *Server) serviceRequestsPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "rep.title"), "segnalazioni")
	q := r.URL.Query()
	v := &serviceRequestListView{Status: q.Get("stato"), Service: q.Get("servizio")}
	f := store.ServiceRequestFilter{Limit: 500}
	if v.Status == "open" || v.Status == "closed" {
		f.Status = v.Status
	} else {
		v.Status = ""
	}
	if v.Service != "" {
		f.ServiceCodes = []string{v.Service}
	}
	var err error
	if v.Services, err = s.reportDB().Services(r.Context(), u.Actor.EnteID, false); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if v.Requests, err = s.reportDB().ServiceRequests(r.Context(), u.Actor, f); err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "service_requests", "", p)
}

type serviceRequestView struct {
	Request      *store.ServiceRequest
	Services     []store.Service
	Conversation *redazione.Conversation
	CanWrite     bool
	New          bool
	Code         string // the service chosen, on the form
	Lat, Long    string
	Notify       bool
	// Media: the photos and files the citizen sent in the conversation.
	Media []redazione.Attachment
	// AppIO: the App IO messages sent from this report.
	AppIO *appioBoxView
}

// newServiceRequestPage is the form to file a report, from a conversation (filled
// in with the citizen's latest message) or by hand.
func (s *Server) newServiceRequestPage(w http.ResponseWriter, r *http.Request, u *session) {
	req := &store.ServiceRequest{}
	if conv, _ := strconv.ParseInt(r.URL.Query().Get("conversazione"), 10, 64); conv != 0 {
		msgs, err := s.reportDB().Messages(r.Context(), u.Actor, conv, 50)
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "segnalazioni"), err)
			return
		}
		req.ConversationID = conv
		for i := len(msgs) - 1; i >= 0; i-- {
			if m := msgs[i]; m.Direction == redazione.DirIn && m.DeletedAt.IsZero() {
				req.Description = strings.TrimSpace(m.Text)
				if n := []rune(req.Description); len(n) > store.MaxReportDescription {
					req.Description = string(n[:store.MaxReportDescription])
				}
				break
			}
		}
	}
	s.renderServiceRequest(w, r, u, &serviceRequestView{Request: req, New: true, Notify: true}, "", http.StatusOK, nil)
}

func (s *Server) renderServiceRequest(w http.ResponseWriter, r *http.Request, u *session, v *serviceRequestView, flash string, status int, formErr error) {
	lang := langOf(r)
	title := translate(lang, "rep.new")
	if !v.New {
		title = fmt.Sprintf("%s %d", translate(lang, "rep.one"), v.Request.ID)
	}
	p := s.page(r, u, title, "segnalazioni")
	ctx := r.Context()
	var err error
	if v.Services, err = s.reportDB().Services(ctx, u.Actor.EnteID, true); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if v.Request.ConversationID != 0 {
		if v.Conversation, err = s.reportDB().Conversation(ctx, u.Actor, v.Request.ConversationID); err != nil {
			s.fail(w, r, p, err)
			return
		}
		msgs, err := s.reportDB().Messages(ctx, u.Actor, v.Request.ConversationID, 200)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		for _, m := range msgs {
			if m.Direction != redazione.DirIn {
				continue
			}
			for _, a := range m.Attachments {
				if a.Status == redazione.AttachmentStored {
					v.Media = append(v.Media, a)
				}
			}
		}
	}
	v.CanWrite = u.Actor.CanWrite()
	if !v.New {
		if v.AppIO, err = s.appioBox(r, u, inbox.AppIOFromReport, v.Request.ID); err != nil {
			s.fail(w, r, p, err)
			return
		}
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "service_request", p, status, formErr)
}

// createServiceRequestForm files a report; from a conversation, the citizen is told
// its number there.
func (s *Server) createServiceRequestForm(w http.ResponseWriter, r *http.Request, u *session) {
	f := r.PostFormValue
	conv, _ := strconv.ParseInt(f("conversation"), 10, 64)
	req := &store.ServiceRequest{ConversationID: conv, Description: f("description"), Address: f("address"), MediaURL: f("media_url"),
		FirstName: f("first_name"), LastName: f("last_name"), Email: f("email"), Phone: f("phone"), Source: store.SourceForm,
		FiscalCode: f("fiscal_code"), AppIONotify: f("appio_notify") == "on"}
	v := &serviceRequestView{Request: req, New: true, Code: f("service"), Lat: strings.TrimSpace(f("lat")), Long: strings.TrimSpace(f("long")), Notify: f("notify") == "on"}
	var err error
	if req.Lat, req.Long, err = formCoords(v.Lat, v.Long); err != nil {
		s.renderServiceRequest(w, r, u, v, "", 0, err)
		return
	}
	if err := s.Inbox.CreateServiceRequest(r.Context(), u.Actor, v.Code, req); err != nil {
		s.renderServiceRequest(w, r, u, v, "", 0, err)
		return
	}
	to := fmt.Sprintf("/segnalazioni/%d", req.ID)
	if v.Notify && req.ConversationID != 0 {
		text := fmt.Sprintf("Gentile cittadina, gentile cittadino,\nla sua segnalazione (%s) è registrata con il numero %d ed è stata affidata all'ufficio competente. Le scriveremo qui quando ci saranno novità.",
			req.ServiceName, req.ID)
		to += s.tellCitizen(r, u, req.ConversationID, text)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) serviceRequestPage(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	req, err := s.reportDB().ServiceRequest(r.Context(), u.Actor, id)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "segnalazioni"), err)
		return
	}
	flash := ""
	if k := toldFlash(r, "rep.notified", "rep.notify.failed"); k != "" {
		flash = translate(langOf(r), k)
	} else {
		flash = appioFlash(r)
	}
	s.renderServiceRequest(w, r, u, &serviceRequestView{Request: req, Notify: true}, flash, http.StatusOK, nil)
}

// updateServiceRequestForm changes a report's status; the citizen who wrote from a
// conversation is told there, with the notes.
func (s *Server) updateServiceRequestForm(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	req, err := s.Inbox.UpdateServiceRequest(r.Context(), u.Actor, id, r.PostFormValue("status"), r.PostFormValue("status_notes"))
	if err != nil {
		if old, gerr := s.reportDB().ServiceRequest(r.Context(), u.Actor, id); gerr == nil {
			s.renderServiceRequest(w, r, u, &serviceRequestView{Request: old, Notify: true}, "", 0, err)
			return
		}
		s.fail(w, r, s.page(r, u, "", "segnalazioni"), err)
		return
	}
	to := fmt.Sprintf("/segnalazioni/%d", id)
	if r.PostFormValue("notify") == "on" && req.ConversationID != 0 {
		state := "è in lavorazione"
		if req.Status == "closed" {
			state = "è stata chiusa"
		}
		text := fmt.Sprintf("Aggiornamento sulla sua segnalazione n. %d (%s): %s.", req.ID, req.ServiceName, state)
		if req.StatusNotes != "" {
			text += "\n" + req.StatusNotes
		}
		to += s.tellCitizen(r, u, req.ConversationID, text)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

type servicesAdminView struct {
	Services []store.Service
	Desks    []redazione.Desk
	Keys     []store.Open311Key
	NewKey   string // shown once
	Endpoint string
}

func (s *Server) servicesAdminPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderServicesAdmin(w, r, u, "", "", http.StatusOK, nil)
}

func (s *Server) renderServicesAdmin(w http.ResponseWriter, r *http.Request, u *session, flash, newKey string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "admin.reports"), "admin")
	ctx := r.Context()
	v := &servicesAdminView{NewKey: newKey}
	base := strings.TrimSuffix(s.Config.PublicURL, "/")
	if base == "" {
		base = "http://" + r.Host
	}
	v.Endpoint = base + "/open311/" + u.Ente.Slug + "/v2/discovery.xml"
	var err error
	if v.Services, err = s.reportDB().Services(ctx, u.Actor.EnteID, false); err == nil {
		if v.Desks, err = s.reportDB().Desks(ctx, u.Actor.EnteID); err == nil {
			v.Keys, err = s.reportDB().Open311Keys(ctx, u.Actor.EnteID)
		}
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "admin_services", p, status, formErr)
}

func (s *Server) saveServiceForm(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f := r.PostFormValue
	svc := &store.Service{ID: id, Code: f("code"), Name: f("name"), Description: f("description"), Group: f("group"),
		Keywords: f("keywords"), DeskID: formInt(r, "desk"), Active: f("active") == "on"}
	if err := s.Settings.SaveService(r.Context(), u.Actor, svc); err != nil {
		s.renderServicesAdmin(w, r, u, "", "", 0, err)
		return
	}
	s.renderServicesAdmin(w, r, u, translate(langOf(r), "admin.saved"), "", http.StatusOK, nil)
}

func (s *Server) createOpen311Key(w http.ResponseWriter, r *http.Request, u *session) {
	key := auth.NewToken("o311_")
	if _, err := s.Settings.CreateOpen311Key(r.Context(), u.Actor, r.PostFormValue("name"), auth.HashToken(key)); err != nil {
		s.renderServicesAdmin(w, r, u, "", "", 0, err)
		return
	}
	s.renderServicesAdmin(w, r, u, translate(langOf(r), "rep.key.created"), key, http.StatusOK, nil)
}

func (s *Server) revokeOpen311Key(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.RevokeOpen311Key(r.Context(), u.Actor, id); err != nil {
		s.renderServicesAdmin(w, r, u, "", "", 0, err)
		return
	}
	s.renderServicesAdmin(w, r, u, translate(langOf(r), "rep.key.revoked"), "", http.StatusOK, nil)
}

var reportsCatalog = map[string][2]string{
	"nav.reports311":          {"Segnalazioni", "Reports"},
	"rep.title":               {"Segnalazioni dei cittadini", "Citizens' reports"},
	"rep.help":                {"Buche, lampioni spenti, rifiuti abbandonati: le segnalazioni arrivano dalle conversazioni e dalle app che usano Open311, e vanno all'area competente per servizio.", "Potholes, street lights out, dumped waste: reports come from conversations and from Open311 apps, and go to the desk competent for the service."},
	"rep.new":                 {"Registra una segnalazione", "File a report"},
	"rep.one":                 {"Segnalazione", "Report"},
	"rep.number":              {"Numero", "Number"},
	"rep.service":             {"Servizio", "Service"},
	"rep.description":         {"Descrizione", "Description"},
	"rep.place":               {"Luogo", "Place"},
	"rep.address":             {"Indirizzo o luogo", "Address or place"},
	"rep.lat":                 {"Latitudine (facoltativa)", "Latitude (optional)"},
	"rep.long":                {"Longitudine (facoltativa)", "Longitude (optional)"},
	"rep.place.help":          {"Serve l'indirizzo oppure le coordinate (WGS84, per esempio 41.9028 e 12.4964).", "The address or the coordinates are needed (WGS84, e.g. 41.9028 and 12.4964)."},
	"rep.map":                 {"Apri sulla mappa (OpenStreetMap)", "Open on the map (OpenStreetMap)"},
	"rep.media":               {"Foto o documento (indirizzo)", "Photo or document (address)"},
	"rep.media.conv":          {"Foto e file del cittadino nella conversazione", "The citizen's photos and files in the conversation"},
	"rep.requester":           {"Chi segnala (non pubblicato)", "Reported by (never published)"},
	"rep.first_name":          {"Nome", "First name"},
	"rep.last_name":           {"Cognome", "Last name"},
	"rep.email":               {"E-mail", "E-mail"},
	"rep.phone":               {"Telefono", "Phone"},
	"rep.status":              {"Stato", "Status"},
	"rep.status.open":         {"aperta", "open"},
	"rep.status.closed":       {"chiusa", "closed"},
	"rep.notes":               {"Note per il cittadino", "Notes for the citizen"},
	"rep.notes.help":          {"Le note sono pubbliche nell'API Open311 e arrivano al cittadino: non scrivere dati personali.", "The notes are public in the Open311 API and reach the citizen: write no personal data."},
	"rep.notify":              {"Avvisa il cittadino nella conversazione", "Tell the citizen in the conversation"},
	"rep.notify.new":          {"Invia subito al cittadino il numero della segnalazione", "Send the citizen the report's number now"},
	"rep.notified":            {"Cittadino avvisato nella conversazione.", "Citizen told in the conversation."},
	"rep.notify.failed":       {"Salvato, ma l'avviso al cittadino non è partito: scrivigli dalla conversazione.", "Saved, but the citizen was not told: write from the conversation."},
	"rep.save":                {"Aggiorna lo stato", "Update the status"},
	"rep.create":              {"Registra la segnalazione", "File the report"},
	"rep.requested":           {"Ricevuta il", "Received on"},
	"rep.updated":             {"Aggiornata il", "Updated on"},
	"rep.desk":                {"Area competente", "Competent desk"},
	"rep.source":              {"Origine", "Source"},
	"rep.source.api":          {"app Open311", "Open311 app"},
	"rep.source.form":         {"registrata dall'ufficio", "filed by the office"},
	"rep.source.conversation": {"conversazione", "conversation"},
	"rep.none":                {"Nessuna segnalazione.", "No reports."},
	"rep.all":                 {"Tutte", "All"},
	"rep.filter":              {"Filtra", "Filter"},
	"rep.conv.none":           {"Nessuna segnalazione registrata da questa conversazione.", "No report filed from this conversation."},
	"rep.conv.register":       {"Registra come segnalazione", "File as a report"},
	"admin.reports":           {"Segnalazioni e Open311", "Reports and Open311"},
	"nav.admin.reports":       {"Segnalazioni", "Reports"},
	"rep.services":            {"Servizi", "Services"},
	"rep.services.help":       {"Per ogni tipo di segnalazione, l'area che la riceve. Il codice è quello che le app Open311 usano (service_code).", "For each kind of report, the desk that takes it. The code is what Open311 apps use (service_code)."},
	"rep.code":                {"Codice", "Code"},
	"rep.name":                {"Nome", "Name"},
	"rep.group":               {"Gruppo", "Group"},
	"rep.keywords":            {"Parole chiave", "Keywords"},
	"rep.active":              {"Attivo", "Active"},
	"rep.service.new":         {"Nuovo servizio", "New service"},
	"rep.keys":                {"Chiavi Open311", "Open311 keys"},
	"rep.keys.help":           {"Le app che inviano segnalazioni (POST requests) usano una chiave (api_key). La lettura è pubblica. Indirizzo per le app:", "Apps that send reports (POST requests) use a key (api_key). Reading is public. Address for apps:"},
	"rep.key.name":            {"Chi userà la chiave", "Who will use the key"},
	"rep.key.create":          {"Crea una chiave", "Create a key"},
	"rep.key.created":         {"Chiave creata: copiala ora, non sarà più mostrata.", "Key created: copy it now, it will not be shown again."},
	"rep.key.revoke":          {"Revoca", "Revoke"},
	"rep.key.revoked":         {"Chiave revocata.", "Key revoked."},
	"rep.key.revoked.on":      {"revocata il", "revoked on"},
	"rep.public.title":        {"Segnala un problema", "Report a problem"},
	"rep.public.help":         {"Buche, lampioni spenti, rifiuti abbandonati, alberi pericolanti: la segnalazione va all'ufficio competente. Per le emergenze chiama il 112.", "Potholes, street lights out, dumped waste, dangerous trees: the report goes to the competent office. For emergencies call 112."},
	"rep.public.where":        {"Dove", "Where"},
	"rep.public.locate":       {"Usa la mia posizione", "Use my location"},
	"rep.public.you":          {"I tuoi dati (facoltativi)", "About you (optional)"},
	"rep.public.you.help":     {"Servono solo se l'ufficio deve ricontattarti. Non sono mai pubblicati.", "Only needed if the office has to contact you. They are never published."},
	"rep.public.privacy":      {"La descrizione, il luogo e lo stato della segnalazione sono pubblici (anche per le app Open311): non scrivere dati personali tuoi o di altri nella descrizione.", "The description, place and status of the report are public (to Open311 apps too): write no personal data, yours or others', in the description."},
	"rep.public.send":         {"Invia la segnalazione", "Send the report"},
	"rep.public.done":         {"Segnalazione registrata con il numero", "Report registered with the number"},
	"rep.public.follow":       {"Conserva questo indirizzo per seguirne lo stato.", "Keep this address to follow its status."},
	"rep.public.website":      {"Non compilare questo campo", "Leave this field empty"},
}

// The public form: a citizen reports without an app or an account. It is
// rate limited by address, and a field people never see catches robots.

// formCoords reads the coordinates typed in a form (a decimal comma is
// fine); none when both are empty.
func formCoords(lat, long string) (*float64, *float64, error) {
	if lat == "" && long == "" {
		return nil, nil, nil
	}
	la, err1 := strconv.ParseFloat(strings.Replace(lat, ",", ".", 1), 64)
	lo, err2 := strconv.ParseFloat(strings.Replace(long, ",", ".", 1), 64)
	if err1 != nil || err2 != nil {
		return nil, nil, redazione.FieldError("lat", "latitudine e longitudine sono numeri, come 41.9028 e 12.4964")
	}
	return &la, &lo, nil
}

type publicReportView struct {
	Ente      *redazione.Ente
	Services  []store.Service
	Request   *store.ServiceRequest
	Code      string
	Lat, Long string
	Done      *store.ServiceRequest
	// AppIO: the ente writes on App IO, so the citizen may ask for it.
	AppIO bool
}

func (s *Server) publicReportEnte(w http.ResponseWriter, r *http.Request, p *page) (*redazione.Ente, []store.Service, bool) {
	e, err := s.reportDB().EnteBySlug(r.Context(), r.PathValue("ente"))
	if err != nil {
		s.fail(w, r, p, err)
		return nil, nil, false
	}
	svcs, err := s.reportDB().Services(r.Context(), e.ID, true)
	if err != nil {
		s.fail(w, r, p, err)
		return nil, nil, false
	}
	return e, svcs, true
}

func (s *Server) publicReportPage(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	p.Title = translate(p.Lang, "rep.public.title")
	e, svcs, ok := s.publicReportEnte(w, r, p)
	if !ok {
		return
	}
	p.Ente, p.Data = e, &publicReportView{Ente: e, Services: svcs, Request: &store.ServiceRequest{}, AppIO: s.appioOn(r, e.ID)}
	s.render(w, r, http.StatusOK, "report_public", "", p)
}

func (s *Server) publicReportPost(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	p.Title = translate(p.Lang, "rep.public.title")
	if err := crossOrigin.Check(r); err != nil {
		http.Error(w, "Richiesta da un'altra origine rifiutata.", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	e, svcs, ok := s.publicReportEnte(w, r, p)
	if !ok {
		return
	}
	p.Ente = e
	f := r.PostFormValue
	req := &store.ServiceRequest{Description: f("description"), Address: f("address"), FirstName: f("first_name"),
		LastName: f("last_name"), Email: f("email"), Source: store.SourceForm, FiscalCode: f("fiscal_code"), AppIONotify: f("appio_notify") == "on"}
	v := &publicReportView{Ente: e, Services: svcs, Request: req, Code: f("service"), Lat: strings.TrimSpace(f("lat")), Long: strings.TrimSpace(f("long")), AppIO: s.appioOn(r, e.ID)}
	if !v.AppIO {
		req.FiscalCode, req.AppIONotify = "", false
	}
	p.Data = v
	fail := func(err error) {
		s.renderForm(w, r, "report_public", p, 0, err)
	}
	if f("website") != "" { // the hidden field: only robots fill it
		fail(redazione.Errorf(redazione.EINVALID, "segnalazione non accettata"))
		return
	}
	if strings.TrimSpace(req.Description) == "" {
		fail(redazione.FieldError("description", "descrivi il problema"))
		return
	}
	var err error
	if req.Lat, req.Long, err = formCoords(v.Lat, v.Long); err != nil {
		fail(err)
		return
	}
	if !s.reportLimit.allow(clientIP(r)) {
		fail(redazione.Errorf(redazione.ETOOMANY, "troppe segnalazioni da questo indirizzo: riprova tra qualche minuto"))
		return
	}
	if err := s.Inbox.CreateServiceRequest(r.Context(), redazione.SystemActor(e.ID), v.Code, req); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/segnala/%s/%d", e.Slug, req.ID), http.StatusSeeOther)
}

// publicReportStatus shows a citizen where their report stands: what
// Open311 shows of it, no more.
func (s *Server) publicReportStatus(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	p.Title = translate(p.Lang, "rep.public.title")
	e, svcs, ok := s.publicReportEnte(w, r, p)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	x, err := s.reportDB().ServiceRequest(r.Context(), redazione.SystemActor(e.ID), id)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	pub := *x
	pub.FirstName, pub.LastName, pub.Email, pub.Phone, pub.FiscalCode = "", "", "", "", ""
	pub.Description, pub.StatusNotes, pub.Address = detect.Redact(x.Description), detect.Redact(x.StatusNotes), detect.Redact(x.Address)
	p.Ente, p.Data = e, &publicReportView{Ente: e, Services: svcs, Request: &store.ServiceRequest{}, Done: &pub}
	s.render(w, r, http.StatusOK, "report_public", "", p)
}
