package blob

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPutOpen(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 2000)...)
	b, err := s.Put(bytes.NewReader(png), 0)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size != int64(len(png)) || b.ContentType != "image/png" || len(b.Key) != 64 {
		t.Fatalf("blob = %+v", b)
	}
	again, err := s.Put(bytes.NewReader(png), 0)
	if err != nil || again != b {
		t.Fatalf("the same content again = %+v, %v; want %+v", again, err, b)
	}
	f, err := s.Open(b.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, png) {
		t.Fatal("content changed")
	}
}

func TestPutTooLargeStoresNothing(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	_, err := s.Put(strings.NewReader(strings.Repeat("x", 101)), 100)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("files left behind: %v", files)
	}
	if _, err := s.Put(strings.NewReader(strings.Repeat("x", 100)), 100); err != nil {
		t.Fatalf("exactly at the limit: %v", err)
	}
}

func TestOpenRefusesBadKeys(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, k := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63) + "/"} {
		if _, err := s.Open(k); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", k, err)
		}
	}
}
