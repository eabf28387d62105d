package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

var (
	rowRe   = regexp.MustCompile(`<li class="conv-item[^"]*" data-conversation="(\d+)"`)
	moreRe  = regexp.MustCompile(`<a class="btn btn-outline-primary" href="([^"]+)" data-more`)
	countRe = regexp.MustCompile(`<h2 id="list-title" class="list-count h5">([^<]+)</h2>`)
	lastRe  = regexp.MustCompile(`data-last="([^"]*)"`)
)

// rows returns the conversations a page of the inbox lists, and the URL of
// its Carica altre link ("" on the last page).
func rows(t *testing.T, page string) ([]int64, string) {
	t.Helper()
	var ids []int64
	for _, m := range rowRe.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	next := ""
	if m := moreRe.FindStringSubmatch(page); m != nil {
		next = html.UnescapeString(m[1])
	}
	return ids, next
}

// getHX asks for a part of a page as app.js does (HX-Target).
func (b *browser) getHX(path, target string) string {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.e.t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
	}
	return string(body)
}

// A flood: 250 conversations on two desks. The coordinator reaches every one
// of them, once, through Carica altre without JavaScript, in every order the
// inbox offers and with the filters kept from page to page, while citizens
// keep writing; each view says how many it holds; the list redrawn up to the
// last row loaded (what app.js asks for on a live event) has every loaded row
// once, with the new ones on top.
func TestInboxCaricaAltre(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		other := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[1].ID, "")
		var all, first []int64
		for i := range 250 {
			ch := e.api
			if i%4 == 0 {
				ch = other
			}
			res, err := db.Ingest(ctx, ch, redazione.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i), ContactName: fmt.Sprintf("Cittadino %d", i), Text: "Acqua in cantina"})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, res.ConversationID)
			if ch == other {
				first = append(first, res.ConversationID)
			}
		}
		coord := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
		arrived := 0
		walk := func(start string, arrive bool) ([]int64, []string) {
			t.Helper()
			var got []int64
			var pages []string
			for path := start; path != ""; {
				code, page := coord.get(path)
				if code != 200 {
					t.Fatalf("%s: %d", path, code)
				}
				ids, next := rows(t, page)
				got = append(got, ids...)
				pages = append(pages, page)
				if len(pages) > 1 && !strings.Contains(page, `<p class="list-first"><a href="/inbox?`) {
					t.Errorf("page %d has no way back to the first", len(pages))
				}
				if arrive && len(pages)%2 == 0 { // citizens keep writing
					arrived++
					if _, err := db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: fmt.Sprintf("n%d", arrived), ContactID: fmt.Sprintf("n%d", arrived), Text: "Anche da noi"}); err != nil {
						t.Fatal(err)
					}
				}
				path = next
				if len(pages) > 100 {
					t.Fatal("the pages never end")
				}
			}
			return got, pages
		}
		once := func(what string, got, want []int64) {
			t.Helper()
			seen := map[int64]int{}
			for _, id := range got {
				seen[id]++
				if seen[id] == 2 {
					t.Errorf("%s: conversation %d listed twice", what, id)
				}
			}
			for _, id := range want {
				if seen[id] == 0 {
					t.Errorf("%s: conversation %d never listed", what, id)
				}
			}
		}
		got, pages := walk("/inbox?view=all", false)
		if len(got) != 250 || len(pages) != 5 {
			t.Fatalf("the inbox listed %d conversations in %d pages, want 250 in 5", len(got), len(pages))
		}
		once("view all", got, all)
		if m := countRe.FindStringSubmatch(pages[0]); m == nil || m[1] != "250 conversazioni" {
			t.Errorf("the view's count = %v, want 250 conversazioni", m)
		}
		if !strings.Contains(pages[0], ">Carica altre</a>") {
			t.Error("no Carica altre link on the first page")
		}

		// Every order, with citizens writing meanwhile: the 250 once each.
		for _, start := range []string{"/inbox?view=all&status=any", "/inbox?view=all&sort=due"} {
			got, _ := walk(start, true)
			once(start+", while citizens write", got, all)
		}

		// A desk's view keeps its desk, and its count, on every page.
		desk := fmt.Sprintf("/inbox?view=desk&desk=%d", e.desks[1].ID)
		got, pages = walk(desk+"&status=any", false)
		once("desk view", got, first)
		if len(got) != len(first) {
			t.Errorf("the desk view listed %d conversations, want its %d", len(got), len(first))
		}
		if m := countRe.FindStringSubmatch(pages[0]); m == nil || m[1] != "63 conversazioni" {
			t.Errorf("the desk's count = %v, want 63 conversazioni", m)
		}
		_, next := rows(t, pages[0])
		for _, p := range []string{"view=desk", fmt.Sprintf("desk=%d", e.desks[1].ID), "status=any"} {
			if !strings.Contains(next, p) {
				t.Errorf("Carica altre %q forgets %s", next, p)
			}
		}

		// app.js appends page 2, then a live event redraws the list up to
		// the last row loaded: the same 100 rows in the same order, once
		// each. A citizen writing meanwhile waits the least, so in the order
		// by waiting time the new conversation comes after the 250: a screen
		// scrolled to the end gets Carica altre again, for it alone.
		walked, _ := walk("/inbox?view=all", false)
		_, next = rows(t, coord.getHX("/inbox?view=all", "conversation-list"))
		page2 := coord.getHX(next, "conversation-more")
		if strings.Contains(page2, "list-count") && countRe.MatchString(page2) {
			t.Error("an appended page repeats the count")
		}
		last := lastRe.FindStringSubmatch(page2)[1]
		end := lastRe.FindStringSubmatch(pages250(t, coord))[1]
		res, err := db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "nuova", ContactID: "nuova", Text: "Strada allagata"})
		if err != nil {
			t.Fatal(err)
		}
		redraw := coord.getHX("/inbox?view=all&until="+last, "conversation-list")
		ids, next := rows(t, redraw)
		if !slices.Equal(ids, walked[:100]) || next == "" || !strings.Contains(redraw, "until=") {
			t.Errorf("the redraw up to page 2 listed %d rows (next %q), want the 100 loaded, in order, and a way on", len(ids), next)
		}
		if m := countRe.FindStringSubmatch(redraw); m == nil || m[1] != fmt.Sprintf("%d conversazioni", len(walked)+1) {
			t.Errorf("the redrawn count = %v, want %d conversazioni", m, len(walked)+1)
		}
		redraw = coord.getHX("/inbox?view=all&until="+end, "conversation-list")
		ids, next = rows(t, redraw)
		if !slices.Equal(ids, walked) || next == "" {
			t.Fatalf("the redraw of the whole list: %d rows, next %q", len(ids), next)
		}
		if ids, _ := rows(t, coord.getHX(next, "conversation-more")); !slices.Equal(ids, []int64{res.ConversationID}) {
			t.Errorf("Carica altre after the whole list loaded %v, want the new conversation %d", ids, res.ConversationID)
		}

		// A made-up cursor is refused beside the list, not with a 500.
		if code, page := coord.get("/inbox?view=all&cursor=nonvalido"); code != http.StatusBadRequest || !strings.Contains(page, "cursore non valido") {
			t.Errorf("a bad cursor: %d", code)
		}
	})
}

// pages250 appends the inbox's pages as app.js does and returns the last.
func pages250(t *testing.T, b *browser) string {
	t.Helper()
	page := b.getHX("/inbox?view=all", "conversation-list")
	for _, next := rows(t, page); next != ""; _, next = rows(t, page) {
		page = b.getHX(next, "conversation-more")
		if _, n := rows(t, page); n == "" {
			return page
		}
	}
	return page
}

type apiPage struct {
	Conversations []struct {
		ID int64 `json:"id"`
	} `json:"conversations"`
	Next *string `json:"next"`
}

// An integration reads every conversation through the API's cursor, in each
// order, while citizens keep writing: the 250 once each; in the order by
// creation the new ones too, at the end. The limit is at most 200; a bad
// cursor, limit or order is a 400 that says which.
func TestAPIConversationsCursor(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		var all []int64
		for i := range 250 {
			res, err := db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i), Text: "Acqua in cantina"})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, res.ConversationID)
		}
		tok := e.token(e.newUser(e.ente, redazione.RoleCoordinator))
		arrived := 0
		var arrivals []int64
		walk := func(query string) []int64 {
			t.Helper()
			var got []int64
			cursor := ""
			for n := 0; ; n++ {
				var p apiPage
				path := "/api/v1/conversations?limit=37" + query
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				if code := e.apiGet(tok, path, &p); code != 200 {
					t.Fatalf("%s: %d", path, code)
				}
				for _, c := range p.Conversations {
					got = append(got, c.ID)
				}
				if p.Next == nil {
					return got
				}
				if len(p.Conversations) != 37 {
					t.Fatalf("%s: a page of %d before the last, want 37", path, len(p.Conversations))
				}
				cursor = *p.Next
				arrived++
				res, err := db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: fmt.Sprintf("n%d", arrived), ContactID: fmt.Sprintf("n%d", arrived), Text: "Anche da noi"})
				if err != nil {
					t.Fatal(err)
				}
				arrivals = append(arrivals, res.ConversationID)
				if n > 50 {
					t.Fatal("the cursors never end")
				}
			}
		}
		for _, q := range []string{"", "&sort=due", "&sort=created&status=any"} {
			got := walk(q)
			seen := map[int64]bool{}
			for _, id := range got {
				if seen[id] {
					t.Errorf("sort %q: conversation %d twice", q, id)
				}
				seen[id] = true
			}
			for _, id := range all {
				if !seen[id] {
					t.Errorf("sort %q: conversation %d never listed", q, id)
				}
			}
			if want := append(slices.Clone(all), arrivals...); strings.Contains(q, "created") && !slices.Equal(got, want) {
				t.Errorf("by creation: %d listed, want the %d that existed by the end, in order", len(got), len(want))
			}
		}
		var p apiPage
		if e.apiGet(tok, "/api/v1/conversations?limit=5000&status=any", &p); len(p.Conversations) != 200 || p.Next == nil {
			t.Errorf("limit=5000 gave %d conversations, want the 200 at most", len(p.Conversations))
		}
		for _, bad := range []string{"limit=0", "limit=molti", "cursor=abc", "sort=nome"} {
			var out map[string]any
			if code := e.apiGet(tok, "/api/v1/conversations?"+bad, &out); code != 400 || out["field"] == nil {
				t.Errorf("%s: %d %v, want 400 naming the field", bad, code, out)
			}
		}
	})
}

var msgRe = regexp.MustCompile(`<div class="msg-text">messaggio (\d+)</div>`)

// A 10,000-message thread opens on its latest 100 messages; Messaggi
// precedenti, a plain link, leads back page by page to the first message
// and Messaggi successivi forward again; the API pages the same way.
func TestLongThreadPages(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		conv := e.ingest(e.api, "m0", "c1", "messaggio 0")
		testdb.BulkMessages(t, db, e.ente.ID, e.api.ID, conv, 10_000)
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		b := e.login(admin)
		texts := func(page string) []int {
			var out []int
			for _, m := range msgRe.FindAllStringSubmatch(page, -1) {
				n, _ := strconv.Atoi(m[1])
				out = append(out, n)
			}
			return out
		}
		earlierRe := regexp.MustCompile(`href="([^"]+)" rel="prev">Messaggi precedenti`)
		laterRe := regexp.MustCompile(`href="([^"]+)" rel="next">Messaggi successivi`)
		code, page := b.get(fmt.Sprintf("/conversations/%d", conv))
		got := texts(page)
		if code != 200 || len(got) != 100 || got[0] != 9901 || got[99] != 10000 || laterRe.MatchString(page) {
			t.Fatalf("the thread opens with %d messages (%v…), want the latest 100", len(got), got[:min(3, len(got))])
		}
		var seen []int
		pages := 1
		for m := earlierRe.FindStringSubmatch(page); m != nil; m = earlierRe.FindStringSubmatch(page) {
			_, page = b.get(html.UnescapeString(m[1]))
			seen = append(texts(page), seen...)
			pages++
			if !laterRe.MatchString(page) {
				t.Fatalf("page %d back has no Messaggi successivi", pages)
			}
		}
		seen = append(seen, got...)
		if len(seen) != 10_001 || pages != 101 {
			t.Fatalf("walking back: %d messages in %d pages, want 10,001 in 101", len(seen), pages)
		}
		for i, n := range seen {
			if n != i {
				t.Fatalf("message %d of the walk is %d", i, n)
			}
		}
		m := laterRe.FindStringSubmatch(page)
		if _, next := b.get(html.UnescapeString(m[1])); texts(next)[0] != len(texts(page)) {
			t.Errorf("Messaggi successivi from the first page starts at %d", texts(next)[0])
		}

		// The API: the latest page first, "next" back to the first message.
		tok := e.token(admin)
		var all []string
		cursor := ""
		for n := 0; ; n++ {
			var out struct {
				Messages []struct{ Text string } `json:"messages"`
				Next     *string                 `json:"next"`
			}
			path := fmt.Sprintf("/api/v1/conversations/%d?limit=500", conv)
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			if code := e.apiGet(tok, path, &out); code != 200 || len(out.Messages) == 0 {
				t.Fatalf("%s: %d, %d messages", path, code, len(out.Messages))
			}
			var texts []string
			for _, m := range out.Messages {
				texts = append(texts, m.Text)
			}
			all = append(texts, all...)
			if out.Next == nil {
				break
			}
			cursor = *out.Next
			if n > 30 {
				t.Fatal("the cursors never end")
			}
		}
		if len(all) != 10_001 || all[0] != "messaggio 0" || all[10_000] != "messaggio 10000" {
			t.Errorf("the API walk: %d messages, %q … %q", len(all), all[0], all[len(all)-1])
		}
	})
}
