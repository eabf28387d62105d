package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/bluesky"
	"github.com/redazione/redazione/channel/bluesky/bskytest"
	"github.com/redazione/redazione/jobs"
)

// memState keeps sessions and cursors in memory (the store keeps them in
// the database: see store/bluesky_test.go).
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func newState() *memState { return &memState{m: map[string]string{}} }

func (s *memState) BlueskySession(_ context.Context, id int64) ([]byte, error) {
	v, _ := s.BlueskyCursor(context.Background(), id, "session")
	return []byte(v), nil
}

func (s *memState) SaveBlueskySession(_ context.Context, id int64, v []byte) error {
	return s.SaveBlueskyCursor(context.Background(), id, "session", string(v))
}

func (s *memState) BlueskyCursor(_ context.Context, id int64, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[name], nil
}

func (s *memState) SaveBlueskyCursor(_ context.Context, id int64, name, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = v
	return nil
}

type inbox struct {
	mu  sync.Mutex
	got []redazione.Inbound
}

func (i *inbox) Ingest(_ context.Context, _ *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, g := range i.got {
		if g.ExternalID == in.ExternalID {
			return &redazione.Ingested{Duplicate: true}, nil
		}
	}
	i.got = append(i.got, in)
	return &redazione.Ingested{}, nil
}

// office is the ente's Bluesky channel on a fake PDS.
type office struct {
	pds    *bskytest.Server
	ch     *redazione.Channel
	state  *memState
	sender bluesky.Sender
	did    string
}

func newOffice(t *testing.T) *office {
	t.Helper()
	pds := bskytest.New()
	t.Cleanup(pds.Close)
	o := &office{pds: pds, state: newState()}
	o.did = pds.Account("comune.example.it", "abcd-efgh-ijkl-mnop")
	o.ch = &redazione.Channel{ID: 7, Kind: redazione.ChannelBluesky, Settings: map[string]string{
		"handle": "comune.example.it", "app_password": "abcd-efgh-ijkl-mnop", "api_base_url": pds.URL}}
	o.sender = bluesky.Sender{Client: &bluesky.Client{Sessions: o.state}}
	return o
}

func (o *office) poller(in *inbox) bluesky.Poller {
	return bluesky.Poller{Client: o.sender.Client, Cursors: o.state, Ingester: in}
}

// citizen posts record as the account handle, through the fake's XRPC.
func citizenPost(t *testing.T, pds *bskytest.Server, handle string, record map[string]any) (uri, cid string) {
	t.Helper()
	ch := &redazione.Channel{ID: int64(len(handle)) + 1000, Kind: redazione.ChannelBluesky, Settings: map[string]string{"handle": handle, "app_password": "pw-" + handle, "api_base_url": pds.URL}}
	c := &bluesky.Client{Sessions: newState()}
	sess, err := c.Session(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	record["$type"] = "app.bsky.feed.post"
	record["createdAt"] = time.Now().UTC().Format(time.RFC3339Nano)
	var ref bluesky.Ref
	if _, err := c.Call(context.Background(), ch, http.MethodPost, "com.atproto.repo.createRecord", nil, "",
		map[string]any{"repo": sess.DID, "collection": "app.bsky.feed.post", "record": record}, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.URI, ref.CID
}

func png(size int) channel.File {
	b := make([]byte, size)
	copy(b, "\x89PNG\r\n\x1a\n")
	return channel.File{Name: "foto.png", ContentType: "image/png", Size: int64(size), Body: nopCloser{bytes.NewReader(b)}}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// A post's links, mentions and hashtags become facets whose offsets are
// UTF-8 bytes, right after accented letters and emoji.
func TestFacetsCountBytes(t *testing.T) {
	t.Parallel()
	text := "Città più vicina 🇮🇹: info su https://www.comune.example.it/orari. Grazie @protezione.example.it! #AllertaMeteo"
	resolve := func(_ context.Context, h string) (string, error) {
		if h == "protezione.example.it" {
			return "did:plc:protezione", nil
		}
		return "", errors.New("unknown")
	}
	fs := bluesky.Facets(context.Background(), text, resolve)
	want := map[string]string{
		"https://www.comune.example.it/orari": "app.bsky.richtext.facet#link",
		"@protezione.example.it":              "app.bsky.richtext.facet#mention",
		"#AllertaMeteo":                       "app.bsky.richtext.facet#tag",
	}
	if len(fs) != len(want) {
		t.Fatalf("facets %+v, want %d", fs, len(want))
	}
	for _, f := range fs {
		span := text[f.Index.ByteStart:f.Index.ByteEnd]
		if want[span] != f.Features[0].Type {
			t.Errorf("facet over %q is %s", span, f.Features[0].Type)
		}
		switch f.Features[0].Type {
		case "app.bsky.richtext.facet#mention":
			if f.Features[0].DID != "did:plc:protezione" {
				t.Errorf("mention did %q", f.Features[0].DID)
			}
		case "app.bsky.richtext.facet#tag":
			if f.Features[0].Tag != "AllertaMeteo" {
				t.Errorf("tag %q", f.Features[0].Tag)
			}
		case "app.bsky.richtext.facet#link":
			if f.Features[0].URI != "https://www.comune.example.it/orari" {
				t.Errorf("link %q", f.Features[0].URI)
			}
		}
	}
	// a handle that does not resolve stays plain text
	if fs := bluesky.Facets(context.Background(), "ciao @nessuno.example.org", resolve); len(fs) != 0 {
		t.Fatalf("unresolved mention made a facet: %+v", fs)
	}
}

// A post with images goes out as one record: text, langs it, facets, and
// each image uploaded with its alternative text; the link is bsky.app's.
func TestPublishImagesWithAltText(t *testing.T) {
	t.Parallel()
	o := newOffice(t)
	o.pds.Account("protezione.example.it", "x")
	imgs := []channel.Image{{File: png(2000), Alt: "Mappa delle strade chiuse in centro"}, {File: png(3000), Alt: "Il ponte sul fiume"}}
	id, link, err := o.sender.PublishImages(context.Background(), o.ch, 1, "Strade chiuse, segui @protezione.example.it #Maltempo", imgs)
	if err != nil {
		t.Fatal(err)
	}
	recs := o.pds.Records("app.bsky.feed.post")
	if len(recs) != 1 || recs[0].URI != id {
		t.Fatalf("records %+v, want one with uri %s", recs, id)
	}
	rkey := id[strings.LastIndex(id, "/")+1:]
	if link != "https://bsky.app/profile/comune.example.it/post/"+rkey {
		t.Fatalf("link %s", link)
	}
	raw, _ := json.Marshal(recs[0].Value)
	var rec struct {
		Text   string           `json:"text"`
		Langs  []string         `json:"langs"`
		Facets []bluesky.Facet  `json:"facets"`
		Embed  *json.RawMessage `json:"embed"`
	}
	json.Unmarshal(raw, &rec)
	var embed struct {
		Type   string `json:"$type"`
		Images []struct {
			Alt   string `json:"alt"`
			Image struct {
				Ref struct {
					Link string `json:"$link"`
				} `json:"ref"`
				Size int `json:"size"`
			} `json:"image"`
		} `json:"images"`
	}
	json.Unmarshal(*rec.Embed, &embed)
	if len(rec.Langs) != 1 || rec.Langs[0] != "it" || len(rec.Facets) != 2 || embed.Type != "app.bsky.embed.images" || len(embed.Images) != 2 {
		t.Fatalf("record %s", raw)
	}
	if embed.Images[0].Alt != "Mappa delle strade chiuse in centro" || len(o.pds.Blob(embed.Images[1].Image.Ref.Link)) != 3000 {
		t.Fatalf("images %+v", embed.Images)
	}
}

// An image over the 1,000,000-byte limit, or a fifth image, is refused in
// Italian before anything is uploaded or posted.
func TestPublishRefusesWhatBlueskyWouldRefuse(t *testing.T) {
	t.Parallel()
	o := newOffice(t)
	_, _, err := o.sender.PublishImage(context.Background(), o.ch, 1, "Avviso", png(1_000_001), "Una foto del municipio in piazza")
	var perm jobs.Permanent
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "1 MB") {
		t.Fatalf("err %v, want a final Italian refusal naming 1 MB", err)
	}
	five := make([]channel.Image, 5)
	for i := range five {
		five[i] = channel.Image{File: png(10), Alt: "Foto numero di una serie"}
	}
	if _, _, err := o.sender.PublishImages(context.Background(), o.ch, 2, "Avviso", five); err == nil || !strings.Contains(err.Error(), "al massimo 4 immagini") {
		t.Fatalf("five images: %v", err)
	}
	long := strings.Repeat("🇮🇹", 301)
	if _, _, err := o.sender.Publish(context.Background(), o.ch, 3, long); err == nil || !strings.Contains(err.Error(), "301 caratteri") {
		t.Fatalf("301 graphemes: %v", err)
	}
	for _, c := range o.pds.Calls() {
		if c.NSID == "com.atproto.repo.uploadBlob" || c.NSID == "com.atproto.repo.createRecord" {
			t.Fatalf("%s called for a refused post", c.NSID)
		}
	}
	// 300 flags are 300 graphemes (600 code points): they go out
	if _, _, err := o.sender.Publish(context.Background(), o.ch, 4, strings.Repeat("🇮🇹", 300)); err != nil {
		t.Fatalf("300 graphemes refused: %v", err)
	}
}

// The session is made once, kept, and refreshed when the PDS says the
// access token expired; a wrong app password is a final error in Italian.
func TestSessionRefreshedWhenExpired(t *testing.T) {
	t.Parallel()
	o := newOffice(t)
	if _, _, err := o.sender.Publish(context.Background(), o.ch, 1, "Primo"); err != nil {
		t.Fatal(err)
	}
	o.pds.ExpireSessions()
	if _, _, err := o.sender.Publish(context.Background(), o.ch, 2, "Secondo"); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range o.pds.Calls() {
		count[c.NSID]++
	}
	if count["com.atproto.server.createSession"] != 1 || count["com.atproto.server.refreshSession"] != 1 || len(o.pds.Records("app.bsky.feed.post")) != 2 {
		t.Fatalf("calls %v, want one sign-in, one refresh and two posts", count)
	}
	var s bluesky.Session
	raw, _ := o.state.BlueskySession(context.Background(), o.ch.ID)
	if json.Unmarshal(raw, &s) != nil || s.DID == "" || s.RefreshJwt == "" || s.PDS != o.pds.URL {
		t.Fatalf("session kept %s", raw)
	}

	bad := *o.ch
	bad.ID, bad.Settings = 8, map[string]string{"handle": "comune.example.it", "app_password": "sbagliata", "api_base_url": o.pds.URL}
	_, _, err := o.sender.Publish(context.Background(), &bad, 3, "Terzo")
	var perm jobs.Permanent
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "app password") || strings.Contains(err.Error(), "sbagliata") {
		t.Fatalf("wrong password: %v", err)
	}
}

// Notifications (the documentation's sample): the reply and the mention
// become public messages oldest first, the like does not; a second pass
// stores nothing again.
func TestNotificationsFromSample(t *testing.T) {
	t.Parallel()
	sample, err := os.ReadFile("testdata/list_notifications.json")
	if err != nil {
		t.Fatal(err)
	}
	session, _ := os.ReadFile("testdata/create_session.json")
	var pages int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/xrpc/com.atproto.server.createSession":
			w.Write(session)
		case "/xrpc/app.bsky.notification.listNotifications":
			pages++
			if r.URL.Query().Get("cursor") != "" {
				w.Write([]byte(`{"notifications": []}`))
				return
			}
			w.Write(sample)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ch := &redazione.Channel{ID: 1, Kind: redazione.ChannelBluesky, Settings: map[string]string{"handle": "comune.example.it", "app_password": "x", "api_base_url": srv.URL}}
	in := &inbox{}
	p := bluesky.Poller{Client: &bluesky.Client{Sessions: newState()}, Cursors: newState(), Ingester: in}
	n, err := p.Notifications(context.Background(), ch)
	if err != nil || n != 2 || len(in.got) != 2 {
		t.Fatalf("stored %d %v: %+v", n, err, in.got)
	}
	first, second := in.got[0], in.got[1]
	if first.Text != "la strada di via Roma è allagata 🌧️" || first.ContactName != "@laura.example.org" || !first.Public || first.ContactID != "did:plc:laura7nxzyoun6zhxrhs64abc" {
		t.Fatalf("mention %+v", first)
	}
	if second.ExternalID != "at://did:plc:citizen2b3c4d5e6f7g8h9i0j/app.bsky.feed.post/3kgxwjh2ceq2c" || second.ContactName != "Mario Rossi (@mario.bsky.social)" || len(second.InReplyTo) != 1 {
		t.Fatalf("reply %+v", second)
	}
	if n, err := p.Notifications(context.Background(), ch); err != nil || n != 0 {
		t.Fatalf("second pass stored %d %v", n, err)
	}
}

// A citizen's reply to the ente's post arrives; the operator's answer is
// posted in the thread (root: the ente's post, parent: the citizen's);
// the answer to the citizen's answer keeps the root. A job run twice
// posts once.
func TestRepliesKeepTheThread(t *testing.T) {
	t.Parallel()
	o := newOffice(t)
	o.pds.Account("mario.bsky.social", "pw-mario.bsky.social")
	rootURI, _, err := o.sender.Publish(context.Background(), o.ch, 1, "Da lunedì cambia l'orario dell'anagrafe")
	if err != nil {
		t.Fatal(err)
	}
	root := o.pds.Records("app.bsky.feed.post")[0]
	r1, r1cid := citizenPost(t, o.pds, "mario.bsky.social", map[string]any{"text": "E il sabato?",
		"reply": map[string]any{"root": map[string]string{"uri": rootURI, "cid": root.CID}, "parent": map[string]string{"uri": rootURI, "cid": root.CID}}})
	in := &inbox{}
	if n, err := o.poller(in).Notifications(context.Background(), o.ch); err != nil || n != 1 || in.got[0].ExternalID != r1 || in.got[0].Text != "E il sabato?" {
		t.Fatalf("notifications %d %v %+v", n, err, in.got)
	}
	last := r1
	o.sender.LastInbound = func(context.Context, int64) (string, error) { return last, nil }
	conv := &redazione.Conversation{ID: 1, Public: true}
	m := &redazione.Message{ID: 42, Text: "Il sabato l'anagrafe è aperta dalle 9 alle 12.", CreatedAt: time.Now()}
	if err := o.sender.Send(context.Background(), o.ch, conv, m); err != nil {
		t.Fatal(err)
	}
	if err := o.sender.Send(context.Background(), o.ch, conv, m); err != nil {
		t.Fatalf("second run of the same job: %v", err)
	}
	reply := replyOf(t, o.pds, m.ExternalID)
	if reply.Root.URI != rootURI || reply.Root.CID != root.CID || reply.Parent.URI != r1 || reply.Parent.CID != r1cid {
		t.Fatalf("reply %+v", reply)
	}
	if n := len(o.pds.Records("app.bsky.feed.post")); n != 3 {
		t.Fatalf("%d posts, want 3 (the answer posted once)", n)
	}
	opReply := o.pds.Records("app.bsky.feed.post")[2]
	r2, r2cid := citizenPost(t, o.pds, "mario.bsky.social", map[string]any{"text": "Grazie!",
		"reply": map[string]any{"root": map[string]string{"uri": rootURI, "cid": root.CID}, "parent": map[string]string{"uri": opReply.URI, "cid": opReply.CID}}})
	last = r2
	m2 := &redazione.Message{ID: 43, Text: "Prego!", CreatedAt: time.Now()}
	if err := o.sender.Send(context.Background(), o.ch, conv, m2); err != nil {
		t.Fatal(err)
	}
	if reply := replyOf(t, o.pds, m2.ExternalID); reply.Root.URI != rootURI || reply.Parent.URI != r2 || reply.Parent.CID != r2cid {
		t.Fatalf("second reply %+v", reply)
	}
}

func replyOf(t *testing.T, pds *bskytest.Server, uri string) bluesky.ReplyRef {
	t.Helper()
	for _, r := range pds.Records("app.bsky.feed.post") {
		if r.URI == uri {
			raw, _ := json.Marshal(r.Value["reply"])
			var ref bluesky.ReplyRef
			json.Unmarshal(raw, &ref)
			return ref
		}
	}
	t.Fatalf("no record %s", uri)
	return bluesky.ReplyRef{}
}

// Direct messages: a citizen's chat arrives as a private message (once),
// and the answer goes back in the same chat, every chat call through the
// atproto-proxy header.
func TestDirectMessages(t *testing.T) {
	t.Parallel()
	o := newOffice(t)
	o.ch.Settings["direct_messages"] = "on"
	citizen := o.pds.Account("mario.bsky.social", "pw")
	convo := o.pds.Chat(citizen, o.did, "Buongiorno, come rinnovo la carta d'identità?")
	in := &inbox{}
	p := o.poller(in)
	if n, err := p.Messages(context.Background(), o.ch); err != nil || n != 1 {
		t.Fatalf("messages %d %v", n, err)
	}
	got := in.got[0]
	if got.Public || got.ContactID != citizen || got.Text != "Buongiorno, come rinnovo la carta d'identità?" {
		t.Fatalf("inbound %+v", got)
	}
	if n, _ := p.Messages(context.Background(), o.ch); n != 0 {
		t.Fatalf("second pass stored %d", n)
	}
	m := &redazione.Message{ID: 5, Text: "Serve la prenotazione sul sito del Comune."}
	conv := &redazione.Conversation{ID: 2, Public: false, Contact: redazione.Contact{ExternalID: citizen}}
	if err := o.sender.Send(context.Background(), o.ch, conv, m); err != nil {
		t.Fatal(err)
	}
	msgs := o.pds.Messages(convo)
	if len(msgs) != 2 || msgs[1].Text != m.Text || msgs[1].Sender != o.did || m.ExternalID != msgs[1].ID {
		t.Fatalf("chat %+v", msgs)
	}
	o.pds.Chat(citizen, o.did, "Grazie")
	if n, _ := p.Messages(context.Background(), o.ch); n != 1 || in.got[1].Text != "Grazie" {
		t.Fatalf("new message: %d %+v", n, in.got)
	}
	for _, c := range o.pds.Calls() {
		if strings.HasPrefix(c.NSID, "chat.bsky.") && c.Proxy != bluesky.ChatProxy {
			t.Fatalf("%s without the proxy header", c.NSID)
		}
	}
}

// The chat sample of the documentation: the deleted message is skipped,
// the others stored oldest first.
func TestMessagesFromSample(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"/xrpc/com.atproto.server.createSession": "testdata/create_session.json",
		"/xrpc/chat.bsky.convo.listConvos":       "testdata/list_convos.json",
		"/xrpc/chat.bsky.convo.getMessages":      "testdata/get_messages.json",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		raw, _ := os.ReadFile(f)
		w.Write(raw)
	}))
	defer srv.Close()
	ch := &redazione.Channel{ID: 1, Kind: redazione.ChannelBluesky, Settings: map[string]string{"handle": "comune.example.it", "app_password": "x", "api_base_url": srv.URL}}
	in := &inbox{}
	p := bluesky.Poller{Client: &bluesky.Client{Sessions: newState()}, Cursors: newState(), Ingester: in}
	if n, err := p.Messages(context.Background(), ch); err != nil || n != 2 {
		t.Fatalf("stored %d %v", n, err)
	}
	if in.got[0].Text != "Buongiorno, come rinnovo la carta d'identità?" || in.got[1].ContactName != "Mario Rossi (@mario.bsky.social)" {
		t.Fatalf("inbound %+v", in.got)
	}
}

// Without api_base_url the PDS is found from the handle: DNS TXT gives
// the DID, the PLC directory its document, the document the PDS.
func TestResolverFindsThePDS(t *testing.T) {
	t.Parallel()
	doc, _ := os.ReadFile("testdata/did_document.json")
	plc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/did:plc:ewvi7nxzyoun6zhxrhs64oiz" {
			http.NotFound(w, r)
			return
		}
		w.Write(bytes.ReplaceAll(doc, []byte("PDS_URL"), []byte("https://pds.example.it")))
	}))
	defer plc.Close()
	r := &bluesky.Resolver{PLC: plc.URL, LookupTXT: func(_ context.Context, name string) ([]string, error) {
		if name == "_atproto.comune.example.it" {
			return []string{"did=did:plc:ewvi7nxzyoun6zhxrhs64oiz"}, nil
		}
		return nil, errors.New("no such host")
	}, WellKnown: func(string) string { return plc.URL + "/none" }}
	pds, err := r.PDS(context.Background(), "comune.example.it")
	if err != nil || pds != "https://pds.example.it" {
		t.Fatalf("pds %q %v", pds, err)
	}
	if _, err := r.PDS(context.Background(), "altro.example.it"); err == nil || !strings.Contains(err.Error(), "non si risolve") {
		t.Fatalf("unknown handle: %v", err)
	}
}
