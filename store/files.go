package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// PrivateDir makes dir (and its parents) if needed and leaves it readable
// by the server's own user only (0700): it holds citizens' messages and
// files, and the master key.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// privateDatabase creates the SQLite database file readable by the server's
// own user only (0600) before SQLite opens it, so that its -wal and -shm,
// which SQLite creates with the database's permissions, are private too;
// files an earlier version created readable by everyone are made private.
func privateDatabase(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("make %s private: %w", p, err)
		}
	}
	return nil
}
