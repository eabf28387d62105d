package web

import (
	"net/http"
	"strings"
)

// Languages of the UI: Italian first, English available.
var languages = []string{"it", "en"}

// catalog maps a message key to its Italian and English text.
var catalog = map[string][2]string{
	"app.name":                  {"Redazione", "Redazione"},
	"app.tagline":               {"La redazione unica dell'ente", "The ente's single newsroom"},
	"skip":                      {"Vai al contenuto principale", "Skip to main content"},
	"nav.inbox":                 {"Messaggi", "Inbox"},
	"nav.search":                {"Cerca", "Search"},
	"nav.admin":                 {"Amministrazione", "Administration"},
	"nav.users":                 {"Utenti", "Users"},
	"nav.channels":              {"Canali", "Channels"},
	"nav.desks":                 {"Desk", "Desks"},
	"nav.audit":                 {"Registro attività", "Audit trail"},
	"nav.notifications":         {"Notifiche", "Notifications"},
	"nav.logout":                {"Esci", "Log out"},
	"nav.main":                  {"Navigazione principale", "Main navigation"},
	"lang.label":                {"Lingua", "Language"},
	"lang.switch":               {"English", "Italiano"},
	"login.title":               {"Accedi a Redazione", "Sign in to Redazione"},
	"login.email":               {"Indirizzo e-mail", "E-mail address"},
	"login.password":            {"Password", "Password"},
	"login.submit":              {"Accedi", "Sign in"},
	"login.failed":              {"E-mail o password non corretti.", "Wrong e-mail or password."},
	"login.locked":              {"Troppi tentativi falliti: l'accesso è bloccato per 15 minuti.", "Too many failed attempts: sign-in is locked for 15 minutes."},
	"inbox.title":               {"Messaggi", "Inbox"},
	"inbox.views":               {"Viste", "Views"},
	"inbox.mine":                {"Assegnati a me", "Mine"},
	"inbox.unassigned":          {"Non assegnati", "Unassigned"},
	"inbox.all":                 {"Tutti", "All"},
	"inbox.filters":             {"Filtri", "Filters"},
	"inbox.filter":              {"Filtra", "Filter"},
	"inbox.empty":               {"Nessuna conversazione in questa vista.", "No conversations in this view."},
	"inbox.waiting":             {"in attesa da", "waiting for"},
	"inbox.list":                {"Conversazioni", "Conversations"},
	"inbox.live":                {"Aggiornamento in tempo reale attivo", "Live updates on"},
	"field.status":              {"Stato", "Status"},
	"field.channel":             {"Canale", "Channel"},
	"field.desk":                {"Desk", "Desk"},
	"field.tag":                 {"Etichetta", "Tag"},
	"field.assignee":            {"Assegnatario", "Assignee"},
	"field.any":                 {"Qualsiasi", "Any"},
	"field.nobody":              {"Nessuno", "Nobody"},
	"field.name":                {"Nome", "Name"},
	"field.email":               {"E-mail", "E-mail"},
	"field.role":                {"Ruolo", "Role"},
	"field.desks":               {"Desk", "Desks"},
	"field.password":            {"Password (vuota: generata)", "Password (empty: generated)"},
	"field.disabled":            {"Disattivato", "Disabled"},
	"field.kind":                {"Tipo", "Kind"},
	"field.callback":            {"URL di callback (solo canale API)", "Callback URL (API channel only)"},
	"status.open":               {"Aperta", "Open"},
	"status.pending":            {"In attesa del cittadino", "Waiting for citizen"},
	"status.resolved":           {"Risolta", "Resolved"},
	"status.any":                {"Tutti gli stati", "Any status"},
	"role.admin":                {"Amministratore", "Administrator"},
	"role.coordinator":          {"Coordinatore", "Coordinator"},
	"role.operator":             {"Operatore", "Operator"},
	"role.analyst":              {"Analista (sola lettura)", "Analyst (read only)"},
	"conv.thread":               {"Conversazione", "Conversation"},
	"conv.reply":                {"Rispondi al cittadino", "Reply to the citizen"},
	"conv.note":                 {"Nota interna", "Internal note"},
	"conv.note.help":            {"Le note non vengono mai inviate al cittadino. Scrivi @nome per avvisare un collega.", "Notes are never sent to the citizen. Write @name to notify a colleague."},
	"conv.reply.help":           {"La risposta sarà inviata al cittadino sul canale", "The reply will be sent to the citizen on the channel"},
	"conv.send":                 {"Invia risposta", "Send reply"},
	"conv.addnote":              {"Aggiungi nota", "Add note"},
	"conv.text":                 {"Testo", "Text"},
	"conv.assign":               {"Assegna", "Assign"},
	"conv.assign.me":            {"Assegna a me", "Assign to me"},
	"conv.move":                 {"Sposta", "Move"},
	"conv.setstatus":            {"Cambia stato", "Change status"},
	"conv.tags":                 {"Etichette", "Tags"},
	"conv.addtag":               {"Aggiungi etichetta", "Add tag"},
	"conv.removetag":            {"Rimuovi etichetta", "Remove tag"},
	"conv.contact":              {"Contatto", "Contact"},
	"conv.others":               {"Altre conversazioni del contatto", "Other conversations of the contact"},
	"conv.none":                 {"Nessun'altra conversazione.", "No other conversations."},
	"conv.details":              {"Dettagli", "Details"},
	"conv.citizen":              {"Cittadino", "Citizen"},
	"conv.you":                  {"Ufficio", "Office"},
	"conv.back":                 {"Torna ai messaggi", "Back to inbox"},
	"delivery.queued":           {"In coda di invio", "Queued"},
	"delivery.sent":             {"Inviato", "Sent"},
	"delivery.failed":           {"Invio non riuscito", "Delivery failed"},
	"search.title":              {"Cerca nei messaggi e nei contatti", "Search messages and contacts"},
	"search.label":              {"Parole da cercare", "Words to search"},
	"search.submit":             {"Cerca", "Search"},
	"search.messages":           {"Messaggi trovati", "Messages found"},
	"search.contacts":           {"Contatti trovati", "Contacts found"},
	"search.none":               {"Nessun risultato.", "No results."},
	"admin.users":               {"Utenti", "Users"},
	"admin.user.new":            {"Nuovo utente", "New user"},
	"admin.user.created":        {"Utente creato. Password da comunicare all'interessato:", "User created. Password to hand over:"},
	"admin.channels":            {"Canali", "Channels"},
	"admin.channel.new":         {"Nuovo canale", "New channel"},
	"admin.channel.created":     {"Canale creato. Segreto da configurare nell'integrazione (mostrato solo ora):", "Channel created. Secret for the integration (shown only now):"},
	"admin.desks":               {"Desk della redazione", "Desks of the newsroom"},
	"admin.save":                {"Salva", "Save"},
	"admin.create":              {"Crea", "Create"},
	"admin.audit":               {"Registro delle attività", "Audit trail"},
	"admin.calendar":            {"Orari e festività", "Opening hours and holidays"},
	"admin.calendar.help":       {"Gli orari di apertura contano per i tempi di risposta: notti, fine settimana, festività nazionali, santo patrono e chiusure non contano.", "Opening hours are what response times count: nights, weekends, national holidays, the patron saint's day and closures do not count."},
	"admin.calendar.hours":      {"Orari (es. 9:00-13:00, 15:00-17:00; vuoto = chiuso)", "Hours (e.g. 9:00-13:00, 15:00-17:00; empty = closed)"},
	"admin.calendar.patron":     {"Santo patrono (GG/MM)", "Patron saint's day (DD/MM)"},
	"admin.calendar.closures":   {"Chiusure straordinarie (una data AAAA-MM-GG per riga)", "Extra closures (one YYYY-MM-DD date per line)"},
	"admin.calendar.pentecost":  {"Lunedì di Pentecoste festivo (Alto Adige)", "Pentecost Monday is a holiday (South Tyrol)"},
	"admin.calendar.holidays":   {"Festività dell'anno", "Holidays of the year"},
	"admin.sla":                 {"Tempi di risposta", "Response times"},
	"admin.sla.help":            {"Per ogni conversazione vale la regola più specifica (priorità, poi canale, poi desk). I tempi sono in ore lavorative.", "Each conversation follows the most specific policy (priority, then channel, then desk). Times are working hours."},
	"admin.sla.new":             {"Nuova regola", "New policy"},
	"admin.sla.first":           {"Prima risposta (ore lavorative)", "First answer (working hours)"},
	"admin.sla.resolution":      {"Risoluzione (ore lavorative)", "Resolution (working hours)"},
	"admin.sla.none":            {"Nessuna regola: le conversazioni non hanno scadenze.", "No policy: conversations have no due times."},
	"admin.delete":              {"Elimina", "Delete"},
	"admin.saved":               {"Modifiche salvate.", "Changes saved."},
	"field.priority":            {"Priorità", "Priority"},
	"field.due":                 {"Scadenza", "Due"},
	"field.sort":                {"Ordina per", "Sort by"},
	"sort.waiting":              {"Attesa più lunga", "Longest waiting"},
	"sort.due":                  {"Scadenza più vicina", "Nearest due time"},
	"due.soon":                  {"In scadenza", "Due soon"},
	"due.breached":              {"Scadute", "Overdue"},
	"due.any":                   {"Con scadenza", "With a due time"},
	"priority.bassa":            {"Bassa", "Low"},
	"priority.normale":          {"Normale", "Normal"},
	"priority.alta":             {"Alta", "High"},
	"priority.urgente":          {"Urgente", "Urgent"},
	"sla.first":                 {"Prima risposta", "First answer"},
	"sla.resolution":            {"Risoluzione", "Resolution"},
	"sla.left":                  {"%s entro %s lavorative", "%s due in %s of working time"},
	"sla.breached":              {"%s scaduta da %s lavorative", "%s overdue by %s of working time"},
	"sla.paused":                {"Tempo fermo: in attesa del cittadino", "Clock stopped: waiting for the citizen"},
	"sla.due":                   {"Scadenza", "Due"},
	"nav.answers":               {"Risposte predefinite", "Canned answers"},
	"answers.title":             {"Risposte predefinite", "Canned answers"},
	"answers.help":              {"Nel testo di una risposta scrivi / per cercarle e inserirle. Variabili:", "Type / in a reply to search and insert them. Variables:"},
	"answers.new":               {"Nuova risposta predefinita", "New canned answer"},
	"answers.edit":              {"Modifica", "Edit"},
	"answers.title.field":       {"Titolo", "Title"},
	"answers.body":              {"Testo", "Text"},
	"answers.desk.all":          {"Tutti i desk", "Every desk"},
	"answers.none":              {"Nessuna risposta predefinita.", "No canned answers."},
	"answers.search":            {"Cerca una risposta predefinita", "Search a canned answer"},
	"answers.insert":            {"Inserisci risposta predefinita", "Insert canned answer"},
	"answers.found":             {"%d risposte trovate: frecce per scegliere, Invio per inserire, Esc per tornare al testo.", "%d answers found: arrows to choose, Enter to insert, Esc to go back."},
	"conv.public":               {"Pubblico", "Public"},
	"conv.public.help":          {"Attenzione: la risposta sarà PUBBLICA, visibile a tutti sul canale", "Careful: the answer will be PUBLIC, visible to everyone on the channel"},
	"conv.send.public":          {"Pubblica la risposta", "Publish the answer"},
	"flag.personal_data":        {"Dati personali esposti", "Personal data exposed"},
	"flag.urgent":               {"Urgente", "Urgent"},
	"flag.personal_data.advice": {"Non ripetere i dati nella risposta. Invita il cittadino a scrivere in privato e, se la piattaforma lo consente, nascondi il commento.", "Do not repeat the data in the answer. Ask the citizen to write privately and, where the platform allows, hide the comment."},
	"flag.personal_data.answer": {"Gentile utente, per tutelare la sua riservatezza le chiediamo di non pubblicare dati personali nei commenti: ci scriva in privato e le risponderemo lì. Grazie.", "Dear user, to protect your privacy please do not publish personal data in comments: write to us privately and we will answer there. Thank you."},
	"flag.urgent.advice":        {"I coordinatori sono stati avvisati. Se c'è un pericolo immediato, indica il 112.", "The coordinators were alerted. If there is immediate danger, point to 112."},
	"flag.use.answer":           {"Usa la risposta consigliata", "Use the suggested answer"},
	"flag.clear":                {"Non è da segnalare", "Not an issue"},
	"flag.clear.reason":         {"Motivo (facoltativo)", "Reason (optional)"},
	"flag.cleared.by":           {"segnalazione annullata da", "flag cleared by"},
	"tone.caps":                 {"Il testo è quasi tutto in maiuscolo: può sembrare un grido.", "The text is almost all capitals: it may read as shouting."},
	"tone.long":                 {"La risposta è molto più lunga del solito (di solito circa %d caratteri): si può dire in meno?", "The reply is far longer than usual (usually about %d characters): can it be shorter?"},
	"tone.greeting":             {"Manca un saluto iniziale (per esempio «Buongiorno» o «Gentile …»).", "No greeting at the start (for example «Buongiorno» or «Gentile …»)."},
	"nav.playbooks":             {"Linee guida", "Guidelines"},
	"playbooks.title":           {"Linee guida per le situazioni delicate", "Guidelines for delicate situations"},
	"playbooks.help":            {"Ogni linea guida compare accanto alla conversazione quando la situazione è segnalata, automaticamente o da un operatore.", "Each guideline shows beside a conversation when the situation is flagged, automatically or by an operator."},
	"playbooks.steps":           {"Cosa fare", "What to do"},
	"playbooks.alert":           {"Chi avvisare", "Whom to alert"},
	"playbooks.none":            {"Nessuna linea guida scritta.", "No guideline written."},
	"situation.personal_data":   {"Dati personali esposti", "Personal data exposed"},
	"situation.emergency":       {"Emergenza", "Emergency"},
	"situation.threat":          {"Minacce", "Threats"},
	"situation.self_harm":       {"Rischio autolesionismo", "Self-harm risk"},
	"situation.complaint":       {"Reclamo", "Complaint"},
	"situation.documents":       {"Richiesta di documenti", "Request of documents"},
	"situation.political":       {"Tema politico o elettorale", "Political or electoral topic"},
	"situation.journalist":      {"Richiesta di un giornalista", "Journalist asking"},
	"situation.mark":            {"Segnala una situazione", "Flag a situation"},
	"situation.mark.button":     {"Segnala", "Flag"},
	"flag.complaint":            {"Reclamo", "Complaint"},
	"flag.documents":            {"Richiesta di documenti", "Request of documents"},
	"flag.political":            {"Tema politico", "Political topic"},
	"flag.journalist":           {"Giornalista", "Journalist"},
	"nav.calendar":              {"Orari", "Hours"},
	"nav.sla":                   {"Tempi di risposta", "Response times"},
	"admin.widget":              {"Codice da incollare nel sito dell'ente", "Snippet for the ente's site"},
	"admin.demo":                {"Pagina di prova", "Demo page"},
	"audit.when":                {"Quando", "When"},
	"audit.who":                 {"Chi", "Who"},
	"audit.what":                {"Azione", "Action"},
	"audit.target":              {"Oggetto", "Target"},
	"audit.detail":              {"Dettaglio", "Detail"},
	"notif.title":               {"Notifiche", "Notifications"},
	"notif.none":                {"Nessuna notifica.", "No notifications."},
	"notif.read":                {"Segna tutte come lette", "Mark all read"},
	"error.title":               {"Si è verificato un problema", "Something went wrong"},
	"kind.webchat":              {"Chat del sito", "Web chat"},
	"kind.api":                  {"API", "API"},
	"footer.a11y":               {"Dichiarazione di accessibilità", "Accessibility statement"},
	"footer.licence":            {"Software libero con licenza EUPL-1.2", "Free software under the EUPL-1.2"},
}

// translate returns the text of key in lang (Italian if missing).
func translate(lang, key string) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// langOf picks the language: the cookie, else the browser's preference.
func langOf(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "it" || c.Value == "en") {
		return c.Value
	}
	// Italian unless the person chose English: an Italian office's screens
	// stay Italian whatever language the browser was installed in.
	return "it"
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.FormValue("lang")
	if lang != "en" {
		lang = "it"
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.Config.SecureCookies})
	back := r.Referer()
	if back == "" || !strings.HasPrefix(back, "/") && !sameHost(r, back) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
