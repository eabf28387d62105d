package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/redazione/redazione/blob"
)

// The data directory holds the citizens' messages and files and the master
// key: it is the server's user's alone (0700, every file 0600), also when an
// earlier version left it readable by every local user.
func TestDataDirIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "redazione.db"), nil, 0o644) // as an older version left it
	cfg := config{DataDir: dir, AdminEmail: "admin@example.it", EnteName: "Comune di Esempio", Demo: true}
	db, err := openDB(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := bootstrap(context.Background(), db, cfg, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blobs.Put(bytes.NewReader([]byte("la foto di una buca")), 0); err != nil {
		t.Fatal(err)
	}
	files := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if files < 3 { // the database, its WAL, the key, the file
		t.Errorf("only %d files in the data directory", files)
	}
}
