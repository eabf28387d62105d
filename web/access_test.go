package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An operator registers a citizen's request from the conversation it came
// in: the form is filled in from the message, the citizen gets the receipt
// with the number and the term, and the conversation shows the request.
func TestAccessRequestFromConversationWithReceipt(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ctx := context.Background()
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	other := e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID)
	analyst := e.newUser(e.ente, redazione.RoleAnalyst)
	ob := e.login(op)
	conv := e.ingest(e.api, "foia-1", "lucia", "Buongiorno, chiedo copia del progetto della nuova pista ciclabile di via Po.")

	_, page := ob.get(fmt.Sprintf("/conversations/%d", conv))
	if !strings.Contains(page, fmt.Sprintf(`href="/accessi/nuova?conversazione=%d"`, conv)) {
		t.Fatal("the conversation offers no way to register an access request")
	}
	code, form := ob.get(fmt.Sprintf("/accessi/nuova?conversazione=%d", conv))
	if code != 200 || !strings.Contains(form, "chiedo copia del progetto della nuova pista ciclabile") || !strings.Contains(form, `value="Cittadino lucia"`) {
		t.Fatalf("the form is not filled in from the conversation (%d)", code)
	}

	// A bad date registers nothing and says why.
	bad := url.Values{"conversation": {fmt.Sprint(conv)}, "kind": {"civico_generalizzato"}, "received_on": {"ieri"}, "subject": {"Progetto pista ciclabile"}, "receipt": {"on"}}
	if code, page := ob.post("/accessi", bad); code != 400 || !strings.Contains(page, "data di presentazione non valida") {
		t.Errorf("bad date: %d", code)
	}
	if rs, _ := e.db.AccessRequests(ctx, redazione.ActorOf(op), store.AccessFilter{}); len(rs) != 0 {
		t.Fatalf("a refused form registered %d requests", len(rs))
	}
	msgs, _ := e.db.Messages(ctx, redazione.ActorOf(op), conv, 0)
	if len(msgs) != 1 {
		t.Fatalf("a refused form sent a receipt: %d messages", len(msgs))
	}

	ok := url.Values{"conversation": {fmt.Sprint(conv)}, "kind": {"civico_generalizzato"}, "received_on": {"2026-11-20"},
		"protocol": {"12345/2026"}, "subject": {"Copia del progetto della pista ciclabile di via Po"}, "document": {"Progetto pista ciclabile via Po"},
		"requester_name": {"Lucia Neri"}, "receipt": {"on"}}
	code, page = ob.post("/accessi", ok)
	if code != 200 || !strings.Contains(page, "Ricevuta inviata al cittadino.") || !strings.Contains(page, "Richiesta di accesso 2026/1") {
		t.Fatalf("register: %d\n%s", code, page)
	}
	// 20 November + 30 days is Sunday 20 December: the term is Monday 21.
	if !strings.Contains(page, `<strong id="access-due">21/12/2026</strong>`) {
		t.Error("the request page does not show the term 21/12/2026")
	}
	msgs, _ = e.db.Messages(ctx, redazione.ActorOf(op), conv, 0)
	last := msgs[len(msgs)-1]
	if last.Direction != redazione.DirOut || !strings.Contains(last.Text, "accesso civico generalizzato, ricevuta il 20/11/2026, è registrata con il numero 2026/1 (protocollo 12345/2026)") ||
		!strings.Contains(last.Text, "entro il 21/12/2026") {
		t.Errorf("receipt sent to the citizen: %+v", last)
	}
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, "Richiesta di accesso 2026/1") {
		t.Error("the conversation does not show the request registered from it")
	}
	rs, _ := e.db.AccessRequests(ctx, redazione.ActorOf(op), store.AccessFilter{})
	id := rs[0].ID

	// The decision: a partial refusal needs its reasons.
	decide := url.Values{"kind": {"civico_generalizzato"}, "received_on": {"2026-11-20"}, "subject": {ok.Get("subject")}, "document": {ok.Get("document")},
		"requester_name": {"Lucia Neri"}, "outcome": {"rifiuto_parziale"}, "decided_on": {"2026-12-10"}}
	if code, page := ob.post(fmt.Sprintf("/accessi/%d", id), decide); code != 400 || !strings.Contains(page, "un rifiuto va motivato") {
		t.Errorf("refusal without reasons: %d", code)
	}
	decide.Set("reason", "Oscurate le planimetrie delle abitazioni private (tel. 06 1234 5678 del progettista)")
	decide.Set("counterparties", "on")
	decide.Set("opposed", "on")
	if code, page := ob.post(fmt.Sprintf("/accessi/%d", id), decide); code != 200 || !strings.Contains(page, "Richiesta salvata.") || !strings.Contains(page, ">decisa<") ||
		!strings.Contains(page, `<strong id="access-release">25/12/2026</strong>`) {
		t.Errorf("decision: %d (a partial grant over an opposition goes out 15 days after the decision, 25/12/2026)", code)
	}

	// Who may see and change it.
	if code, _ := e.login(other).get(fmt.Sprintf("/accessi/%d", id)); code != 404 {
		t.Errorf("an operator of another desk opened the request: %d", code)
	}
	ab := e.login(analyst)
	if code, page := ab.get("/accessi"); code != 200 || !strings.Contains(page, "2026/1") {
		t.Errorf("the analyst cannot read the register: %d", code)
	}
	if code, _ := ab.post(fmt.Sprintf("/accessi/%d", id), decide); code != 403 {
		t.Errorf("the analyst changed a request: %d", code)
	}

	// The public register: no login, no requester, no personal data.
	for _, path := range []string{"/trasparenza/comune-a/accessi", "/trasparenza/comune-a/accessi.csv"} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if strings.HasSuffix(path, ".csv") {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("CSV content type %q", ct)
			}
			rows, err := csv.NewReader(resp.Body).ReadAll()
			if err != nil || len(rows) != 2 || rows[0][0] != "numero" || rows[1][0] != "2026/1" || rows[1][5] != "rifiuto_parziale" || rows[1][6] != "2026-12-10" {
				t.Errorf("public CSV: %v, %v", rows, err)
			}
			fmt.Fprint(&b, rows)
		} else {
			buf := make([]byte, 1<<20)
			n, _ := resp.Body.Read(buf)
			for n > 0 {
				b.Write(buf[:n])
				n, _ = resp.Body.Read(buf)
			}
			if !strings.Contains(b.String(), "Copia del progetto della pista ciclabile di via Po") {
				t.Errorf("the public page does not list the request")
			}
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		for _, secret := range []string{"Lucia", "lucia", "06 1234 5678"} {
			if strings.Contains(b.String(), secret) {
				t.Errorf("%s shows %q", path, secret)
			}
		}
	}
	if resp, _ := http.Get(e.srv.URL + "/trasparenza/nessuno/accessi"); resp.StatusCode != 404 {
		t.Errorf("register of an unknown ente: %d", resp.StatusCode)
	}

	// A request past its term: every page's menu says so, and the register marks it.
	if _, page := ob.get("/inbox"); strings.Contains(page, "richieste con il termine vicino o scaduto") {
		t.Error("the menu warns of terms with none near")
	}
	late := url.Values{"desk": {fmt.Sprint(e.desks[0].ID)}, "kind": {"documentale"}, "received_on": {e.db.Now().AddDate(0, 0, -40).Format("2006-01-02")},
		"subject": {"Copia del verbale di sopralluogo"}}
	if code, _ := ob.post("/accessi", late); code != 200 {
		t.Fatalf("register a late request: %d", code)
	}
	if _, page := ob.get("/inbox"); !strings.Contains(page, `1<span class="visually-hidden"> richieste con il termine vicino o scaduto</span>`) {
		t.Error("the menu does not warn of the request past its term")
	}
	if _, page := ob.get("/accessi?stato=overdue"); !strings.Contains(page, "Copia del verbale di sopralluogo") || !strings.Contains(page, "termine scaduto") ||
		strings.Contains(page, "pista ciclabile") {
		t.Error("the overdue filter does not show just the late request")
	}
}

// A document asked for by more than three people in a year is proposed
// for publication on the register page, until it is marked published.
func TestAccessRepeatsOnRegisterPage(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	cb := e.login(co)
	today := e.db.Now().Format("2006-01-02")
	// The fourth asks on a channel: they will be told there.
	conv := e.ingest(e.api, "pgtu-1", "dario", "Potete mandarmi il piano del traffico?")
	for i, who := range []string{"Anna", "Bruno", "Carla", "Dario"} {
		form := url.Values{"desk": {fmt.Sprint(e.desks[0].ID)}, "kind": {"civico_generalizzato"}, "received_on": {today},
			"subject": {fmt.Sprintf("Richiesta %d del piano del traffico", i)}, "document": {"Piano generale del traffico urbano"}, "requester_name": {who}}
		if who == "Dario" {
			form.Set("conversation", fmt.Sprint(conv))
		}
		if code, _ := cb.post("/accessi", form); code != 200 {
			t.Fatalf("register %d: %d", i, code)
		}
		_, page := cb.get("/accessi")
		if proposed := strings.Contains(page, "Da pubblicare proattivamente"); proposed != (i == 3) {
			t.Fatalf("after %d requesters, proposed = %v", i+1, proposed)
		}
	}
	code, page := cb.post("/accessi/pubblicati", url.Values{"key": {"piano general traffic urban"}, "document": {"Piano generale del traffico urbano"}, "url": {"ftp://x"}})
	if code != 400 || !strings.Contains(page, "deve iniziare con https://") {
		t.Errorf("published at ftp://: %d, want the reason on the page", code)
	}
	_, page = cb.get("/accessi")
	key := between(page, `name="key" value="`, `"`)
	if key == "" {
		t.Fatal("no key in the proposal form")
	}
	code, page = cb.post("/accessi/pubblicati", url.Values{"key": {key}, "document": {"Piano generale del traffico urbano"},
		"url": {"https://www.comune-a.example.it/amministrazione-trasparente/pgtu"}, "notify": {"on"}})
	if code != 200 || !strings.Contains(page, "Documento segnato come pubblicato.") || strings.Contains(page, "Da pubblicare proattivamente") {
		t.Errorf("mark published: %d", code)
	}
	if !strings.Contains(page, "Avvisato 1 richiedente su 1") {
		t.Error("the page does not say how many requesters were told")
	}
	msgs, _ := e.db.Messages(context.Background(), redazione.ActorOf(co), conv, 0)
	if last := msgs[len(msgs)-1]; last.Direction != redazione.DirOut ||
		!strings.Contains(last.Text, "«Piano generale del traffico urbano») è ora pubblicato") || !strings.Contains(last.Text, "https://www.comune-a.example.it/amministrazione-trasparente/pgtu") {
		t.Errorf("the requester on the API channel was told: %+v", last)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}
