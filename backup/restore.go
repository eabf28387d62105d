package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/redazione/redazione/store"
)

// ErrNotEmpty refuses a restore into a directory that holds something: a
// restore never mixes with, nor overwrites, an installation.
var ErrNotEmpty = errors.New("the data directory is not empty: restore into a new or empty directory")

// DamagedError says the backup cannot be trusted: it is truncated, altered
// or not a Redazione backup. Nothing of it is left in the data directory.
type DamagedError struct{ Reason string }

func (e *DamagedError) Error() string { return "the backup is damaged, nothing restored: " + e.Reason }

func damaged(format string, args ...any) error {
	return &DamagedError{Reason: fmt.Sprintf(format, args...)}
}

// Restore brings the backup in the file from back into dataDir, which must
// be empty or not exist. Every file's checksum is checked against the
// manifest, and a SQLite database is opened and migrated (an older backup
// into a newer Redazione), so that what Restore accepts starts. On any
// failure dataDir is left empty.
func Restore(ctx context.Context, from, dataDir string) (m *Manifest, err error) {
	if err := emptyDir(dataDir); err != nil {
		return nil, err
	}
	if err := store.PrivateDir(dataDir); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			emptyOut(dataDir)
		}
	}()
	f, err := os.Open(from)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, damaged("not a gzip file (%v)", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]File{}
	var manifest []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, damaged("%v", err)
		}
		if h.Typeflag != tar.TypeReg || !validName(h.Name) {
			return nil, damaged("unexpected entry %q", h.Name)
		}
		if _, seen := got[h.Name]; seen || (h.Name == manifestName && manifest != nil) {
			return nil, damaged("%s appears twice", h.Name)
		}
		if h.Name == manifestName {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return nil, damaged("%s: %v", h.Name, err)
			}
			continue
		}
		file, err := extract(tr, filepath.Join(dataDir, filepath.FromSlash(h.Name)))
		if err != nil {
			return nil, damaged("%s: %v", h.Name, err)
		}
		file.Path = h.Name
		got[h.Name] = file
	}
	// The gzip stream's own checksum is read at its end.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, damaged("%v", err)
	}
	if manifest == nil {
		return nil, damaged("no %s: not a Redazione backup, or cut short", manifestName)
	}
	m = &Manifest{}
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return nil, damaged("%s: %v", manifestName, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("restore: a backup of format %d, this Redazione reads format %d", m.Format, Format)
	}
	if err := verify(m, got); err != nil {
		return nil, err
	}
	if m.Database == string(store.SQLite) {
		db, err := store.Open(ctx, "", dataDir)
		if err != nil {
			return nil, fmt.Errorf("restore: the restored database does not open: %w", err)
		}
		db.Close()
	}
	return m, nil
}

// verify compares what was extracted with the manifest: the same files,
// each with its size and checksum, and each citizen's file under its own
// content's hash.
func verify(m *Manifest, got map[string]File) error {
	var problems []string
	listed := map[string]bool{}
	for _, want := range m.Files {
		listed[want.Path] = true
		have, ok := got[want.Path]
		switch {
		case !ok:
			problems = append(problems, want.Path+" is missing")
		case have.Size != want.Size || have.SHA256 != want.SHA256:
			problems = append(problems, want.Path+"'s checksum does not match")
		case strings.HasPrefix(want.Path, blobsDir+"/") && path.Base(want.Path) != want.SHA256:
			problems = append(problems, want.Path+" does not hold the file its name says")
		}
	}
	for p := range got {
		if !listed[p] {
			problems = append(problems, p+" is not in the manifest")
		}
	}
	if m.Database == string(store.SQLite) && !listed[databaseName] {
		problems = append(problems, "the database is missing")
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	if len(problems) > 5 {
		problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
	}
	return damaged("%s", strings.Join(problems, "; "))
}

// extract writes r to the new file dst, readable by its owner only, and
// returns its size and checksum.
func extract(r io.Reader, dst string) (File, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return File{}, err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// emptyDir accepts a directory that does not exist or holds nothing.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("restore into %s: %w", dir, ErrNotEmpty)
	}
	return nil
}

// emptyOut removes what a failed restore wrote, leaving dir empty.
func emptyOut(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
