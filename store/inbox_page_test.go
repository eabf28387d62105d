package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// walk follows a view's cursors from the first page to the last and
// returns every row it was shown, in order; between pages it calls meanwhile
// with the page number.
func walk(t *testing.T, db *store.DB, a redazione.Actor, f store.InboxFilter, meanwhile func(page int)) []int64 {
	t.Helper()
	var got []int64
	f.Cursor = ""
	for page := 1; ; page++ {
		p, err := db.InboxPage(context.Background(), a, f)
		if err != nil {
			t.Fatalf("page %d of %+v: %v", page, f, err)
		}
		got = append(got, ids(p.Conversations)...)
		if p.Next == "" {
			return got
		}
		if page > 1000 {
			t.Fatal("the cursors never end")
		}
		f.Cursor = p.Next
		if meanwhile != nil {
			meanwhile(page)
		}
	}
}

// onceEach fails unless got holds every id of want exactly once (and others
// at most once).
func onceEach(t *testing.T, what string, got, want []int64) {
	t.Helper()
	seen := map[int64]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s: conversation %d shown %d times", what, id, n)
		}
	}
	for _, id := range want {
		if seen[id] == 0 {
			t.Errorf("%s: conversation %d never shown", what, id)
		}
	}
}

// A heavy day: 250 conversations, some answered, some tagged, on two desks
// of which one has a response-time target. Every view, in every order, walked
// page by page, shows each of its conversations exactly once and in the order
// one query would, and conversations arriving mid-walk change nothing of it.
func TestInboxPagesReachEveryConversation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, rome("2026-11-23 10:00")) // a Monday
		o := newOffice(t, db, "piena")
		admin := o.as(o.admin)
		if err := db.SaveCalendar(ctx, admin, calendar.StandardSettings()); err != nil {
			t.Fatal(err)
		}
		// Only the web chat has a target: the order by due time has both
		// of its runs (with a due time, then without).
		if err := db.SavePolicy(ctx, admin, &sla.Policy{Name: "Chat", ChannelID: o.webchat.ID, FirstResponse: 4 * time.Hour, Resolution: 16 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		var all, chat, tagged []int64
		for i := range 250 {
			ch := o.api
			if i%2 == 0 {
				ch = o.webchat
			}
			id := o.ingest(t, ch, fmt.Sprintf("c%d", i), fmt.Sprintf("m%d", i), "Buongiorno").ConversationID
			all = append(all, id)
			if ch == o.webchat {
				chat = append(chat, id)
			}
			if i%3 == 0 { // answered: no longer waiting, ordered by activity
				o.reply(t, admin, id, "Risposta")
			}
			if i%5 == 0 {
				o.change(t, admin, id, store.Change{AddTags: []string{"allerta"}})
				tagged = append(tagged, id)
			}
			// Ties on the sort key too: two conversations per minute.
			if i%2 == 1 {
				clk.Advance(time.Minute)
			}
		}
		views := []struct {
			name string
			f    store.InboxFilter
			want []int64
		}{
			{"by waiting time", store.InboxFilter{}, all},
			{"by due time", store.InboxFilter{SortDue: true}, all},
			{"by creation", store.InboxFilter{SortID: true}, all},
			{"with a due time", store.InboxFilter{Due: "any"}, chat},
			{"desk of the chat", store.InboxFilter{DeskID: o.desks["contatti"].ID}, chat},
			{"tag, by due time", store.InboxFilter{Tag: "allerta", SortDue: true}, tagged},
			{"every status, by creation", store.InboxFilter{Status: "any", SortID: true}, all},
		}
		for _, v := range views {
			for _, size := range []int{7, 50} {
				f := v.f
				f.Limit = size
				got := walk(t, db, admin, f, nil)
				what := fmt.Sprintf("%s, pages of %d", v.name, size)
				onceEach(t, what, got, v.want)
				if len(got) != len(v.want) {
					t.Errorf("%s: %d rows, want %d", what, len(got), len(v.want))
				}
				// The pages, end to end, are the view's order: a redraw up
				// to the last row gives the same rows in one query.
				whole := f
				whole.Until = lastCursor(t, db, admin, f)
				p, err := db.InboxPage(ctx, admin, whole)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(p.Conversations), got) || p.Next != "" {
					t.Errorf("%s: the pages differ from the view in one query (next %q)", what, p.Next)
				}
				n, err := db.CountConversations(ctx, admin, f, 10_000)
				if err != nil || n != len(v.want) {
					t.Errorf("%s: count = %d, %v; want %d", what, n, err, len(v.want))
				}
			}
		}
		if n, _ := db.CountConversations(ctx, admin, store.InboxFilter{}, 100); n != 101 {
			t.Errorf("a count capped at 100 = %d, want 101 (more than 100)", n)
		}

		// Citizens keep writing while an integration walks the list: the
		// 250 are each seen once, in every order; the new ones at most once,
		// and at the end of the order by creation.
		for _, v := range views[:3] {
			var fresh []int64
			f := v.f
			f.Limit = 20
			got := walk(t, db, admin, f, func(page int) {
				if page%3 == 0 {
					res := o.ingest(t, o.webchat, fmt.Sprintf("n%d-%s", page, v.name), fmt.Sprintf("n%d-%s", page, v.name), "Allagamento in via Roma")
					fresh = append(fresh, res.ConversationID)
				}
			})
			onceEach(t, v.name+", with arrivals", got, v.want)
			if f.SortID && !slices.Equal(got[250:], fresh) {
				t.Errorf("by creation: the new conversations seen = %v, want all of %v at the end", got[250:], fresh)
			}
			// Answer them, so the next order starts from the 250 again.
			for _, id := range fresh {
				o.change(t, admin, id, store.Change{Status: ptr(redazione.StatusResolved)})
			}
		}

		// An operator's pages stay within their desks, and a cursor of
		// another order or none at all is refused.
		mario := o.as(o.mario)
		onceEach(t, "Mario's desks", walk(t, db, mario, store.InboxFilter{Limit: 30}, nil), chat)
		if got := walk(t, db, mario, store.InboxFilter{Limit: 30}, nil); len(got) != len(chat) {
			t.Errorf("Mario sees %d conversations, want the %d of his desk", len(got), len(chat))
		}
		p, err := db.InboxPage(ctx, admin, store.InboxFilter{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.InboxPage(ctx, admin, store.InboxFilter{SortDue: true, Cursor: p.Next})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.InboxPage(ctx, admin, store.InboxFilter{Cursor: "non-un-cursore"})
		wantCode(t, err, redazione.EINVALID)

		// A redraw up to a row that has since left the view still offers
		// the rows after it.
		p10, err := db.InboxPage(ctx, admin, store.InboxFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		o.change(t, admin, p10.Conversations[9].ID, store.Change{Status: ptr(redazione.StatusResolved)})
		redraw, err := db.InboxPage(ctx, admin, store.InboxFilter{Until: p10.Last})
		if err != nil || !slices.Equal(ids(redraw.Conversations), ids(p10.Conversations[:9])) || redraw.Next != p10.Last {
			t.Errorf("a redraw up to a resolved row: %v, next %q, %v", ids(redraw.Conversations), redraw.Next, err)
		}
	})
}

// lastCursor returns the cursor of a view's last row.
func lastCursor(t *testing.T, db *store.DB, a redazione.Actor, f store.InboxFilter) string {
	t.Helper()
	for {
		p, err := db.InboxPage(context.Background(), a, f)
		if err != nil {
			t.Fatal(err)
		}
		if p.Next == "" {
			return p.Last
		}
		f.Cursor = p.Next
	}
}

// A 10,000-message thread opens on its latest page; the earlier pages are
// reached one by one down to the first message, and back up again.
func TestMessagesPagesOfALongThread(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "lunga")
		res := o.ingest(t, o.api, "c1", "m0", "messaggio 0")
		testdb.BulkMessages(t, db, o.ente.ID, o.api.ID, res.ConversationID, 10_000)
		admin := o.as(o.admin)
		p, err := db.MessagesPage(ctx, admin, res.ConversationID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Messages) != 100 || p.Messages[99].Text != "messaggio 10000" || p.Messages[0].Text != "messaggio 9901" || p.Later != "" || p.Earlier == "" {
			t.Fatalf("latest page: %d messages, %q … %q, later %q", len(p.Messages), p.Messages[0].Text, p.Messages[len(p.Messages)-1].Text, p.Later)
		}
		var texts []string
		pages := []*store.MessagePage{p}
		for c := p.Earlier; c != ""; {
			q, err := db.MessagesPage(ctx, admin, res.ConversationID, c, 500)
			if err != nil {
				t.Fatal(err)
			}
			if q.Later == "" {
				t.Fatal("an earlier page has no way back to the later ones")
			}
			pages = append(pages, q)
			c = q.Earlier
		}
		for i := len(pages) - 1; i >= 0; i-- {
			for _, m := range pages[i].Messages {
				texts = append(texts, m.Text)
			}
		}
		if len(texts) != 10_001 || texts[0] != "messaggio 0" || texts[10_000] != "messaggio 10000" {
			t.Fatalf("walking back: %d messages, from %q", len(texts), texts[0])
		}
		for i := 1; i < len(texts); i++ {
			if texts[i] != fmt.Sprintf("messaggio %d", i) {
				t.Fatalf("message %d is %q", i, texts[i])
			}
		}
		// Forward from the first page, to the latest.
		first := pages[len(pages)-1]
		q, err := db.MessagesPage(ctx, admin, res.ConversationID, first.Later, 500)
		if err != nil || q.Messages[0].Text != fmt.Sprintf("messaggio %d", len(first.Messages)) {
			t.Fatalf("forward from the first page: %v", err)
		}
		// Another desk's operator learns nothing, a made-up cursor is refused.
		_, err = db.MessagesPage(ctx, o.as(o.mario), res.ConversationID, "", 0)
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.MessagesPage(ctx, admin, res.ConversationID, "xyz", 0)
		wantCode(t, err, redazione.EINVALID)
	})
}

// Every page of the inbox's views is one range of an index, read in its
// order: no sort of the view's rows, no scan of the table, on either engine.
func TestInboxPagesUseAnIndex(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "indici")
		if err := db.SaveCalendar(ctx, o.as(o.admin), calendar.StandardSettings()); err != nil {
			t.Fatal(err)
		}
		if err := db.SavePolicy(ctx, o.as(o.admin), &sla.Policy{Name: "Chat", ChannelID: o.webchat.ID, FirstResponse: 4 * time.Hour, Resolution: 16 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		o.ingest(t, o.api, "a1", "a1", "Buongiorno")
		for i := range 3 {
			o.ingest(t, o.webchat, fmt.Sprintf("c%d", i), fmt.Sprintf("m%d", i), "Buongiorno")
		}
		admin, mario := o.as(o.admin), o.as(o.mario)
		cursor := func(a redazione.Actor, f store.InboxFilter) string {
			f.Limit = 1
			p, err := db.InboxPage(ctx, a, f)
			if err != nil || p.Next == "" {
				t.Fatalf("no second page of %+v: %v", f, err)
			}
			return p.Next
		}
		for _, c := range []struct {
			name string
			a    redazione.Actor
			f    store.InboxFilter
		}{
			{"all, first page", admin, store.InboxFilter{}},
			{"all, deep page", admin, store.InboxFilter{Cursor: cursor(admin, store.InboxFilter{})}},
			{"one desk, deep page", admin, store.InboxFilter{DeskID: o.desks["contatti"].ID, Cursor: cursor(admin, store.InboxFilter{DeskID: o.desks["contatti"].ID})}},
			{"unassigned, deep page", admin, store.InboxFilter{Unassigned: true, Cursor: cursor(admin, store.InboxFilter{Unassigned: true})}},
			{"mine", mario, store.InboxFilter{Mine: true}},
			{"operator's desks, deep page", mario, store.InboxFilter{Cursor: cursor(mario, store.InboxFilter{})}},
			{"by due time, deep page", admin, store.InboxFilter{SortDue: true, Cursor: cursor(admin, store.InboxFilter{SortDue: true})}},
			{"by due time, past the due ones", admin, store.InboxFilter{SortDue: true, Cursor: lastCursor(t, db, admin, store.InboxFilter{SortDue: true})}},
			{"breached, first page", admin, store.InboxFilter{Due: "breached"}},
			{"a citizen's conversations", admin, store.InboxFilter{Status: "any", ContactIDs: []int64{1, 2}}},
			{"by creation, deep page", admin, store.InboxFilter{SortID: true, Cursor: cursor(admin, store.InboxFilter{SortID: true})}},
			{"every status by creation, deep page", admin, store.InboxFilter{Status: "any", SortID: true, Cursor: cursor(admin, store.InboxFilter{Status: "any", SortID: true})}},
		} {
			plan, err := db.ExplainInboxPage(ctx, c.a, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			t.Logf("%s:\n%s", c.name, plan)
			if c.f.ContactIDs != nil { // a few rows, sorted: but found by the contact's index
				if !strings.Contains(plan, "conversations_contact") {
					t.Errorf("%s: not read by the contact's index:\n%s", c.name, plan)
				}
				continue
			}
			sorted := strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort")
			scanned := strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN c\n") || strings.HasSuffix(plan, "SCAN c")
			if sorted || scanned || !strings.Contains(strings.ToLower(plan), "index") {
				t.Errorf("%s: the page is not one range of an index:\n%s", c.name, plan)
			}
		}
	})
}
