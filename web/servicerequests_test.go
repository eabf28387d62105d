package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An operator files a citizen's message as a report: the citizen gets its
// number in the conversation, and later the news that it is closed, with
// the notes; Open311 apps see the same status.
func TestReportFromConversationFollowedUp(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ctx := context.Background()
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	ob := e.login(op)
	png := pngPixel
	b := e.keep(png)
	res, err := e.db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "lamp-1", ContactID: "sara", ContactName: "Cittadino sara",
		Text:        "Il lampione davanti al civico 12 di via Verdi è spento da una settimana",
		Attachments: []redazione.InboundAttachment{{Name: "lampione.png", ContentType: b.ContentType, Size: b.Size, BlobKey: b.Key}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := res.ConversationID
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, fmt.Sprintf(`href="/segnalazioni/nuova?conversazione=%d"`, conv)) {
		t.Fatal("the conversation offers no way to file a report")
	}
	if _, page := ob.get(fmt.Sprintf("/segnalazioni/nuova?conversazione=%d", conv)); !strings.Contains(page, "civico 12 di via Verdi è spento") {
		t.Error("the form is not filled in from the citizen's message")
	}
	form := url.Values{"conversation": {fmt.Sprint(conv)}, "service": {"illuminazione"}, "description": {"Lampione spento al civico 12"}, "notify": {"on"}}
	if code, page := ob.post("/segnalazioni", form); code != 400 || !strings.Contains(page, "indica dove") {
		t.Errorf("a report without a place: %d", code)
	}
	form.Set("lat", "41,9")
	form.Set("long", "nord")
	if code, _ := ob.post("/segnalazioni", form); code != 400 {
		t.Errorf("a report with a bad longitude: %d", code)
	}
	form.Del("lat")
	form.Del("long")
	form.Set("address", "Via Verdi 12")
	code, page := ob.post("/segnalazioni", form)
	if code != 200 || !strings.Contains(page, "Cittadino avvisato nella conversazione.") || !strings.Contains(page, "Illuminazione pubblica") {
		t.Fatalf("file the report: %d", code)
	}
	rs, _ := e.db.ServiceRequests(ctx, redazione.ActorOf(op), store.ServiceRequestFilter{})
	if len(rs) != 1 || rs[0].Source != store.SourceConversation || rs[0].Address != "Via Verdi 12" {
		t.Fatalf("reports: %+v", rs)
	}
	id := rs[0].ID
	last := func() string {
		msgs, _ := e.db.Messages(ctx, redazione.ActorOf(op), conv, 0)
		return msgs[len(msgs)-1].Text
	}
	if _, page := ob.get(fmt.Sprintf("/segnalazioni/%d", id)); !strings.Contains(page, `alt="Immagine inviata dal cittadino: lampione.png"`) {
		t.Error("the report does not show the citizen's photo")
	}
	if !strings.Contains(last(), fmt.Sprintf("è registrata con il numero %d", id)) {
		t.Errorf("the citizen was not told the number: %q", last())
	}
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, fmt.Sprintf("Segnalazione %d", id)) {
		t.Error("the conversation does not show its report")
	}
	code, page = ob.post(fmt.Sprintf("/segnalazioni/%d", id), url.Values{"status": {"closed"}, "status_notes": {"Lampada sostituita il 3 dicembre."}, "notify": {"on"}})
	if code != 200 || !strings.Contains(page, `id="report-status">chiusa`) {
		t.Errorf("close: %d", code)
	}
	if got := last(); !strings.Contains(got, fmt.Sprintf("Aggiornamento sulla sua segnalazione n. %d (Illuminazione pubblica): è stata chiusa.", id)) || !strings.Contains(got, "Lampada sostituita il 3 dicembre.") {
		t.Errorf("the citizen was not told it is closed: %q", got)
	}
	_, out := get311(t, "GET", e.srv.URL+"/open311/comune-a/v2/requests/"+fmt.Sprint(id)+".json", nil)
	var list []map[string]any
	if json.Unmarshal(out, &list) != nil || len(list) != 1 || list[0]["status"] != "closed" || list[0]["status_notes"] != "Lampada sostituita il 3 dicembre." {
		t.Errorf("Open311 sees %s", out)
	}
	other := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID))
	if code, _ := other.get(fmt.Sprintf("/segnalazioni/%d", id)); code != 404 {
		t.Errorf("an operator of another desk opened the report: %d", code)
	}
}

// An administrator routes a new service and gives an app its key; the key
// is shown once, files reports, and stops when revoked.
func TestServicesAndOpen311KeysAdmin(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ab := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	if code, page := ab.post("/admin/segnalazioni/servizi", url.Values{"code": {"fontane"}, "name": {"Fontanelle"}, "desk": {fmt.Sprint(e.desks[2].ID)}, "active": {"on"}}); code != 200 || !strings.Contains(page, `value="fontane"`) {
		t.Fatalf("new service: %d", code)
	}
	if code, _ := ab.post("/admin/segnalazioni/servizi", url.Values{"code": {"con spazi"}, "name": {"X"}, "desk": {fmt.Sprint(e.desks[0].ID)}}); code != 400 {
		t.Errorf("a code with spaces: %d", code)
	}
	code, page := ab.post("/admin/segnalazioni/chiavi", url.Values{"name": {"App Segnala Comune"}})
	key := between(page, `<code id="new-key">`, `</code>`)
	if code != 200 || !strings.HasPrefix(key, "o311_") {
		t.Fatalf("new key: %d %q", code, key)
	}
	if _, page := ab.get("/admin/segnalazioni"); strings.Contains(page, key) {
		t.Error("the key is shown again")
	}
	post := url.Values{"api_key": {key}, "service_code": {"fontane"}, "address_string": {"Piazza Grande"}, "description": {"La fontanella perde acqua"}}
	code, out := get311(t, "POST", e.srv.URL+"/open311/comune-a/v2/requests.json", post)
	if code != 200 {
		t.Fatalf("POST with the new key: %d %s", code, out)
	}
	rs, _ := e.db.ServiceRequests(context.Background(), redazione.SystemActor(e.ente.ID), store.ServiceRequestFilter{})
	if len(rs) != 1 || rs[0].DeskID != e.desks[2].ID {
		t.Errorf("the report did not land on the service's desk: %+v", rs)
	}
	keys, _ := e.db.Open311Keys(context.Background(), e.ente.ID)
	if code, _ := ab.post(fmt.Sprintf("/admin/segnalazioni/chiavi/%d/revoca", keys[0].ID), url.Values{}); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := get311(t, "POST", e.srv.URL+"/open311/comune-a/v2/requests.json", post); code != 403 {
		t.Errorf("a revoked key filed a report: %d", code)
	}
}

// A citizen reports on the public form, without an account, and follows
// the report at its address; robots and floods are refused.
func TestPublicReportForm(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	c := newJarClient()
	get := func(path string) (int, string) {
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(form url.Values) (int, string, string) {
		resp, err := c.PostForm(e.srv.URL+"/segnala/comune-a", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Request.URL.Path
	}
	if code, page := get("/segnala/comune-a"); code != 200 || !strings.Contains(page, `<option value="illuminazione"`) {
		t.Fatalf("public form: %d", code)
	}
	if code, _ := get("/segnala/nessuno"); code != 404 {
		t.Errorf("form of an unknown ente: %d", code)
	}
	form := url.Values{"service": {"rifiuti"}, "description": {"Sacchi abbandonati accanto alla scuola, chiamatemi al 333 123 4567"},
		"address": {"Via della Scuola 1"}, "first_name": {"Lia"}, "email": {"lia@example.it"}}
	if code, _, _ := post(with(form, "website", "http://spam.example")); code != 400 {
		t.Errorf("the hidden field filled: %d", code)
	}
	if code, page, _ := post(with(form, "address", "")); code != 400 || !strings.Contains(page, "indica dove") {
		t.Errorf("no place: %d", code)
	}
	code, page, path := post(form)
	if code != 200 || !strings.HasPrefix(path, "/segnala/comune-a/") || !strings.Contains(page, "Segnalazione registrata con il numero") {
		t.Fatalf("send: %d at %s\n%s", code, path, page)
	}
	if strings.Contains(page, "333 123 4567") || strings.Contains(page, "lia@example.it") || strings.Contains(page, "Lia") {
		t.Error("the status page shows personal data")
	}
	rs, _ := e.db.ServiceRequests(context.Background(), redazione.SystemActor(e.ente.ID), store.ServiceRequestFilter{})
	if len(rs) != 1 || rs[0].Source != store.SourceForm || rs[0].Email != "lia@example.it" {
		t.Fatalf("filed: %+v", rs)
	}
	// A flood from one address is slowed down.
	var last int
	for range 6 {
		last, _, _ = post(form)
	}
	if last != 429 {
		t.Errorf("the seventh report in a row: %d, want 429", last)
	}
}
