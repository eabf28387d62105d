package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/publish"
)

// A post's image at a short-lived signed public address, for platforms
// that download the images themselves (Instagram's Content Publishing
// API): GET /pubblico/immagini/{expiry}.{blob key}.{signature}. The
// signature is a keyed hash, under a key derived from the master key, of
// the key and the expiry; a forged or altered address is 404, an expired
// one 410, and only images are served through it, with no session.

// PublicImageTTL is how long a signed image address works.
const PublicImageTTL = time.Hour

const publicImagePurpose = "public-image"

// publicImageDB is what the signed image addresses read.
func (s *Server) publicImageDB() KeyedHasher { return s.DB }

// KeyedHasher makes the keyed hashes that sign the addresses (*store.DB).
type KeyedHasher interface {
	KeyedHash(purpose, data string) (string, error)
}

// ImageSigner gives a post's images their signed public address; the
// server's handler checks them with the same key.
type ImageSigner struct {
	Blobs     *blob.Store
	Keys      KeyedHasher
	PublicURL string // REDAZIONE_PUBLIC_URL: https, or nothing is signed
	MaxSize   int64  // the largest image kept (blob.MaxSize when 0)
}

// URL keeps the image (the blob store keeps a file once, so a post's image
// already stored is not copied) and returns its signed public https
// address, valid for PublicImageTTL; it reads and closes f. Without a
// public https address it is meta.ErrNoPublicURL.
func (g ImageSigner) URL(_ context.Context, f channel.File) (string, error) {
	defer f.Body.Close()
	base := strings.TrimRight(g.PublicURL, "/")
	if !strings.HasPrefix(base, "https://") {
		return "", meta.ErrNoPublicURL
	}
	if g.Blobs == nil || g.Keys == nil {
		return "", errors.New("questo server non conserva file")
	}
	max := g.MaxSize
	if max <= 0 {
		max = blob.MaxSize
	}
	b, err := g.Blobs.Put(f.Body, max)
	if err != nil {
		return "", err
	}
	exp := strconv.FormatInt(time.Now().Add(PublicImageTTL).Unix(), 10)
	sig, err := g.Keys.KeyedHash(publicImagePurpose, b.Key+"\x00"+exp)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/pubblico/immagini/%s.%s.%s", base, exp, b.Key, sig), nil
}

// publicImage serves an image by its signed address.
func (s *Server) publicImage(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(r.PathValue("token"), ".")
	if len(parts) != 3 || len(parts[1]) != 64 || strings.Trim(parts[1], "0123456789abcdef") != "" || s.Blobs == nil {
		http.NotFound(w, r)
		return
	}
	exp, key, sig := parts[0], parts[1], parts[2]
	want, err := s.publicImageDB().KeyedHash(publicImagePurpose, key+"\x00"+exp)
	if err != nil || subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		http.NotFound(w, r)
		return
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Now().Unix() > until {
		http.Error(w, "indirizzo scaduto", http.StatusGone)
		return
	}
	f, err := s.Blobs.Open(key)
	if errors.Is(err, blob.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.Log.Error("public image", "err", err)
		http.Error(w, "immagine non leggibile", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	ct := http.DetectContentType(head[:n])
	if !publish.ImageType(ct) {
		http.NotFound(w, r) // only images, whatever else the store keeps
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		http.Error(w, "immagine non leggibile", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size(), 10))
	if r.Method != http.MethodHead {
		io.Copy(w, f)
	}
}
