package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// fakeIGGraph is Meta for Instagram publishing: it answers with the
// documented payloads (channel/meta/testdata) and, like Meta, downloads
// each image_url over HTTPS before it makes a container.
type fakeIGGraph struct {
	srv    *httptest.Server
	client *http.Client // how "Meta" reaches the internet
	full   atomic.Bool  // the daily limit is reached

	mu      sync.Mutex
	fetched []fetchedImage
	calls   []string
}

type fetchedImage struct {
	url, contentType, alt, caption string
	body                           []byte
}

func newFakeIGGraph(t *testing.T, client *http.Client) *fakeIGGraph {
	g := &fakeIGGraph{client: client}
	read := func(name string) []byte {
		b, err := os.ReadFile("../channel/meta/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const user = "/v21.0/17841405822304914"
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		g.mu.Lock()
		g.calls = append(g.calls, r.Method+" "+r.URL.Path)
		g.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer IG-TOKEN" {
			w.WriteHeader(400)
			w.Write(read("ig_error_token_expired.json"))
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/v21.0/134895793791914":
			w.Write(read("ig_page_account.json"))
		case r.Method == "GET" && r.URL.Path == user+"/content_publishing_limit":
			if g.full.Load() {
				w.Write([]byte(`{"data": [{"quota_usage": 50, "config": {"quota_total": 50, "quota_duration": 86400}}]}`))
				return
			}
			w.Write(read("ig_publishing_limit.json"))
		case r.Method == "POST" && r.URL.Path == user+"/media":
			resp, err := g.client.Get(r.PostForm.Get("image_url"))
			if err != nil {
				w.WriteHeader(400)
				w.Write(read("ig_error_media_fetch.json"))
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			g.mu.Lock()
			g.fetched = append(g.fetched, fetchedImage{url: r.PostForm.Get("image_url"), contentType: resp.Header.Get("Content-Type"),
				alt: r.PostForm.Get("alt_text"), caption: r.PostForm.Get("caption"), body: body})
			g.mu.Unlock()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
				w.WriteHeader(400)
				w.Write(read("ig_error_media_fetch.json"))
				return
			}
			w.Write(read("ig_container_ok.json"))
		case r.Method == "GET" && r.URL.Path == "/v21.0/17889455560051444":
			w.Write(read("ig_container_finished.json"))
		case r.Method == "POST" && r.URL.Path == user+"/media_publish" && r.PostForm.Get("creation_id") == "17889455560051444":
			w.Write(read("ig_media_publish_ok.json"))
		case r.Method == "GET" && r.URL.Path == "/v21.0/17920238422030506" && r.URL.Query().Get("fields") == "permalink":
			w.Write(read("ig_permalink.json"))
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.String(), http.StatusNotFound)
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeIGGraph) images() []fetchedImage {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]fetchedImage(nil), g.fetched...)
}

func (g *fakeIGGraph) published() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Contains(strings.Join(g.calls, "\n"), "media_publish")
}

// jpegPhoto is a small real JPEG.
func jpegPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// publicRedazione serves e over HTTPS as https://example.com (the name in
// httptest's certificate), and gives the client the internet would use to
// reach it.
func publicRedazione(t *testing.T, e *env) *http.Client {
	srv := httptest.NewTLSServer(e.app.Handler())
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func withPublicURL(u string) func(*app.Config) {
	return func(c *app.Config) { c.PublicURL = u }
}

// An image post to an Instagram account goes the whole way: the account
// band and its daily limit, the checks (a text-only post refused), a second
// person's approval, the undo window, crisis mode holding it, Meta
// downloading the image from its signed address, the permalink shown, the
// publication log intact.
func TestInstagramPublishing(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := start(t, testdb.Open(t, d), withPublicURL("https://example.com"))
			meta := newFakeIGGraph(t, publicRedazione(t, e))
			ig := e.account(redazione.ChannelInstagram, "@comunedialfa", map[string]string{"page_id": "134895793791914", "token": "IG-TOKEN",
				"app_secret": "s", "verify_token": "v", "api_base_url": meta.srv.URL, "api_version": "v21.0", "publish_approval": "on"})
			author, approver := e.login(e.newUser(e.ente, redazione.RoleCoordinator)), e.login(e.newUser(e.ente, redazione.RoleCoordinator))
			form := func(text, alt string) url.Values {
				return url.Values{"channel": {fmt.Sprint(ig.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"}, "text": {text}, "alt_text": {alt}}
			}
			if _, page := author.get("/pubblicazioni/nuova"); !strings.Contains(page, "@comunedialfa") || !strings.Contains(page, "oggi 2 post su 50") {
				t.Error("the form does not show the account's daily limit")
			}
			code, page := author.post("/pubblicazioni", form("Solo testo, senza foto", ""))
			if code != 422 || !strings.Contains(page, "Instagram pubblica solo post con almeno un&#39;immagine") {
				t.Fatalf("a text-only post: %d", code)
			}
			if !strings.Contains(page, `id="post-destination"`) || !strings.Contains(page, "oggi 2 post su 50") {
				t.Error("the refused post does not show its account and limit")
			}
			photo := jpegPhoto(t)
			alt := "Il sindaco taglia il nastro del nuovo asilo nido di via Verdi"
			caption := "Inaugurato il nuovo asilo nido di via Verdi #comunedialfa"
			if code, page := author.postMultipart("/pubblicazioni", form(caption, alt), "image", "asilo.jpg", photo); code != 200 || !strings.Contains(page, ">in attesa di approvazione<") {
				t.Fatalf("the post with a photo: %d", code)
			}
			posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
			var post *store.Post
			for _, p := range posts {
				if p.Status == store.PostPending {
					post = p
				}
			}
			if post == nil {
				t.Fatal("no post waits for approval")
			}
			if code, page := approver.post(fmt.Sprintf("/pubblicazioni/%d/approva", post.ID), url.Values{}); code != 200 || !strings.Contains(page, ">programmata<") {
				t.Fatalf("approval: %d", code)
			}
			// Inside the undo window nothing goes; in a crisis nothing goes.
			if n, err := e.app.Inbox.PublishDue(t.Context()); n != 0 || err != nil {
				t.Fatalf("published inside the undo window: %d %v", n, err)
			}
			e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
			defer e.db.SetNow(time.Now)
			admin := redazione.Actor{EnteID: e.ente.ID, UserID: 1, Role: redazione.RoleAdmin}
			if err := e.app.Inbox.SetCrisis(t.Context(), admin, true, "Allerta meteo"); err != nil {
				t.Fatal(err)
			}
			if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 || meta.published() {
				t.Fatal("published in crisis mode")
			}
			if err := e.app.Inbox.SetCrisis(t.Context(), admin, false, ""); err != nil {
				t.Fatal(err)
			}
			if n, err := e.app.Inbox.PublishDue(t.Context()); n != 1 || err != nil {
				p, _ := e.db.Post(t.Context(), redazione.SystemActor(e.ente.ID), post.ID)
				t.Fatalf("published %d, %v (%s)", n, err, p.Error)
			}
			got := meta.images()
			if len(got) != 1 || !bytes.Equal(got[0].body, photo) || got[0].contentType != "image/jpeg" || got[0].alt != alt || got[0].caption != caption {
				t.Fatalf("Meta fetched %+v", got)
			}
			_, page = author.get(fmt.Sprintf("/pubblicazioni/%d", post.ID))
			if !strings.Contains(page, ">pubblicata<") || !strings.Contains(page, `href="https://www.instagram.com/p/C3x2YtIoKk9/"`) || !strings.Contains(page, "Catena integra") {
				t.Error("the published post does not show its Instagram link and an intact log")
			}

			// The signed address: no session needed, nothing forged or expired served.
			signed := got[0].url
			if !strings.HasPrefix(signed, "https://example.com/pubblico/immagini/") {
				t.Fatalf("image address %q", signed)
			}
			public := publicRedazione(t, e)
			status := func(u string) int {
				resp, err := public.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if s := status(signed); s != 200 {
				t.Errorf("the signed address answers %d", s)
			}
			token := strings.TrimPrefix(signed, "https://example.com/pubblico/immagini/")
			parts := strings.Split(token, ".")
			forged := parts[0] + "." + parts[1] + "." + strings.Repeat("0", len(parts[2]))
			later := strconv.FormatInt(time.Now().Add(48*time.Hour).Unix(), 10) + "." + parts[1] + "." + parts[2]
			past := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
			sig, _ := e.db.KeyedHash("public-image", parts[1]+"\x00"+past)
			// A signed address of a file that is not an image serves nothing.
			doc, err := e.app.Blobs.Put(strings.NewReader("%PDF-1.4 delibera riservata"), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			docSig, _ := e.db.KeyedHash("public-image", doc.Key+"\x00"+parts[0])
			for name, c := range map[string]struct {
				token string
				want  int
			}{
				"forged signature": {forged, 404},
				"expiry moved":     {later, 404},
				"expired":          {past + "." + parts[1] + "." + sig, 410},
				"not a token":      {"..%2Fetc%2Fpasswd", 404},
				"not an image":     {parts[0] + "." + doc.Key + "." + docSig, 404},
			} {
				if s := status("https://example.com/pubblico/immagini/" + c.token); s != c.want {
					t.Errorf("%s: %d, want %d", name, s, c.want)
				}
			}
		})
	}
}

// Publishing to Instagram is refused before anything is sent when Meta
// could not download the images (no public https address) or when the
// account's daily limit is reached.
func TestInstagramRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, publicURL, want string
		full                  bool
	}{
		{"no public address", "", "indirizzo pubblico https", false},
		{"http public address", "http://redazione.comune.example.it", "indirizzo pubblico https", false},
		{"daily limit reached", "https://example.com", "raggiunto il limite di Instagram: 50 post su 50", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, testdb.Open(t, store.SQLite), withPublicURL(c.publicURL))
			meta := newFakeIGGraph(t, http.DefaultClient)
			meta.full.Store(c.full)
			ig := e.account(redazione.ChannelInstagram, "@comunedialfa", map[string]string{"page_id": "134895793791914", "token": "IG-TOKEN",
				"app_secret": "s", "verify_token": "v", "api_base_url": meta.srv.URL, "api_version": "v21.0"})
			b := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
			form := url.Values{"channel": {fmt.Sprint(ig.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"},
				"text": {"Mercato straordinario in piazza"}, "alt_text": {"Le bancarelle del mercato in piazza Garibaldi"}}
			if _, page := b.get("/pubblicazioni/nuova"); c.publicURL != "https://example.com" && !strings.Contains(page, `id="ig-no-public-url"`) {
				t.Error("the form does not say Instagram needs a public https address")
			}
			code, page := b.postMultipart("/pubblicazioni", form, "image", "mercato.jpg", jpegPhoto(t))
			if code != 422 || !strings.Contains(page, c.want) {
				t.Fatalf("submit: %d, want the reason %q", code, c.want)
			}
			if c.full && !strings.Contains(page, "oggi 50 post su 50") {
				t.Error("the limit reached is not shown")
			}
			e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
			defer e.db.SetNow(time.Now)
			if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 || len(meta.images()) != 0 || meta.published() {
				t.Error("something was sent to Instagram")
			}
		})
	}
}
