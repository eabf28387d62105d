package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/email"
	"github.com/redazione/redazione/channel/email/mailtest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Several nodes on one PostgreSQL database (docs/ARCHITECTURE.md, *Several
// nodes*): what one node does, the operators connected to the other see
// live, and what must happen once happens once.

// twoNodes starts two Redazione nodes on one PostgreSQL database.
func twoNodes(t *testing.T, opts ...func(*app.Config)) (a, b *env) {
	t.Helper()
	dbURL := testdb.URL(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dbURL, "")
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	a = start(t, open(), opts...)
	b = a.attach(t, open(), opts...)
	return a, b
}

// A message ingested on either node reaches an operator connected to the
// other, and crisis mode turned on on one node reaches the other's screens.
func TestTwoNodesLiveBothWays(t *testing.T) {
	t.Parallel()
	a, b := twoNodes(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	op := a.newUser(a.ente, redazione.RoleOperator, a.desks[0].ID)
	coord := a.newUser(a.ente, redazione.RoleCoordinator)
	onA := a.login(op).events(ctx, "/events")
	onB := b.login(op).events(ctx, "/events")

	toB := a.ingest(a.api, "m-a", "c-a", "Scritto al nodo A")
	if !waitEvent(t, onB, "message", fmt.Sprintf(`"conversation":%d`, toB), 5*time.Second) {
		t.Fatal("a message ingested on node A did not reach the operator on node B")
	}
	toA := b.ingest(b.api, "m-b", "c-b", "Scritto al nodo B")
	if !waitEvent(t, onA, "message", fmt.Sprintf(`"conversation":%d`, toA), 5*time.Second) {
		t.Fatal("a message ingested on node B did not reach the operator on node A")
	}
	if _, page := a.login(op).get("/inbox"); !strings.Contains(page, "Scritto al nodo B") {
		t.Error("node A's inbox does not show the message node B received")
	}

	// Crisis mode: turned on at node A, node B's screens redraw the banner.
	cb := a.login(coord)
	if code, _ := cb.post("/crisi", url.Values{"on": {"true"}, "reason": {"Esondazione del torrente"}}); code != 200 {
		t.Fatalf("crisis on: %d", code)
	}
	if !waitEvent(t, onB, "crisis", "", 5*time.Second) {
		t.Fatal("crisis mode turned on at node A did not reach node B's screens")
	}
	ob := b.login(op)
	if code, banner := ob.get("/crisi/banner"); code != 200 || !strings.Contains(banner, `id="crisis-banner"`) || !strings.Contains(banner, "Esondazione del torrente") {
		t.Fatalf("node B's crisis banner (%d):\n%s", code, banner)
	}
	if code, _ := b.login(coord).post("/crisi", url.Values{"on": {"false"}}); code != 200 {
		t.Fatalf("crisis off: %d", code)
	}
	if !waitEvent(t, onA, "crisis", "", 5*time.Second) {
		t.Fatal("crisis mode turned off at node B did not reach node A's screens")
	}
	if _, banner := a.login(op).get("/crisi/banner"); strings.Contains(banner, `id="crisis-banner"`) {
		t.Error("node A still shows the crisis banner")
	}
}

// A spike of messages split between two nodes, neither of which received
// enough alone, alerts once on the total, though both nodes check.
func TestSpikeAcrossNodes(t *testing.T) {
	t.Parallel()
	a, b := twoNodes(t)
	admin := a.newUser(a.ente, redazione.RoleAdmin)
	coord := a.newUser(a.ente, redazione.RoleCoordinator)
	// Sunday 30 November 2025, 10:00 in Rome: the office is closed.
	sunday := time.Date(2025, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, n := range []*env{a, b} {
		n.db.SetNow(func() time.Time { return sunday })
	}
	defer a.db.SetNow(time.Now)
	defer b.db.SetNow(time.Now)
	if code, _ := a.login(admin).post("/reperibilita/picco", url.Values{"threshold": {"6"}, "minutes": {"10"}}); code != 200 {
		t.Fatalf("spike rule: %d", code)
	}
	for i := range 6 {
		n := a
		if i%2 == 1 {
			n = b
		}
		n.ingest(n.api, fmt.Sprintf("picco-%d", i), fmt.Sprintf("c%d", i), "Manca l'acqua in via Roma")
	}
	var wg sync.WaitGroup
	var alerts atomic.Int64
	for range 3 {
		for _, n := range []*env{a, b} {
			wg.Go(func() {
				k, err := n.app.Inbox.CheckSpikes(context.Background())
				if err != nil {
					t.Error(err)
				}
				alerts.Add(int64(k))
			})
		}
	}
	wg.Wait()
	// (the upkeep's own check, on the node holding its lease, may be the
	// one that alerted)
	if alerts.Load() > 1 {
		t.Errorf("%d spike alerts from two nodes, want 1", alerts.Load())
	}
	_, page := b.login(coord).get("/notifications")
	if n := strings.Count(page, "Picco di messaggi fuori orario: 6 negli ultimi 10 minuti"); n != 1 {
		t.Errorf("the coordinator has %d notices of the spike, want 1", n)
	}
}

// An e-mail account is polled by one of two nodes; when that node stops,
// the other takes the account over, and no message is lost or doubled.
func TestEmailPolledByOneNode(t *testing.T) {
	t.Parallel()
	type tally struct{ held, refused atomic.Int64 }
	var tallies [2]tally
	node := 0
	hook := func(c *app.Config) {
		n := &tallies[node]
		node++
		c.SweepEvery = 50 * time.Millisecond
		c.LeaseCheck = 50 * time.Millisecond
		c.PollerHook = func(kind redazione.ChannelKind, _ int64, leased bool) {
			if kind != redazione.ChannelEmail {
				return
			}
			if leased {
				n.held.Add(1)
			} else {
				n.refused.Add(1)
			}
		}
	}
	a, b := twoNodes(t, hook)
	nodes := []*env{a, b}
	imapSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.Plain})
	smtpSrv := mailtest.StartSMTP(t, mailtest.Plain, nil)
	ch := &redazione.Channel{Kind: redazione.ChannelEmail, Name: "Protocollo", DeskID: a.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{email.SettingIMAP: imapSrv.URL(), email.SettingSMTP: smtpSrv.URL(), email.SettingAddress: "protocollo@comune.example.it"}}
	if err := a.db.CreateChannel(t.Context(), redazione.SystemActor(a.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	var reader atomic.Pointer[store.DB] // a node still running
	reader.Store(a.db)
	messages := func() int {
		var n int
		if err := reader.Load().WriteDB().QueryRow("SELECT COUNT(*) FROM messages WHERE channel_id = $1", ch.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	eventually(t, "a node polling the account", func() bool { return tallies[0].held.Load()+tallies[1].held.Load() > 0 })
	holder, other := 0, 1
	if tallies[1].held.Load() > 0 {
		holder, other = 1, 0
	}
	imapSrv.Deliver(t, mailSample(t, "citizen_plain.eml"))
	eventually(t, "the first e-mail", func() bool { return messages() == 1 })
	// The other node keeps looking, and keeps being refused.
	seen := tallies[other].refused.Load()
	eventually(t, "the other node looking again", func() bool { return tallies[other].refused.Load() >= seen+3 })
	if tallies[other].held.Load() != 0 || imapSrv.Logins() != 1 {
		t.Fatalf("both nodes polled the account: %d logins, node %d took the lease %d times", imapSrv.Logins(), other, tallies[other].held.Load())
	}

	// The holder stops: the other takes over and reads the next e-mail.
	reader.Store(nodes[other].db)
	nodes[holder].stop()
	eventually(t, "the other node taking the account over", func() bool { return tallies[other].held.Load() > 0 })
	imapSrv.Deliver(t, mailSample(t, "citizen_alternative.eml"))
	eventually(t, "the second e-mail", func() bool { return messages() == 2 })
	if got := imapSrv.Logins(); got != 2 {
		t.Errorf("%d logins, want 2 (one per node, one after the other)", got)
	}
	if n := messages(); n != 2 {
		t.Errorf("%d messages stored for 2 e-mails", n)
	}

	// The database ends the holder's session (a restart, a network cut): the
	// lock is gone, so the holder stops polling at its next check of the
	// lease, and polls again only once it takes the lease again.
	took := tallies[other].held.Load()
	var killed bool
	err := reader.Load().WriteDB().QueryRow(`SELECT pg_terminate_backend(pid) FROM pg_locks
	 WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted`, 0xe3a1, ch.ID).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("ending the lease's session: %v", err)
	}
	eventually(t, "the lease taken again", func() bool { return tallies[other].held.Load() > took })
	imapSrv.Deliver(t, mailSample(t, "citizen_reply.eml"))
	eventually(t, "the third e-mail", func() bool { return messages() == 3 })
	if got := imapSrv.Logins(); got != 3 {
		t.Errorf("%d logins, want 3: the poll whose lease was lost did not stop", got)
	}
}

// A node stopped under load loses nothing it acknowledged, and every reply
// queued on either node is delivered exactly once.
func TestNodeStoppedUnderLoad(t *testing.T) {
	t.Parallel()
	a, b := twoNodes(t)
	var mu sync.Mutex
	delivered := map[string]int{}
	secret := ""
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !apichannel.Verify(secret, body, r.Header.Get(apichannel.SignatureHeader)) {
			w.WriteHeader(401)
			return
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		mu.Lock()
		delivered[fmt.Sprint(m["text"])]++
		mu.Unlock()
	}))
	defer cb.Close()
	ch := a.newChannel(a.ente, redazione.ChannelAPI, a.desks[0].ID, cb.URL)
	secret = ch.Secret
	op := a.newUser(a.ente, redazione.RoleOperator, a.desks[0].ID)
	conv := a.ingest(ch, "primo", "c0", "Buongiorno")
	browsers := []*browser{a.login(op), b.login(op)}

	// Citizens write to both nodes and operators reply on both, while node
	// A is stopped.
	var acked, replied sync.Map
	var ackedA atomic.Int64
	stopAt := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < 400; i++ {
				n := []*env{a, b}[(w+i)%2]
				ext := fmt.Sprintf("w%d-%d", w, i)
				body := payload(ext, fmt.Sprintf("c%d", i%20), "Messaggio "+ext)
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", n.srv.URL, ch.ID), bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(apichannel.SignatureHeader, apichannel.Sign(ch.Secret, body))
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					acked.Store(ext, true)
					if n == a && ackedA.Add(1) == 40 {
						once.Do(func() { close(stopAt) })
					}
				}
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < 60; i++ {
				text := fmt.Sprintf("Risposta %d-%d", w, i)
				br := browsers[(w+i)%2]
				form := url.Values{"text": {text}, "kind": {"reply"}, "csrf": {br.csrf}}
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/conversations/%d/messages", br.e.srv.URL, conv), strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := br.c.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				// Sent back to the thread, not to sign in (a node whose
				// database is gone cannot find the session).
				if resp.StatusCode == 200 && resp.Request.URL.Path == fmt.Sprintf("/conversations/%d", conv) {
					replied.Store(text, true)
				}
			}
		})
	}
	select {
	case <-stopAt:
	case <-time.After(30 * time.Second):
		t.Fatal("node A acknowledged too little")
	}
	a.stop()
	// Node B goes on taking messages a while after A stopped.
	before := count(&acked)
	eventually(t, "node B acknowledging after A stopped", func() bool { return count(&acked) >= before+40 })
	cancel()
	wg.Wait()

	// Every acknowledged message is stored, once.
	stored := map[string]int{}
	rows, err := b.db.WriteDB().Query("SELECT external_id FROM messages WHERE channel_id = $1 AND direction = 'in'", ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ext string
		rows.Scan(&ext)
		stored[ext]++
	}
	rows.Close()
	lost := 0
	acked.Range(func(k, _ any) bool {
		if stored[k.(string)] != 1 {
			lost++
		}
		return true
	})
	if lost > 0 || count(&acked) == 0 {
		t.Fatalf("%d of %d acknowledged messages not stored once", lost, count(&acked))
	}

	// The periodic sweep re-enqueues a reply whose node stopped between
	// storing it and enqueuing it (after 30 s); here it runs at once.
	if _, err := b.app.Inbox.Sweep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	b.jobsDone()
	mu.Lock()
	defer mu.Unlock()
	replies := 0
	replied.Range(func(k, _ any) bool {
		replies++
		if delivered[k.(string)] != 1 {
			var state, reason string
			b.db.WriteDB().QueryRow("SELECT delivery, delivery_error FROM messages WHERE text = $1", k).Scan(&state, &reason)
			t.Errorf("reply %q delivered %d times (%s %s)", k, delivered[k.(string)], state, reason)
		}
		return true
	})
	for text, n := range delivered {
		if n != 1 {
			t.Errorf("%q delivered %d times", text, n)
		}
	}
	if replies == 0 {
		t.Fatal("no reply was acknowledged")
	}
	t.Logf("%d messages and %d replies acknowledged; node A stopped after acknowledging %d", count(&acked), replies, ackedA.Load())
}

// stop stops a node as a balancer sees a node go: it takes no more
// connections, those open are cut, then the process stops (its running
// jobs may finish). httptest.Server.Close is left to the test's end: it
// closes the idle connections of the default transport all tests share.
func (e *env) stop() {
	e.t.Helper()
	e.srv.Listener.Close()
	e.srv.CloseClientConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.app.Close(ctx)
}

func count(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// A channel disabled on one node is refused by the other at once: the
// change's event makes every node forget its cached copy, without waiting
// for the copy's few seconds to run out.
func TestChannelChangeReachesOtherNode(t *testing.T) {
	t.Parallel()
	a, b := twoNodes(t)
	admin := a.newUser(a.ente, redazione.RoleAdmin)
	t0 := time.Now()
	b.ingest(b.api, "prima", "c1", "Prima del cambio") // node B caches the channel
	form := url.Values{"name": {a.api.Name}, "desk": {fmt.Sprint(a.desks[0].ID)}, "disabled": {"on"}}
	if code, _ := a.login(admin).post(fmt.Sprintf("/admin/channels/%d", a.api.ID), form); code != 200 {
		t.Fatalf("disable the channel: %d", code)
	}
	refused := func() bool {
		code, _ := b.postAPI(b.api, payload(fmt.Sprint("dopo-", time.Now().UnixNano()), "c2", "Dopo il cambio"), "sign")
		return code == http.StatusForbidden
	}
	// Node B's copy lasts 5 s from t0: the refusal must come before.
	if !waitUntil(time.Until(t0.Add(5*time.Second)), refused) {
		t.Fatalf("node B took messages for %v on a channel disabled on node A", time.Since(t0))
	}
}
