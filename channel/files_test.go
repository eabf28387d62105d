package channel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione/jobs"
)

func TestDownloadClassifiesAnswers(t *testing.T) {
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch s := int(status.Load()); s {
		case 429:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(s)
		case 200:
			io.WriteString(w, "contenuto del file")
		default:
			w.WriteHeader(s)
		}
	}))
	defer srv.Close()
	get := func(max int64) (*File, error) {
		req, _ := http.NewRequest("GET", srv.URL+"/f", nil)
		return Download(context.Background(), nil, req, max)
	}
	status.Store(200)
	f, err := get(1000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f.Body)
	f.Body.Close()
	if string(b) != "contenuto del file" || f.Size != int64(len(b)) {
		t.Fatalf("got %q, size %d", b, f.Size)
	}
	if _, err := get(5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a Content-Length over the limit: %v, want ErrTooLarge", err)
	}
	var perm jobs.Permanent
	var ra jobs.Later
	status.Store(429)
	if _, err := get(1000); !errors.As(err, &ra) || ra.After != 7*time.Second || errors.As(err, &perm) {
		t.Errorf("429: %v, want a retry after 7 s", err)
	}
	status.Store(503)
	if _, err := get(1000); err == nil || errors.As(err, &perm) {
		t.Errorf("503: %v, want a temporary error", err)
	}
	for _, s := range []int32{404, 410} {
		status.Store(s)
		if _, err := get(1000); !errors.As(err, &perm) || !errors.Is(err, ErrGone) {
			t.Errorf("%d: %v, want permanent: the platform no longer has the file", s, err)
		}
	}
	status.Store(401)
	if _, err := get(1000); !errors.As(err, &perm) {
		t.Errorf("401: %v, want permanent", err)
	}
}

// A redirect keeps the scheme, and the token never leaves the platform's host.
func TestDownloadRedirects(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		io.WriteString(w, "dalla CDN")
	}))
	defer other.Close()
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/file", http.StatusFound) // https → http
	}))
	defer tls.Close()
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/file", http.StatusFound) // another host, same scheme
	}))
	defer platform.Close()

	req, _ := http.NewRequest("GET", tls.URL+"/media", nil)
	req.Header.Set("Authorization", "Bearer SEGRETO")
	var perm jobs.Permanent
	if _, err := Download(context.Background(), tls.Client(), req, 1000); !errors.As(err, &perm) || !strings.Contains(err.Error(), "schema") {
		t.Errorf("https → http redirect: %v, want refused", err)
	}
	if leaked.Load() != nil {
		t.Fatal("the http address of a refused redirect was requested")
	}
	req, _ = http.NewRequest("GET", platform.URL+"/media", nil)
	req.Header.Set("Authorization", "Bearer SEGRETO")
	f, err := Download(context.Background(), nil, req, 1000)
	if err != nil {
		t.Fatal(err)
	}
	f.Body.Close()
	if got := leaked.Load(); got != "" {
		t.Errorf("the token reached another host: %q", got)
	}
}

func TestPlatformURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://scontent.xx.fbcdn.net/v/foto.jpg?oh=1": true,
		"http://127.0.0.1:8080/media/1":                 true, // the configured API host
		"http://127.0.0.1:9090/media/1":                 false,
		"http://scontent.xx.fbcdn.net/foto.jpg":         false,
		"ftp://127.0.0.1:8080/x":                        false,
		"file:///etc/passwd":                            false,
		"https://utente:password@cdn.example/x":         false,
		"/relativo":                                     false,
		"":                                              false,
	} {
		_, err := PlatformURL(raw, "http://127.0.0.1:8080")
		if (err == nil) != ok {
			t.Errorf("%q: %v, want accepted=%v", raw, err, ok)
		}
	}
	if _, err := PlatformURL("http://127.0.0.1:8080/x", ""); err == nil {
		t.Error("plain http accepted without a configured API host")
	}
}

func TestMultipart(t *testing.T) {
	ct, body := Multipart([]string{"chat_id", "42", "caption", "Ciao"}, "photo", File{Name: `buca "1".jpg`, ContentType: "image/jpeg", Body: io.NopCloser(strings.NewReader("JPEGDATA"))})
	req, _ := http.NewRequest("POST", "/", body)
	req.Header.Set("Content-Type", ct)
	if err := req.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	if req.FormValue("chat_id") != "42" || req.FormValue("caption") != "Ciao" {
		t.Errorf("fields = %v", req.MultipartForm.Value)
	}
	f, h, err := req.FormFile("photo")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	if string(b) != "JPEGDATA" || h.Filename != `buca "1".jpg` || h.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("file %q %q %q", b, h.Filename, h.Header.Get("Content-Type"))
	}
}

func FuzzFileName(f *testing.F) {
	for _, s := range []string{"mappa.png", "", "  ", "..", "a\x00b\r\n.pdf", "\xff\xfe.jpg", "../../etc/passwd", strings.Repeat("è", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name := FileName(raw, "allegato")
		if name == "" || len(name) > 200 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n/\\") || strings.Trim(name, " .") == "" {
			t.Fatalf("FileName(%q) = %q", raw, name)
		}
	})
}
