package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/redazione/redazione/backup"
	"github.com/redazione/redazione/store"
)

// pgDumpAdvice says how a PostgreSQL installation pairs its backup file
// with the database's own dump (docs/INSTALL.md, Backups).
const pgDumpAdvice = "the database is not in this file: dump it with `pg_dump -Fc -f redazione.dump \"$REDAZIONE_DATABASE_URL\"` just before `redazione backup`, and keep the two together"

// objectStoreAdvice says where the files are when they are not in the
// backup.
const objectStoreAdvice = "the citizens' files are in the object store (REDAZIONE_BLOB_URL), not in this file: keep the bucket's versioning or replication on, or copy it with `redazione blobs copy --to URL`"

// backupCmd writes a backup of the installation to --to while it runs.
func backupCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "the backup file to write (a .tar.gz; replaced atomically, mode 0600)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("backup: --to FILE is required")
	}
	m, err := backup.Create(ctx, backup.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, KeyFromEnvironment: cfg.SecretKey != "", BlobURL: cfg.BlobURL}, *to)
	if err != nil {
		return err
	}
	out := summary(m)
	out["file"] = *to
	if m.Database == string(store.Postgres) {
		out["note"] = pgDumpAdvice
		fmt.Fprintln(stderr, "redazione backup:", pgDumpAdvice)
	}
	if m.ObjectStore {
		fmt.Fprintln(stderr, "redazione backup:", objectStoreAdvice)
	}
	if m.Key == backup.KeyEnvironment {
		fmt.Fprintln(stderr, "redazione backup: the master key comes from REDAZIONE_SECRET_KEY and is not in this file: keep it apart, with your secrets")
	}
	return json.NewEncoder(stdout).Encode(out)
}

// restoreCmd brings a backup back into an empty data directory.
func restoreCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup file to read")
	dir := fs.String("data-dir", cfg.DataDir, "the new, empty data directory to restore into (default REDAZIONE_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	m, err := backup.Restore(ctx, *from, *dir)
	if err != nil {
		return err
	}
	out := summary(m)
	out["data_dir"] = *dir
	if m.Database == string(store.Postgres) {
		out["note"] = "the files and the key are restored; restore the database from its dump: pg_restore --clean --if-exists -d \"$REDAZIONE_DATABASE_URL\" redazione.dump"
	}
	return json.NewEncoder(stdout).Encode(out)
}

func summary(m *backup.Manifest) map[string]any {
	var bytes int64
	for _, f := range m.Files {
		bytes += f.Size
	}
	out := map[string]any{"created_at": m.CreatedAt, "database": m.Database, "key": m.Key, "files": len(m.Files), "blobs": m.Blobs(), "bytes": bytes}
	if m.ObjectStore {
		out["object_store"] = true
	}
	return out
}
