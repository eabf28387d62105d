package web_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/channel/appio/appiotest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A valid codice fiscale (the check character is right) and a body long
// enough for App IO.
const (
	appioCF   = "RSSMRA85T10A562S"
	appioKey  = "chiave-servizio-io"
	appioBody = "Gentile cittadino, il documento che ha chiesto è pronto: può ritirarlo allo sportello dell'anagrafe dal lunedì al venerdì."
)

// appioEnv is Redazione with an App IO channel pointing at a fake IO.
func appioEnv(t *testing.T, db *store.DB) (*env, *appiotest.Server, *redazione.Channel) {
	t.Helper()
	fake := appiotest.New(appioKey)
	t.Cleanup(fake.Close)
	e := start(t, db, func(c *app.Config) { c.AppIOCheckAfter = 50 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelAppIO, Name: "App IO", DeskID: e.desks[0].ID, Secret: "segreto-non-usato-da-app-io",
		Settings: map[string]string{"api_key": appioKey, "api_base_url": fake.URL, "service_name": "Servizi demografici"}}
	if err := db.CreateChannel(context.Background(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	return e, fake, ch
}

// appioStored counts the App IO messages stored for the ente.
func appioStored(t *testing.T, e *env) int {
	t.Helper()
	var n int
	if err := e.db.WriteDB().QueryRowContext(context.Background(), fmt.Sprintf("SELECT COUNT(*) FROM appio_messages WHERE ente_id = %d", e.ente.ID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// From a conversation, an operator writes to the citizen on App IO: bad
// input is refused with a clear reason and sends nothing; a citizen
// without IO, or who turned the service off, is said so and nothing is
// sent; IO's 429 is waited out; the outcome shows on the conversation.
func TestAppIOFromConversation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e, fakeIO, _ := appioEnv(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		ob := e.login(op)
		conv := e.ingest(e.api, "cf-1", "mario", "Buongiorno, è pronta la mia carta d'identità?")
		convPage := fmt.Sprintf("/conversations/%d", conv)
		form := fmt.Sprintf("/appio/nuovo?da=conversation&id=%d", conv)
		if _, page := ob.get(convPage); !strings.Contains(page, `href="/appio/nuovo?da=conversation&amp;id=`+fmt.Sprint(conv)+`"`) {
			t.Fatal("the conversation offers no way to write on App IO")
		}
		if code, page := ob.get(form); code != 200 || !strings.Contains(page, `name="fiscal_code"`) || !strings.Contains(page, `data-count-max="10000"`) || !strings.Contains(page, "Servizi demografici") {
			t.Fatalf("the App IO form: %d", code)
		}
		send := func(cf, subject, body, due string) (int, string) {
			return ob.post("/appio", url.Values{"from": {"conversation"}, "id": {fmt.Sprint(conv)}, "fiscal_code": {cf}, "subject": {subject}, "markdown": {body}, "due_date": {due}})
		}
		for _, c := range []struct{ name, cf, subject, body, due, want string }{
			{"wrong check character", "RSSMRA85T10A562T", "Carta d'identità pronta", appioBody, "", "carattere di controllo"},
			{"short code", "RSSMRA85T10", "Carta d'identità pronta", appioBody, "", "16 caratteri"},
			{"short subject", appioCF, "Pronta", appioBody, "", "l&#39;oggetto deve avere da 10 a 120 caratteri (ne ha 6)"},
			{"long subject", appioCF, strings.Repeat("x", 121), appioBody, "", "da 10 a 120"},
			{"short body", appioCF, "Carta d'identità pronta", "È pronta.", "", "il testo deve avere da 80 a 10000 caratteri"},
			{"long body", appioCF, "Carta d'identità pronta", strings.Repeat("a", 10001), "", "(ne ha 10001)"},
			{"past due date", appioCF, "Carta d'identità pronta", appioBody, "2020-01-31", "la scadenza è già passata"},
			{"unreadable due date", appioCF, "Carta d'identità pronta", appioBody, "domani", "scadenza non valida"},
		} {
			if code, page := send(c.cf, c.subject, c.body, c.due); code != 400 || !strings.Contains(page, c.want) {
				t.Errorf("%s: %d, want 400 saying %q", c.name, code, c.want)
			}
		}
		// Lower case and spaces are the same code.
		code, page := send("rssmra 85t10 a562s", "Carta d'identità pronta", appioBody, "")
		if code != 409 || !strings.Contains(page, "Il cittadino non usa App IO") || !strings.Contains(page, "non è stato inviato") {
			t.Fatalf("a citizen without IO: %d", code)
		}
		fakeIO.Profile(appioCF, false)
		if code, page := send(appioCF, "Carta d'identità pronta", appioBody, ""); code != 409 || !strings.Contains(page, "ha disattivato su App IO i messaggi di questo servizio") {
			t.Fatalf("a citizen who turned the service off: %d", code)
		}
		if n := appioStored(t, e); n != 0 || len(fakeIO.Sent()) != 0 {
			t.Fatalf("refused messages were stored (%d) or sent (%d)", n, len(fakeIO.Sent()))
		}
		log, err := e.db.AuditLog(context.Background(), redazione.SystemActor(e.ente.ID), 1000)
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, a := range log {
			if a.Action == "appio.refused" {
				refused++
				if strings.Contains(a.Detail, appioCF) {
					t.Error("the audit trail keeps the whole codice fiscale")
				}
			}
		}
		if refused != 2 {
			t.Errorf("%d refusals in the audit trail, want 2", refused)
		}

		// Allowed now, but IO is busy: twice 429, one second each.
		fakeIO.Profile(appioCF, true)
		fakeIO.Throttle("1", "1")
		sentAt := time.Now()
		code, page = send(appioCF, "Carta d'identità pronta", appioBody, time.Now().AddDate(0, 1, 0).Format("2006-01-02"))
		if code != 200 || !strings.Contains(page, "Messaggio App IO in coda di invio") || !strings.Contains(page, "Carta d&#39;identità pronta") {
			t.Fatalf("send: %d", code)
		}
		if !waitUntil(20*time.Second, func() bool { return len(fakeIO.Sent()) == 1 }) {
			t.Fatalf("IO never got the message; calls: %v", fakeIO.Calls())
		}
		if waited := time.Since(sentAt); waited < time.Second {
			t.Errorf("the 429 was not waited out: sent after %v", waited)
		}
		calls := fakeIO.Calls()
		if len(calls) < 4 || calls[len(calls)-1] != "POST /api/v1/messages" || calls[len(calls)-2] != "POST /api/v1/profiles" {
			t.Errorf("IO's calls: %v, want the profile checked right before the send", calls)
		}
		got := fakeIO.Sent()[0]
		if got.FiscalCode != appioCF || got.Subject != "Carta d'identità pronta" || got.Markdown != appioBody || !strings.HasSuffix(got.DueDate, "T00:00:00.000Z") {
			t.Errorf("IO got %+v", got)
		}
		// The outcome: PROCESSED, shown like a delivery receipt.
		if !waitUntil(20*time.Second, func() bool {
			_, page := ob.get(convPage)
			return strings.Contains(page, "Consegnato") && strings.Contains(page, "IO: nella casella del cittadino")
		}) {
			_, page := ob.get(convPage)
			t.Fatalf("the outcome is not shown on the conversation:\n%s", excerpt(page, "appio-box"))
		}
		n := 0
		log, _ = e.db.AuditLog(context.Background(), redazione.SystemActor(e.ente.ID), 1000)
		for _, a := range log {
			if a.Action == "appio.send" && a.ActorID == op.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d sends in the audit trail, want 1", n)
		}
		e.jobsDone()
		if len(fakeIO.Sent()) != 1 {
			t.Errorf("the message went %d times", len(fakeIO.Sent()))
		}
	})
}

// excerpt is the part of a page from a marker, for failure messages.
func excerpt(page, marker string) string {
	i := strings.Index(page, marker)
	if i < 0 {
		return "(" + marker + " not on the page)"
	}
	return page[i:min(len(page), i+1500)]
}

// IO rejects the message after taking it: the office sees it failed, and why.
func TestAppIOOutcomeRejected(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e, fakeIO, _ := appioEnv(t, db)
		ob := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		conv := e.ingest(e.api, "cf-2", "lucia", "Vorrei sapere della mia pratica")
		fakeIO.Profile(appioCF, true)
		fakeIO.Outcome(appioCF, "REJECTED")
		if code, _ := ob.post("/appio", url.Values{"from": {"conversation"}, "id": {fmt.Sprint(conv)}, "fiscal_code": {appioCF},
			"subject": {"La sua pratica edilizia"}, "markdown": {appioBody}}); code != 200 {
			t.Fatalf("send: %d", code)
		}
		page := ""
		if !waitUntil(20*time.Second, func() bool {
			_, page = ob.get(fmt.Sprintf("/conversations/%d", conv))
			return strings.Contains(page, "IO: respinto")
		}) {
			t.Fatalf("the rejection is not shown:\n%s", excerpt(page, "appio-box"))
		}
		if !strings.Contains(page, "Invio non riuscito: App IO ha respinto il messaggio (REJECTED)") {
			t.Errorf("the failure does not say why:\n%s", excerpt(page, "appio-box"))
		}
		// The citizen's App IO thread shows it as well, as a failed reply.
		ms, _ := e.db.AppIOMessages(context.Background(), redazione.SystemActor(e.ente.ID), store.Origin("conversation", conv))
		if len(ms) != 1 || ms[0].Delivery != redazione.DeliveryFailed {
			t.Fatalf("App IO messages: %+v", ms)
		}
		thread := fmt.Sprintf("/conversations/%d", ms[0].ConversationID)
		if _, page := ob.get(thread); !strings.Contains(page, "Invio non riuscito") || !strings.Contains(page, "ritirarlo allo sportello") || !strings.Contains(page, "<strong>La sua pratica edilizia</strong>") {
			t.Error("the App IO thread does not show the failed message with its subject")
		}
		// A plain reply there would have no subject and no profile check: refused.
		if code, page := ob.post(thread+"/messages", url.Values{"kind": {"reply"}, "text": {"Risposta senza oggetto"}}); code != 400 || !strings.Contains(page, "Scrivi su App IO") {
			t.Errorf("a plain reply in the App IO thread: %d", code)
		}
	})
}

// The requester asked for the decision on App IO: it goes there by itself
// once recorded, once.
func TestAppIOAutomaticOnAccessDecision(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e, fakeIO, _ := appioEnv(t, db)
		ob := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		fakeIO.Profile(appioCF, true)
		form := url.Values{"desk": {fmt.Sprint(e.desks[0].ID)}, "kind": {"civico_generalizzato"}, "received_on": {time.Now().Format("2006-01-02")},
			"subject": {"Copia della delibera sul piano del traffico"}, "requester_name": {"Mario Rossi"}, "appio_notify": {"on"}}
		if code, page := ob.post("/accessi", form); code != 400 || !strings.Contains(page, "per l&#39;avviso su App IO serve il codice fiscale") {
			t.Fatalf("App IO without a codice fiscale: %d", code)
		}
		form.Set("fiscal_code", "RSSMRA85T10A562X")
		if code, page := ob.post("/accessi", form); code != 400 || !strings.Contains(page, "carattere di controllo") {
			t.Fatalf("a wrong codice fiscale: %d", code)
		}
		form.Set("fiscal_code", strings.ToLower(appioCF))
		code, page := ob.post("/accessi", form)
		if code != 200 || !strings.Contains(page, `value="`+appioCF+`"`) {
			t.Fatalf("register: %d", code)
		}
		rs, _ := e.db.AccessRequests(context.Background(), redazione.SystemActor(e.ente.ID), store.AccessFilter{})
		if len(rs) != 1 || rs[0].FiscalCode != appioCF || !rs[0].AppIONotify {
			t.Fatalf("requests: %+v", rs)
		}
		r := rs[0]
		if len(fakeIO.Sent()) != 0 {
			t.Fatal("something went to App IO before the decision")
		}
		form.Set("outcome", "accoglimento")
		form.Set("decided_on", time.Now().Format("2006-01-02"))
		if code, _ := ob.post(fmt.Sprintf("/accessi/%d", r.ID), form); code != 200 {
			t.Fatalf("decide: %d", code)
		}
		if !waitUntil(20*time.Second, func() bool { return len(fakeIO.Sent()) == 1 }) {
			t.Fatalf("the decision did not go to App IO; calls %v", fakeIO.Calls())
		}
		got := fakeIO.Sent()[0]
		if got.FiscalCode != appioCF || got.Subject != "Esito della sua richiesta di accesso n. "+r.Number() ||
			!strings.Contains(got.Markdown, "è stata **accolta**") || !strings.Contains(got.Markdown, "Copia della delibera") || !strings.Contains(got.Markdown, "Comune di Alfa") {
			t.Errorf("IO got %+v", got)
		}
		if !waitUntil(20*time.Second, func() bool {
			_, page := ob.get(fmt.Sprintf("/accessi/%d", r.ID))
			return strings.Contains(page, "(automatico)") && strings.Contains(page, "IO: nella casella del cittadino")
		}) {
			_, page := ob.get(fmt.Sprintf("/accessi/%d", r.ID))
			t.Errorf("the request's page does not show the automatic message:\n%s", excerpt(page, "appio-box"))
		}
		// Saved again with the same decision: nothing new goes.
		if code, _ := ob.post(fmt.Sprintf("/accessi/%d", r.ID), form); code != 200 {
			t.Fatalf("save again: %d", code)
		}
		e.jobsDone()
		if len(fakeIO.Sent()) != 1 {
			t.Errorf("%d messages on App IO, want 1", len(fakeIO.Sent()))
		}
	})
}

// A citizen reports from the public form and asks for App IO: when the
// office closes the report, they are told there.
func TestAppIOAutomaticOnReportStatus(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e, fakeIO, _ := appioEnv(t, db)
		ob := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		fakeIO.Profile(appioCF, true)
		c := newJarClient()
		post := func(form url.Values) (int, string) {
			resp, err := c.PostForm(e.srv.URL+"/segnala/comune-a", form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 32<<10)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			return resp.StatusCode, b.String()
		}
		resp, err := c.Get(e.srv.URL + "/segnala/comune-a")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("public form: %d", resp.StatusCode)
		}
		form := url.Values{"service": {"illuminazione"}, "description": {"Lampione spento"}, "address": {"Via Roma 3"}, "appio_notify": {"on"}, "fiscal_code": {"RSSMRA85T10A562"}}
		if code, page := post(form); code != 400 || !strings.Contains(page, "16 caratteri") {
			t.Fatalf("a short codice fiscale: %d", code)
		}
		form.Set("fiscal_code", appioCF)
		if code, page := post(form); code != 200 || !strings.Contains(page, "Segnalazione registrata con il numero") || strings.Contains(page, appioCF) {
			t.Fatalf("report: %d (the codice fiscale must not show on the public page)", code)
		}
		rs, _ := e.db.ServiceRequests(context.Background(), redazione.SystemActor(e.ente.ID), store.ServiceRequestFilter{})
		if len(rs) != 1 || rs[0].FiscalCode != appioCF || !rs[0].AppIONotify {
			t.Fatalf("reports: %+v", rs)
		}
		id := rs[0].ID
		if _, page := ob.get(fmt.Sprintf("/segnalazioni/%d", id)); !strings.Contains(page, appioCF) || !strings.Contains(page, "Avvisi su App IO") {
			t.Error("the office does not see the codice fiscale and the request")
		}
		if code, _ := ob.post(fmt.Sprintf("/segnalazioni/%d", id), url.Values{"status": {"open"}, "status_notes": {"Presa in carico"}}); code != 200 {
			t.Fatalf("notes only: %d", code)
		}
		if code, _ := ob.post(fmt.Sprintf("/segnalazioni/%d", id), url.Values{"status": {"closed"}, "status_notes": {"Lampada sostituita"}}); code != 200 {
			t.Fatalf("close: %d", code)
		}
		if !waitUntil(20*time.Second, func() bool { return len(fakeIO.Sent()) == 1 }) {
			t.Fatalf("the new status did not go to App IO; calls %v", fakeIO.Calls())
		}
		got := fakeIO.Sent()[0]
		if got.Subject != fmt.Sprintf("Aggiornamento sulla sua segnalazione n. %d", id) || !strings.Contains(got.Markdown, "è stata chiusa") || !strings.Contains(got.Markdown, "Lampada sostituita") {
			t.Errorf("IO got %+v", got)
		}
		e.jobsDone()
		if len(fakeIO.Sent()) != 1 {
			t.Errorf("%d messages on App IO, want 1 (a note without a new status sends nothing)", len(fakeIO.Sent()))
		}
	})
}

// Erasing the citizen erases their codice fiscale: their App IO contact,
// their messages there, and the code on their reports.
func TestAppIOErasure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		e, fakeIO, _ := appioEnv(t, db)
		ctx := context.Background()
		ab := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		res, err := e.db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "cf-er", ContactID: "anna", ContactName: "Anna", Text: "Lampione spento in via Po"})
		if err != nil {
			t.Fatal(err)
		}
		fakeIO.Profile(appioCF, true)
		if code, _ := ab.post("/segnalazioni", url.Values{"conversation": {fmt.Sprint(res.ConversationID)}, "service": {"illuminazione"}, "description": {"Lampione spento"},
			"address": {"Via Po 1"}, "fiscal_code": {appioCF}, "appio_notify": {"on"}}); code != 200 {
			t.Fatalf("report: %d", code)
		}
		if code, _ := ab.post("/appio", url.Values{"from": {"conversation"}, "id": {fmt.Sprint(res.ConversationID)}, "fiscal_code": {appioCF},
			"subject": {"La sua segnalazione"}, "markdown": {appioBody}}); code != 200 {
			t.Fatalf("send: %d", code)
		}
		// The conversation now knows the code: the form is filled in with it.
		if _, page := ab.get(fmt.Sprintf("/appio/nuovo?da=conversation&id=%d", res.ConversationID)); !strings.Contains(page, `value="`+appioCF+`"`) {
			t.Error("the form does not remember the citizen's codice fiscale")
		}
		// The export has it.
		_, exp := ab.get(fmt.Sprintf("/contacts/%d/export", res.ContactID))
		zr, err := zip.NewReader(strings.NewReader(exp), int64(len(exp)))
		if err != nil {
			t.Fatal(err)
		}
		var data []byte
		for _, f := range zr.File {
			if f.Name == "dati.json" {
				rc, _ := f.Open()
				data, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		var x store.PersonExport
		if err := json.Unmarshal(data, &x); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range x.Contacts {
			found = found || (c.Kind == "appio" && c.ExternalID == appioCF)
		}
		if !found || len(x.Reports) != 1 || x.Reports[0].FiscalCode != appioCF {
			t.Errorf("the export lacks the codice fiscale: contacts %+v, reports %+v", x.Contacts, x.Reports)
		}
		e.jobsDone()
		if code, _ := ab.post(fmt.Sprintf("/contacts/%d/erase", res.ContactID), url.Values{"confirm": {"CANCELLA"}, "conversation": {fmt.Sprint(res.ConversationID)}}); code != 200 {
			t.Fatalf("erase: %d", code)
		}
		for _, q := range []string{
			"SELECT COUNT(*) FROM contacts WHERE external_id = '" + appioCF + "'",
			"SELECT COUNT(*) FROM service_requests WHERE fiscal_code IS NOT NULL",
			"SELECT COUNT(*) FROM appio_messages",
			"SELECT COUNT(*) FROM messages WHERE text LIKE '%ritirarlo allo sportello%'",
		} {
			var n int
			if err := e.db.WriteDB().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s = %d after the erasure", q, n)
			}
		}
	})
}
