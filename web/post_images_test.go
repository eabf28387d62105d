package web_test

import (
	"bytes"
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
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// upload is one file of a multipart form.
type upload struct {
	field, name string
	content     []byte
}

// postFiles sends a multipart form with several files, as the post form
// with several images does.
func (b *browser) postFiles(path string, form url.Values, files ...upload) (int, string) {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	form.Set("csrf", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.content)
	}
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

// photo is a distinct small PNG (the blob store keeps each content once).
func photo(i int) []byte { return append(append([]byte(nil), pngPixel...), byte(i)) }

// mastodonMedia is a Mastodon instance for posts with images: each upload
// gets its own media id (documented payloads in channel/mastodon/testdata),
// and the status records the media it carries.
type mastodonMedia struct {
	mu      sync.Mutex
	uploads []string // "description (bytes)"
	status  []string // "text media=[ids]"
	srv     *httptest.Server
}

func newMastodonMedia(t *testing.T) *mastodonMedia {
	m := &mastodonMedia{}
	file := func(name, id string) []byte {
		b, err := os.ReadFile("../channel/mastodon/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(strings.ReplaceAll(string(b), "22348641", id))
	}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v2/media":
			r.ParseMultipartForm(1 << 20)
			size := 0
			if fh := r.MultipartForm.File["file"]; len(fh) == 1 {
				size = int(fh[0].Size)
			}
			m.uploads = append(m.uploads, fmt.Sprintf("%s (%d byte)", r.FormValue("description"), size))
			w.Write(file("media_ok.json", fmt.Sprintf("7000%d", len(m.uploads))))
		case r.Method == "POST" && r.URL.Path == "/api/v1/statuses":
			var s struct {
				Status   string   `json:"status"`
				MediaIDs []string `json:"media_ids"`
			}
			json.NewDecoder(r.Body).Decode(&s)
			m.status = append(m.status, fmt.Sprintf("%s media=%v", s.Status, s.MediaIDs))
			w.Write(file("status_ok.json", ""))
		default:
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		}
	}))
	t.Cleanup(m.srv.Close)
	return m
}

var figcaptions = regexp.MustCompile(`(?s)<figcaption[^>]*>(.*?)</figcaption>`)

// A post with three images, each with its alternative text: the approver
// sees the three, in order, with their texts; once approved it goes out on
// Mastodon as three media, each uploaded with its description, and one
// status carrying them in that order.
func TestPostWithThreeImages(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	masto := newMastodonMedia(t)
	acc := e.account(redazione.ChannelMastodon, "@comune@social.example", map[string]string{"api_base_url": masto.srv.URL, "token": "MASTO", "publish_approval": "on"})
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID)
	ob, cb := e.login(op), e.login(e.newUser(e.ente, redazione.RoleCoordinator))

	_, page := ob.get("/pubblicazioni/nuova")
	for _, want := range []string{"Fino a 4 immagini su Mastodon.", `name="image_1"`, `name="alt_1"`, `name="image_4"`, "Aggiungi altre immagini"} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	alts := []string{"La piazza del Municipio vista dalla torre civica", "Le nuove panchine in legno sotto i tigli", "La fontana restaurata con i bambini che giocano"}
	form := url.Values{"channel": {fmt.Sprint(acc.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"submit"}, "text": {"Inaugurata la nuova piazza del Municipio"},
		"alt_1": {alts[0]}, "alt_2": {alts[1]}, "alt_3": {alts[2]}}
	code, page := ob.postFiles("/pubblicazioni", form, upload{"image_1", "torre.png", photo(1)}, upload{"image_2", "panchine.png", photo(2)}, upload{"image_3", "fontana.png", photo(3)})
	if code != 200 || !strings.Contains(page, ">in attesa di approvazione<") {
		t.Fatalf("a post with three described images: %d", code)
	}
	posts, _ := e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
	if len(posts) != 1 || len(posts[0].Images) != 3 {
		t.Fatalf("posts: %+v", posts)
	}
	id := posts[0].ID

	// The approver's page: every image, in order, with its alternative text.
	_, page = cb.get(fmt.Sprintf("/pubblicazioni/%d", id))
	caps := figcaptions.FindAllStringSubmatch(page, -1)
	if len(caps) != 3 {
		t.Fatalf("the review page shows %d images, want 3", len(caps))
	}
	for i, c := range caps {
		if !strings.Contains(c[1], alts[i]) {
			t.Errorf("image %d is shown with %q, want %q", i+1, c[1], alts[i])
		}
		if !strings.Contains(page, fmt.Sprintf(`alt="%s"`, alts[i])) {
			t.Errorf("image %d is not shown", i+1)
		}
	}
	if code, body := cb.get(fmt.Sprintf("/pubblicazioni/%d/immagine?n=2", id)); code != 200 || body != string(photo(2)) {
		t.Errorf("the second image served: %d", code)
	}
	if code, _ := cb.get(fmt.Sprintf("/pubblicazioni/%d/immagine?n=4", id)); code != 404 {
		t.Errorf("a fourth image that is not there: %d", code)
	}

	if code, page := cb.post(fmt.Sprintf("/pubblicazioni/%d/approva", id), url.Values{}); code != 200 || !strings.Contains(page, ">programmata<") {
		t.Fatalf("approval: %d", code)
	}
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	defer e.db.SetNow(time.Now)
	if n, err := e.app.Inbox.PublishDue(t.Context()); n != 1 || err != nil {
		t.Fatalf("published %d, %v", n, err)
	}
	size := len(photo(1))
	want := []string{fmt.Sprintf("%s (%d byte)", alts[0], size), fmt.Sprintf("%s (%d byte)", alts[1], size), fmt.Sprintf("%s (%d byte)", alts[2], size)}
	if strings.Join(masto.uploads, "|") != strings.Join(want, "|") {
		t.Errorf("uploads %q\nwant %q", masto.uploads, want)
	}
	if len(masto.status) != 1 || masto.status[0] != "Inaugurata la nuova piazza del Municipio media=[70001 70002 70003]" {
		t.Errorf("statuses %q", masto.status)
	}
	if p, _ := e.db.Post(t.Context(), redazione.ActorOf(op), id); p.Status != store.PostPublished {
		t.Errorf("the post is %s", p.Status)
	}
}

// The form changes a post's images: the last one first, one taken out, a
// description rewritten, a new one added; five on Mastodon are stopped by
// the checks, which say why; a file that is not an image is refused and
// leaves the post as it was.
func TestPostImagesEdited(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	acc := e.account(redazione.ChannelMastodon, "@comune@social.example", map[string]string{"api_base_url": "http://127.0.0.1:9", "token": "MASTO"})
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID)
	ob := e.login(op)
	base := url.Values{"channel": {fmt.Sprint(acc.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"save"}, "text": {"La piazza"},
		"alt_1": {"Prima foto della piazza"}, "alt_2": {"Seconda foto della piazza"}, "alt_3": {"Terza foto della piazza"}}
	if code, _ := ob.postFiles("/pubblicazioni", base, upload{"image_1", "a.png", photo(1)}, upload{"image_2", "b.png", photo(2)}, upload{"image_3", "c.png", photo(3)}); code != 200 {
		t.Fatalf("save: %d", code)
	}
	posts, _ := e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
	id := posts[0].ID
	path := fmt.Sprintf("/pubblicazioni/%d", id)
	_, page := ob.get(path)
	for _, want := range []string{`name="img_alt_2"`, `name="img_pos_2"`, `name="img_remove_1"`, `name="image_1"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %q", want)
		}
	}
	edit := url.Values{"channel": {fmt.Sprint(acc.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"save"}, "text": {"La piazza"},
		"img_pos_0": {"2"}, "img_pos_1": {"3"}, "img_pos_2": {"1"}, "img_remove_1": {"on"},
		"img_alt_0": {"La prima foto, riscritta meglio"}, "img_alt_2": {"Terza foto della piazza"}, "alt_1": {"Una foto nuova della piazza"}}
	if code, _ := ob.postFiles(path, edit, upload{"image_1", "d.png", photo(4)}); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	p, _ := e.db.Post(t.Context(), redazione.ActorOf(op), id)
	var got []string
	for _, im := range p.Images {
		got = append(got, im.Name+": "+im.Alt)
	}
	want := "c.png: Terza foto della piazza|a.png: La prima foto, riscritta meglio|d.png: Una foto nuova della piazza"
	if strings.Join(got, "|") != want {
		t.Errorf("after the edit: %q\nwant %q", strings.Join(got, "|"), want)
	}

	// Two more: five, more than Mastodon takes.
	more := url.Values{"channel": {fmt.Sprint(acc.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"submit"}, "text": {"La piazza"},
		"alt_1": {"Quarta foto della piazza"}, "alt_2": {"Quinta foto della piazza"}}
	code, page := ob.postFiles(path, more, upload{"image_1", "e.png", photo(5)}, upload{"image_2", "f.png", photo(6)})
	if code != 422 || !strings.Contains(page, "la pubblicazione ha 5 immagini: su Mastodon se ne pubblicano al massimo 4") {
		t.Errorf("five images on Mastodon: %d", code)
	}
	// A text file among the images: refused, the post keeps its five.
	bad := url.Values{"channel": {fmt.Sprint(acc.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"save"}, "text": {"La piazza"}, "alt_1": {"Un documento"}}
	code, page = ob.postFiles(path, bad, upload{"image_1", "nota.txt", []byte("non un'immagine")})
	if code != 400 || !strings.Contains(page, "deve essere JPEG, PNG, GIF o WebP") {
		t.Errorf("a text file as image: %d", code)
	}
	if p, _ := e.db.Post(t.Context(), redazione.ActorOf(op), id); len(p.Images) != 5 {
		t.Errorf("the refused edit changed the images: %d", len(p.Images))
	}
}

// The second of three images lost from the blob store: the post fails with
// a message that says which, and nothing reaches Mastodon (no image is
// uploaded for a status that cannot go out whole).
func TestPostImageGoneFromGallery(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	masto := newMastodonMedia(t)
	acc := e.account(redazione.ChannelMastodon, "@comune@social.example", map[string]string{"api_base_url": masto.srv.URL, "token": "MASTO"})
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID)
	ob := e.login(op)
	form := url.Values{"channel": {fmt.Sprint(acc.ID)}, "desk": {fmt.Sprint(e.desks[3].ID)}, "action": {"submit"}, "text": {"La piazza"},
		"alt_1": {"Prima foto della piazza rinnovata"}, "alt_2": {"Seconda foto della piazza rinnovata"}, "alt_3": {"Terza foto della piazza rinnovata"}}
	if code, page := ob.postFiles("/pubblicazioni", form, upload{"image_1", "a.png", photo(1)}, upload{"image_2", "b.png", photo(2)}, upload{"image_3", "c.png", photo(3)}); code != 200 || !strings.Contains(page, "Parte alle") {
		t.Fatalf("submit: %d", code)
	}
	posts, _ := e.db.Posts(t.Context(), redazione.ActorOf(op), time.Time{}, time.Now().AddDate(1, 0, 0))
	if err := e.app.Blobs.Delete(posts[0].Images[1].Key); err != nil {
		t.Fatal(err)
	}
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	defer e.db.SetNow(time.Now)
	if n, err := e.app.Inbox.PublishDue(t.Context()); n != 0 || err != nil {
		t.Fatalf("published %d, %v", n, err)
	}
	_, page := ob.get(fmt.Sprintf("/pubblicazioni/%d", posts[0].ID))
	if !strings.Contains(page, "l&#39;immagine 2 non è più disponibile (il file non c&#39;è più): caricala di nuovo e riprova") {
		t.Error("the page does not say which image is gone")
	}
	if len(masto.uploads) != 0 || len(masto.status) != 0 {
		t.Errorf("Mastodon was asked %v %v", masto.uploads, masto.status)
	}
}
