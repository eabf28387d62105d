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

// BenchmarkIngestGroupCommit is the single writer's work alone: batches of
// a given size, already prepared (validation, stemming and detectors run
// on the requests' goroutines in the server), stored as one group commit
// each, in the mix of redazione-bench (one message in five from a new
// citizen, the others from one already known, about 150 characters). The
// batches of the HTTP path are as large as the requests waiting when the
// writer starts one (12-20 with 32 clients on the reference machine);
// 1,000 is the batch of the bare-insert ceiling (docs/PERFORMANCE.md).
func BenchmarkIngestGroupCommit(b *testing.B) {
	texts := []string{
		"Buongiorno, vorrei sapere quando passa il camion per la raccolta dei rifiuti ingombranti in via Garibaldi, ho un divano vecchio da buttare.",
		"Salve, ho ricevuto una multa per divieto di sosta ma avevo il permesso disabili esposto sul cruscotto. Come posso fare ricorso? Grazie.",
		"Buonasera, il lampione davanti al civico 12 di via Roma è spento da una settimana e la sera la strada è completamente al buio. Potete intervenire?",
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		for _, size := range []int{1, 12, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", d, size), func(b *testing.B) {
				db := testdb.Open(b, d)
				o := newOffice(b, db, "roma")
				ctx := context.Background()
				n, contacts := 0, 0
				b.ReportAllocs()
				b.ResetTimer()
				for n < b.N {
					b.StopTimer()
					ins := make([]redazione.Inbound, min(size, b.N-n))
					for i := range ins {
						n++
						c := 1 + (n*7919)%max(contacts, 1)
						if n%5 == 1 || contacts == 0 {
							contacts++
							c = contacts
						}
						ins[i] = redazione.Inbound{ExternalID: fmt.Sprint("m-", n), ContactID: fmt.Sprint("c-", c),
							ContactName: fmt.Sprint("Cittadino ", c), Text: fmt.Sprint(texts[n%len(texts)], " pratica n. ", 100000+n)}
					}
					batch := db.PrepareOneBatch(ctx, o.api, ins)
					b.StartTimer()
					_, errs := batch.Run()
					for _, err := range errs {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
			})
		}
	}
}
