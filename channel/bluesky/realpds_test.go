package bluesky_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	imgpng "image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/bluesky"
)

// realPDS is the reference PDS (@atproto/dev-env) run by
// e2e/bskypds/start.mjs: its address, and whether the Bluesky AppView runs
// behind it (notifications and posts need it).
type realPDS struct {
	URL     string `json:"pds"`
	AppView bool   `json:"appview"`
}

// startPDS starts the reference PDS for the test. It skips when
// node_modules lacks @atproto/dev-env (npm ci not run), and fails instead
// when CI=true.
func startPDS(t *testing.T, withAppView bool) *realPDS {
	t.Helper()
	root, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@atproto", "dev-env", "package.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node_modules lacks @atproto/dev-env: run npm ci")
		}
		t.Skip("node_modules lacks @atproto/dev-env (run npm ci): the reference PDS cannot run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", "e2e/bskypds/start.mjs")
	cmd.Dir = root
	cmd.Env = os.Environ()
	if pg := os.Getenv("REDAZIONE_TEST_DATABASE_URL"); withAppView && pg != "" {
		cmd.Env = append(cmd.Env, "DB_POSTGRES_URL="+pg)
	}
	stdin, _ := cmd.StdinPipe() // closed at cleanup: the script stops
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		var p realPDS
		if !ok || json.Unmarshal([]byte(l), &p) != nil || p.URL == "" {
			t.Fatalf("the reference PDS did not start: %q\n%s", l, stderr.String())
		}
		return &p
	case <-time.After(3 * time.Minute):
		t.Fatalf("the reference PDS did not start in 3 minutes:\n%s", stderr.String())
	}
	return nil
}

// account creates an account on the PDS and an app password for it, and
// returns the channel that signs in with them.
func (p *realPDS) account(t *testing.T, id int64, handle string) (*redazione.Channel, string) {
	t.Helper()
	var acc struct {
		AccessJwt string `json:"accessJwt"`
		DID       string `json:"did"`
	}
	post(t, p.URL, "com.atproto.server.createAccount", "", map[string]string{"handle": handle, "email": strings.ReplaceAll(handle, ".", "-") + "@example.it", "password": "password-principale-" + handle}, &acc)
	var app struct {
		Password string `json:"password"`
	}
	post(t, p.URL, "com.atproto.server.createAppPassword", acc.AccessJwt, map[string]any{"name": "redazione", "privileged": true}, &app)
	return &redazione.Channel{ID: id, Kind: redazione.ChannelBluesky, Settings: map[string]string{"handle": handle, "app_password": app.Password, "api_base_url": p.URL}}, acc.DID
}

func post(t *testing.T, base, nsid, token string, body, out any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/xrpc/"+nsid, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", nsid, resp.StatusCode, b)
	}
	json.Unmarshal(b, out)
}

// getRecord reads a record back from the PDS, unauthenticated as anyone can.
func getRecord(t *testing.T, base, uri string) map[string]any {
	t.Helper()
	repo, rest, _ := strings.Cut(strings.TrimPrefix(uri, "at://"), "/")
	coll, rkey, _ := strings.Cut(rest, "/")
	resp, err := http.Get(base + "/xrpc/com.atproto.repo.getRecord?" + url.Values{"repo": {repo}, "collection": {coll}, "rkey": {rkey}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Value map[string]any `json:"value"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("getRecord %s: %s", uri, resp.Status)
	}
	return out.Value
}

func realPNG(t *testing.T, c color.Color) channel.File {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(1, 1, c)
	var b bytes.Buffer
	if err := imgpng.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return channel.File{Name: "foto.png", ContentType: "image/png", Size: int64(b.Len()), Body: nopCloser{bytes.NewReader(b.Bytes())}}
}

// Against the reference PDS: the ente's post with its link, mention and
// hashtag read back with the right byte offsets; a post with two images
// read back with their alternative texts and the blobs; an expired
// session renewed; a citizen's reply answered in the thread, once even when
// the job runs twice; and, with the AppView, the citizen's mention and
// reply brought in by the poller.
func TestRealPDS(t *testing.T) {
	pds := startPDS(t, true)
	ctx := context.Background()
	ente, enteDID := pds.account(t, 1, "comune.test")
	citizenCh, citizenDID := pds.account(t, 2, "mario.test")
	state := newState()
	s := bluesky.Sender{Client: &bluesky.Client{Sessions: state}}

	// text with facets
	text := "Città più vicina 🇮🇹: orari su https://www.comune.example.it/orari con @mario.test #AnagrafeAperta"
	uri, link, err := s.Publish(ctx, ente, 1, text)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, "at://"+enteDID+"/app.bsky.feed.post/") || link != "https://bsky.app/profile/comune.test/post/"+uri[strings.LastIndex(uri, "/")+1:] {
		t.Fatalf("uri %s link %s", uri, link)
	}
	rec := getRecord(t, pds.URL, uri)
	if rec["text"] != text || rec["langs"].([]any)[0] != "it" {
		t.Fatalf("record %v", rec)
	}
	raw, _ := json.Marshal(rec["facets"])
	var facets []bluesky.Facet
	json.Unmarshal(raw, &facets)
	spans := map[string]bluesky.FacetFeature{}
	for _, f := range facets {
		spans[text[f.Index.ByteStart:f.Index.ByteEnd]] = f.Features[0]
	}
	if spans["@mario.test"].DID != citizenDID || spans["#AnagrafeAperta"].Tag != "AnagrafeAperta" || spans["https://www.comune.example.it/orari"].URI != "https://www.comune.example.it/orari" {
		t.Fatalf("facets read back %s", raw)
	}

	// two images with their alternative texts
	imgs := []channel.Image{{File: realPNG(t, color.RGBA{R: 255, A: 255}), Alt: "Il municipio illuminato di notte"}, {File: realPNG(t, color.RGBA{B: 255, A: 255}), Alt: "La piazza durante il mercato"}}
	imgURI, _, err := s.PublishImages(ctx, ente, 2, "Le foto della serata", imgs)
	if err != nil {
		t.Fatal(err)
	}
	rec = getRecord(t, pds.URL, imgURI)
	raw, _ = json.Marshal(rec["embed"])
	var embed struct {
		Type   string `json:"$type"`
		Images []struct {
			Alt   string `json:"alt"`
			Image struct {
				Ref struct {
					Link string `json:"$link"`
				} `json:"ref"`
				MimeType string `json:"mimeType"`
			} `json:"image"`
		} `json:"images"`
	}
	json.Unmarshal(raw, &embed)
	if embed.Type != "app.bsky.embed.images" || len(embed.Images) != 2 || embed.Images[0].Alt != "Il municipio illuminato di notte" || embed.Images[1].Alt != "La piazza durante il mercato" || embed.Images[1].Image.MimeType != "image/png" {
		t.Fatalf("embed read back %s", raw)
	}
	resp, err := http.Get(pds.URL + "/xrpc/com.atproto.sync.getBlob?" + url.Values{"did": {enteDID}, "cid": {embed.Images[0].Image.Ref.Link}}.Encode())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the image's blob: %v %v", resp, err)
	}
	resp.Body.Close()

	// an access token the PDS no longer takes is renewed with the refresh token
	var sess bluesky.Session
	b, _ := state.BlueskySession(ctx, ente.ID)
	json.Unmarshal(b, &sess)
	sess.AccessJwt = sess.AccessJwt[:len(sess.AccessJwt)-4] + "AAAA"
	b, _ = json.Marshal(sess)
	state.SaveBlueskySession(ctx, ente.ID, b)
	if _, _, err := s.Publish(ctx, ente, 3, "Dopo il rinnovo della sessione"); err != nil {
		t.Fatalf("after a bad access token: %v", err)
	}

	// the citizen answers the first post; the operator answers in the thread
	citizen := bluesky.Sender{Client: &bluesky.Client{Sessions: newState()}}
	var rootRef bluesky.Ref
	rootRef.URI = uri
	var rr struct {
		CID string `json:"cid"`
	}
	q := url.Values{"repo": {enteDID}, "collection": {"app.bsky.feed.post"}, "rkey": {uri[strings.LastIndex(uri, "/")+1:]}}
	if _, err := citizen.Client.Call(ctx, citizenCh, http.MethodGet, "com.atproto.repo.getRecord", q, "", nil, &rr); err != nil {
		t.Fatal(err)
	}
	rootRef.CID = rr.CID
	citizenSess, err := citizen.Client.Session(ctx, citizenCh)
	if err != nil {
		t.Fatal(err)
	}
	var answer bluesky.Ref
	if _, err := citizen.Client.Call(ctx, citizenCh, http.MethodPost, "com.atproto.repo.createRecord", nil, "", map[string]any{"repo": citizenSess.DID, "collection": "app.bsky.feed.post",
		"record": bluesky.Post{Type: "app.bsky.feed.post", Text: "@comune.test e il sabato?", CreatedAt: time.Now().UTC().Format(time.RFC3339Nano), Reply: &bluesky.ReplyRef{Root: rootRef, Parent: rootRef}}}, &answer); err != nil {
		t.Fatal(err)
	}
	s.LastInbound = func(context.Context, int64) (string, error) { return answer.URI, nil }
	m := &redazione.Message{ID: 77, Text: "Il sabato dalle 9 alle 12.", CreatedAt: time.Now()}
	conv := &redazione.Conversation{ID: 1, Public: true}
	if err := s.Send(ctx, ente, conv, m); err != nil {
		t.Fatal(err)
	}
	first := m.ExternalID
	if err := s.Send(ctx, ente, conv, m); err != nil || m.ExternalID != first {
		t.Fatalf("the job run again: %v, %s then %s", err, first, m.ExternalID)
	}
	rec = getRecord(t, pds.URL, first)
	raw, _ = json.Marshal(rec["reply"])
	var reply bluesky.ReplyRef
	json.Unmarshal(raw, &reply)
	if reply.Root != rootRef || reply.Parent != answer {
		t.Fatalf("reply %+v, want root %+v parent %+v", reply, rootRef, answer)
	}

	if !pds.AppView {
		t.Log("no AppView (REDAZIONE_TEST_DATABASE_URL unset): notifications not checked against the reference")
		return
	}
	// a mention too (its facet names the ente's DID)
	mention := "Ciao @comune.test: via Roma è allagata 🌧️"
	start := strings.Index(mention, "@")
	var mentionRef bluesky.Ref
	if _, err := citizen.Client.Call(ctx, citizenCh, http.MethodPost, "com.atproto.repo.createRecord", nil, "", map[string]any{"repo": citizenSess.DID, "collection": "app.bsky.feed.post",
		"record": bluesky.Post{Type: "app.bsky.feed.post", Text: mention, CreatedAt: time.Now().UTC().Format(time.RFC3339Nano),
			Facets: []bluesky.Facet{{Index: bluesky.ByteSlice{ByteStart: start, ByteEnd: start + len("@comune.test")}, Features: []bluesky.FacetFeature{{Type: "app.bsky.richtext.facet#mention", DID: enteDID}}}}}}, &mentionRef); err != nil {
		t.Fatal(err)
	}
	// the poller brings the citizen's reply and mention in from the AppView
	in := &inbox{}
	p := bluesky.Poller{Client: s.Client, Cursors: state, Ingester: in}
	// The AppView indexes the PDS's firehose on its own time and tells
	// nobody: ask again until the reply is there (as the poller does).
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for len(in.got) < 2 {
		if _, err := p.Notifications(ctx, ente); err != nil {
			t.Fatal(err)
		}
		select {
		case <-deadline:
			t.Fatalf("the citizen's reply and mention never reached the notifications: %+v", in.got)
		case <-tick.C:
		}
	}
	if in.got[0].ExternalID != answer.URI || in.got[0].Text != "e il sabato?" || !in.got[0].Public || in.got[0].ContactID != citizenDID || in.got[0].ContactName != "@mario.test" {
		t.Fatalf("the reply came in as %+v", in.got[0])
	}
	if in.got[1].ExternalID != mentionRef.URI || in.got[1].Text != mention || !in.got[1].Public {
		t.Fatalf("the mention came in as %+v", in.got[1])
	}
	// nothing twice
	if n, err := p.Notifications(ctx, ente); n != 0 || err != nil {
		t.Fatalf("a second pass stored %d %v", n, err)
	}
}
