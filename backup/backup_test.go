package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewrite copies the archive in file, changing each entry's content by
// change (nil: drop the entry), into a well-formed archive: only the
// manifest's checksums can tell.
func rewrite(t *testing.T, file string, change func(name string, b []byte) []byte) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if b = change(h.Name, b); b == nil {
			continue
		}
		h.Size = int64(len(b))
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	out := filepath.Join(t.TempDir(), "altered.tar.gz")
	os.WriteFile(out, buf.Bytes(), 0o600)
	return out
}

// A well-formed archive whose files differ from its manifest is refused,
// naming the file, and leaves the directory empty.
func TestRestoreChecksEveryChecksum(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	key := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	os.WriteFile(filepath.Join(dir, "secret.key"), []byte("chiave\n"), 0o600)
	blob := filepath.Join(dir, "blobs", key[:2], key[2:4], key)
	os.MkdirAll(filepath.Dir(blob), 0o700)
	os.WriteFile(blob, []byte("contenuto"), 0o600)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	// PostgreSQL: no database to copy, the files and the key only.
	if _, err := Create(ctx, Options{DatabaseURL: "postgres://x/y", DataDir: dir}, file); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(string, []byte) []byte{
		"secret.key's checksum does not match": func(n string, b []byte) []byte {
			if n == "secret.key" {
				return []byte("chiavX\n")
			}
			return b
		},
		"is missing": func(n string, b []byte) []byte {
			if strings.HasPrefix(n, "blobs/") {
				return nil
			}
			return b
		},
		"does not hold the file its name says": func(n string, b []byte) []byte { return b }, // the blob is not its hash
		"no manifest.json": func(n string, b []byte) []byte {
			if n == "manifest.json" {
				return nil
			}
			return b
		},
	} {
		into := filepath.Join(t.TempDir(), "r")
		_, err := Restore(ctx, rewrite(t, file, change), into)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("want %q, got %v", name, err)
		}
		if left, _ := os.ReadDir(into); len(left) > 0 {
			t.Errorf("%s: %d entries left", name, len(left))
		}
	}
}

// With the files in an object store, the backup leaves them out and says so.
func TestBackupLeavesTheObjectStoreOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.key"), []byte("chiave\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, "blobs", "ab"), 0o700)
	os.WriteFile(filepath.Join(dir, "blobs", "ab", "vecchio"), []byte("x"), 0o600)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	m, err := Create(context.Background(), Options{DatabaseURL: "postgres://x/y", DataDir: dir, BlobURL: "s3://bucket?endpoint=127.0.0.1:9000"}, file)
	if err != nil {
		t.Fatal(err)
	}
	if !m.ObjectStore || m.Blobs() != 0 || len(m.Files) != 1 {
		t.Fatalf("manifest %+v: want the key only, and the object store named", m)
	}
	back, err := Restore(context.Background(), file, filepath.Join(t.TempDir(), "r"))
	if err != nil || !back.ObjectStore {
		t.Fatalf("restore: %+v, %v", back, err)
	}
}
