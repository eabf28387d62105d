package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The same citizen writing on two channels: the operator merges the
// contacts, sees one history, and can separate them again.
func TestMergeContacts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		other := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[0].ID, "")
		// the same name on both channels, as the platforms would give it
		named := func(ch *redazione.Channel, ext, contact, text string) int64 {
			body := []byte(fmt.Sprintf(`{"external_id": %q, "contact": {"external_id": %q, "name": "Lucia Ferri"}, "text": %q, "sent_at": "2026-11-23T10:00:00Z"}`, ext, contact, text))
			code, out := e.postAPI(ch, body, "sign")
			if code != 202 {
				t.Fatalf("ingest: %d %v", code, out)
			}
			return int64(out["conversation_id"].(float64))
		}
		first := named(e.api, "a1", "tel-1", "Domanda sul canale API")
		second := named(other, "b1", "mail-1", "Domanda sull'altro canale")
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(op)
		_, page := b.get(fmt.Sprintf("/conversations/%d", first))
		if !strings.Contains(page, "Forse è lo stesso cittadino:") || !strings.Contains(page, "mail-1") {
			t.Fatal("the other contact with the same name is not suggested")
		}
		if strings.Contains(page, "Domanda sull&#39;altro canale") {
			t.Fatal("the other channel's conversation shows before merging")
		}
		var contacts []int64
		rows, _ := db.WriteDB().QueryContext(t.Context(), "SELECT id FROM contacts ORDER BY id")
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			contacts = append(contacts, id)
		}
		rows.Close()
		// a colleague has the conversation open: their screen must refresh
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		screen := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)).events(ctx, "/events")
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/merge", first), url.Values{"other": {fmt.Sprint(contacts[1])}}); code != 200 {
			t.Fatalf("merge: %d", code)
		}
		// both conversations' histories changed, whichever is open
		if !waitConversations(t, screen, time.Second, first, second) {
			t.Fatal("a colleague's screens got no event for the merge within a second, for both of the citizen's conversations")
		}
		_, page = b.get(fmt.Sprintf("/conversations/%d", first))
		if !strings.Contains(page, "Lo stesso cittadino su altri canali") || !strings.Contains(page, "Domanda sull&#39;altro canale") {
			t.Fatal("after merging, the other channel's conversation is not in the citizen's history")
		}
		if _, page := b.get(fmt.Sprintf("/conversations/%d", second)); !strings.Contains(page, "Domanda sul canale API") {
			t.Error("the history is not shown from the other side")
		}
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/merge", first), url.Values{"other": {fmt.Sprint(contacts[1])}}); code != 409 {
			t.Errorf("merging twice: %d, want 409", code)
		}
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/separate", first), url.Values{"contact": {"999999"}}); code != 404 {
			t.Errorf("separating a stranger: %d, want 404", code)
		}
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/separate", first), url.Values{"contact": {fmt.Sprint(contacts[1])}}); code != 200 {
			t.Fatalf("separate: %d", code)
		}
		if !waitConversations(t, screen, time.Second, first, second) {
			t.Error("a colleague's screens got no event for the separation within a second, for both of the citizen's conversations")
		}
		if _, page := b.get(fmt.Sprintf("/conversations/%d", first)); strings.Contains(page, "Domanda sull&#39;altro canale") {
			t.Error("after separating, the other conversation still shows")
		}
		if _, audit := e.login(e.newUser(e.ente, redazione.RoleAdmin)).get("/admin/audit"); !strings.Contains(audit, "contact.merge") || !strings.Contains(audit, "contact.separate") {
			t.Error("merge and separation are not in the audit trail")
		}
	})
}

// waitConversations waits up to d for a "conversation" event of each of
// the conversations, in any order.
func waitConversations(t testing.TB, ch <-chan sseEvent, d time.Duration, ids ...int64) bool {
	t.Helper()
	left := map[string]bool{}
	for _, id := range ids {
		left[fmt.Sprintf(`"conversation":%d,`, id)] = true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for len(left) > 0 {
		select {
		case ev, ok := <-ch:
			if !ok {
				return false
			}
			for sub := range left {
				if ev.Type == "conversation" && strings.Contains(ev.Data, sub) {
					delete(left, sub)
				}
			}
		case <-timer.C:
			return false
		}
	}
	return true
}
