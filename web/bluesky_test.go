package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/bluesky"
	"github.com/redazione/redazione/channel/bluesky/bskytest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// bskyCitizen posts on the fake PDS as a citizen, through its XRPC calls.
func bskyCitizen(t *testing.T, pds *bskytest.Server, handle string, record map[string]any) bluesky.Ref {
	t.Helper()
	ch := &redazione.Channel{ID: -1, Kind: redazione.ChannelBluesky, Settings: map[string]string{"handle": handle, "app_password": "pw", "api_base_url": pds.URL}}
	c := &bluesky.Client{}
	sess, err := c.Session(t.Context(), ch)
	if err != nil {
		t.Fatal(err)
	}
	record["$type"], record["createdAt"] = "app.bsky.feed.post", time.Now().UTC().Format(time.RFC3339Nano)
	var ref bluesky.Ref
	if _, err := c.Call(t.Context(), ch, http.MethodPost, "com.atproto.repo.createRecord", nil, "",
		map[string]any{"repo": sess.DID, "collection": "app.bsky.feed.post", "record": record}, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// A citizen's reply to the ente's post and a direct message arrive as a
// public and a private conversation; the operator's answers go out, the
// public one in the thread (root and parent), the private one in the chat.
// The session is kept sealed in the database.
func TestBlueskyConversations(t *testing.T) {
	t.Parallel()
	pds := bskytest.New()
	defer pds.Close()
	ente := pds.Account("comune.example.it", "app-pass-word-1234")
	citizen := pds.Account("mario.bsky.social", "pw")
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelBluesky, Name: "@comune.example.it", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"handle": "comune.example.it", "app_password": "app-pass-word-1234", "api_base_url": pds.URL, "poll_interval": "100ms", "direct_messages": "on"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	// the ente's post, then the citizen's answer to it and a chat
	root, _, err := bluesky.Sender{Client: &bluesky.Client{Sessions: e.db}}.Publish(t.Context(), ch, 1, "Da lunedì l'anagrafe apre anche il pomeriggio.")
	if err != nil {
		t.Fatal(err)
	}
	rootRec := pds.Records("app.bsky.feed.post")[0]
	answer := bskyCitizen(t, pds, "mario.bsky.social", map[string]any{"text": "Anche il sabato?",
		"reply": map[string]any{"root": map[string]string{"uri": root, "cid": rootRec.CID}, "parent": map[string]string{"uri": root, "cid": rootRec.CID}}})
	convo := pds.Chat(citizen, ente, "Posso chiedere qui per la carta d'identità?")

	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	if !e.waitCount(tok, 2, 10*time.Second) {
		t.Fatal("the reply and the chat did not arrive")
	}
	var l struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Public bool  `json:"public"`
		} `json:"conversations"`
	}
	e.apiGet(tok, "/api/v1/conversations", &l)
	var pub, dm int64
	for _, c := range l.Conversations {
		if c.Public {
			pub = c.ID
		} else {
			dm = c.ID
		}
	}
	if pub == 0 || dm == 0 {
		t.Fatalf("conversations %+v, want a public and a private one", l.Conversations)
	}
	b := e.login(op)
	if _, page := b.get(fmt.Sprintf("/conversations/%d", pub)); !strings.Contains(page, "Anche il sabato?") || !strings.Contains(page, "la risposta sarà PUBBLICA") {
		t.Error("the public conversation does not show the citizen's reply as public")
	}
	// the composer counts to Bluesky's 300, and a longer answer is refused
	// when sent, with nothing stored, not later at delivery
	if _, page := b.get(fmt.Sprintf("/conversations/%d", pub)); !strings.Contains(page, `data-limit="300"`) || !strings.Contains(page, `data-count-as="graphemes"`) {
		t.Error("the composer of a public Bluesky conversation does not count to 300 graphemes")
	}
	count := func() int {
		var th apiThread
		e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", pub), &th)
		return len(th.Messages)
	}
	before := count()
	code, body := b.post(fmt.Sprintf("/conversations/%d/messages", pub), url.Values{"text": {strings.Repeat("👍🏽", 301)}, "kind": {"reply"}})
	if code != 400 || !strings.Contains(body, "il testo ha 301 caratteri: Bluesky ne accetta al massimo 300") {
		t.Fatalf("an answer of 301 graphemes: %d, want 400 saying why", code)
	}
	if after := count(); after != before {
		t.Fatalf("the refused answer was stored (%d messages, %d before)", after, before)
	}
	_, body = b.post(fmt.Sprintf("/conversations/%d/messages", pub), url.Values{"text": {"Il sabato dalle 9 alle 12."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, pub, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("public answer %q (%s)", st, why)
	}
	_, body = b.post(fmt.Sprintf("/conversations/%d/messages", dm), url.Values{"text": {"Sì: serve la prenotazione online."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, dm, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("private answer %q (%s)", st, why)
	}
	recs := pds.Records("app.bsky.feed.post")
	last := recs[len(recs)-1]
	raw, _ := json.Marshal(last.Value["reply"])
	var reply bluesky.ReplyRef
	json.Unmarshal(raw, &reply)
	if last.Value["text"] != "Il sabato dalle 9 alle 12." || reply.Root.URI != root || reply.Parent.URI != answer.URI || reply.Parent.CID != answer.CID {
		t.Fatalf("the answer %v is not threaded under %s and %s: %+v", last.Value["text"], root, answer.URI, reply)
	}
	msgs := pds.Messages(convo)
	if len(msgs) != 2 || msgs[1].Text != "Sì: serve la prenotazione online." || msgs[1].Sender != ente {
		t.Fatalf("chat %+v", msgs)
	}
	// the tokens are kept sealed
	var stored string
	if err := e.db.WriteDB().QueryRowContext(context.Background(), "SELECT value FROM bluesky_state WHERE channel_id = ? AND name = 'session'", ch.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == "" || strings.Contains(stored, "access-") || strings.Contains(stored, "refresh-") {
		t.Fatalf("session stored in clear: %q", stored)
	}
}

// A Bluesky post goes through the whole safe-publishing flow: the page
// names the account, the 300-grapheme rule, a second person's approval,
// the undo window, crisis mode pausing it, the electoral period, the
// hash-chained log, and the published link to bsky.app.
func TestBlueskySafePublishing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		pds := bskytest.New()
		defer pds.Close()
		pds.Account("comune.example.it", "app-pass-word-1234")
		e := start(t, db)
		bsky := e.account(redazione.ChannelBluesky, "Bluesky del Comune", map[string]string{"handle": "comune.example.it",
			"app_password": "app-pass-word-1234", "api_base_url": pds.URL, "publish_approval": "on"})
		coord := e.newUser(e.ente, redazione.RoleCoordinator)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID)
		cb, ob := e.login(coord), e.login(op)
		desk := fmt.Sprint(e.desks[3].ID)
		form := func(text string) url.Values {
			return url.Values{"channel": {fmt.Sprint(bsky.ID)}, "desk": {desk}, "action": {"submit"}, "text": {text}}
		}

		// 301 graphemes (602 code points) are too many; the page names the account.
		code, page := ob.post("/pubblicazioni", form(strings.Repeat("🇮🇹", 301)))
		if code != 422 || !strings.Contains(page, "il testo ha 301 caratteri: questa piattaforma ne accetta al massimo 300") {
			t.Fatalf("301 graphemes: %d", code)
		}
		if !strings.Contains(page, `id="post-destination"`) || !strings.Contains(page, "Bluesky del Comune") {
			t.Error("the page does not name the account the post goes to")
		}
		// 300 flags and a line: 300 graphemes, though more characters
		text := "Allerta meteo: segui gli aggiornamenti su https://www.comune.example.it/allerta #AllertaMeteo " + strings.Repeat("🌧", 10)
		if code, _ := ob.post("/pubblicazioni", form(text)); code != 200 {
			t.Fatalf("submit: %d", code)
		}
		posts, _ := e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
		var post *store.Post
		for _, p := range posts {
			if p.Text == text {
				post = p
			}
		}
		if post == nil || post.Status != store.PostPending {
			t.Fatalf("the post waits for a second person: %+v", post)
		}
		if code, page := cb.post(fmt.Sprintf("/pubblicazioni/%d/approva", post.ID), url.Values{}); code != 200 || !strings.Contains(page, ">programmata<") {
			t.Fatalf("approval: %d", code)
		}
		// inside the undo window nothing goes out
		if n, err := e.app.Inbox.PublishDue(t.Context()); n != 0 || err != nil {
			t.Fatalf("published inside the undo window: %d %v", n, err)
		}
		// crisis mode pauses it
		if code, _ := cb.post("/crisi", url.Values{"on": {"true"}, "reason": {"Esondazione del torrente"}}); code != 200 {
			t.Fatalf("crisis on: %d", code)
		}
		e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
		defer e.db.SetNow(time.Now)
		if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 || len(pds.Records("app.bsky.feed.post")) != 0 {
			t.Fatalf("published during a crisis: %d", n)
		}
		if code, _ := cb.post("/crisi", url.Values{"on": {"false"}}); code != 200 {
			t.Fatalf("crisis off: %d", code)
		}
		if n, err := e.app.Inbox.PublishDue(t.Context()); n != 1 || err != nil {
			t.Fatalf("published %d %v, want 1", n, err)
		}
		if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 {
			t.Fatal("the post went out twice")
		}
		recs := pds.Records("app.bsky.feed.post")
		if len(recs) != 1 || recs[0].Value["text"] != text {
			t.Fatalf("records %+v", recs)
		}
		facets, _ := json.Marshal(recs[0].Value["facets"])
		if !strings.Contains(string(facets), `"uri":"https://www.comune.example.it/allerta"`) || !strings.Contains(string(facets), `"tag":"AllertaMeteo"`) {
			t.Errorf("facets %s", facets)
		}
		rkey := recs[0].URI[strings.LastIndex(recs[0].URI, "/")+1:]
		_, page = ob.get(fmt.Sprintf("/pubblicazioni/%d", post.ID))
		if !strings.Contains(page, ">pubblicata<") || !strings.Contains(page, `href="https://bsky.app/profile/comune.example.it/post/`+rkey+`"`) || !strings.Contains(page, "Catena integra") {
			t.Error("the published post does not show its bsky.app link and an intact log")
		}
		// an electoral period stops the next one without its reason
		ab := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		ab.electionsToday()
		if code, page := ob.post("/pubblicazioni", form("Inaugurato il nuovo parco!")); code != 422 || !strings.Contains(page, "periodo elettorale") {
			t.Errorf("a post in the electoral period: %d", code)
		}
	})
}

// A Bluesky account added from the administration is read at once, not at
// the next sweep (an hour here): adding it wakes the pollers of its kind.
func TestBlueskyPollingStartsWhenAdded(t *testing.T) {
	t.Parallel()
	pds := bskytest.New()
	defer pds.Close()
	pds.Account("comune.example.it", "app-pass-word-1234")
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = time.Hour })
	admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	code, body := admin.post("/admin/channels", url.Values{"kind": {"bluesky"}, "name": {"Bluesky del Comune"},
		"desk": {fmt.Sprint(e.desks[0].ID)}, "set.handle": {"comune.example.it"}, "set.app_password": {"app-pass-word-1234"},
		"set.api_base_url": {pds.URL}, "set.poll_interval": {"1h"}})
	if code != 200 || !strings.Contains(body, "Bluesky del Comune") {
		t.Fatalf("adding the account: %d", code)
	}
	read := func() bool {
		for _, c := range pds.Calls() {
			if c.NSID == "app.bsky.notification.listNotifications" {
				return true
			}
		}
		return false
	}
	if !waitUntil(15*time.Second, read) {
		t.Fatal("the account added was not read (its poller waits for the next sweep)")
	}
}
