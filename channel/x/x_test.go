package x_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/x"
	"github.com/redazione/redazione/channel/x/xtest"
	"github.com/redazione/redazione/jobs"
)

// memStore keeps one channel, its renewed tokens and its mentions' cursor,
// as store.DB does (store/x.go; the web tests run the real one).
type memStore struct {
	mu    sync.Mutex
	ch    *redazione.Channel
	since string
	saves int
	// onRead, when set, runs before each read of the channel (another
	// node changing it between two reads).
	onRead func(settings map[string]string)
}

func (m *memStore) Channel(_ context.Context, id int64) (*redazione.Channel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.onRead != nil {
		m.onRead(m.ch.Settings)
	}
	c := *m.ch
	c.Settings = maps.Clone(m.ch.Settings)
	return &c, nil
}

func (m *memStore) SaveChannelTokens(_ context.Context, id int64, prev string, tokens map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ch.Settings["refresh_token"] != prev {
		return redazione.Errorf(redazione.ECONFLICT, "renewed meanwhile")
	}
	maps.Copy(m.ch.Settings, tokens)
	m.saves++
	return nil
}

func (m *memStore) XSinceID(context.Context, int64) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.since, nil
}

func (m *memStore) SaveXSinceID(_ context.Context, _ int64, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.since = id
	return nil
}

const redirect = "https://redazione.example/admin/x/callback"

// authorize follows the browser to the fake's authorize page and returns
// where it is sent back.
func authorize(t *testing.T, ch *redazione.Channel, state, verifier string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(x.AuthCodeURL(ch, redirect, state, verifier))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("authorize sent the browser to %q", resp.Header.Get("Location"))
	}
	return loc.Query()
}

// signedIn is a channel on the fake after an administrator's sign-in.
func signedIn(t *testing.T) (*xtest.Server, *memStore, x.Sender) {
	t.Helper()
	srv := xtest.New("CLIENT", "SECRET")
	t.Cleanup(srv.Close)
	ch := &redazione.Channel{ID: 7, Kind: redazione.ChannelX, Settings: map[string]string{"client_id": "CLIENT", "client_secret": "SECRET",
		"api_base_url": srv.URL, "auth_base_url": srv.URL}}
	verifier := oauth2.GenerateVerifier()
	back := authorize(t, ch, "STATE", verifier)
	if back.Get("state") != "STATE" || back.Get("code") == "" {
		t.Fatalf("back: %v", back)
	}
	acc, err := x.Exchange(t.Context(), nil, ch, redirect, back.Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if acc.UserID != "2244994945" || acc.Username != "ComuneEsempio" {
		t.Fatalf("account %+v", acc)
	}
	maps.Copy(ch.Settings, acc.Settings())
	st := &memStore{ch: ch}
	return srv, st, x.Sender{Store: st, LastInbound: func(context.Context, int64) (string, error) { return "", nil }}
}

func current(t *testing.T, st *memStore) *redazione.Channel {
	c, _ := st.Channel(t.Context(), 7)
	return c
}

// The sign-in: the code is bound to the PKCE verifier and serves once; a
// wrong verifier, a used or an expired code are refused with a message
// for the administrator; a denial comes back as error=access_denied.
func TestSignIn(t *testing.T) {
	t.Parallel()
	srv := xtest.New("CLIENT", "SECRET")
	defer srv.Close()
	ch := &redazione.Channel{ID: 1, Kind: redazione.ChannelX, Settings: map[string]string{"client_id": "CLIENT", "client_secret": "SECRET",
		"api_base_url": srv.URL, "auth_base_url": srv.URL}}
	u, _ := url.Parse(x.AuthCodeURL(ch, redirect, "S", oauth2.GenerateVerifier()))
	q := u.Query()
	if u.Path != "/i/oauth2/authorize" || q.Get("code_challenge_method") != "S256" || q.Get("scope") != "tweet.read tweet.write users.read offline.access media.write" {
		t.Errorf("authorize URL %s", u)
	}
	v := oauth2.GenerateVerifier()
	back := authorize(t, ch, "S", v)
	if _, err := x.Exchange(t.Context(), nil, ch, redirect, back.Get("code"), oauth2.GenerateVerifier()); err == nil || !strings.Contains(redazione.ErrorMessage(err), "scaduto o già usato") {
		t.Errorf("a wrong verifier: %v", err)
	}
	back = authorize(t, ch, "S", v)
	if _, err := x.Exchange(t.Context(), nil, ch, redirect, back.Get("code"), v); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Exchange(t.Context(), nil, ch, redirect, back.Get("code"), v); err == nil {
		t.Error("a code served twice")
	}
	srv.CodeTTL(-time.Second)
	back = authorize(t, ch, "S", v)
	if _, err := x.Exchange(t.Context(), nil, ch, redirect, back.Get("code"), v); err == nil || !strings.Contains(redazione.ErrorMessage(err), "scaduto") {
		t.Errorf("an expired code: %v", err)
	}
	bad := &redazione.Channel{ID: 1, Kind: redazione.ChannelX, Settings: maps.Clone(ch.Settings)}
	bad.Settings["client_secret"] = "WRONG"
	srv.CodeTTL(time.Minute)
	back = authorize(t, ch, "S", v)
	if _, err := x.Exchange(t.Context(), nil, bad, redirect, back.Get("code"), v); err == nil || !strings.Contains(redazione.ErrorMessage(err), "client_secret") {
		t.Errorf("a wrong client secret: %v", err)
	}
	srv.Deny(true)
	if back := authorize(t, ch, "S", v); back.Get("error") != "access_denied" || back.Get("code") != "" {
		t.Errorf("denied: %v", back)
	}
}

// A post goes out once, with its address on the account; a retry after a
// lost answer finds the post already there instead of posting it twice.
func TestPublish(t *testing.T) {
	t.Parallel()
	srv, st, s := signedIn(t)
	ch := current(t, st)
	id, link, err := s.Publish(t.Context(), ch, 1, "Domenica mercato straordinario in piazza.")
	if err != nil {
		t.Fatal(err)
	}
	if link != "https://x.com/ComuneEsempio/status/"+id {
		t.Errorf("link %s", link)
	}
	again, _, err := s.Publish(t.Context(), ch, 1, "Domenica mercato straordinario in piazza.")
	if err != nil || again != id || len(srv.Posts()) != 1 {
		t.Errorf("a retry: %s, %v; posts %v", again, err, srv.Posts())
	}
	if _, _, err := s.Publish(t.Context(), ch, 2, strings.Repeat("の", 141)); !isPermanent(err) || !strings.Contains(err.Error(), "282") {
		t.Errorf("too long for X: %v", err)
	}
}

// Images: each uploaded as tweet_image, its alt text set, the post made
// with them in order; more than four refused before anything is sent.
func TestPublishImages(t *testing.T) {
	t.Parallel()
	srv, st, s := signedIn(t)
	ch := current(t, st)
	img := func(alt string) channel.Image {
		return channel.Image{File: channel.File{Name: "a.png", ContentType: "image/png", Body: io.NopCloser(strings.NewReader("\x89PNG fake"))}, Alt: alt}
	}
	_, _, err := s.PublishImages(t.Context(), ch, 3, "Il nuovo parco", []channel.Image{img("Il prato con i giochi"), img("La fontana restaurata")})
	if err != nil {
		t.Fatal(err)
	}
	p := srv.Posts()[0]
	if len(p.Media) != 2 {
		t.Fatalf("post %+v", p)
	}
	for i, want := range []string{"Il prato con i giochi", "La fontana restaurata"} {
		if m := srv.Uploaded(p.Media[i]); m == nil || m.Alt != want || m.Category != "tweet_image" || m.ContentType != "image/png" {
			t.Errorf("image %d: %+v", i, m)
		}
	}
	five := []channel.Image{img("a"), img("b"), img("c"), img("d"), img("e")}
	if _, _, err := s.PublishImages(t.Context(), ch, 4, "Cinque", five); !isPermanent(err) || !strings.Contains(err.Error(), "al massimo 4") {
		t.Errorf("five images: %v", err)
	}
	if len(srv.Posts()) != 1 {
		t.Error("something was posted")
	}
	if _, _, err := s.PublishImage(t.Context(), ch, 5, "Una", img("La piazza").File, "La piazza"); err != nil {
		t.Error(err)
	}
}

// 429: the error says when to try again (X's x-rate-limit-reset), and
// nothing is tried again meanwhile.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	srv, st, s := signedIn(t)
	reset := time.Now().Add(10 * time.Minute)
	srv.RateLimit(5, reset)
	n := len(srv.Calls())
	_, _, err := s.Publish(t.Context(), current(t, st), 1, "Allerta meteo")
	var later jobs.Later
	if !errors.As(err, &later) || later.After < 9*time.Minute || later.After > 10*time.Minute {
		t.Fatalf("429: %v", err)
	}
	if !strings.Contains(err.Error(), "riprova dopo le "+reset.In(time.FixedZone("", 0)).In(romeZone(t)).Format("15:04")) {
		t.Errorf("the error does not say when: %v", err)
	}
	if calls := srv.Calls()[n:]; len(calls) != 1 {
		t.Errorf("X was asked %d times: %v", len(calls), calls)
	}
}

func romeZone(t *testing.T) *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip(err)
	}
	return l
}

// An access token X no longer takes is renewed once with the refresh
// token; X rotates it, and the new one is kept (the old one is spent).
// A refresh token X refuses asks an administrator to sign in again.
func TestTokenRenewal(t *testing.T) {
	t.Parallel()
	srv, st, s := signedIn(t)
	before := current(t, st).Settings["refresh_token"]
	srv.ExpireAccess()
	if _, _, err := s.Publish(t.Context(), current(t, st), 1, "Dopo il rinnovo"); err != nil {
		t.Fatal(err)
	}
	after := current(t, st).Settings["refresh_token"]
	if after == before || after == "" || st.saves != 1 {
		t.Errorf("the rotated refresh token was not kept: %q → %q (%d saves)", before, after, st.saves)
	}
	// An expired access token is renewed before the call.
	st.ch.Settings["token_expiry"] = time.Now().Add(-time.Minute).Format(time.RFC3339)
	if _, _, err := s.Publish(t.Context(), current(t, st), 2, "Dopo la scadenza"); err != nil || st.saves != 2 {
		t.Errorf("expired: %v, %d saves", err, st.saves)
	}
	// Another node renewed meanwhile: this one read the tokens before it
	// and X refuses their spent refresh token, but the account is still
	// linked and the other node's tokens, read again, serve.
	renewed := maps.Clone(current(t, st).Settings)
	st.ch.Settings["refresh_token"], st.ch.Settings["token_expiry"] = before, time.Now().Add(-time.Minute).Format(time.RFC3339)
	reads := 0
	st.onRead = func(s map[string]string) {
		if reads++; reads == 3 { // the test's read, this node's, then the one after X's refusal
			maps.Copy(s, renewed)
		}
	}
	if _, _, err := s.Publish(t.Context(), current(t, st), 3, "Rinnovato da un altro nodo"); err != nil || st.saves != 2 {
		t.Errorf("renewed by another node: %v, %d saves; want the post made with its tokens", err, st.saves)
	}
	st.onRead = nil
	// A spent refresh token: sign in again.
	st.ch.Settings["refresh_token"] = before
	srv.ExpireAccess()
	_, _, err := s.Publish(t.Context(), current(t, st), 4, "Con un token speso")
	if !isPermanent(err) || !strings.Contains(err.Error(), "accedere di nuovo") {
		t.Errorf("spent refresh token: %v", err)
	}
}

// Mentions come in oldest first, from the cursor on; the account's own
// posts do not; an operator's answer goes in the thread.
func TestMentions(t *testing.T) {
	t.Parallel()
	srv, st, s := signedIn(t)
	var got []redazione.Inbound
	ing := ingestFunc(func(in redazione.Inbound) { got = append(got, in) })
	p := x.Poller{Sender: s, Ingest: ing, Cursor: st}
	first := srv.Mention("111", "Maria Rossi", "mariarossi", "@ComuneEsempio buca in via Roma")
	srv.Mention("222", "Luca Bianchi", "lucab", "@ComuneEsempio @Prefettura quando riapre la biblioteca?")
	if _, err := p.Once(t.Context(), current(t, st)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ExternalID != first || got[0].Text != "buca in via Roma" || got[0].ContactID != "111" ||
		got[0].ContactName != "Maria Rossi (@mariarossi)" || !got[0].Public || got[1].Text != "quando riapre la biblioteca?" {
		t.Fatalf("ingested %+v", got)
	}
	got = nil
	third := srv.Mention("111", "Maria Rossi", "mariarossi", "@ComuneEsempio grazie!")
	if _, err := p.Once(t.Context(), current(t, st)); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if len(got) != 1 || got[0].ExternalID != third || !strings.Contains(calls[len(calls)-1], "since_id=") || !strings.Contains(calls[len(calls)-1], "expansions=author_id") {
		t.Errorf("second pass: %+v, %s", got, calls[len(calls)-1])
	}
	s.LastInbound = func(context.Context, int64) (string, error) { return third, nil }
	m := &redazione.Message{ID: 9, Text: "Grazie a lei, buona giornata."}
	if err := s.Send(t.Context(), current(t, st), &redazione.Conversation{ID: 1, Public: true}, m); err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if len(posts) != 1 || posts[0].ReplyTo != third || m.ExternalID != posts[0].ID {
		t.Errorf("reply %+v", posts)
	}
	// 429 while polling: the poller waits as long as X says.
	srv.RateLimit(1, time.Now().Add(5*time.Minute))
	if wait, err := p.Once(t.Context(), current(t, st)); err == nil || wait < 4*time.Minute {
		t.Errorf("429: wait %s, %v", wait, err)
	}
}

type ingestFunc func(redazione.Inbound)

func (f ingestFunc) Ingest(_ context.Context, _ *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	f(in)
	return &redazione.Ingested{}, nil
}

// The documented mentions payload: oldest first, the account's own post
// left out, the author's name and handle.
func TestParseDocumentedMentions(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/mentions.json")
	if err != nil {
		t.Fatal(err)
	}
	var m x.Mentions
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	in := x.Parse(&m, "2244994945")
	if len(in) != 1 || in[0].ExternalID != "1301573587187331074" || in[0].ContactName != "Dev Person (@developer)" ||
		in[0].Text != "Hey @XDevelopers, love the new API!" || in[0].SentAt.IsZero() {
		t.Errorf("parsed %+v", in)
	}
}

func TestRateLimitWait(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	h := http.Header{}
	h.Set("x-rate-limit-reset", "1700000900")
	if d := x.RateLimitWait(h, now); d != 15*time.Minute {
		t.Errorf("reset: %s", d)
	}
	h = http.Header{}
	h.Set("Retry-After", "30")
	if d := x.RateLimitWait(h, now); d != 30*time.Second {
		t.Errorf("Retry-After: %s", d)
	}
}

func isPermanent(err error) bool {
	var p jobs.Permanent
	return errors.As(err, &p)
}

// More mentions than a page holds between two passes: every one is read,
// oldest first, across pages; the first pass reads only the latest ten.
func TestMentionsAcrossPages(t *testing.T) {
	t.Parallel()
	srv, st, s := signedIn(t)
	var got []string
	p := x.Poller{Sender: s, Ingest: ingestFunc(func(in redazione.Inbound) { got = append(got, in.Text) }), Cursor: st}
	for i := range 15 {
		srv.Mention("111", "Maria Rossi", "mariarossi", fmt.Sprintf("@ComuneEsempio vecchia %d", i))
	}
	if _, err := p.Once(t.Context(), current(t, st)); err != nil || len(got) != 10 || got[0] != "vecchia 5" || got[9] != "vecchia 14" {
		t.Fatalf("first pass: %v %v", got, err)
	}
	got = nil
	for i := range 130 {
		srv.Mention("222", "Luca Bianchi", "lucab", fmt.Sprintf("@ComuneEsempio nuova %d", i))
	}
	if _, err := p.Once(t.Context(), current(t, st)); err != nil || len(got) != 130 || got[0] != "nuova 0" || got[129] != "nuova 129" {
		t.Fatalf("second pass: %d read, %v", len(got), err)
	}
	got = nil
	if _, err := p.Once(t.Context(), current(t, st)); err != nil || len(got) != 0 {
		t.Errorf("third pass read %d again", len(got))
	}
}
