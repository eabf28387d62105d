package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// TestPostgresSessionsPlanWithoutWorkers: the server's sessions plan
// without parallel workers (a search for a rare word took 180 ms with one
// on a busy server, 0.4 ms without), unless the database address asks for
// them.
func TestPostgresSessionsPlanWithoutWorkers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := testdb.URL(t, store.Postgres)
	for _, c := range []struct{ url, want string }{
		{base, "0"},
		{base + "&max_parallel_workers_per_gather=2", "2"},
	} {
		db, err := store.Open(ctx, c.url, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Setting(ctx, "max_parallel_workers_per_gather")
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != c.want {
			t.Errorf("%s: max_parallel_workers_per_gather = %s, want %s", c.url, got, c.want)
		}
	}
}
