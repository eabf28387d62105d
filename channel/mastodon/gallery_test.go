package mastodon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// galleryFake is a Mastodon instance taking media uploads (the first still
// processing, as /api/v2/media answers 202 for a large file) and statuses,
// with the documented payloads, recording what it was given.
type galleryFake struct {
	mu       sync.Mutex
	uploads  []string // "description: file content"
	mediaIDs []string // of the status
	keys     []string
	failAt   int // the upload refused (422), from 1; 0: none
	srv      *httptest.Server
}

func newGalleryFake(t *testing.T) *galleryFake {
	f := &galleryFake{}
	file := func(name, id string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(strings.ReplaceAll(string(b), "22348641", id))
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v2/media":
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			fh, content := r.MultipartForm.File["file"], ""
			if len(fh) == 1 {
				rd, _ := fh[0].Open()
				b, _ := io.ReadAll(rd)
				content = string(b)
			}
			f.uploads = append(f.uploads, r.FormValue("description")+": "+content)
			if len(f.uploads) == f.failAt {
				w.WriteHeader(http.StatusUnprocessableEntity)
				io.WriteString(w, `{"error":"File type of uploaded media could not be verified"}`)
				return
			}
			id := fmt.Sprintf("9000%d", len(f.uploads))
			if len(f.uploads) == 1 {
				w.WriteHeader(http.StatusAccepted)
				w.Write(file("media_processing.json", id))
				return
			}
			w.Write(file("media_ok.json", id))
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/v1/media/"):
			w.Write(file("media_ok.json", strings.TrimPrefix(r.URL.Path, "/api/v1/media/")))
		case r.Method == "POST" && r.URL.Path == "/api/v1/statuses":
			var m struct {
				MediaIDs []string `json:"media_ids"`
			}
			json.NewDecoder(r.Body).Decode(&m)
			f.mediaIDs = m.MediaIDs
			f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
			w.Write(file("status_ok.json", ""))
		default:
			http.Error(w, "unexpected", http.StatusNotFound)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func images(n int) []channel.Image {
	var out []channel.Image
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf("\x89PNG foto %d", i)
		out = append(out, channel.Image{File: channel.File{Name: fmt.Sprintf("foto%d.png", i), ContentType: "image/png", Size: int64(len(body)),
			Body: io.NopCloser(strings.NewReader(body))}, Alt: fmt.Sprintf("Descrizione della foto %d", i)})
	}
	return out
}

// Three images: each uploaded with its description, in order, and one
// public status carrying the three media in that order.
func TestPublishImages(t *testing.T) {
	t.Parallel()
	f := newGalleryFake(t)
	ch := &redazione.Channel{Settings: map[string]string{"api_base_url": f.srv.URL, "token": "secret-token"}}
	id, _, err := Sender{}.PublishImages(t.Context(), ch, 7, "La piazza rinnovata", images(3))
	if err != nil || id != "113450000000000099" {
		t.Fatalf("PublishImages: %q, %v", id, err)
	}
	want := []string{"Descrizione della foto 1: \x89PNG foto 1", "Descrizione della foto 2: \x89PNG foto 2", "Descrizione della foto 3: \x89PNG foto 3"}
	if strings.Join(f.uploads, "|") != strings.Join(want, "|") {
		t.Errorf("uploads %q, want %q", f.uploads, want)
	}
	if strings.Join(f.mediaIDs, ",") != "90001,90002,90003" || len(f.keys) != 1 || f.keys[0] != "redazione-post-7" {
		t.Errorf("status with media %v, keys %v", f.mediaIDs, f.keys)
	}
}

// Five images are more than a status carries: refused before anything is
// uploaded, for good.
func TestPublishImagesTooMany(t *testing.T) {
	t.Parallel()
	f := newGalleryFake(t)
	ch := &redazione.Channel{Settings: map[string]string{"api_base_url": f.srv.URL, "token": "secret-token"}}
	_, _, err := Sender{}.PublishImages(t.Context(), ch, 8, "Troppe foto", images(5))
	var perm jobs.Permanent
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "al massimo 4 immagini") || len(f.uploads) != 0 {
		t.Errorf("five images: %v, uploads %d", err, len(f.uploads))
	}
}

// The second of three uploads refused: no status is posted, and the error
// says which image and why, as final.
func TestPublishImagesOneRefused(t *testing.T) {
	t.Parallel()
	f := newGalleryFake(t)
	f.failAt = 2
	ch := &redazione.Channel{Settings: map[string]string{"api_base_url": f.srv.URL, "token": "secret-token"}}
	_, _, err := Sender{}.PublishImages(t.Context(), ch, 9, "La piazza", images(3))
	var perm jobs.Permanent
	if !errors.As(err, &perm) || !strings.HasPrefix(err.Error(), "immagine 2: Mastodon ha rifiutato l'immagine: 422") {
		t.Errorf("error %v", err)
	}
	if len(f.uploads) != 2 || len(f.keys) != 0 {
		t.Errorf("uploads %d, statuses %d", len(f.uploads), len(f.keys))
	}
}
