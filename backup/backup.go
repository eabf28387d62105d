// Package backup writes and reads Redazione's backups: one gzipped tar file
// holding a consistent copy of the SQLite database, the files citizens sent
// (the blob store), the master key that seals the channels' credentials,
// and a manifest with the SHA-256 of each. On PostgreSQL the database is
// not in it: pg_dump copies it, and the backup holds the rest.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/redazione/redazione/store"
)

// Format is the version of the archive's layout, in its manifest.
const Format = 1

// Names inside the archive; blobs keep their path under blobs/.
const (
	manifestName = "manifest.json"
	databaseName = "redazione.db"
	keyName      = "secret.key"
	blobsDir     = "blobs"
)

// Key sources, as the manifest says them.
const (
	KeyIncluded    = "included"    // DATA_DIR/secret.key is in the archive
	KeyEnvironment = "environment" // REDAZIONE_SECRET_KEY(_FILE): kept by the operator, not here
	KeyNone        = "none"        // no key yet
)

// Manifest describes a backup; it is the archive's last entry.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Database is the engine backed up: "sqlite" (the database is in the
	// archive) or "postgres" (pair the archive with a pg_dump).
	Database string `json:"database"`
	Key      string `json:"key"`
	// ObjectStore is set when the citizens' files live in an object store
	// (REDAZIONE_BLOB_URL), not in the data directory: they are not in the
	// archive.
	ObjectStore bool   `json:"object_store,omitempty"`
	Files       []File `json:"files"`
}

// File is one file of the archive with its checksum.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Blobs counts the citizens' files in the manifest.
func (m *Manifest) Blobs() int {
	n := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, blobsDir+"/") {
			n++
		}
	}
	return n
}

// Options says what to back up.
type Options struct {
	// DatabaseURL is REDAZIONE_DATABASE_URL: empty for SQLite in DataDir.
	DatabaseURL string
	DataDir     string
	// KeyFromEnvironment: the master key comes from REDAZIONE_SECRET_KEY,
	// not from DataDir (which may still hold an unused one).
	KeyFromEnvironment bool
	// BlobURL is REDAZIONE_BLOB_URL: when set, the files are in an object
	// store, which keeps its own copies, and are left out.
	BlobURL string
}

// Create writes the backup to the file to, atomically (a temporary file in
// the same directory, renamed when complete) and readable by its owner
// only. The database is copied first, then the files: a file is stored
// before the message that names it, so every file the copied database
// names is there already.
func Create(ctx context.Context, opt Options, to string) (*Manifest, error) {
	m := &Manifest{Format: Format, CreatedAt: time.Now().UTC(), Database: string(store.SQLite), Key: KeyNone, ObjectStore: opt.BlobURL != ""}
	if strings.HasPrefix(opt.DatabaseURL, "postgres://") || strings.HasPrefix(opt.DatabaseURL, "postgresql://") {
		m.Database = string(store.Postgres)
	}
	dir := filepath.Dir(to)
	work, err := os.MkdirTemp(dir, ".redazione-backup-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)
	var snapshot string
	if m.Database == string(store.SQLite) {
		snapshot = filepath.Join(work, databaseName)
		if err := snapshotSQLite(ctx, opt, snapshot); err != nil {
			return nil, err
		}
	}

	out, err := os.CreateTemp(dir, "."+filepath.Base(to)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(out.Name()) // a no-op once renamed
	defer out.Close()
	if err := out.Chmod(0o600); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	gz := gzip.NewWriter(out)
	tw := tar.NewWriter(gz)
	add := func(name, src string) error {
		f, err := addFile(tw, name, src)
		if err != nil {
			return fmt.Errorf("backup: %s: %w", name, err)
		}
		m.Files = append(m.Files, f)
		return nil
	}
	if snapshot != "" {
		if err := add(databaseName, snapshot); err != nil {
			return nil, err
		}
	}
	if opt.KeyFromEnvironment {
		m.Key = KeyEnvironment
	} else if key := filepath.Join(opt.DataDir, keyName); exists(key) {
		if err := add(keyName, key); err != nil {
			return nil, err
		}
		m.Key = KeyIncluded
	}
	root := filepath.Join(opt.DataDir, blobsDir)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if m.ObjectStore {
			return filepath.SkipAll
		}
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return filepath.SkipDir // no file yet
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") { // a file being received
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(opt.DataDir, p)
		if err != nil {
			return err
		}
		err = add(filepath.ToSlash(rel), p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // erased since the walk saw it
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("backup: the files: %w", err)
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(manifest); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := out.Sync(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(out.Name(), to); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	syncDir(dir)
	return m, nil
}

// snapshotSQLite copies the SQLite database of opt into dst while the
// server, if running, keeps writing. It opens the database as it is, for
// data only: a backup never migrates.
func snapshotSQLite(ctx context.Context, opt Options, dst string) error {
	if !exists(filepath.Join(opt.DataDir, databaseName)) && opt.DatabaseURL == "" {
		return fmt.Errorf("backup: no database in %s", opt.DataDir)
	}
	db, err := store.OpenMigrated(ctx, opt.DatabaseURL, opt.DataDir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if err := db.Snapshot(ctx, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// addFile writes the file src to tw as name and returns its checksum.
func addFile(tw *tar.Writer, name, src string) (File, error) {
	f, err := os.Open(src)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), f)
	if err != nil {
		return File{}, err
	}
	if n != st.Size() {
		return File{}, fmt.Errorf("changed while copied (%d bytes, then %d)", st.Size(), n)
	}
	return File{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// validName accepts the names a backup holds: the manifest, the database,
// the key and blobs/…; nothing absolute, nothing with "..".
func validName(name string) bool {
	if name != path.Clean(name) || path.IsAbs(name) || strings.HasPrefix(name, "../") || name == ".." {
		return false
	}
	switch name {
	case manifestName, databaseName, keyName:
		return true
	}
	return strings.HasPrefix(name, blobsDir+"/") && !strings.Contains(name, "/../")
}
