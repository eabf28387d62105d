package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// platforms is one fake server for Mastodon, the Telegram Bot API and the
// Graph API, answering with the documented payloads (testdata), and
// recording what was published.
type platforms struct {
	mu    sync.Mutex
	posts []string // "platform: text"
	keys  []string // Mastodon's Idempotency-Key
	srv   *httptest.Server
}

func newPlatforms(t *testing.T) *platforms {
	p := &platforms{}
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body)) // a multipart upload is read again below
		var m map[string]any
		json.Unmarshal(body, &m)
		p.mu.Lock()
		defer p.mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v2/media" && r.Header.Get("Authorization") == "Bearer MASTO":
			// Mastodon processes images after answering 202 (documented for /api/v2/media).
			r.ParseMultipartForm(1 << 20)
			_, hasFile := r.MultipartForm.File["file"]
			p.posts = append(p.posts, fmt.Sprintf("mastodon media: %s (file %v)", r.FormValue("description"), hasFile))
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"id":"22348641","type":"image","url":null,"description":"` + r.FormValue("description") + `"}`))
		case r.Method == "GET" && r.URL.Path == "/api/v1/media/22348641":
			w.Write([]byte(`{"id":"22348641","type":"image","url":"https://files.social.example/media/22348641.png"}`))
		case r.Method == "POST" && r.URL.Path == "/botTG-TOKEN/sendPhoto":
			r.ParseMultipartForm(1 << 20)
			_, hasFile := r.MultipartForm.File["photo"]
			p.posts = append(p.posts, fmt.Sprintf("telegram photo %s: %s (file %v)", r.FormValue("chat_id"), r.FormValue("caption"), hasFile))
			w.Write(read("../channel/telegram/testdata/send_photo_ok.json"))
		case r.Method == "POST" && r.URL.Path == "/v21.0/546349135390552/photos" && r.Header.Get("Authorization") == "Bearer FB-TOKEN":
			r.ParseMultipartForm(1 << 20)
			_, hasFile := r.MultipartForm.File["source"]
			p.posts = append(p.posts, fmt.Sprintf("facebook photo: %s [alt: %s] (file %v)", r.FormValue("message"), r.FormValue("alt_text_custom"), hasFile))
			w.Write([]byte(`{"id": "1116692661689262", "post_id": "546349135390552_1116692661689263"}`))
		case r.Method == "POST" && r.URL.Path == "/api/v1/statuses" && r.Header.Get("Authorization") == "Bearer MASTO":
			p.posts = append(p.posts, fmt.Sprintf("mastodon: %s (%s)%s", m["status"], m["visibility"], mediaIDs(m)))
			p.keys = append(p.keys, r.Header.Get("Idempotency-Key"))
			w.Write(read("../channel/mastodon/testdata/status_ok.json"))
		case r.Method == "POST" && r.URL.Path == "/botTG-TOKEN/sendMessage":
			p.posts = append(p.posts, fmt.Sprintf("telegram %s: %s", m["chat_id"], m["text"]))
			w.Write(read("../channel/telegram/testdata/send_ok.json"))
		case r.Method == "POST" && r.URL.Path == "/v21.0/546349135390552/feed" && r.Header.Get("Authorization") == "Bearer FB-TOKEN":
			p.posts = append(p.posts, fmt.Sprintf("facebook: %s", m["message"]))
			w.Write(read("../channel/meta/testdata/page_feed_post_ok.json"))
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *platforms) published() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.posts...)
}

func (e *env) account(kind redazione.ChannelKind, name string, settings map[string]string) *redazione.Channel {
	e.t.Helper()
	ch := &redazione.Channel{Kind: kind, Name: name, DeskID: e.desks[3].ID, Secret: auth.NewToken(""), Settings: settings}
	if err := e.db.CreateChannel(e.t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// The office publishes on Mastodon, a Facebook Page and a Telegram channel:
// the page names the account, warnings must be confirmed, a post can be
// taken back within the undo window, an account that asks for it waits for
// a second person, and each post goes out once.
func TestPublishingOnThreeAccounts(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	plat := newPlatforms(t)
	masto := e.account(redazione.ChannelMastodon, "@comune@social.example", map[string]string{"api_base_url": plat.srv.URL, "token": "MASTO"})
	fb := e.account(redazione.ChannelMessenger, "Pagina Facebook del Comune", map[string]string{"page_id": "546349135390552", "token": "FB-TOKEN",
		"app_secret": "s", "verify_token": "v", "api_base_url": plat.srv.URL, "api_version": "v21.0"})
	tg := e.account(redazione.ChannelTelegram, "Canale Telegram del Sindaco", map[string]string{"token": "TG-TOKEN", "api_base_url": plat.srv.URL,
		"publish_chat": "@comune_esempio", "publish_approval": "on"})
	coord := e.newUser(e.ente, redazione.RoleCoordinator)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID)
	cb, ob := e.login(coord), e.login(op)
	desk := fmt.Sprint(e.desks[3].ID)

	// A warning (an http link) must be confirmed.
	code, page := ob.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(masto.ID)}, "desk": {desk}, "action": {"submit"},
		"text": {"Il bando per i contributi alle associazioni è online: http://www.comune.example.it/bando"}})
	if code != 422 || !strings.Contains(page, "non è sicuro (http)") || !strings.Contains(page, `name="checked"`) {
		t.Fatalf("a post with a warning: %d", code)
	}
	if !strings.Contains(page, `id="post-destination"`) || !strings.Contains(page, "@comune@social.example") {
		t.Error("the page does not name the account the post goes to")
	}
	posts, _ := e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
	if len(posts) != 1 || posts[0].Status != store.PostDraft {
		t.Fatalf("posts: %+v", posts)
	}
	first := posts[0].ID
	code, page = ob.post(fmt.Sprintf("/pubblicazioni/%d/invia", first), url.Values{"checked": {"on"}})
	if code != 200 || !strings.Contains(page, "Parte alle") || !strings.Contains(page, ">programmata<") {
		t.Fatalf("confirmed: %d", code)
	}
	// A second one, taken back within the undo window.
	ob.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(masto.ID)}, "desk": {desk}, "action": {"submit"}, "text": {"Post sbagliato"}})
	posts, _ = e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
	second := posts[len(posts)-1].ID
	if code, page := ob.post(fmt.Sprintf("/pubblicazioni/%d/annulla", second), url.Values{}); code != 200 || !strings.Contains(page, ">annullata<") {
		t.Errorf("cancel within the undo window: %d", code)
	}
	// Facebook, straight away.
	ob.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(fb.ID)}, "desk": {desk}, "action": {"submit"}, "text": {"Domenica mercato straordinario in piazza."}})
	// Telegram asks for a second person: the author cannot approve.
	ob.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(tg.ID)}, "desk": {desk}, "action": {"submit"}, "text": {"Il sindaco incontra i cittadini giovedì alle 18."}})
	posts, _ = e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
	var tgPost *store.Post
	for _, p := range posts {
		if p.ChannelID == tg.ID {
			tgPost = p
		}
	}
	if tgPost == nil || tgPost.Status != store.PostPending {
		t.Fatalf("the Telegram post: %+v", tgPost)
	}
	if _, page := ob.get(fmt.Sprintf("/pubblicazioni/%d", tgPost.ID)); strings.Contains(page, "Approva (seconda persona)") {
		t.Error("an operator is offered the approval")
	}
	if code, page := cb.post(fmt.Sprintf("/pubblicazioni/%d/approva", tgPost.ID), url.Values{}); code != 200 || !strings.Contains(page, ">programmata<") {
		t.Errorf("approval: %d", code)
	}

	// Nothing goes out inside the undo window; after it, each post once.
	if n, err := e.app.Inbox.PublishDue(t.Context()); n != 0 || err != nil {
		t.Fatalf("published inside the undo window: %d, %v", n, err)
	}
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	defer e.db.SetNow(time.Now)
	if n, err := e.app.Inbox.PublishDue(t.Context()); n != 3 || err != nil {
		t.Fatalf("published %d, %v; want 3", n, err)
	}
	if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 {
		t.Fatal("a post went out twice")
	}
	got := strings.Join(plat.published(), "\n")
	for _, want := range []string{
		"mastodon: Il bando per i contributi alle associazioni è online: http://www.comune.example.it/bando (public)",
		"facebook: Domenica mercato straordinario in piazza.",
		"telegram @comune_esempio: Il sindaco incontra i cittadini giovedì alle 18.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not published: %q\ngot:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Post sbagliato") {
		t.Error("the cancelled post went out")
	}
	if plat.keys[0] != fmt.Sprintf("redazione-post-%d", first) {
		t.Errorf("Mastodon idempotency key %q", plat.keys[0])
	}
	_, page = ob.get(fmt.Sprintf("/pubblicazioni/%d", tgPost.ID))
	if !strings.Contains(page, ">pubblicata<") || !strings.Contains(page, `href="https://t.me/comune_esempio/1369"`) || !strings.Contains(page, "Catena integra") {
		t.Error("the published Telegram post does not show its link and an intact log")
	}
	if _, page := ob.get("/pubblicazioni"); !strings.Contains(page, "Pagina Facebook del Comune") {
		t.Error("the list does not show the posts")
	}
}

// In an electoral period a post needs its reason and a second person.
func TestPublishingElectoralSilence(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	masto := e.account(redazione.ChannelMastodon, "@comune", map[string]string{"api_base_url": "https://social.example", "token": "MASTO"})
	ab := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	ab.electionsToday()
	form := url.Values{"channel": {fmt.Sprint(masto.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"}, "text": {"Inaugurato il nuovo parco!"}}
	if code, page := ab.post("/pubblicazioni", form); code != 422 || !strings.Contains(page, "periodo elettorale") || strings.Contains(page, `name="checked"`) {
		t.Errorf("a post in the electoral period: %d", code)
	}
	if code, _ := ab.post("/admin/pubblicazioni", url.Values{"blocklist": {"vota"}, "undo_seconds": {"3"}}); code != 400 {
		t.Errorf("a 3-second undo window: %d", code)
	}
}

// Crisis mode from the page: the switch, the banner on every page, the
// paused post listed, a holding statement offered for publishing.
func TestCrisisPage(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	masto := e.account(redazione.ChannelMastodon, "@comune", map[string]string{"api_base_url": "https://social.example", "token": "MASTO"})
	coord := e.newUser(e.ente, redazione.RoleCoordinator)
	cb := e.login(coord)
	op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
	cb.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(masto.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"}, "text": {"Sagra della castagna domenica!"}})
	if code, page := cb.post("/crisi/dichiarazioni", url.Values{"title": {"Allerta meteo"}, "text": {"Seguiamo la situazione con la Protezione civile."}}); code != 200 || !strings.Contains(page, "Allerta meteo") {
		t.Fatalf("holding statement: %d", code)
	}
	if code, _ := op.post("/crisi", url.Values{"on": {"true"}, "reason": {"alluvione"}}); code != 403 {
		t.Errorf("an operator started a crisis: %d", code)
	}
	code, page := cb.post("/crisi", url.Values{"on": {"true"}, "reason": {"Esondazione del torrente"}})
	if code != 200 || !strings.Contains(page, `id="crisis-banner"`) || !strings.Contains(page, "Sagra della castagna domenica!") {
		t.Fatalf("crisis on: %d; want the banner and the paused post", code)
	}
	if _, page := op.get("/inbox"); !strings.Contains(page, "Esondazione del torrente") {
		t.Error("the banner is not on the operator's inbox")
	}
	hs, _ := e.db.HoldingStatements(t.Context(), e.ente.ID)
	if _, page := cb.get(fmt.Sprintf("/pubblicazioni/nuova?dichiarazione=%d", hs[0].ID)); !strings.Contains(page, "Seguiamo la situazione con la Protezione civile.") || !strings.Contains(page, `name="holding"`) {
		t.Error("the holding statement is not offered in the new post")
	}
	if code, page := cb.post("/crisi", url.Values{"on": {"false"}}); code != 200 || strings.Contains(page, `id="crisis-banner"`) {
		t.Errorf("crisis off: %d", code)
	}
}

// The editorial calendar shows a month of posts by day, by campaign.
func TestEditorialCalendar(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	masto := e.account(redazione.ChannelMastodon, "@comune", map[string]string{"api_base_url": "https://social.example", "token": "MASTO"})
	cb := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
	when := time.Now().AddDate(0, 0, 3).Truncate(time.Hour)
	for _, c := range []struct{ text, campaign string }{{"Settimana della mobilità: domenica strade chiuse", "Settimana della mobilità"}, {"Nuovi orari della biblioteca", ""}} {
		code, _ := cb.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(masto.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"},
			"text": {c.text}, "campaign": {c.campaign}, "scheduled_at": {when.In(calendar.Rome).Format("2006-01-02T15:04")}})
		if code != 200 {
			t.Fatalf("post %q: %d", c.text, code)
		}
	}
	month := when.In(calendar.Rome).Format("2006-01")
	code, page := cb.get("/pubblicazioni/calendario?mese=" + month)
	if code != 200 || strings.Count(page, `class="cal-post`) != 2 || !strings.Contains(page, "Settimana della mobilità") {
		t.Fatalf("calendar: %d, %d posts", code, strings.Count(page, `class="cal-post`))
	}
	_, page = cb.get("/pubblicazioni/calendario?mese=" + month + "&campagna=" + url.QueryEscape("Settimana della mobilità"))
	if strings.Count(page, `class="cal-post`) != 1 {
		t.Errorf("the campaign filter shows %d posts, want 1", strings.Count(page, `class="cal-post`))
	}
}

func mediaIDs(m map[string]any) string {
	if ids, ok := m["media_ids"].([]any); ok && len(ids) > 0 {
		return fmt.Sprintf(" media %v", ids)
	}
	return ""
}

// postMultipart posts a form with a file, as the browser does.
func (b *browser) postMultipart(path string, form url.Values, field, name string, content []byte) (int, string) {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	form.Set("csrf", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.e.srv.URL)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// A post with an image needs its alternative text (not the file name); it
// goes out with the image, and the text alternative where the platform
// keeps one.
func TestPublishingImagesWithAltText(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	plat := newPlatforms(t)
	masto := e.account(redazione.ChannelMastodon, "@comune", map[string]string{"api_base_url": plat.srv.URL, "token": "MASTO"})
	fb := e.account(redazione.ChannelMessenger, "Pagina del Comune", map[string]string{"page_id": "546349135390552", "token": "FB-TOKEN",
		"app_secret": "s", "verify_token": "v", "api_base_url": plat.srv.URL, "api_version": "v21.0"})
	tg := e.account(redazione.ChannelTelegram, "Canale del Comune", map[string]string{"token": "TG-TOKEN", "api_base_url": plat.srv.URL, "publish_chat": "@comune"})
	cb := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
	png := pngPixel
	form := func(ch *redazione.Channel, text, alt string) url.Values {
		return url.Values{"channel": {fmt.Sprint(ch.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"}, "text": {text}, "alt_text": {alt}}
	}
	if code, page := cb.postMultipart("/pubblicazioni", form(masto, "La nuova piazza", ""), "image", "piazza.png", png); code != 422 || !strings.Contains(page, "non ha il testo alternativo") {
		t.Errorf("an image without alternative text: %d", code)
	}
	if code, page := cb.postMultipart("/pubblicazioni", form(masto, "La nuova piazza", "piazza.png"), "image", "piazza.png", png); code != 422 || !strings.Contains(page, "è il nome del file") {
		t.Errorf("the file name as alternative text: %d", code)
	}
	if code, page := cb.postMultipart("/pubblicazioni", form(masto, "La nuova piazza", "x"), "image", "doc.txt", []byte("non un'immagine")); code != 400 || !strings.Contains(page, "JPEG, PNG, GIF o WebP") {
		t.Errorf("a text file as image: %d", code)
	}
	sum := sha256.Sum256([]byte("non un'immagine"))
	if _, err := e.app.Blobs.Open(hex.EncodeToString(sum[:])); err != blob.ErrNotFound {
		t.Errorf("the refused file is left on disk: %v", err)
	}
	alt := "La piazza del Municipio rinnovata, con le nuove panchine e gli alberi"
	for _, ch := range []*redazione.Channel{masto, fb, tg} {
		if code, page := cb.postMultipart("/pubblicazioni", form(ch, "Inaugurata la nuova piazza del Municipio", alt), "image", "piazza.png", png); code != 200 || !strings.Contains(page, "Parte alle") {
			t.Fatalf("post with image on %s: %d", ch.Kind, code)
		}
	}
	// The drafts with the refused images were kept: cancel them so only the three go.
	posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
	for _, p := range posts {
		if p.Status == store.PostDraft {
			e.db.CancelPost(t.Context(), redazione.SystemActor(e.ente.ID), p.ID)
		}
	}
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	defer e.db.SetNow(time.Now)
	if n, err := e.app.Inbox.PublishDue(t.Context()); n != 3 || err != nil {
		t.Fatalf("published %d, %v; want 3", n, err)
	}
	got := strings.Join(plat.published(), "\n")
	for _, want := range []string{
		"mastodon media: " + alt + " (file true)",
		"mastodon: Inaugurata la nuova piazza del Municipio (public) media [22348641]",
		"facebook photo: Inaugurata la nuova piazza del Municipio [alt: " + alt + "] (file true)",
		"telegram photo @comune: Inaugurata la nuova piazza del Municipio (file true)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not sent: %q\ngot:\n%s", want, got)
		}
	}
}

// An institutional post on Mastodon is counted as Mastodon counts it (a
// link 23 characters whatever its length) against its instance's limit
// where the instance says one, else Mastodon's 500: a post the instance
// takes is not stopped, and one it would refuse is stopped with the count.
func TestMastodonPostLength(t *testing.T) {
	t.Parallel()
	instance := func(limit string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v2/instance" && limit != "" {
				w.Write([]byte(`{"domain": "social.example", "configuration": {"statuses": {"max_characters": ` + limit + `, "characters_reserved_per_url": 23}}}`))
				return
			}
			http.NotFound(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	e := start(t, testdb.Open(t, store.SQLite))
	large := e.account(redazione.ChannelMastodon, "@comune@grande.example", map[string]string{"api_base_url": instance("520").URL, "token": "MASTO"})
	silent := e.account(redazione.ChannelMastodon, "@comune@muta.example", map[string]string{"api_base_url": instance("").URL, "token": "MASTO"})
	ob := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID))
	submit := func(ch *redazione.Channel, text string) (int, string) {
		return ob.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(ch.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"submit"}, "text": {text}})
	}
	link := " https://www.comune.example.it/albo-pretorio/atti/2026/determinazione-dirigenziale-n-1234-del-5-dicembre-2026-contributi-associazioni"
	for _, c := range []struct {
		ch      *redazione.Channel
		text    string
		refused string // the finding, or "" when the post goes ahead
	}{
		{large, strings.Repeat("è", 515), ""},
		{large, strings.Repeat("è", 521), "il testo ha 521 caratteri: questa piattaforma ne accetta al massimo 520"},
		{silent, strings.Repeat("a", 450) + link, ""}, // 474 as Mastodon counts, 583 characters
		{silent, strings.Repeat("è", 501), "il testo ha 501 caratteri: questa piattaforma ne accetta al massimo 500"},
	} {
		code, page := submit(c.ch, c.text)
		switch {
		case c.refused == "" && (code != 200 || strings.Contains(page, "caratteri:")):
			t.Errorf("%s, %d characters: %d, want it to go ahead", c.ch.Name, len([]rune(c.text)), code)
		case c.refused != "" && (code != 422 || !strings.Contains(page, c.refused)):
			t.Errorf("%s, %d characters: %d, want 422 saying %q", c.ch.Name, len([]rune(c.text)), code, c.refused)
		}
	}
	posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
	var draft int64
	for _, p := range posts {
		if p.ChannelID == large.ID && p.Status == store.PostDraft {
			draft = p.ID
		}
	}
	if draft == 0 {
		t.Fatal("the refused post was not kept as a draft")
	}
	_, page := ob.get(fmt.Sprintf("/pubblicazioni/%d", draft))
	if !strings.Contains(page, `<span id="post-max">520</span> caratteri al massimo su questa piattaforma`) ||
		!strings.Contains(page, `data-limit="520" data-count-as="mastodon">`) {
		t.Error("the post's page does not give the instance's limit, or its composer does not count to it as Mastodon counts")
	}
	// The composer counts to the chosen account's limit (app.js): each
	// account says its own.
	_, page = ob.get("/pubblicazioni/nuova")
	for _, c := range []struct {
		ch    *redazione.Channel
		limit string
	}{{large, "520"}, {silent, "500"}} {
		if !strings.Contains(page, fmt.Sprintf(`value="%d" data-images-hint=`, c.ch.ID)) ||
			!regexp.MustCompile(fmt.Sprintf(`value="%d" [^>]*data-limit="%s" data-count-as="mastodon"`, c.ch.ID, c.limit)).MatchString(page) {
			t.Errorf("the account %s does not say its limit of %s, counted as Mastodon counts", c.ch.Name, c.limit)
		}
	}
}
