package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// BenchmarkIngest stores messages one after another on each dialect; its
// allocations per message guard the ingest hot path (group commit on SQLite,
// one transaction under an advisory lock on PostgreSQL).
func BenchmarkIngest(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := testdb.Open(b, d)
			o := newOffice(b, db, "roma")
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				in := redazione.Inbound{ExternalID: fmt.Sprint("m-", i), ContactID: fmt.Sprint("c-", i%50), ContactName: "Lucia Neri",
					Text: "Buongiorno, a che ora apre l'ufficio anagrafe del comune?"}
				if _, err := db.Ingest(ctx, o.webchat, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
