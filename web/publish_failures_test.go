package web_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// answer is how the fake platform answers one request: with a status,
// headers and a body, or (hang) never, until the caller gives up.
type answer struct {
	status int
	header map[string]string
	body   string
	hang   bool
}

// failingPlatform is a fake Mastodon instance, Graph API or Telegram Bot
// API answering each "METHOD /path" with its answers in turn (the last one
// again once they run out), 404 for anything else; it keeps the requests
// asked, and closes arrived at the first.
type failingPlatform struct {
	mu      sync.Mutex
	routes  map[string][]answer
	served  map[string]int
	asked   []string
	arrived chan struct{} // closed at the first POST
	posted  bool
	srv     *httptest.Server
	stopped chan struct{}
}

func newFailingPlatform(t *testing.T, routes map[string][]answer) *failingPlatform {
	p := &failingPlatform{routes: routes, served: map[string]int{}, arrived: make(chan struct{}), stopped: make(chan struct{})}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the whole request, a streamed upload too: the server notices
		// the client going away only once it has.
		io.Copy(io.Discard, r.Body)
		route := r.Method + " " + r.URL.Path
		if strings.HasSuffix(r.URL.Path, "/debug_token") {
			// The app's own check of a Facebook token's expiry, on its own
			// timer: not part of publishing.
			http.NotFound(w, r)
			return
		}
		p.mu.Lock()
		p.asked = append(p.asked, route)
		// A post begins with a POST; the accounts' own listening (Mastodon's
		// stream and notifications) is a GET.
		if r.Method == http.MethodPost && !p.posted {
			p.posted = true
			close(p.arrived)
		}
		answers, ok := p.routes[route]
		var a answer
		if ok {
			a = answers[min(p.served[route], len(answers)-1)]
			p.served[route]++
		}
		p.mu.Unlock()
		if !ok {
			http.Error(w, "unexpected "+route, http.StatusNotFound)
			return
		}
		if a.hang {
			select {
			case <-r.Context().Done():
			case <-p.stopped:
			}
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(p.srv.Close)
	t.Cleanup(func() { close(p.stopped) }) // runs first: no handler is left hanging
	return p
}

func (p *failingPlatform) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}

// Each documented way a platform says no, or says nothing, as the post's
// kind meets it. Bodies follow the platforms' error formats: Mastodon's
// Error entity ({"error"}), the Graph API error object, the Bot API's
// {"ok": false, "error_code", "description", "parameters"}.
const (
	mastoPost    = "POST /api/v1/statuses"
	mastoUpload  = "POST /api/v2/media"
	mastoMedia   = "GET /api/v1/media/22348641"
	fbFeed       = "POST /v21.0/546349135390552/feed"
	fbPhotos     = "POST /v21.0/546349135390552/photos"
	tgMessage    = "POST /bottg-secret-4815162342/sendMessage"
	tgPhoto      = "POST /bottg-secret-4815162342/sendPhoto"
	noAnswerText = "nessuna risposta della piattaforma entro"
)

var (
	// The upload Mastodon accepted, still processing (202), and the
	// attachment once processed.
	mastoAccepted  = answer{status: 202, body: `{"id":"22348641","type":"image","url":null,"preview_url":"https://files.social.example/media/small/22348641.png","description":"La piazza"}`}
	mastoProcessed = answer{status: 200, body: `{"id":"22348641","type":"image","url":"https://files.social.example/media/22348641.png","description":"La piazza"}`}
	mastoStill     = answer{status: 206, body: `{"id":"22348641","type":"image","url":null,"preview_url":"https://files.social.example/media/small/22348641.png","description":"La piazza"}`}
	hang           = answer{hang: true}
)

func mastoRateLimited() answer {
	return answer{status: 429, body: `{"error":"Too many requests"}`, header: map[string]string{
		"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset": time.Now().Add(5 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")}}
}

func graphError(status, code int, message string) answer {
	return answer{status: status, body: fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"fbtrace_id":"AWswcVwbcqfgrSgjG80MtqJ"}}`, message, code),
		header: map[string]string{"WWW-Authenticate": `OAuth "Facebook Platform" "invalid_request" "` + message + `"`}}
}

func botError(status int, description string) answer {
	return answer{status: status, body: fmt.Sprintf(`{"ok":false,"error_code":%d,"description":%q}`, status, description)}
}

// failureCase is one way publishing fails on one platform, for one kind of post.
type failureCase struct {
	platform, kind, failure string
	routes                  map[string][]answer
	timeout                 time.Duration // the publish timeout (default when 0)
	deleteImage             bool
	reason                  []string // what the page must say of why
}

func failureCases() []failureCase {
	// r pairs routes with their answers.
	r := func(kv ...any) map[string][]answer {
		m := map[string][]answer{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].([]answer)
		}
		return m
	}
	tgRate := answer{status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`}
	const short = 300 * time.Millisecond
	return []failureCase{
		// Mastodon
		{platform: "mastodon", kind: "text", failure: "refusal",
			routes: r(mastoPost, []answer{{status: 422, body: `{"error":"Validation failed: Text character limit of 500 exceeded"}`}}),
			reason: []string{"Mastodon ha rifiutato la pubblicazione", "422", "Validation failed: Text character limit of 500 exceeded"}},
		{platform: "mastodon", kind: "image", failure: "refusal",
			routes: r(mastoUpload, []answer{mastoAccepted}, mastoMedia, []answer{mastoProcessed},
				mastoPost, []answer{{status: 422, body: `{"error":"Validation failed: Text character limit of 500 exceeded"}`}}),
			reason: []string{"Mastodon ha rifiutato la pubblicazione", "422", "Validation failed: Text character limit of 500 exceeded"}},
		{platform: "mastodon", kind: "text", failure: "timeout", timeout: short,
			routes: r(mastoPost, []answer{hang}), reason: []string{noAnswerText}},
		{platform: "mastodon", kind: "image", failure: "timeout", timeout: short,
			routes: r(mastoUpload, []answer{hang}), reason: []string{noAnswerText}},
		{platform: "mastodon", kind: "text", failure: "rate limit",
			routes: r(mastoPost, []answer{mastoRateLimited()}), reason: []string{"Mastodon chiede di riprovare", "429", "Too many requests"}},
		{platform: "mastodon", kind: "image", failure: "rate limit",
			routes: r(mastoUpload, []answer{mastoRateLimited()}), reason: []string{"Mastodon chiede di riprovare", "429", "Too many requests"}},
		{platform: "mastodon", kind: "image", failure: "media processing failed",
			routes: r(mastoUpload, []answer{mastoAccepted}, mastoMedia, []answer{mastoStill, {status: 422, body: `{"error":"Error processing thumbnail for uploaded media"}`}}),
			reason: []string{"422", "Error processing thumbnail for uploaded media"}},
		{platform: "mastodon", kind: "image", failure: "media processing never ends", timeout: 1200 * time.Millisecond,
			routes: r(mastoUpload, []answer{mastoAccepted}, mastoMedia, []answer{mastoStill}), reason: []string{noAnswerText}},
		{platform: "mastodon", kind: "image", failure: "image file gone", deleteImage: true,
			routes: r(), reason: []string{"l'immagine non è più disponibile"}},
		// Facebook Page (Graph API)
		{platform: "facebook", kind: "text", failure: "refusal",
			routes: r(fbFeed, []answer{graphError(400, 506, "(#506) Duplicate status message")}),
			reason: []string{"Facebook ha rifiutato", "506 (#506) Duplicate status message"}},
		{platform: "facebook", kind: "image", failure: "refusal",
			routes: r(fbPhotos, []answer{graphError(403, 200, "(#200) Permissions error")}),
			reason: []string{"Facebook ha rifiutato", "200 (#200) Permissions error"}},
		{platform: "facebook", kind: "text", failure: "timeout", timeout: short,
			routes: r(fbFeed, []answer{hang}), reason: []string{noAnswerText}},
		{platform: "facebook", kind: "image", failure: "timeout", timeout: short,
			routes: r(fbPhotos, []answer{hang}), reason: []string{noAnswerText}},
		{platform: "facebook", kind: "text", failure: "rate limit",
			routes: r(fbFeed, []answer{graphError(400, 32, "(#32) Page request limit reached")}),
			reason: []string{"Facebook chiede di riprovare", "32 (#32) Page request limit reached"}},
		{platform: "facebook", kind: "image", failure: "rate limit",
			routes: r(fbPhotos, []answer{graphError(400, 4, "(#4) Application request limit reached")}),
			reason: []string{"Facebook chiede di riprovare", "4 (#4) Application request limit reached"}},
		{platform: "facebook", kind: "text", failure: "rate limit (613)",
			routes: r(fbFeed, []answer{graphError(400, 613, "(#613) Calls to this api have exceeded the rate limit.")}),
			reason: []string{"Facebook chiede di riprovare", "613 (#613) Calls to this api have exceeded the rate limit."}},
		{platform: "facebook", kind: "image", failure: "media processing failed",
			routes: r(fbPhotos, []answer{graphError(400, 324, "(#324) Missing or invalid image file")}),
			reason: []string{"Facebook ha rifiutato", "324 (#324) Missing or invalid image file"}},
		{platform: "facebook", kind: "image", failure: "image file gone", deleteImage: true,
			routes: r(), reason: []string{"l'immagine non è più disponibile"}},
		// Telegram channel (Bot API)
		{platform: "telegram", kind: "text", failure: "refusal",
			routes: r(tgMessage, []answer{botError(403, "Forbidden: bot is not a member of the channel chat")}),
			reason: []string{"Telegram ha rifiutato", "403 Forbidden: bot is not a member of the channel chat"}},
		{platform: "telegram", kind: "image", failure: "refusal",
			routes: r(tgPhoto, []answer{botError(400, "Bad Request: not enough rights to send photos to the chat")}),
			reason: []string{"Telegram ha rifiutato", "400 Bad Request: not enough rights to send photos to the chat"}},
		{platform: "telegram", kind: "text", failure: "timeout", timeout: short,
			routes: r(tgMessage, []answer{hang}), reason: []string{noAnswerText}},
		{platform: "telegram", kind: "image", failure: "timeout", timeout: short,
			routes: r(tgPhoto, []answer{hang}), reason: []string{noAnswerText}},
		{platform: "telegram", kind: "text", failure: "rate limit",
			routes: r(tgMessage, []answer{tgRate}), reason: []string{"Telegram chiede di riprovare tra 5 s", "Too Many Requests: retry after 5"}},
		{platform: "telegram", kind: "image", failure: "rate limit",
			routes: r(tgPhoto, []answer{tgRate}), reason: []string{"Telegram chiede di riprovare tra 5 s", "Too Many Requests: retry after 5"}},
		{platform: "telegram", kind: "image", failure: "media processing failed",
			routes: r(tgPhoto, []answer{botError(400, "Bad Request: IMAGE_PROCESS_FAILED")}),
			reason: []string{"Telegram ha rifiutato", "400 Bad Request: IMAGE_PROCESS_FAILED"}},
		{platform: "telegram", kind: "image", failure: "image file gone", deleteImage: true,
			routes: r(), reason: []string{"l'immagine non è più disponibile"}},
	}
}

// The platforms' tokens: no reason shown may carry one.
var platformSecrets = []string{"masto-secret-2718281828", "fb-secret-3141592653", "tg-secret-4815162342", "app-secret-1618033988"}

// failingAccount connects the ente's account on the fake platform.
func (e *env) failingAccount(platform, base string) *redazione.Channel {
	e.t.Helper()
	switch platform {
	case "mastodon":
		return e.account(redazione.ChannelMastodon, "@comune@social.example", map[string]string{"api_base_url": base, "token": platformSecrets[0]})
	case "facebook":
		return e.account(redazione.ChannelMessenger, "Pagina Facebook del Comune", map[string]string{"page_id": "546349135390552", "token": platformSecrets[1],
			"app_secret": platformSecrets[3], "verify_token": "v", "api_base_url": base, "api_version": "v21.0"})
	default:
		return e.account(redazione.ChannelTelegram, "Canale Telegram del Comune", map[string]string{"token": platformSecrets[2], "api_base_url": base, "publish_chat": "@comune_esempio"})
	}
}

// coordinator signs in a coordinator of the ente (without the shared user
// counter, so that tests can run in parallel).
func (e *env) coordinator() *browser {
	e.t.Helper()
	hash, err := coordinatorHash()
	if err != nil {
		e.t.Fatal(err)
	}
	u := &redazione.User{Email: "coordinatrice@comune-a.example.it", Name: "Coordinatrice", Role: redazione.RoleCoordinator, PasswordHash: hash}
	if err := e.db.CreateUser(e.t.Context(), redazione.SystemActor(e.ente.ID), u); err != nil {
		e.t.Fatal(err)
	}
	return e.login(u)
}

// coordinatorHash is testPassword's hash, computed once for all the tests.
var coordinatorHash = sync.OnceValues(func() (string, error) { return auth.HashPassword(testPassword) })

var logEntryRe = regexp.MustCompile(`(?s)<li><time[^>]*>[^<]*</time> · (.*?)</li>`)

// publicationLog is the log as the post's page shows it: one line per
// entry, newest first, tags removed.
func publicationLog(t *testing.T, page string) []string {
	t.Helper()
	_, list, ok := strings.Cut(page, `<ol class="small publication-log">`)
	if !ok {
		t.Fatal("the post's page has no publication log")
	}
	list, _, _ = strings.Cut(list, "</ol>")
	var out []string
	for _, m := range logEntryRe.FindAllStringSubmatch(list, -1) {
		out = append(out, regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
	}
	return out
}

// A post the platform did not accept, whatever the way (a refusal, no
// answer in time, a rate limit, an image it could not process, the image
// file gone before sending), is shown "non pubblicata" with the platform's
// reason, and the publication log says so in an entry that keeps the chain
// intact; nothing says it was published.
func TestPublishingFailuresAreRecordedAsSuch(t *testing.T) {
	for _, c := range failureCases() {
		t.Run(c.platform+"/"+c.kind+"/"+c.failure, func(t *testing.T) {
			t.Parallel()
			plat := newFailingPlatform(t, c.routes)
			e := start(t, testdb.Open(t, store.SQLite), func(cfg *app.Config) {
				cfg.PublishTimeout = c.timeout
				cfg.PublishEvery = time.Hour // only the test publishes
			})
			acct := e.failingAccount(c.platform, plat.srv.URL)
			cb := e.coordinator()
			text := "Domenica mercato straordinario in piazza del Municipio."
			form := url.Values{"channel": {fmt.Sprint(acct.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"}, "text": {text}}
			var code int
			var page string
			if c.kind == "image" {
				form.Set("alt_text", "La piazza del Municipio con le bancarelle del mercato")
				code, page = cb.postMultipart("/pubblicazioni", form, "image", "mercato.png", pngPixel)
			} else {
				code, page = cb.post("/pubblicazioni", form)
			}
			if code != 200 || !strings.Contains(page, "Parte alle") {
				t.Fatalf("the post was not scheduled: %d", code)
			}
			posts, err := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
			if err != nil || len(posts) != 1 {
				t.Fatalf("posts: %v, %v", posts, err)
			}
			p := posts[0]
			if c.deleteImage {
				if len(p.Images) == 0 {
					t.Fatal("the post has no image")
				}
				if err := e.app.Blobs.Delete(p.Images[0].Key); err != nil {
					t.Fatal(err)
				}
			}

			e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
			if n, err := e.app.Inbox.PublishDue(t.Context()); n != 0 || err != nil {
				t.Errorf("PublishDue: %d published, %v; want none published, no error", n, err)
			}

			_, page = cb.get(fmt.Sprintf("/pubblicazioni/%d", p.ID))
			if !strings.Contains(page, `id="post-status">non pubblicata<`) {
				t.Errorf("the post is not shown as non pubblicata: %q", statusOf(page))
			}
			if strings.Contains(page, "Pubblicata il") || strings.Contains(page, "Apri il post") {
				t.Error("the page says the post was published")
			}
			_, alert, _ := strings.Cut(page, "<strong>Non pubblicata:</strong>")
			alert, _, _ = strings.Cut(alert, "</p>")
			for _, want := range c.reason {
				if !strings.Contains(alert, template.HTMLEscapeString(want)) {
					t.Errorf("the page does not give the reason %q; it says: %q", want, alert)
				}
			}
			for _, s := range platformSecrets {
				if strings.Contains(page, s) {
					t.Errorf("the page shows a secret: %q", alert)
				}
			}
			log := publicationLog(t, page)
			if len(log) == 0 || !strings.HasPrefix(log[0], "non pubblicata · ") {
				t.Fatalf("the log's newest entry does not say non pubblicata: %q", log)
			}
			last := log[0] // newest first
			for _, want := range c.reason {
				if !strings.Contains(last, template.HTMLEscapeString(want)) {
					t.Errorf("the log's entry does not give the reason %q: %q", want, last)
				}
			}
			for _, l := range log {
				if strings.HasPrefix(l, "pubblicata") {
					t.Errorf("the log says published: %q", log)
				}
			}
			if !strings.Contains(page, "Catena integra") {
				t.Error("the publication log's chain is not intact")
			}

			// What is stored agrees with the page.
			got, err := e.db.Post(t.Context(), redazione.SystemActor(e.ente.ID), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != store.PostFailed || !got.PublishedAt.IsZero() || got.URL != "" || got.ExternalID != "" {
				t.Errorf("stored: status %s, published at %v, url %q, id %q", got.Status, got.PublishedAt, got.URL, got.ExternalID)
			}
			entries, broken, err := e.db.PublicationLog(t.Context(), redazione.SystemActor(e.ente.ID), p.ID)
			if err != nil || broken != 0 || len(entries) == 0 || entries[0].Action != store.PostFailed {
				t.Errorf("stored log: %+v, broken at %d, %v", entries, broken, err)
			}
			if c.deleteImage {
				for _, r := range plat.requests() {
					if strings.HasPrefix(r, "POST ") {
						t.Errorf("the platform was asked %q for a post without its image", r)
					}
				}
			}
			// Not tried again behind the office's back.
			if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 {
				t.Error("the failed post went out on a second pass")
			}
		})
	}
}

func statusOf(page string) string {
	_, s, _ := strings.Cut(page, `id="post-status">`)
	s, _, _ = strings.Cut(s, "<")
	return s
}

// A post being sent when Redazione stops is recorded as not published,
// with the reason, rather than left "in invio" for ever.
func TestPublishingInterruptedIsRecorded(t *testing.T) {
	t.Parallel()
	plat := newFailingPlatform(t, map[string][]answer{mastoPost: {hang}})
	e := start(t, testdb.Open(t, store.SQLite), func(cfg *app.Config) { cfg.PublishEvery = time.Hour })
	acct := e.failingAccount("mastodon", plat.srv.URL)
	cb := e.coordinator()
	if code, page := cb.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(acct.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"},
		"text": {"Chiusura straordinaria degli uffici venerdì."}}); code != 200 || !strings.Contains(page, "Parte alle") {
		t.Fatalf("the post was not scheduled: %d", code)
	}
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	ctx, stop := context.WithCancel(t.Context())
	go func() {
		select {
		case <-plat.arrived:
		case <-ctx.Done():
		}
		stop() // Redazione stops while the platform has the post
	}()
	if n, err := e.app.Inbox.PublishDue(ctx); n != 0 || err != nil {
		t.Errorf("PublishDue: %d, %v", n, err)
	}
	posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
	if len(posts) != 1 {
		t.Fatalf("posts: %v", posts)
	}
	_, page := cb.get(fmt.Sprintf("/pubblicazioni/%d", posts[0].ID))
	if !strings.Contains(page, `id="post-status">non pubblicata<`) || !strings.Contains(page, "il post potrebbe essere uscito") {
		t.Errorf("the interrupted post shows %q", statusOf(page))
	}
	if log := publicationLog(t, page); len(log) == 0 || !strings.HasPrefix(log[0], "non pubblicata · ") || !strings.Contains(page, "Catena integra") {
		t.Errorf("log: %q", log)
	}
}
