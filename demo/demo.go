// Package demo fills a new installation with an ente, its desks, channels,
// a few colleagues and citizens' conversations, so that a newcomer sees a
// working inbox at once.
package demo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/calendar"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// Seeded tells what the demo created.
type Seeded struct {
	WebChat *redazione.Channel
	API     *redazione.Channel
}

// Local is where the demo's channels send, on the server itself, so that
// the demo works with no internet and nothing leaves the machine (see
// web/demo_sandbox.go). Empty fields leave the channels pointing nowhere.
type Local struct {
	Callback string // the API channel's callback URL
	BotAPI   string // the Telegram account's Bot API base URL
	BotToken string // the token that base URL answers
}

// Seed adds demo data to the ente of admin.
func Seed(ctx context.Context, db *store.DB, admin *redazione.User, local Local) (*Seeded, error) {
	sys := redazione.ActorOf(admin)
	desks, err := db.Desks(ctx, admin.EnteID)
	if err != nil {
		return nil, err
	}
	contatti, notizie := desks[0].ID, desks[1].ID
	colleagues := []*redazione.User{
		{Email: "giulia.bianchi@example.it", Name: "Giulia Bianchi", Role: redazione.RoleOperator, DeskIDs: []int64{contatti}},
		{Email: "marco.verdi@example.it", Name: "Marco Verdi", Role: redazione.RoleOperator, DeskIDs: []int64{notizie}},
		{Email: "anna.russo@example.it", Name: "Anna Russo", Role: redazione.RoleCoordinator},
	}
	for _, u := range colleagues {
		// Demo colleagues have no password: they exist to be assigned work.
		if err := db.CreateUser(ctx, sys, u); err != nil {
			return nil, fmt.Errorf("demo user: %w", err)
		}
	}
	web := &redazione.Channel{Kind: redazione.ChannelWebChat, Name: "Chat del sito", DeskID: contatti, Secret: auth.NewToken("")}
	api := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "Sportello digitale (API)", DeskID: contatti, Secret: auth.NewToken(""), CallbackURL: local.Callback}
	for _, c := range []*redazione.Channel{web, api} {
		if err := db.CreateChannel(ctx, sys, c); err != nil {
			return nil, fmt.Errorf("demo channel: %w", err)
		}
	}
	// A response-time target, so that the inbox shows what is due.
	if err := db.SavePolicy(ctx, sys, &sla.Policy{Name: "Standard dell'ufficio", FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour}); err != nil {
		return nil, fmt.Errorf("demo policy: %w", err)
	}
	for _, a := range []store.CannedAnswer{
		{Title: "Orari dell'URP", Body: "Buongiorno {nome}, l'Ufficio relazioni con il pubblico di {ente} è aperto {orari}. Un cordiale saluto, {operatore}"},
		{Title: "Presa in carico", Body: "Gentile {nome}, grazie della segnalazione: l'abbiamo inoltrata all'ufficio competente e le daremo notizie appena possibile. {operatore}, {ente}"},
		{Title: "Accesso civico: come fare", DeskID: contatti, Body: "Gentile {nome}, può presentare la richiesta di accesso civico generalizzato (art. 5, c. 2, d.lgs. 33/2013) compilando il modulo sul sito di {ente}, senza motivarla. L'ente risponde entro 30 giorni. {operatore}"},
	} {
		a := a
		if err := db.SaveCannedAnswer(ctx, sys, &a); err != nil {
			return nil, fmt.Errorf("demo answer: %w", err)
		}
	}
	for _, pb := range demoPlaybooks {
		if err := db.SavePlaybook(ctx, sys, pb); err != nil {
			return nil, fmt.Errorf("demo playbook: %w", err)
		}
	}
	now := time.Now().UTC()
	type turn struct {
		ch                  *redazione.Channel
		contact, name, text string
		ago                 time.Duration
	}
	citizens := []turn{
		{web, "demo-1", "Lucia Ferri", "Buongiorno, ho ricevuto due multe per divieto di sosta in via Mazzini ma avevo il permesso residenti esposto. Come posso fare ricorso?", 3 * time.Hour},
		{api, "demo-2", "Paolo Greco", "Quando passa la raccolta dei rifiuti ingombranti in via Roma? Ho un materasso da buttare.", 2 * time.Hour},
		{web, "demo-3", "Sara Colombo", "Il lampione davanti al civico 12 di via Garibaldi è spento da una settimana, la sera la strada è completamente al buio.", 50 * time.Minute},
		{api, "demo-4", "Giovanni Marino", "Vorrei sapere gli orari dell'ufficio anagrafe per rinnovare la carta d'identità.", 30 * time.Minute},
		{web, "demo-5", "Elena Conti", "Come posso chiedere l'accesso civico agli atti della delibera sul nuovo parcheggio?", 10 * time.Minute},
	}
	var convs []int64
	for i, c := range citizens {
		db.SetNow(func() time.Time { return now.Add(-c.ago) })
		res, err := db.Ingest(ctx, c.ch, redazione.Inbound{ExternalID: fmt.Sprintf("demo-msg-%d", i), ContactID: c.contact, ContactName: c.name, Text: c.text, SentAt: now.Add(-c.ago)})
		if err != nil {
			db.SetNow(time.Now)
			return nil, fmt.Errorf("demo message: %w", err)
		}
		convs = append(convs, res.ConversationID)
	}
	// A few conversations already worked on.
	db.SetNow(func() time.Time { return now.Add(-100 * time.Minute) })
	giulia := colleagues[0].ID
	if _, err := db.ChangeConversation(ctx, sys, convs[1], store.Change{AssigneeID: &giulia, AddTags: []string{"rifiuti"}}); err != nil {
		db.SetNow(time.Now)
		return nil, err
	}
	if _, err := db.AddMessage(ctx, sys, convs[1], store.Outgoing{Text: "Buongiorno Paolo, il ritiro degli ingombranti si prenota al numero verde 800 000 000: passano il primo martedì del mese.", Sent: true}); err != nil {
		db.SetNow(time.Now)
		return nil, err
	}
	if _, err := db.AddMessage(ctx, sys, convs[0], store.Outgoing{Text: "@giulia.bianchi puoi verificare con la Polizia Locale se il permesso risulta registrato?", Note: true}); err != nil {
		db.SetNow(time.Now)
		return nil, err
	}
	resolved := redazione.StatusResolved
	if _, err := db.ChangeConversation(ctx, sys, convs[1], store.Change{Status: &resolved}); err != nil {
		db.SetNow(time.Now)
		return nil, err
	}
	if _, err := db.ChangeConversation(ctx, sys, convs[2], store.Change{AddTags: []string{"segnalazione", "illuminazione"}}); err != nil {
		db.SetNow(time.Now)
		return nil, err
	}
	db.SetNow(time.Now)
	if err := seedAccess(ctx, db, sys, contatti, convs[4], now); err != nil {
		return nil, fmt.Errorf("demo access register: %w", err)
	}
	if err := seedReports(ctx, db, sys, convs[2]); err != nil {
		return nil, fmt.Errorf("demo reports: %w", err)
	}
	if err := seedPosts(ctx, db, sys, colleagues[0], contatti, now, local); err != nil {
		return nil, fmt.Errorf("demo posts: %w", err)
	}
	if err := seedPolicies(ctx, db, sys, colleagues[2]); err != nil {
		return nil, fmt.Errorf("demo policies: %w", err)
	}
	return &Seeded{WebChat: web, API: api}, nil
}

// seedAccess fills the registro degli accessi: the request in Elena's
// conversation, some decided, one past its term, one in riesame, and a
// document asked for by four people (proposed for publication, §8.2).
func seedAccess(ctx context.Context, db *store.DB, a redazione.Actor, desk, conv int64, now time.Time) error {
	day := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).In(calendar.Rome).Format("2006-01-02") }
	reqs := []accesso.Request{
		{ConversationID: conv, Kind: accesso.CivicoGeneralizzato, ReceivedOn: day(0), Subject: "Atti della delibera sul nuovo parcheggio di piazza Garibaldi",
			Document: "Delibera nuovo parcheggio piazza Garibaldi", RequesterName: "Elena Conti"},
		{Kind: accesso.Documentale, ReceivedOn: day(40), Subject: "Copia della propria pratica di condono edilizio", RequesterName: "Franco Esposito",
			RequesterAddress: "franco.esposito@pec.example.it", Outcome: accesso.Accolta, DecidedOn: day(15), Protocol: "4521/2026"},
		{Kind: accesso.CivicoGeneralizzato, ReceivedOn: day(34), Subject: "Elenco delle spese di rappresentanza dell'ultimo anno", RequesterName: "Rita Galli"},
		{Kind: accesso.CivicoGeneralizzato, ReceivedOn: day(60), Subject: "Esposti sul rumore dei locali del centro storico", RequesterName: "Bruno Ricci",
			Counterparties: true, SuspendedDays: 10, Outcome: accesso.RifiutoParziale, DecidedOn: day(25),
			Reason: "Accesso ai soli dati aggregati, a tutela dei dati personali dei segnalanti", ReviewOn: day(5)},
	}
	for _, who := range []string{"Marta Villa", "Luca Fontana", "Chiara Moretti", "Davide Gallo"} {
		reqs = append(reqs, accesso.Request{Kind: accesso.CivicoGeneralizzato, ReceivedOn: day(30 + len(reqs)*20),
			Subject: "Piano generale del traffico urbano e relativi allegati", Document: "Piano generale del traffico urbano", RequesterName: who,
			Outcome: accesso.Accolta, DecidedOn: day(10 + len(reqs)*20)})
	}
	// Numbered as they arrived, the oldest first.
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].ReceivedOn < reqs[j].ReceivedOn })
	for i := range reqs {
		reqs[i].DeskID = desk
		if err := db.CreateAccessRequest(ctx, a, &reqs[i]); err != nil {
			return err
		}
	}
	return nil
}

// demoPlaybooks are starting guidelines an office adapts to itself.
var demoPlaybooks = []store.Playbook{
	{Situation: "personal_data", Steps: "1. Non ripetere i dati nella risposta.\n2. Rispondi in pubblico con il testo consigliato, invitando a scrivere in privato.\n3. Nascondi il commento, se la piattaforma lo consente.\n4. Annota nella conversazione cosa hai fatto.",
		Alert: "Referente privacy dell'ente, se i dati sono di terzi o sanitari."},
	{Situation: "emergency", Steps: "1. Rispondi subito indicando il 112 (Numero unico di emergenza).\n2. Non promettere interventi che l'ufficio non può garantire.\n3. Inoltra la segnalazione alla Polizia locale con luogo e ora.",
		Alert: "Polizia locale e coordinatore di turno."},
	{Situation: "threat", Steps: "1. Non rispondere alla provocazione.\n2. Conserva il messaggio: non cancellarlo.\n3. Segnala al coordinatore, che valuta la denuncia.",
		Alert: "Coordinatore e, se la minaccia è concreta, Polizia locale."},
	{Situation: "self_harm", Steps: "1. Rispondi con calma e vicinanza, senza giudicare.\n2. Indica il 112 e il Telefono Amico Italia (02 2327 2327).\n3. Non lasciare la conversazione senza risposta: avvisa subito il coordinatore.",
		Alert: "Coordinatore di turno; servizi sociali del Comune."},
	{Situation: "complaint", Steps: "1. Ringrazia e riconosci il disagio.\n2. Spiega i tempi e l'ufficio competente.\n3. Se serve, indica come presentare un reclamo formale.",
		Alert: "Responsabile dell'ufficio competente."},
	{Situation: "documents", Steps: "1. Distingui accesso civico semplice, generalizzato e accesso agli atti (L. 241/1990).\n2. Indica il modulo e i 30 giorni per la risposta.\n3. Registra la richiesta nel registro degli accessi, se presentata.",
		Alert: "Responsabile della trasparenza."},
	{Situation: "political", Steps: "1. Rispondi solo sui servizi, in forma impersonale.\n2. In periodo elettorale (par condicio) niente comunicazione che non sia indispensabile e impersonale.\n3. Nel dubbio, chiedi al coordinatore prima di rispondere.",
		Alert: "Coordinatore e ufficio stampa."},
	{Situation: "journalist", Steps: "1. Non rilasciare dichiarazioni: ringrazia e indica l'ufficio stampa.\n2. Annota testata, nome e scadenza del giornalista.",
		Alert: "Ufficio stampa (desk Notizie e media)."},
}

// seedReports files a few citizens' reports: Sara's street light from her
// conversation, and two from an Open311 app, one of them closed.
func seedReports(ctx context.Context, db *store.DB, a redazione.Actor, conv int64) error {
	lat, lon := 41.8986, 12.4769
	reqs := []struct {
		code string
		r    store.ServiceRequest
	}{
		{"illuminazione", store.ServiceRequest{ConversationID: conv, Description: "Lampione spento davanti al civico 12 da una settimana", Address: "Via Garibaldi 12"}},
		{"strade", store.ServiceRequest{Description: "Buca profonda sulla corsia di destra, pericolosa per motorini e biciclette", Address: "Via Nazionale 40",
			Lat: &lat, Long: &lon, Source: store.SourceAPI, FirstName: "Luca", Email: "luca@example.it"}},
		{"rifiuti", store.ServiceRequest{Description: "Sacchi di rifiuti abbandonati accanto alle campane del vetro", Address: "Piazza dei Mercati", Source: store.SourceAPI}},
	}
	for i := range reqs {
		if err := db.CreateServiceRequest(ctx, a, reqs[i].code, &reqs[i].r); err != nil {
			return err
		}
	}
	_, err := db.UpdateServiceRequest(ctx, a, reqs[2].r.ID, "closed", "Rifiuti rimossi dall'azienda di igiene urbana.")
	return err
}

// seedPosts adds an account to publish on (a Telegram channel whose posts
// need a second person's approval), a post waiting for that approval and
// one scheduled a month ahead, and an electoral period next spring.
func seedPosts(ctx context.Context, db *store.DB, admin redazione.Actor, writer *redazione.User, desk int64, now time.Time, local Local) error {
	token := local.BotToken
	if token == "" {
		token = "demo-non-valido"
	}
	settings := map[string]string{"token": token, "publish_chat": "@comune_di_esempio", "publish_approval": "on"}
	if local.BotAPI != "" {
		settings["api_base_url"] = local.BotAPI
	}
	tg := &redazione.Channel{Kind: redazione.ChannelTelegram, Name: "Canale Telegram del Comune (demo)", DeskID: desk, Secret: auth.NewToken(""), Settings: settings}
	if err := db.CreateChannel(ctx, admin, tg); err != nil {
		return err
	}
	pending := &store.Post{DeskID: desk, ChannelID: tg.ID, Text: "Da lunedì l'Ufficio relazioni con il pubblico è aperto anche il giovedì pomeriggio, dalle 15 alle 17."}
	if err := db.SavePost(ctx, redazione.ActorOf(writer), pending); err != nil {
		return err
	}
	if _, err := db.SubmitPost(ctx, redazione.ActorOf(writer), pending.ID, false); err != nil {
		return err
	}
	later := &store.Post{DeskID: desk, ChannelID: tg.ID, ScheduledAt: now.AddDate(0, 1, 0).Truncate(time.Hour),
		Text: "Ricordiamo la scadenza della prima rata della TARI: si paga con l'avviso pagoPA arrivato a casa."}
	if err := db.SavePost(ctx, admin, later); err != nil {
		return err
	}
	next := now.AddDate(1, 0, 0).Year()
	return db.AddElectoralPeriod(ctx, admin, fmt.Sprintf("Elezioni comunali %d", next), fmt.Sprintf("%d-04-15", next), fmt.Sprintf("%d-05-31", next))
}

// seedPolicies publishes a starting external and internal social media
// policy (every administrator then reads and acknowledges the internal
// one), names a responsible for each account and records a course.
func seedPolicies(ctx context.Context, db *store.DB, admin redazione.Actor, coordinator *redazione.User) error {
	external := map[string]string{
		"manager":   "Gli account social del Comune sono gestiti dall'Ufficio relazioni con il pubblico, con l'Ufficio stampa.",
		"purposes":  "Informare i cittadini sui servizi, sulle scadenze e sugli eventi, e rispondere alle loro domande.",
		"contents":  "Notizie, avvisi, scadenze, eventi e campagne del Comune. Tutti possono commentare e scrivere in privato.",
		"behaviour": "Sono rimossi i commenti offensivi, discriminatori, pubblicitari o fuori tema, e quelli con dati personali propri o altrui.",
		"privacy":   "I dati dei messaggi servono solo a rispondere e sono conservati per il tempo indicato nell'informativa sul sito del Comune.",
		"contacts":  "Sito istituzionale, posta elettronica certificata e URP, aperto dal lunedì al venerdì.",
	}
	internal := map[string]string{
		"reasons":     "Il Comune è sui social per informare e ascoltare i cittadini dove già si informano.",
		"conduct":     "Chi scrive per il Comune usa un tono cortese e impersonale e non esprime opinioni personali.",
		"interaction": "Si risponde entro i tempi fissati, si ringrazia, si rimanda all'ufficio competente quando serve.",
		"publishing":  "Ogni post si scrive in Redazione, per l'account giusto, e passa i controlli; nei periodi elettorali solo comunicazione impersonale e indispensabile.",
		"licence":     "Testi e immagini del Comune sono pubblicati con licenza CC BY 4.0, salvo diversa indicazione.",
		"feedback":    "Critiche e segnalazioni si prendono in carico; le situazioni delicate seguono le linee guida.",
		"devices":     "Gli account si gestiscono solo da Redazione, mai da dispositivi personali.",
		"personal":    "Dal profilo personale non si parla di pratiche dell'ufficio.",
		"crisis":      "In un evento critico, anche festivo, il reperibile attiva la modalità crisi e pubblica le dichiarazioni predefinite.",
	}
	if _, err := db.PublishPolicy(ctx, admin, store.PolicyExternal, external); err != nil {
		return err
	}
	if _, err := db.PublishPolicy(ctx, admin, store.PolicyInternal, internal); err != nil {
		return err
	}
	chans, err := db.Channels(ctx, admin.EnteID)
	if err != nil {
		return err
	}
	for _, ch := range chans {
		if err := db.SetResponsible(ctx, admin, ch.ID, coordinator.ID); err != nil {
			return err
		}
	}
	return db.AddTraining(ctx, admin, &store.Training{UserID: coordinator.ID, Course: "Comunicazione pubblica sui social media", Day: "2026-09-15", Hours: 8})
}
