package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Messages that arrive together are stored together; one that fails is
// rolled back alone, and every one that was acknowledged is stored.
func TestIngestGroupCommitIsolatesFailures(t *testing.T) {
	t.Parallel()
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
				res, err := db.Ingest(context.Background(), ch, redazione.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i), Text: "Buongiorno, una domanda"})
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

// Redeliveries mixed into a burst of new messages (a platform retrying
// while citizens keep writing) are answered with the stored message, and
// every new message is stored once.
func TestIngestGroupCommitRedeliveries(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		in := func(i int) redazione.Inbound {
			return redazione.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i%7), Text: fmt.Sprintf("Messaggio numero %d sulla TARI", i)}
		}
		first := map[int]int64{}
		for i := 0; i < 40; i++ { // stored before the burst
			res, err := db.Ingest(ctx, o.webchat, in(i))
			if err != nil {
				t.Fatal(err)
			}
			first[i] = res.Message.ID
		}
		// The burst: messages 0-39 again, 40-119 new, and 80-119 twice.
		var wg sync.WaitGroup
		var mu sync.Mutex
		type outcome struct {
			id  int64
			dup bool
		}
		got := map[int][]outcome{}
		send := func(i int) {
			defer wg.Done()
			res, err := db.Ingest(ctx, o.webchat, in(i))
			if err != nil {
				t.Errorf("message %d: %v", i, err)
				return
			}
			mu.Lock()
			got[i] = append(got[i], outcome{res.Message.ID, res.Duplicate})
			mu.Unlock()
		}
		for i := 0; i < 120; i++ {
			wg.Add(1)
			go send(i)
			if i >= 80 {
				wg.Add(1)
				go send(i)
			}
		}
		wg.Wait()
		for i := 0; i < 120; i++ {
			outs := got[i]
			dups := 0
			for _, o := range outs {
				if o.id != outs[0].id {
					t.Errorf("message %d answered with ids %d and %d", i, outs[0].id, o.id)
				}
				if o.dup {
					dups++
				}
			}
			switch {
			case i < 40 && (dups != 1 || outs[0].id != first[i]):
				t.Errorf("redelivery of message %d: duplicate=%v id %d, want the stored %d", i, dups == 1, outs[0].id, first[i])
			case i >= 80 && dups != 1:
				t.Errorf("message %d sent twice in the burst: %d answers say duplicate, want 1", i, dups)
			case i >= 40 && i < 80 && dups != 0:
				t.Errorf("new message %d answered as a duplicate", i)
			}
		}
		if n := count(t, db, "messages"); n != 120 {
			t.Fatalf("%d messages stored, want 120", n)
		}
	})
}

// Two processes on one PostgreSQL database (two nodes behind a balancer)
// each group-commit what they receive, batches of both holding several
// citizens' locks at once: every message is acknowledged, a redelivery
// reaching both is stored once, and each citizen's messages land in one
// conversation.
func TestIngestGroupCommitTwoNodes(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, store.Postgres)
	ctx := context.Background()
	var nodes [2]*store.DB
	for i := range nodes {
		db, err := store.Open(ctx, url, "")
		if err != nil {
			t.Fatalf("open node %d: %v", i, err)
		}
		t.Cleanup(func() { db.Close() })
		testdb.Seal(db)
		nodes[i] = db
	}
	o := newOffice(t, nodes[0], "ente")
	const citizens, each = 20, 12
	type result struct {
		res *redazione.Ingested
		err error
	}
	results := make([][]result, citizens*each)
	var wg sync.WaitGroup
	for i := range citizens * each {
		results[i] = make([]result, 2)
		for n, db := range nodes {
			// Every sixth message is delivered to both nodes (a platform's
			// retry reaching the other one); the others to one, in turn.
			if i%6 != 0 && i%2 != n {
				continue
			}
			wg.Go(func() {
				in := redazione.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i%citizens), Text: "Buongiorno, il lampione è spento"}
				res, err := db.Ingest(ctx, o.webchat, in)
				results[i][n] = result{res, err}
			})
		}
	}
	wg.Wait()
	convOf := map[string]int64{}
	for i, rs := range results {
		stored := 0
		for n, r := range rs {
			if i%6 != 0 && i%2 != n {
				continue
			}
			if r.err != nil {
				t.Fatalf("message %d on node %d: %v", i, n, r.err)
			}
			if !r.res.Duplicate {
				stored++
			}
			c := fmt.Sprintf("c%d", i%citizens)
			if prev, ok := convOf[c]; ok && prev != r.res.ConversationID {
				t.Errorf("citizen %s has messages in conversations %d and %d, want one", c, prev, r.res.ConversationID)
			}
			convOf[c] = r.res.ConversationID
		}
		if stored != 1 {
			t.Errorf("message %d reported stored %d times, want once", i, stored)
		}
	}
	if got := count(t, nodes[1], "messages"); got != citizens*each {
		t.Errorf("%d messages stored, want %d", got, citizens*each)
	}
	for _, table := range []string{"conversations", "contacts"} {
		if got := count(t, nodes[1], table); got != citizens {
			t.Errorf("%d %s, want %d (one per citizen)", got, table, citizens)
		}
	}
}

// A batch holding several messages of one citizen (a burst, a comment and
// a private message at once) stores them as one by one would: the first
// of a new citizen creates the contact, the next ones join its
// conversation, a comment opens a public conversation beside the private
// one, and after a resolved case the burst opens one new case, not one
// per message. (On PostgreSQL a batch looks its citizens up at once.)
func TestIngestGroupCommitSameCitizen(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		const citizens = 12
		resolved := map[int]int64{}
		for c := citizens / 2; c < citizens; c++ {
			first := o.ingest(t, o.webchat, fmt.Sprintf("c%d", c), fmt.Sprintf("old%d", c), "Una domanda di prima")
			o.change(t, o.as(o.mario), first.ConversationID, store.Change{AssigneeID: ptr(o.mario.ID)})
			o.reply(t, o.as(o.mario), first.ConversationID, "Risposta.")
			o.change(t, o.as(o.mario), first.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})
			resolved[c] = first.ConversationID
		}
		var wg sync.WaitGroup
		for c := range citizens {
			for m := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := redazione.Inbound{ExternalID: fmt.Sprintf("c%d-m%d", c, m), ContactID: fmt.Sprintf("c%d", c), ContactName: fmt.Sprintf("Cittadino %d", c),
						Text: "Messaggio sulla TARI", Public: m == 3}
					if _, err := db.Ingest(ctx, o.webchat, in); err != nil {
						t.Errorf("citizen %d message %d: %v", c, m, err)
					}
				}()
			}
		}
		wg.Wait()
		for c := range citizens {
			rows, err := db.WriteDB().QueryContext(ctx, `SELECT cv.id, cv.public, cv.status, COUNT(m.id) FROM contacts ct
				 JOIN conversations cv ON cv.contact_id = ct.id JOIN messages m ON m.conversation_id = cv.id AND m.direction = 'in'
				 WHERE ct.external_id = 'c`+strconv.Itoa(c)+`' GROUP BY cv.id, cv.public, cv.status`)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var id, n int64
				var public bool
				var status string
				if err := rows.Scan(&id, &public, &status, &n); err != nil {
					t.Fatal(err)
				}
				if id == resolved[c] {
					got = append(got, fmt.Sprintf("old %s %d", status, n))
					continue
				}
				got = append(got, fmt.Sprintf("public=%v %s %d", public, status, n))
			}
			rows.Close()
			slices.Sort(got)
			want := "public=false open 3|public=true open 1"
			if resolved[c] != 0 {
				want = "old resolved 1|" + want
			}
			if g := strings.Join(got, "|"); g != want {
				t.Errorf("citizen %d's conversations (messages in each): %s, want %s", c, g, want)
			}
		}
		if n := count(t, db, "contacts"); n != citizens {
			t.Errorf("%d contacts for %d citizens", n, citizens)
		}
	})
}

// One batch, in a known order: a citizen's plain messages and one with a
// flag (stored at once, the others with the batch's) keep their order in
// the thread; the same message twice in the batch and a redelivery of one
// stored before are each answered with the stored message; every answer
// holds the id the message was stored with.
func TestIngestOneBatchKeepsOrder(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		before := o.ingest(t, o.api, "bruno", "old", "Un messaggio di ieri")
		in := func(ext, contact, text string) redazione.Inbound {
			return redazione.Inbound{ExternalID: ext, ContactID: contact, Text: text}
		}
		res, errs := db.IngestOneBatch(ctx, o.api, []redazione.Inbound{
			in("m1", "anna", "Buongiorno, una domanda sulla TARI"),
			in("m2", "anna", "E c'è un allagamento in via Roma"),
			in("m3", "anna", "Grazie"),
			in("m1", "anna", "Buongiorno, una domanda sulla TARI"),
			in("old", "bruno", "Un messaggio di ieri"),
			in("c1", "carla", "Salve"),
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		if len(res[1].Flags) == 0 {
			t.Fatalf("the flood was not flagged: %+v", res[1])
		}
		if !(res[0].Message.ID < res[1].Message.ID && res[1].Message.ID < res[2].Message.ID) || res[0].ConversationID != res[2].ConversationID {
			t.Errorf("ids %d, %d, %d in conversations %d, %d: want ascending, one conversation", res[0].Message.ID, res[1].Message.ID, res[2].Message.ID, res[0].ConversationID, res[2].ConversationID)
		}
		if !res[3].Duplicate || res[3].Message.ID != res[0].Message.ID {
			t.Errorf("the same message twice in a batch: %+v, want a duplicate of %d", res[3], res[0].Message.ID)
		}
		if !res[4].Duplicate || res[4].Message.ID != before.Message.ID {
			t.Errorf("a redelivery in a batch: %+v, want a duplicate of %d", res[4], before.Message.ID)
		}
		rows, err := db.WriteDB().QueryContext(ctx, "SELECT id, text FROM messages WHERE conversation_id = "+strconv.FormatInt(res[0].ConversationID, 10)+" ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		var thread []string
		for rows.Next() {
			var id int64
			var text string
			rows.Scan(&id, &text)
			thread = append(thread, fmt.Sprintf("%d %s", id, text))
		}
		rows.Close()
		want := []string{
			fmt.Sprintf("%d Buongiorno, una domanda sulla TARI", res[0].Message.ID),
			fmt.Sprintf("%d E c'è un allagamento in via Roma", res[1].Message.ID),
			fmt.Sprintf("%d Grazie", res[2].Message.ID),
		}
		if strings.Join(thread, "|") != strings.Join(want, "|") {
			t.Errorf("thread %q, want %q", thread, want)
		}
		if hits, err := db.Search(ctx, o.as(o.admin), "Salve", 10); err != nil || len(hits.Hits) != 1 || hits.Hits[0].Message.ID != res[5].Message.ID {
			t.Errorf("search for the batch's last message: %+v, %v", hits, err)
		}
		if n := count(t, db, "messages"); n != 5 {
			t.Errorf("%d messages stored, want 5", n)
		}
	})
}
