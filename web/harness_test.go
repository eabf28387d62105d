package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

// env is a running Redazione on a real HTTP listener, with one ente.
type env struct {
	t     testing.TB
	app   *app.App
	srv   *httptest.Server
	db    *store.DB
	ente  *redazione.Ente
	desks []redazione.Desk
	api   *redazione.Channel // API channel landing on desks[0]
}

const testPassword = "una-password-lunga-1"

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start runs Redazione on db, with a first ente.
func start(t testing.TB, db *store.DB, opts ...func(*app.Config)) *env {
	t.Helper()
	e := run(t, db, opts...)
	e.ente = e.newEnte("comune-a", "Comune di Alfa")
	e.desks, _ = db.Desks(context.Background(), e.ente.ID)
	e.api = e.newChannel(e.ente, redazione.ChannelAPI, e.desks[0].ID, "")
	return e
}

// attach runs a second Redazione process on the same database as e.
func (e *env) attach(t testing.TB, db *store.DB, opts ...func(*app.Config)) *env {
	t.Helper()
	o := run(t, db, opts...)
	o.ente, o.desks, o.api = e.ente, e.desks, e.api
	return o
}

// run starts Redazione on db behind a real HTTP listener, stopped when the
// test ends.
func run(t testing.TB, db *store.DB, opts ...func(*app.Config)) *env {
	t.Helper()
	cfg := app.Config{RetryBase: 200 * time.Millisecond, DataDir: t.TempDir()}
	for _, o := range opts {
		o(&cfg)
	}
	box, err := secrets.New("chiave di prova per i test, lunga abbastanza")
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(box)
	a, err := app.StartWith(context.Background(), db, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
	})
	return &env{t: t, app: a, srv: srv, db: db}
}

func (e *env) newEnte(slug, name string) *redazione.Ente {
	e.t.Helper()
	en, err := e.db.CreateEnte(context.Background(), slug, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return en
}

func (e *env) newChannel(en *redazione.Ente, kind redazione.ChannelKind, desk int64, callback string) *redazione.Channel {
	e.t.Helper()
	ch := &redazione.Channel{Kind: kind, Name: "Canale " + string(kind), DeskID: desk, Secret: auth.NewToken("whsec_"), CallbackURL: callback}
	if err := e.db.CreateChannel(context.Background(), redazione.SystemActor(en.ID), ch); err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// userSeq numbers the test users; tests run in parallel.
var userSeq atomic.Int64

// newUser creates a user of the ente with a role and desks.
func (e *env) newUser(en *redazione.Ente, role redazione.Role, desks ...int64) *redazione.User {
	e.t.Helper()
	n := userSeq.Add(1)
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &redazione.User{Email: fmt.Sprintf("utente%d@%s.example.it", n, en.Slug), Name: fmt.Sprintf("Utente %d", n), Role: role, DeskIDs: desks, PasswordHash: hash}
	if err := e.db.CreateUser(context.Background(), redazione.SystemActor(en.ID), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token returns a personal API token of u.
func (e *env) token(u *redazione.User) string {
	e.t.Helper()
	tok := auth.NewToken("rdz_")
	if _, err := e.db.CreateAPIToken(context.Background(), u, store.APIToken{Hash: auth.HashToken(tok), Name: "test"}); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// browser is a logged-in operator's HTTP client.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (e *env) login(u *redazione.User) *browser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	resp, err := b.c.PostForm(e.srv.URL+"/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/inbox" {
		e.t.Fatalf("login of %s: %d at %s\n%s", u.Email, resp.StatusCode, resp.Request.URL, body)
	}
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		// the inbox has no form: read the token from a page that has one
		_, page := b.get("/notifications")
		m = csrfRe.FindSubmatch([]byte(page))
	}
	if m != nil {
		b.csrf = string(m[1])
	}
	return b
}

func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.c.PostForm(b.e.srv.URL+path, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// payload is an API-channel message body.
func payload(extID, contact, text string) []byte {
	b, _ := json.Marshal(map[string]any{
		"external_id": extID,
		"contact":     map[string]string{"external_id": contact, "name": "Cittadino " + contact},
		"text":        text,
		"sent_at":     time.Now().UTC().Format(time.RFC3339),
	})
	return b
}

// postAPI posts body to the API channel ch, signed with sig (Sign(secret) when sig is "sign").
func (e *env) postAPI(ch *redazione.Channel, body []byte, sig string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", e.srv.URL, ch.ID), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig == "sign" {
		sig = apichannel.Sign(ch.Secret, body)
	}
	if sig != "" {
		req.Header.Set(apichannel.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("answer is not JSON (%d): %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// ingest posts a valid message and returns its conversation id.
func (e *env) ingest(ch *redazione.Channel, extID, contact, text string) int64 {
	e.t.Helper()
	code, out := e.postAPI(ch, payload(extID, contact, text), "sign")
	if code != http.StatusAccepted {
		e.t.Fatalf("ingest: %d %v", code, out)
	}
	return int64(out["conversation_id"].(float64))
}

// apiGet calls the JSON API with a bearer token.
func (e *env) apiGet(token, path string, out any) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

type apiList struct {
	Conversations []struct {
		ID        int64              `json:"id"`
		ChannelID int64              `json:"channel_id"`
		Status    string             `json:"status"`
		Desk      struct{ ID int64 } `json:"desk"`
		Contact   struct {
			ExternalID string `json:"external_id"`
		} `json:"contact"`
		LastMessage *struct{ Text string } `json:"last_message"`
	} `json:"conversations"`
}

type apiThread struct {
	ID       int64 `json:"id"`
	Messages []struct {
		ID            int64  `json:"id"`
		Direction     string `json:"direction"`
		Text          string `json:"text"`
		Delivery      string `json:"delivery"`
		DeliveryError string `json:"delivery_error"`
	} `json:"messages"`
}

// sseEvent is one server-sent event.
type sseEvent struct{ Type, Data string }

// events opens an SSE stream with b's session and returns its events.
func (b *browser) events(ctx context.Context, path string) <-chan sseEvent {
	b.e.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+path, nil)
	c := &http.Client{Jar: b.c.Jar}
	resp, err := c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b.e.t.Fatalf("events: %d", resp.StatusCode)
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.Type = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			case line == "" && ev.Type != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// waitEvent waits up to d for an event of type typ whose data contains sub.
func waitEvent(t testing.TB, ch <-chan sseEvent, typ, sub string, d time.Duration) bool {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return false
			}
			if ev.Type == typ && strings.Contains(ev.Data, sub) {
				return true
			}
		case <-timer.C:
			return false
		}
	}
}

// romeToday is today's date where the ente is: the server judges dates
// (electoral periods, deadlines) in Europe/Rome, which is a day ahead of
// UTC from 23:00 (22:00 in summer).
func romeToday() string { return calendar.DateOf(time.Now(), calendar.Rome).String() }

// electionsToday has an administrator's browser declare an electoral period
// of today ("Elezioni comunali"), where the ente is.
func (b *browser) electionsToday() {
	b.e.t.Helper()
	today := romeToday()
	if code, page := b.post("/admin/pubblicazioni/periodi", url.Values{"name": {"Elezioni comunali"}, "from": {today}, "to": {today}}); code != 200 || !strings.Contains(page, "Elezioni comunali") {
		b.e.t.Fatalf("add the electoral period: %d", code)
	}
}

// waitUntil asks cond until it holds, for at most within, and reports
// whether it held. It is for states that can only be asked for (a page, the
// API, the database); where a test can be told (a fake platform's channel,
// an event stream), it waits on that instead.
func waitUntil(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobsDone waits until the job queue has nothing left to run or retry:
// after it, no delivery or fetch can reach a platform unless something new
// is queued.
func (e *env) jobsDone() {
	e.t.Helper()
	var left int
	if !waitUntil(30*time.Second, func() bool {
		err := e.db.WriteDB().QueryRowContext(context.Background(),
			"SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')").Scan(&left)
		if err != nil {
			e.t.Fatalf("job queue: %v", err)
		}
		return left == 0
	}) {
		e.t.Fatalf("%d jobs still queued after 30 s", left)
	}
}

func newJarClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func hashOf(token string) string { return auth.HashToken(token) }

// pngPixel is a 1×1 PNG image.
var pngPixel, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// keep puts content in the blob store, as a platform's file would be.
func (e *env) keep(content []byte) blob.Blob {
	e.t.Helper()
	b, err := e.app.Blobs.Put(bytes.NewReader(content), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}
