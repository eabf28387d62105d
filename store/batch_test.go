package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Messages that arrive together are stored together; one that fails is
// rolled back alone, and every one that was acknowledged is stored.
func TestIngestGroupCommitIsolatesFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		broken := *o.webchat
		broken.DeskID = 987654 // no such desk: a new conversation there cannot be stored
		const n = 120
		var wg sync.WaitGroup
		ids := make([]int64, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ch := o.webchat
				if i%10 == 3 {
					ch = &broken
				}
				res, err := db.Ingest(context.Background(), ch, store.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i), Text: "Buongiorno, una domanda"})
				if err == nil {
					ids[i] = res.Message.ID
				}
				errs[i] = err
			}(i)
		}
		wg.Wait()
		seen := map[int64]bool{}
		ok := 0
		for i := 0; i < n; i++ {
			if i%10 == 3 {
				if errs[i] == nil {
					t.Errorf("message %d to a missing desk was acknowledged", i)
				}
				continue
			}
			if errs[i] != nil {
				t.Errorf("message %d failed with its neighbour: %v", i, errs[i])
				continue
			}
			if seen[ids[i]] {
				t.Errorf("message id %d given twice", ids[i])
			}
			seen[ids[i]] = true
			ok++
		}
		if got := count(t, db, "messages"); got != ok {
			t.Fatalf("%d messages stored, %d acknowledged", got, ok)
		}
		for _, table := range []string{"conversations", "contacts"} {
			if got := count(t, db, table); got != ok {
				t.Fatalf("%d %s stored, want %d: a failed message left a partial write", got, table, ok)
			}
		}
	})
}
