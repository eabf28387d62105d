// Package blob keeps the files citizens send (photos, documents, e-mail
// attachments) on the filesystem, addressed by the SHA-256 of their content:
// the same file sent twice is kept once, and a stored file never changes.
//
// Installations running several processes on one PostgreSQL share the
// directory (a common mount), as they share the data directory.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// MaxSize is the default limit of one file: the largest attachment the
// platforms Redazione reads allow (WhatsApp documents, 100 MB) is refused
// beyond this, so one citizen cannot fill the disk.
const MaxSize = 25 << 20

// ErrTooLarge is returned when a file exceeds the limit given to Put.
var ErrTooLarge = errors.New("blob: file too large")

// ErrNotFound is returned by Open for a key that is not stored.
var ErrNotFound = errors.New("blob: not found")

// Blob is a stored file.
type Blob struct {
	Key         string // hex SHA-256 of the content
	Size        int64
	ContentType string // sniffed from the content, never taken from the sender
}

// Store is a directory of blobs.
type Store struct {
	dir string
}

// Open returns the store in dir, creating it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	// Citizens' files: readable by the server's own user only.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Put stores what r yields, up to max bytes (MaxSize when max <= 0). Over the
// limit it stores nothing and returns ErrTooLarge.
func (s *Store) Put(r io.Reader, max int64) (Blob, error) {
	if max <= 0 {
		max = MaxSize
	}
	tmp, err := os.CreateTemp(s.dir, ".incoming-*")
	if err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	defer tmp.Close()
	h := sha256.New()
	sniff := &headBuffer{max: 512}
	n, err := io.Copy(io.MultiWriter(tmp, h, sniff), io.LimitReader(r, max+1))
	if err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	if n > max {
		return Blob{}, ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	b := Blob{Key: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: http.DetectContentType(sniff.buf)}
	path := s.path(b.Key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	return b, nil
}

// Open opens a stored blob.
func (s *Store) Open(key string) (*os.File, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete removes a stored blob; one that is not there is no error.
func (s *Store) Delete(key string) error {
	if !validKey(key) {
		return ErrNotFound
	}
	err := os.Remove(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (s *Store) path(key string) string {
	return filepath.Join(s.dir, key[:2], key[2:4], key)
}

func validKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	return strings.IndexFunc(key, func(r rune) bool { return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') }) < 0
}

// headBuffer keeps the first max bytes written to it, for sniffing.
type headBuffer struct {
	buf []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
