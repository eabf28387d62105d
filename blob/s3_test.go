package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/internal/s3test"
)

func openS3(t *testing.T, prefix string) (*blob.Store, *s3test.Server, string, string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket, url := srv.Bucket(t, prefix)
	spool := t.TempDir()
	s, err := blob.OpenURL(context.Background(), url, spool)
	if err != nil {
		t.Fatal(err)
	}
	return s, srv, bucket, spool
}

func TestS3KeepsReadsAndErasesFiles(t *testing.T) {
	t.Parallel()
	s, srv, bucket, spool := openS3(t, "comune-alfa")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3}, 3000)...)
	b, err := s.Put(bytes.NewReader(png), 0)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size != int64(len(png)) || b.ContentType != "image/png" || len(b.Key) != 64 {
		t.Fatalf("blob = %+v", b)
	}
	// The same key and layout as the directory store, under the prefix.
	want := "comune-alfa/" + b.Key[:2] + "/" + b.Key[2:4] + "/" + b.Key
	if objs := srv.Objects(t, bucket); !slices.Equal(objs, []string{want}) {
		t.Fatalf("bucket holds %v, want [%s]", objs, want)
	}
	if again, err := s.Put(bytes.NewReader(png), 0); err != nil || again != b {
		t.Fatalf("the same file again = %+v, %v", again, err)
	}
	f, err := s.Open(b.Key)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size() != int64(len(png)) {
		t.Errorf("Size = %d, want %d", f.Size(), len(png))
	}
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, png) {
		t.Fatal("the file read back is not the file stored")
	}
	// A range, as a browser asks for one (http.ServeContent seeks).
	if _, err := f.Seek(5000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 100)
	if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, png[5000:5100]) {
		t.Fatalf("range read = %v", err)
	}
	f.Close()
	if leftovers, _ := os.ReadDir(spool); len(leftovers) != 0 {
		t.Errorf("files left in the spool: %v", leftovers)
	}

	// Erasure removes the object, bytes included, from the store's disk.
	if err := s.Delete(b.Key); err != nil {
		t.Fatal(err)
	}
	if objs := srv.Objects(t, bucket); len(objs) != 0 {
		t.Fatalf("after erasure the bucket holds %v", objs)
	}
	filepath.WalkDir(filepath.Join(srv.Root, bucket), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, b.Key) {
			t.Errorf("the erased file is still on the store's disk: %s", p)
		}
		return nil
	})
	if _, err := s.Open(b.Key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open after erasure = %v, want ErrNotFound", err)
	}
	if err := s.Delete(b.Key); err != nil {
		t.Fatalf("erasing it again = %v", err)
	}
	for _, k := range []string{"", "../../etc/passwd", strings.Repeat("A", 64)} {
		if _, err := s.Open(k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", k, err)
		}
	}
}

func TestS3TooLargeStoresNothing(t *testing.T) {
	t.Parallel()
	s, srv, bucket, spool := openS3(t, "")
	if _, err := s.Put(strings.NewReader(strings.Repeat("x", 101)), 100); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if objs := srv.Objects(t, bucket); len(objs) != 0 {
		t.Fatalf("a refused file reached the bucket: %v", objs)
	}
	if leftovers, _ := os.ReadDir(spool); len(leftovers) != 0 {
		t.Errorf("files left in the spool: %v", leftovers)
	}
	if _, err := s.Put(strings.NewReader(strings.Repeat("x", 100)), 100); err != nil {
		t.Fatalf("exactly at the limit: %v", err)
	}
}

// An installation moves its files to object storage: every file arrives
// byte for byte, a file damaged on disk is named and not copied, and the
// copy can be run again.
func TestCopyDirectoryToS3AndBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	local, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	var keys []string
	for range 4 {
		b := make([]byte, 20000)
		rand.Read(b)
		k, err := local.Put(bytes.NewReader(b), 0)
		if err != nil {
			t.Fatal(err)
		}
		files, keys = append(files, b), append(keys, k.Key)
	}
	damaged := filepath.Join(dir, keys[3][:2], keys[3][2:4], keys[3])
	if err := os.WriteFile(damaged, []byte("bit rot"), 0o600); err != nil {
		t.Fatal(err)
	}
	s3, srv, bucket, _ := openS3(t, "")
	res, err := local.Copy(context.Background(), s3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Copied != 3 || res.Present != 0 || !slices.Equal(res.Corrupt, []string{keys[3]}) {
		t.Fatalf("copy = %+v, want 3 copied and %s named as damaged", res, keys[3])
	}
	if n := len(srv.Objects(t, bucket)); n != 3 {
		t.Fatalf("bucket holds %d files, want 3", n)
	}
	again, err := local.Copy(context.Background(), s3, nil)
	if err != nil || again.Copied != 0 || again.Present != 3 {
		t.Fatalf("copy again = %+v, %v; want the 3 left alone", again, err)
	}
	back, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s3.Copy(context.Background(), back, nil); err != nil || res.Copied != 3 {
		t.Fatalf("copy back = %+v, %v", res, err)
	}
	for i, k := range keys[:3] {
		f, err := back.Open(k)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, files[i]) {
			t.Errorf("file %d came back different", i)
		}
	}
}

func TestOpenURLRefusesBadStores(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	_, good := srv.Bucket(t, "")
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	down := closed.Addr().String()
	closed.Close()
	for _, c := range []struct{ url, want string }{
		{strings.Replace(good, "s3://", "s3://chiave:segreto@", 1), "no credentials in the URL"},
		{good + "&colour=blue", `unknown parameter "colour"`},
		{strings.Replace(good, "s3://prova-", "s3://manca-", 1), "does not exist"},
		{"s3://?endpoint=" + srv.Endpoint, "no bucket"},
		{"ftp://example.it/files", "use s3://"},
		{"s3://prova?endpoint=" + down + "&secure=false&credentials_file=" + srv.CredsFile, "blob store"},
	} {
		_, err := blob.OpenURL(context.Background(), c.url, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("OpenURL(%s) = %v, want an error saying %q", c.url, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "segreto") {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}
