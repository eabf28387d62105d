package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/email/mailtest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/notify"
	"github.com/redazione/redazione/store"
)

// namedUser creates a user of the ente with a name and an e-mail address
// of its own (its handle is the address's local part).
func (e *env) namedUser(name, local string, role redazione.Role, desks ...int64) *redazione.User {
	e.t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &redazione.User{Email: fmt.Sprintf("%s.%d@%s.example.it", local, userSeq.Add(1), e.ente.Slug), Name: name, Role: role, DeskIDs: desks, PasswordHash: hash}
	if err := e.db.CreateUser(context.Background(), redazione.SystemActor(e.ente.ID), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// handleOf is what a colleague is mentioned by: their address's local part.
func handleOf(u *redazione.User) string { return strings.SplitN(u.Email, "@", 2)[0] }

// send posts a form as the page's script would (htmx), and returns the
// status, the answer's headers and its body.
func (b *browser) send(path string, form url.Values) (int, http.Header, string) {
	b.e.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "thread")
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// A note's @handle reaches the colleague it names, if they may open the
// conversation: a notification, an e-mail, a line in Menzioni (unread until
// they open the conversation), and in the note their name, highlighted.
// A colleague of another desk and an unknown handle stay plain text.
func TestMentionReachesTheColleague(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		smtpSrv := mailtest.StartSMTP(t, mailtest.Plain, nil)
		mailer, err := notify.ParseSMTP(smtpSrv.URL(), "Redazione <redazione@comune.example.it>")
		if err != nil {
			t.Fatal(err)
		}
		e := start(t, db, func(c *app.Config) { c.Mailer = mailer; c.PublicURL = "https://redazione.comune.example.it" })
		mario := e.namedUser("Mario Rossi", "mario.rossi", redazione.RoleOperator, e.desks[0].ID)
		giulia := e.namedUser("Giulia Bianchi", "giulia.bianchi", redazione.RoleOperator, e.desks[0].ID)
		eva := e.namedUser("Eva <i>Neri</i>", "eva.neri", redazione.RoleCoordinator)
		paolo := e.namedUser("Paolo Verdi", "paolo.verdi", redazione.RoleOperator, e.desks[1].ID)
		conv := e.ingest(e.api, "m1", "c1", "La strada è dissestata")

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		gb := e.login(giulia)
		giuliaEv := gb.events(ctx, "/events")
		paoloEv := e.login(paolo).events(ctx, "/events")

		note := fmt.Sprintf("@%s puoi verificare? Chiedi a @%s e a @%s, non a @nessuno. <script>alert(1)</script> urp@comune.example.it",
			handleOf(giulia), handleOf(eva), handleOf(paolo))
		mb := e.login(mario)
		if code, _ := mb.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"kind": {"note"}, "text": {note}}); code != 200 {
			t.Fatalf("note: %d", code)
		}

		if !waitEvent(t, giuliaEv, "notification", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
			t.Error("Giulia's screen was not told of the mention within a second")
		}
		if waitEvent(t, paoloEv, "notification", "", 200*time.Millisecond) {
			t.Error("Paolo, of another desk, was told of a note he cannot open")
		}

		_, page := gb.get("/notifications")
		if !strings.Contains(page, "Mario Rossi ti ha menzionato in una nota") {
			t.Error("Giulia's notifications do not say Mario mentioned her")
		}
		_, page = gb.get("/menzioni")
		if !strings.Contains(page, "Non letta") || !strings.Contains(page, fmt.Sprintf(`href="/conversations/%d#m`, conv)) ||
			!strings.Contains(page, "Mario Rossi</strong> ti ha menzionato nella conversazione con Cittadino c1") {
			t.Errorf("Giulia's Menzioni does not list the unread mention:\n%s", page)
		}
		if strings.Contains(page, "<script>alert") {
			t.Error("the note's markup reached Menzioni unescaped")
		}
		pb := e.login(paolo)
		if _, page := pb.get("/menzioni"); !strings.Contains(page, "Nessun collega ti ha ancora menzionato") {
			t.Error("Paolo's Menzioni lists a note on a conversation he cannot open")
		}
		if _, page := pb.get("/notifications"); strings.Contains(page, "menzionato") {
			t.Error("Paolo was notified of a note on a conversation he cannot open")
		}
		if _, page := e.login(eva).get("/menzioni"); !strings.Contains(page, "Non letta") {
			t.Error("Eva, a coordinator who sees every desk, was not mentioned")
		}

		// The e-mails: one to Giulia, one to Eva, none to Paolo; they say
		// who and where, not what the note says.
		if !waitUntil(5*time.Second, func() bool { return len(smtpSrv.Received()) >= 2 }) {
			t.Fatalf("mentions e-mailed: %d, want 2", len(smtpSrv.Received()))
		}
		to := map[string]string{}
		for _, m := range smtpSrv.Received() {
			for _, r := range m.To {
				to[r] = string(m.Data)
			}
		}
		if len(to) != 2 || to[giulia.Email] == "" || to[eva.Email] == "" {
			t.Errorf("e-mailed %v, want Giulia and Eva only", keys(to))
		}
		if body := to[giulia.Email]; !strings.Contains(body, "ti ha menzionato") || !strings.Contains(body, fmt.Sprintf("redazione.comune.example.it/conversations/%d", conv)) || strings.Contains(body, "verificare") {
			t.Errorf("Giulia's e-mail: %s", body)
		}

		// The thread redrawn live on an open page does not count as read.
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/conversations/%d", e.srv.URL, conv), nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "thread")
		resp, err := gb.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if _, page := gb.get("/menzioni"); !strings.Contains(page, "Non letta") {
			t.Error("a live redraw of the thread marked the mention read")
		}

		// In the note: names highlighted, escaped; the rest plain.
		_, page = gb.get(fmt.Sprintf("/conversations/%d", conv))
		for _, want := range []string{
			`<mark class="mention" title="@` + handleOf(giulia) + `">@Giulia Bianchi</mark> puoi verificare?`,
			`<mark class="mention" title="@` + handleOf(eva) + `">@Eva &lt;i&gt;Neri&lt;/i&gt;</mark>`,
			"@" + handleOf(paolo) + ", non a @nessuno.",
			"&lt;script&gt;alert(1)&lt;/script&gt; urp@comune.example.it",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the note does not show %q", want)
			}
		}
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "<i>Neri") {
			t.Error("markup in the note or a name reached the page")
		}
		// Giulia opened it: the mention is read.
		if _, page := gb.get("/menzioni"); strings.Contains(page, "Non letta") || !strings.Contains(page, "Mario Rossi") {
			t.Error("the mention is still unread after Giulia opened the conversation")
		}
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The @ suggestions list who may open the conversation, by name and
// handle: not the writer, not another desk's operators, not a disabled
// account; another desk's operator cannot ask.
func TestColleaguesToMention(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		mario := e.namedUser("Mario Rossi", "mario.rossi", redazione.RoleOperator, e.desks[0].ID)
		giulia := e.namedUser("Giulia Bianchi", "giulia.bianchi", redazione.RoleOperator, e.desks[0].ID)
		co := e.namedUser("Anna Russo", "anna.russo", redazione.RoleCoordinator)
		paolo := e.namedUser("Paolo Verdi", "paolo.verdi", redazione.RoleOperator, e.desks[1].ID)
		gone := e.namedUser("Ex Collega", "ex.collega", redazione.RoleOperator, e.desks[0].ID)
		gone.Disabled = true
		if err := db.UpdateUser(context.Background(), redazione.SystemActor(e.ente.ID), gone); err != nil {
			t.Fatal(err)
		}
		conv := e.ingest(e.api, "m1", "c1", "Buongiorno")

		code, body := e.login(mario).get(fmt.Sprintf("/conversations/%d/colleghi", conv))
		if code != 200 {
			t.Fatalf("colleghi: %d %s", code, body)
		}
		var list []struct {
			ID           int64
			Name, Handle string
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		got := map[string]string{}
		for _, c := range list {
			got[c.Name] = c.Handle
		}
		if len(got) != 2 || got["Giulia Bianchi"] != handleOf(giulia) || got["Anna Russo"] != handleOf(co) {
			t.Errorf("colleagues = %v, want Giulia and Anna with their handles", got)
		}
		if code, _ := e.login(paolo).get(fmt.Sprintf("/conversations/%d/colleghi", conv)); code != 404 {
			t.Errorf("another desk's operator got %d, want 404", code)
		}
	})
}

var seenRe = regexp.MustCompile(`name="seen" value="(\d+)"`)

// A reply written before a newer message arrived (the citizen wrote again,
// or a colleague answered) is held back with the newer message shown and
// an "Invia comunque" button; it is sent when confirmed. A note, and one's
// own earlier reply, hold nothing back.
func TestReplyAfterSomeoneElseAnswered(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		mario := e.namedUser("Mario Rossi", "mario.rossi", redazione.RoleOperator, e.desks[0].ID)
		giulia := e.namedUser("Giulia Bianchi", "giulia.bianchi", redazione.RoleOperator, e.desks[0].ID)
		conv := e.ingest(e.api, "m1", "c1", "Quando riapre la biblioteca?")
		path := fmt.Sprintf("/conversations/%d", conv)
		mb := e.login(mario)
		_, page := mb.get(path)
		m := seenRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the composer carries no seen message")
		}
		seen := m[1]
		count := func() int {
			ms, err := db.Messages(context.Background(), redazione.SystemActor(e.ente.ID), conv, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(ms)
		}

		// Giulia answers while Mario writes.
		if code, _ := e.login(giulia).post(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Riapre lunedì alle 9."}}); code != 200 {
			t.Fatalf("Giulia's reply: %d", code)
		}
		before := count()
		code, body := mb.post(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Riaprirà presto."}, "seen": {seen}})
		if code != http.StatusConflict {
			t.Fatalf("a reply after Giulia's: %d, want 409", code)
		}
		for _, want := range []string{"Nel frattempo è arrivato un nuovo messaggio", "Giulia Bianchi", "Riapre lunedì alle 9.", ">Riaprirà presto.</textarea>", "Invia comunque", `name="force" value="1"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the refusal does not show %q", want)
			}
		}
		if count() != before {
			t.Fatal("the held reply was stored")
		}
		// The same, asked by the page's script: a panel, and the newest id.
		code, h, body := mb.send(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Riaprirà presto."}, "seen": {seen}})
		if code != http.StatusConflict || h.Get("X-Redazione-Collision") == "" || h.Get("X-Redazione-Error") == "" ||
			!strings.Contains(body, "data-force-send") || !strings.Contains(body, "Riapre lunedì alle 9.") || strings.Contains(body, "<html") {
			t.Fatalf("the script's refusal: %d %v\n%s", code, h, body)
		}
		newest := seenRe.FindStringSubmatch(`name="seen" value="` + h.Get("X-Redazione-Collision") + `"`)[1]

		// A note is never held back.
		if code, _ := mb.post(path+"/messages", url.Values{"kind": {"note"}, "text": {"Controllo io"}, "seen": {seen}}); code != 200 {
			t.Errorf("a note with an old seen: %d, want 200", code)
		}
		// "Invia comunque".
		if code, page := mb.post(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Riaprirà presto."}, "seen": {newest}, "force": {"1"}}); code != 200 || !strings.Contains(page, "Riaprirà presto.") {
			t.Fatalf("send anyway: %d", code)
		}
		// Mario's own reply does not hold his next one back.
		if code, _ := mb.post(path+"/messages", url.Values{"kind": {"reply"}, "text": {"E chiude alle 19."}, "seen": {newest}}); code != 200 {
			t.Errorf("a reply after one's own: %d, want 200", code)
		}
		// The citizen writes again: held back too.
		e.ingest(e.api, "m2", "c1", "Grazie, e il sabato?")
		code, body = mb.post(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Sì."}, "seen": {newest}})
		if code != http.StatusConflict || !strings.Contains(body, "e il sabato?") || !strings.Contains(body, "Il cittadino") {
			t.Errorf("a reply after the citizen's new message: %d", code)
		}
		// The audit says which reply was sent anyway.
		if _, page := e.login(e.newUser(e.ente, redazione.RoleCoordinator)).get("/admin/audit"); !strings.Contains(page, "inviata comunque dopo un messaggio più recente") {
			t.Error("the audit does not record the reply sent anyway")
		}
		if count() != before+4 { // the note, "Invia comunque", the next reply, the citizen's
			t.Errorf("messages = %d, want %d", count(), before+4)
		}
	})
}

// Who has a conversation open, or is writing a reply in it, reaches the
// screens of the others who may see it, and no one else's.
func TestPresenceReachesTheConversationsScreens(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		anna := e.namedUser("Anna Russo", "anna.russo", redazione.RoleOperator, e.desks[0].ID)
		mario := e.namedUser("Mario Rossi", "mario.rossi", redazione.RoleOperator, e.desks[0].ID)
		paolo := e.namedUser("Paolo Verdi", "paolo.verdi", redazione.RoleOperator, e.desks[1].ID)
		conv := e.ingest(e.api, "m1", "c1", "Buongiorno")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ab := e.login(anna)
		annaEv := ab.events(ctx, "/events")
		marioEv := e.login(mario).events(ctx, "/events")
		pb := e.login(paolo)
		paoloEv := pb.events(ctx, "/events")
		path := fmt.Sprintf("/conversations/%d/presence", conv)

		for _, state := range []string{"viewing", "typing", "left"} {
			if code, body := ab.post(path, url.Values{"state": {state}}); code != http.StatusNoContent {
				t.Fatalf("%s: %d %s", state, code, body)
			}
			if !waitEvent(t, marioEv, "presence", fmt.Sprintf(`"conversation":%d,"name":"Anna Russo","state":"%s","user":%d`, conv, state, anna.ID), time.Second) {
				t.Errorf("Mario's screen was not told Anna is %s within a second", state)
			}
		}
		if waitEvent(t, paoloEv, "presence", "", 200*time.Millisecond) {
			t.Error("an operator of another desk was told who is in the conversation")
		}
		if waitEvent(t, annaEv, "presence", "", 100*time.Millisecond) {
			t.Error("Anna's own screen was told of herself")
		}
		code, body := ab.post(path, url.Values{"state": {"ballando"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "stato di presenza non valido") {
			t.Errorf("a bad state: %d %s", code, body)
		}
		if code, _ := pb.post(path, url.Values{"state": {"viewing"}}); code != http.StatusNotFound {
			t.Errorf("another desk's operator announced themselves: %d, want 404", code)
		}
		if code, _ := ab.post(path, url.Values{"state": {"viewing"}, "csrf": {"sbagliato"}}); code != http.StatusForbidden {
			t.Errorf("without the form's token: %d, want 403", code)
		}
		// A flood of announcements is cut short.
		refused := 0
		for range 40 {
			if code, _ := ab.post(path, url.Values{"state": {"viewing"}}); code == http.StatusTooManyRequests {
				refused++
			}
		}
		if refused == 0 {
			t.Error("40 announcements at once were all let through")
		}
	})
}

// On PostgreSQL, presence announced on one node reaches the screens served
// by another (through the event bus's NOTIFY).
func TestPresenceAcrossNodes(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dbURL, "")
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	a := start(t, open())
	b := a.attach(t, open())
	anna := a.namedUser("Anna Russo", "anna.russo", redazione.RoleOperator, a.desks[0].ID)
	mario := a.namedUser("Mario Rossi", "mario.rossi", redazione.RoleOperator, a.desks[0].ID)
	conv := a.ingest(a.api, "m1", "c1", "Buongiorno")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	marioEv := b.login(mario).events(ctx, "/events")
	ab := a.login(anna)
	began := time.Now()
	if code, _ := ab.post(fmt.Sprintf("/conversations/%d/presence", conv), url.Values{"state": {"typing"}}); code != http.StatusNoContent {
		t.Fatalf("presence: %d", code)
	}
	if !waitEvent(t, marioEv, "presence", `"name":"Anna Russo","state":"typing"`, 2*time.Second) {
		t.Error("the other node's screen was not told Anna is writing")
	}
	t.Logf("presence from node A's request to node B's screen: %v", time.Since(began))
}
