// Package blob keeps the files citizens send (photos, documents, e-mail
// attachments), addressed by the SHA-256 of their content: the same file
// sent twice is kept once, and a stored file never changes.
//
// Files live in a directory (the default: the data directory's "blobs") or
// on an S3-compatible object store (REDAZIONE_BLOB_URL=s3://...), with the
// same keys, limits and erasure. Installations running several processes
// share one store: the same bucket, or a common mount of the directory.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// MaxSize is the default limit of one file: the largest attachment the
// platforms Redazione reads allow (WhatsApp documents, 100 MB) is refused
// beyond this, so one citizen cannot fill the disk.
const MaxSize = 25 << 20

// ErrTooLarge is returned when a file exceeds the limit given to Put.
var ErrTooLarge = errors.New("blob: file too large")

// ErrNotFound is returned by Open for a key that is not stored.
var ErrNotFound = errors.New("blob: not found")

// opTimeout bounds one call to an object store, so that a store that does
// not answer never holds a request or a job for ever.
const opTimeout = 5 * time.Minute

// Blob is a stored file.
type Blob struct {
	Key         string // hex SHA-256 of the content
	Size        int64
	ContentType string // sniffed from the content, never taken from the sender
}

// File is an open stored file: read, seek (for ranges) and close it.
type File interface {
	io.ReadSeekCloser
	Size() int64
}

// backend is where the bytes are: a directory or a bucket.
type backend interface {
	// put keeps the file at tmp (complete, synced, closed) under key; the
	// caller removes tmp afterwards if it is still there.
	put(ctx context.Context, key, tmp string, size int64, contentType string) error
	open(ctx context.Context, key string) (File, error)
	has(ctx context.Context, key string) (bool, error)
	delete(ctx context.Context, key string) error
	// keys calls fn with every stored key.
	keys(ctx context.Context, fn func(key string) error) error
	String() string
}

// Store keeps blobs in a backend; files being received are spooled in a
// local directory first, since a file's key is known only once it is all
// read.
type Store struct {
	b     backend
	spool string
}

// Open returns the directory store in dir, creating it.
func Open(dir string) (*Store, error) {
	d, err := openDir(dir)
	if err != nil {
		return nil, err
	}
	return &Store{b: d, spool: dir}, nil
}

// OpenURL returns the store named by a REDAZIONE_BLOB_URL: "" or a path is
// the directory store (local when it is empty), s3://bucket/prefix?... an
// S3-compatible object store (see OpenS3), with files being received
// spooled in local.
func OpenURL(ctx context.Context, url, local string) (*Store, error) {
	switch {
	case url == "":
		return Open(local)
	case strings.HasPrefix(url, "s3://"):
		b, err := openS3(ctx, url)
		if err != nil {
			return nil, err
		}
		spool, err := openDir(local)
		if err != nil {
			return nil, err
		}
		return &Store{b: b, spool: spool.dir}, nil
	case strings.HasPrefix(url, "file://"):
		return Open(strings.TrimPrefix(url, "file://"))
	case strings.Contains(url, "://"):
		return nil, fmt.Errorf("blob store %q: use s3://bucket?endpoint=..., file:///path or a path", redactURL(url))
	}
	return Open(url)
}

// String names the store, for logs and the command line (no credentials).
func (s *Store) String() string { return s.b.String() }

// Put stores what r yields, up to max bytes (MaxSize when max <= 0). Over the
// limit it stores nothing and returns ErrTooLarge.
func (s *Store) Put(r io.Reader, max int64) (Blob, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	b, tmp, err := s.spoolIn(r, max)
	if tmp != "" {
		defer os.Remove(tmp) // a no-op once renamed
	}
	if err != nil {
		return Blob{}, err
	}
	if ok, err := s.b.has(ctx, b.Key); err == nil && ok {
		return b, nil
	}
	if err := s.b.put(ctx, b.Key, tmp, b.Size, b.ContentType); err != nil {
		return Blob{}, fmt.Errorf("blob store: %w", err)
	}
	return b, nil
}

// spoolIn writes r to a temporary file in the spool, hashing and sniffing
// it on the way.
func (s *Store) spoolIn(r io.Reader, max int64) (Blob, string, error) {
	if max <= 0 {
		max = MaxSize
	}
	tmp, err := os.CreateTemp(s.spool, ".incoming-*")
	if err != nil {
		return Blob{}, "", fmt.Errorf("blob store: %w", err)
	}
	defer tmp.Close()
	h := sha256.New()
	sniff := &headBuffer{max: 512}
	n, err := io.Copy(io.MultiWriter(tmp, h, sniff), io.LimitReader(r, max+1))
	if err != nil {
		return Blob{}, tmp.Name(), fmt.Errorf("blob store: %w", err)
	}
	if n > max {
		return Blob{}, tmp.Name(), ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return Blob{}, tmp.Name(), fmt.Errorf("blob store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Blob{}, tmp.Name(), fmt.Errorf("blob store: %w", err)
	}
	return Blob{Key: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: http.DetectContentType(sniff.buf)}, tmp.Name(), nil
}

// Open opens a stored blob.
func (s *Store) Open(key string) (File, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	f, err := s.b.open(ctx, key)
	if err != nil {
		cancel()
		return nil, err
	}
	return &cancelFile{File: f, cancel: cancel}, nil
}

// cancelFile ends the context of an open file when it is closed.
type cancelFile struct {
	File
	cancel context.CancelFunc
}

func (f *cancelFile) Close() error {
	err := f.File.Close()
	f.cancel()
	return err
}

// Delete removes a stored blob; one that is not there is no error.
func (s *Store) Delete(key string) error {
	if !validKey(key) {
		return ErrNotFound
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return s.b.delete(ctx, key)
}

// CopyResult is what Copy did.
type CopyResult struct {
	Copied  int      `json:"copied"`            // files written to the destination
	Present int      `json:"present"`           // already there, left as they were
	Bytes   int64    `json:"bytes"`             // bytes copied
	Corrupt []string `json:"corrupt,omitempty"` // keys whose content no longer has their hash: not copied
}

// Copy copies every blob of s into dst, checking each file's content
// against its key on the way; files already in dst are left alone, so a
// copy that stopped half way can be run again.
func (s *Store) Copy(ctx context.Context, dst *Store, progress func(CopyResult)) (CopyResult, error) {
	var res CopyResult
	err := s.b.keys(ctx, func(key string) error {
		if ok, err := dst.b.has(ctx, key); err != nil {
			return err
		} else if ok {
			res.Present++
			return nil
		}
		f, err := s.Open(key)
		if err != nil {
			return err
		}
		b, tmp, err := dst.spoolIn(f, f.Size()+1)
		f.Close()
		if tmp != "" {
			defer os.Remove(tmp)
		}
		if err != nil {
			return err
		}
		if b.Key != key {
			res.Corrupt = append(res.Corrupt, key)
			return nil
		}
		if err := dst.b.put(ctx, key, tmp, b.Size, b.ContentType); err != nil {
			return fmt.Errorf("copy %s: %w", key, err)
		}
		res.Copied++
		res.Bytes += b.Size
		if progress != nil && res.Copied%100 == 0 {
			progress(res)
		}
		return nil
	})
	return res, err
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
