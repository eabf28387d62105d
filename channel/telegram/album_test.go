package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

func album(n int) []channel.Image {
	var out []channel.Image
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf("\xff\xd8\xff\xe0 foto %d", i)
		out = append(out, channel.Image{File: channel.File{Name: fmt.Sprintf("foto%d.jpg", i), ContentType: "image/jpeg", Size: int64(len(body)),
			Body: io.NopCloser(strings.NewReader(body))}, Alt: fmt.Sprintf("Foto %d", i)})
	}
	return out
}

// Three images go as one album: sendMediaGroup with three InputMediaPhoto,
// each file a part named by its attach:// reference, the post's text the
// first photo's caption; the album's first message is the post.
func TestPublishImagesAlbum(t *testing.T) {
	t.Parallel()
	var got []string
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/botTOKEN123/sendMediaGroup" || r.ParseMultipartForm(1<<20) != nil {
			http.Error(w, "unexpected", 404)
			return
		}
		var media []map[string]string
		if err := json.Unmarshal([]byte(r.FormValue("media")), &media); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		got = append(got, "chat "+r.FormValue("chat_id"))
		for _, m := range media {
			name, ok := strings.CutPrefix(m["media"], "attach://")
			fh := r.MultipartForm.File[name]
			if !ok || m["type"] != "photo" || len(fh) != 1 {
				http.Error(w, "bad InputMediaPhoto", 400)
				return
			}
			f, _ := fh[0].Open()
			b, _ := io.ReadAll(f)
			got = append(got, fmt.Sprintf("%s %s [%s]", fh[0].Filename, b, m["caption"]))
		}
		w.Write(read(t, "send_media_group_ok.json"))
	}))
	t.Cleanup(srv.Close)
	ch := &redazione.Channel{Settings: map[string]string{"token": "TOKEN123", "api_base_url": srv.URL, "publish_chat": "@comune_esempio"}}
	id, link, err := Sender{}.PublishImages(t.Context(), ch, 9, "Inaugurata la nuova piazza del Municipio", album(3))
	if err != nil || id != "2041" || link != "https://t.me/comune_esempio/2041" {
		t.Fatalf("PublishImages: %q %q %v", id, link, err)
	}
	want := "chat @comune_esempio|foto1.jpg \xff\xd8\xff\xe0 foto 1 [Inaugurata la nuova piazza del Municipio]|foto2.jpg \xff\xd8\xff\xe0 foto 2 []|foto3.jpg \xff\xd8\xff\xe0 foto 3 []"
	if strings.Join(got, "|") != want {
		t.Errorf("sent %q\nwant %q", strings.Join(got, "|"), want)
	}
	// Eleven are more than an album takes: refused for good, nothing sent.
	_, _, err = Sender{}.PublishImages(t.Context(), ch, 10, "Troppe", album(11))
	var perm jobs.Permanent
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "al massimo 10 immagini") || calls != 1 {
		t.Errorf("eleven images: %v (%d calls)", err, calls)
	}
}
