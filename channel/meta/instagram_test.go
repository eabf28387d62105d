package meta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// fakeInstagram speaks the Content Publishing API from the documented
// payloads; answers may be replaced per path to play Meta's refusals.
type fakeInstagram struct {
	t        *testing.T
	mu       sync.Mutex
	calls    []string          // "METHOD path form"
	override map[string]string // path (with query) → testdata file answered with 400
	statuses []string          // the status answers, in order, then FINISHED
	limit    string            // the content_publishing_limit answer, when set
	srv      *httptest.Server
}

func newFakeInstagram(t *testing.T) *fakeInstagram {
	f := &fakeInstagram{t: t, override: map[string]string{}}
	containers := 0
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f.mu.Lock()
		defer f.mu.Unlock()
		key := r.URL.Path
		if r.URL.RawQuery != "" {
			key += "?" + r.URL.RawQuery
		}
		form := ""
		if r.Method == http.MethodPost {
			form = r.PostForm.Encode()
		}
		f.calls = append(f.calls, strings.TrimSpace(r.Method+" "+key+" "+form))
		if r.Header.Get("Authorization") != "Bearer IG-TOKEN" || r.URL.Query().Get("access_token") != "" {
			w.WriteHeader(400)
			w.Write(readTestdata(t, "ig_error_token_expired.json"))
			return
		}
		if name, ok := f.override[key]; ok {
			w.WriteHeader(400)
			w.Write(readTestdata(t, name))
			return
		}
		switch {
		case r.Method == "GET" && key == "/v21.0/134895793791914?fields=instagram_business_account":
			w.Write(readTestdata(t, "ig_page_account.json"))
		case r.Method == "GET" && key == "/v21.0/17841405822304914/content_publishing_limit?fields=config,quota_usage":
			if f.limit != "" {
				w.Write([]byte(f.limit))
				return
			}
			w.Write(readTestdata(t, "ig_publishing_limit.json"))
		case r.Method == "POST" && key == "/v21.0/17841405822304914/media":
			containers++
			fmt.Fprintf(w, `{"id": "1788945556005%04d"}`, containers)
		case r.Method == "GET" && strings.HasSuffix(key, "?fields=status_code,status"):
			name := "ig_container_finished.json"
			if len(f.statuses) > 0 {
				name, f.statuses = f.statuses[0], f.statuses[1:]
			}
			w.Write(readTestdata(t, name))
		case r.Method == "POST" && key == "/v21.0/17841405822304914/media_publish":
			w.Write(readTestdata(t, "ig_media_publish_ok.json"))
		case r.Method == "GET" && key == "/v21.0/17920238422030506?fields=permalink":
			w.Write(readTestdata(t, "ig_permalink.json"))
		default:
			http.Error(w, "unexpected "+r.Method+" "+key, http.StatusNotFound)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeInstagram) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, "\n")
}

func (f *fakeInstagram) channel(settings ...string) *redazione.Channel {
	s := map[string]string{"page_id": "134895793791914", "token": "IG-TOKEN", "api_base_url": f.srv.URL, "api_version": "v21.0"}
	for i := 0; i+1 < len(settings); i += 2 {
		s[settings[i]] = settings[i+1]
	}
	return &redazione.Channel{ID: 7, Kind: redazione.ChannelInstagram, Name: "@comune", Settings: s}
}

// publicURLs stands for Redazione's signed addresses: it reads each file
// and names it by its content.
type publicURLs struct {
	mu   sync.Mutex
	read []string
}

func (p *publicURLs) url(_ context.Context, f channel.File) (string, error) {
	defer f.Body.Close()
	b, _ := io.ReadAll(f.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.read = append(p.read, string(b))
	return fmt.Sprintf("https://redazione.example.it/pubblico/immagini/%d", len(p.read)), nil
}

func image(content, alt string) channel.Image {
	return channel.Image{File: channel.File{Name: "foto.jpg", ContentType: "image/jpeg", Size: int64(len(content)), Body: io.NopCloser(strings.NewReader(content))}, Alt: alt}
}

func TestInstagramPublishesOneImage(t *testing.T) {
	t.Parallel()
	f := newFakeInstagram(t)
	f.statuses = []string{"ig_container_in_progress.json"}
	urls := &publicURLs{}
	s := InstagramSender{ImageURL: urls.url, PollEvery: time.Millisecond}
	img := image("JPEG-1", "")
	id, link, err := s.PublishImage(t.Context(), f.channel(), 1, "Festa del patrono #comune", img.File, "La piazza illuminata per la festa")
	if err != nil || id != "17920238422030506" || link != "https://www.instagram.com/p/C3x2YtIoKk9/" {
		t.Fatalf("PublishImage = %q %q %v", id, link, err)
	}
	want := []string{
		"GET /v21.0/134895793791914?fields=instagram_business_account",
		"GET /v21.0/17841405822304914/content_publishing_limit?fields=config,quota_usage",
		"POST /v21.0/17841405822304914/media alt_text=La+piazza+illuminata+per+la+festa&caption=Festa+del+patrono+%23comune&image_url=https%3A%2F%2Fredazione.example.it%2Fpubblico%2Fimmagini%2F1",
		"GET /v21.0/17889455560050001?fields=status_code,status",
		"GET /v21.0/17889455560050001?fields=status_code,status",
		"POST /v21.0/17841405822304914/media_publish creation_id=17889455560050001",
		"GET /v21.0/17920238422030506?fields=permalink",
	}
	if got := f.log(); got != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if strings.Join(urls.read, ",") != "JPEG-1" {
		t.Errorf("images read: %v", urls.read)
	}
}

func TestInstagramPublishesACarousel(t *testing.T) {
	t.Parallel()
	f := newFakeInstagram(t)
	urls := &publicURLs{}
	s := InstagramSender{ImageURL: urls.url, PollEvery: time.Millisecond}
	ch := f.channel("ig_user_id", "17841405822304914") // set: no discovery
	id, link, err := s.PublishImages(t.Context(), ch, 2, "Tre scorci del centro", []channel.Image{image("A", "Il municipio"), image("B", "La fontana"), image("C", "")})
	if err != nil || id != "17920238422030506" || link == "" {
		t.Fatalf("PublishImages = %q %q %v", id, link, err)
	}
	got := f.log()
	for _, want := range []string{
		"POST /v21.0/17841405822304914/media alt_text=Il+municipio&image_url=https%3A%2F%2Fredazione.example.it%2Fpubblico%2Fimmagini%2F1&is_carousel_item=true",
		"POST /v21.0/17841405822304914/media alt_text=La+fontana&image_url=https%3A%2F%2Fredazione.example.it%2Fpubblico%2Fimmagini%2F2&is_carousel_item=true",
		"POST /v21.0/17841405822304914/media image_url=https%3A%2F%2Fredazione.example.it%2Fpubblico%2Fimmagini%2F3&is_carousel_item=true",
		"POST /v21.0/17841405822304914/media caption=Tre+scorci+del+centro&children=17889455560050001%2C17889455560050002%2C17889455560050003&media_type=CAROUSEL",
		"POST /v21.0/17841405822304914/media_publish creation_id=17889455560050004",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "instagram_business_account") {
		t.Error("ig_user_id is set, yet the account was looked up")
	}
}

// Every documented refusal becomes a reason the office understands, and
// nothing is published after a refused container.
func TestInstagramRefusals(t *testing.T) {
	t.Parallel()
	media := "/v21.0/17841405822304914/media"
	for _, c := range []struct {
		name, path, file string
		statuses         []string
		want             string
		permanent        bool
	}{
		{"expired token", media, "ig_error_token_expired.json", nil, "token di accesso di Instagram è scaduto", true},
		{"rate limit", media, "ig_error_rate_limit.json", nil, "riprova più tardi", false},
		{"image unreachable", media, "ig_error_media_fetch.json", nil, "non è riuscito a scaricare l'immagine", true},
		{"too large", media, "ig_error_image_too_large.json", nil, "al massimo 8 MB", true},
		{"aspect ratio", media, "ig_error_aspect_ratio.json", nil, "proporzioni", true},
		{"daily limit at publish", "/v21.0/17841405822304914/media_publish", "ig_error_daily_limit.json", nil, "limite di post", true},
		{"container error", "", "", []string{"ig_container_in_progress.json", "ig_container_error.json"}, "proporzioni", true},
		{"container expired", "", "", []string{"ig_container_expired.json"}, "scadere", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeInstagram(t)
			if c.path != "" {
				f.override[c.path] = c.file
			}
			f.statuses = c.statuses
			s := InstagramSender{ImageURL: (&publicURLs{}).url, PollEvery: time.Millisecond}
			img := image("JPEG", "alt")
			_, _, err := s.PublishImage(t.Context(), f.channel(), 1, "Testo", img.File, img.Alt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "IG-TOKEN") {
				t.Error("the token is in the error")
			}
			var perm jobs.Permanent
			if errors.As(err, &perm) != c.permanent {
				t.Errorf("permanent = %v, want %v", !c.permanent, c.permanent)
			}
			if c.path != "/v21.0/17841405822304914/media_publish" && strings.Contains(f.log(), "media_publish") {
				t.Error("published after a refused container")
			}
		})
	}
}

func TestInstagramRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	f := newFakeInstagram(t)
	ch := f.channel()
	if _, _, err := (InstagramSender{ImageURL: (&publicURLs{}).url}).Publish(t.Context(), ch, 1, "Solo testo"); !errors.Is(err, ErrTextOnly) {
		t.Errorf("text only: %v", err)
	}
	img := image("JPEG", "alt")
	if _, _, err := (InstagramSender{}).PublishImage(t.Context(), ch, 1, "Testo", img.File, img.Alt); !errors.Is(err, ErrNoPublicURL) || !strings.Contains(err.Error(), "https") {
		t.Errorf("no public address: %v", err)
	}
	noURL := func(context.Context, channel.File) (string, error) { return "", ErrNoPublicURL }
	img = image("JPEG", "alt")
	if _, _, err := (InstagramSender{ImageURL: noURL}).PublishImage(t.Context(), ch, 1, "Testo", img.File, img.Alt); !errors.Is(err, ErrNoPublicURL) {
		t.Errorf("public address refused: %v", err)
	}
	if strings.Contains(f.log(), "/media") {
		t.Errorf("something was sent:\n%s", f.log())
	}
	// The daily limit reached: refused before any container.
	full := newFakeInstagram(t)
	full.limit = `{"data": [{"quota_usage": 50, "config": {"quota_total": 50, "quota_duration": 86400}}]}`
	img = image("JPEG", "alt")
	if _, _, err := (InstagramSender{ImageURL: (&publicURLs{}).url}).PublishImage(t.Context(), full.channel(), 1, "Testo", img.File, img.Alt); err == nil || !strings.Contains(err.Error(), "limite di Instagram di 50 post") {
		t.Errorf("limit reached: %v", err)
	}
	if strings.Contains(full.log(), "POST") {
		t.Errorf("something was sent:\n%s", full.log())
	}
}

func TestInstagramPublishingLimit(t *testing.T) {
	t.Parallel()
	f := newFakeInstagram(t)
	used, total, err := InstagramSender{}.PublishingLimit(t.Context(), f.channel())
	if used != 2 || total != 50 || err != nil {
		t.Errorf("limit = %d of %d, %v", used, total, err)
	}
	f.override["/v21.0/17841405822304914/content_publishing_limit?fields=config,quota_usage"] = "ig_error_token_expired.json"
	if _, _, err := (InstagramSender{}).PublishingLimit(t.Context(), f.channel()); err == nil || !strings.Contains(err.Error(), "rinnovalo") {
		t.Errorf("expired token: %v", err)
	}
}
