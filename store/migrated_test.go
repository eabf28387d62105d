package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A server opening its database for data only (OpenMigrated) refuses one
// its owner has not migrated, saying what to run, and opens it once migrated.
func TestOpenMigratedNeedsTheMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "redazione.db")
	if db, err := OpenMigrated(ctx, url, ""); err == nil || !strings.Contains(err.Error(), "redazione migrate") {
		if db != nil {
			db.Close()
		}
		t.Fatalf("OpenMigrated on a database never migrated: %v; want an error naming redazione migrate", err)
	}
	db, err := Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = OpenMigrated(ctx, url, "")
	if err != nil {
		t.Fatalf("OpenMigrated after the migrations: %v", err)
	}
	defer db.Close()
	if _, err := db.Entes(ctx); err != nil {
		t.Fatalf("a migrated database opened for data: %v", err)
	}
}
