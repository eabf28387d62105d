package store_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// BenchmarkBulkChange measures a bulk action on 1,000 conversations of an
// office with REDAZIONE_BENCH_CONVERSATIONS conversations (100,000 by
// default; docs/PERFORMANCE.md has the figures at 1,000,000): an
// assignment of 1,000 conversations picked at random over the whole table
// (the worst case: every row on its own page), an assignment and a snooze
// of a view's first 1,000 (its ids read as the confirmation does, then
// changed), and a tag, each with its 1,000 audit entries. Every iteration
// changes all 1,000.
//
//	go test ./store/ -run '^$' -bench BenchmarkBulkChange -benchtime 10x
func BenchmarkBulkChange(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("REDAZIONE_BENCH_CONVERSATIONS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := testdb.Open(b, d)
			o := newOffice(b, db, "bench")
			ctx := context.Background()
			start := time.Now()
			first, last := fillConversations(b, db, o, n)
			b.Logf("%d conversations loaded in %v", last-first+1, time.Since(start).Round(time.Millisecond))
			co := o.as(o.coord)
			pick := func() []int64 {
				ids := make([]int64, 1000)
				for i := range ids {
					ids[i] = first + rand.Int64N(last-first+1)
				}
				return ids
			}
			firstPage := func(b *testing.B) {
				for b.Loop() {
					if _, err := db.InboxPage(ctx, co, store.InboxFilter{HideSnoozed: true}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("inbox-first-page", firstPage)
			b.Run("assign-1000", func(b *testing.B) {
				who := []int64{o.mario.ID, o.giulia.ID}
				for b.Loop() {
					b.StopTimer()
					ids := pick()
					// Everyone to Mario first, so that the measured action changes all.
					if _, err := db.BulkChange(ctx, co, ids, store.Change{AssigneeID: &who[0]}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := db.BulkChange(ctx, co, ids, store.Change{AssigneeID: &who[1]}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("assign-view-1000", func(b *testing.B) {
				// The whole-view path: the first 1,000 of the unassigned
				// view, as confirmed, then assigned (and so out of it).
				f := store.InboxFilter{Unassigned: true, HideSnoozed: true}
				for b.Loop() {
					ids, err := db.ViewIDs(ctx, co, f, 1000)
					if err != nil || len(ids) != 1000 {
						b.Fatalf("view ids: %d, %v", len(ids), err)
					}
					if _, err := db.BulkChange(ctx, co, ids, store.Change{AssigneeID: &o.mario.ID}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("tag-1000", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					if _, err := db.BulkChange(ctx, co, pick(), store.Change{AddTags: []string{"lotto-" + strconv.Itoa(i)}}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("view-snooze-1000", func(b *testing.B) {
				f := store.InboxFilter{DeskID: o.desks["contatti"].ID, HideSnoozed: true}
				for b.Loop() {
					ids, err := db.ViewIDs(ctx, co, f, 1000)
					if err != nil || len(ids) != 1000 {
						b.Fatalf("view ids: %d, %v", len(ids), err)
					}
					if _, err := db.BulkChange(ctx, co, ids, store.Change{Snooze: &store.Snooze{UntilReply: true}}); err != nil {
						b.Fatal(err)
					}
				}
			})
			// The open view leaves the snoozed ones out by their partial
			// index; here they are the head of its order, the worst case.
			b.Run("inbox-first-page-after-snoozing", firstPage)
		})
	}
}

// fillConversations writes n open conversations of the web chat (desk
// "contatti"), each with its own contact, in two statements, and returns
// the first and last conversation ids.
func fillConversations(b *testing.B, db *store.DB, o *office, n int) (first, last int64) {
	b.Helper()
	ctx := context.Background()
	at := time.Now().Add(-24 * time.Hour).UnixMilli()
	w := db.WriteDB()
	var err error
	if db.Dialect() == store.Postgres {
		_, err = w.ExecContext(ctx, `INSERT INTO contacts (ente_id, channel_id, external_id, name, created_at)
		 SELECT $1, $2, 'bench-' || i, 'Cittadino ' || i, $3 FROM generate_series(1, $4::bigint) i`, o.ente.ID, o.webchat.ID, at, n)
		if err == nil {
			_, err = w.ExecContext(ctx, `INSERT INTO conversations (ente_id, channel_id, contact_id, desk_id, status, waiting_since, last_message_at, queue_key, created_at)
			 SELECT ente_id, channel_id, id, $1, 'open', $2 + id, $2 + id, $2 + id, $2 FROM contacts WHERE channel_id = $3 ORDER BY id`, o.desks["contatti"].ID, at, o.webchat.ID)
		}
		if err == nil {
			_, err = w.ExecContext(ctx, "ANALYZE")
		}
	} else {
		_, err = w.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO contacts (ente_id, channel_id, external_id, name, created_at) SELECT ?, ?, 'bench-' || i, 'Cittadino ' || i, ? FROM n`, n, o.ente.ID, o.webchat.ID, at)
		if err == nil {
			_, err = w.ExecContext(ctx, `INSERT INTO conversations (ente_id, channel_id, contact_id, desk_id, status, waiting_since, last_message_at, queue_key, created_at)
			 SELECT ente_id, channel_id, id, ?, 'open', ? + id, ? + id, ? + id, ? FROM contacts WHERE channel_id = ? ORDER BY id`, o.desks["contatti"].ID, at, at, at, at, o.webchat.ID)
		}
	}
	if err != nil {
		b.Fatalf("fill: %v", err)
	}
	if err := w.QueryRowContext(ctx, "SELECT MIN(id), MAX(id) FROM conversations WHERE ente_id = "+strconv.FormatInt(o.ente.ID, 10)).Scan(&first, &last); err != nil {
		b.Fatal(err)
	}
	return first, last
}
