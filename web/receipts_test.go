package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// numberedGraph accepts every send and gives each its own id, as Meta does:
// wamid.REPLY0001, 0002, ... (or m_Reply0001, ... for the Send API).
func numberedGraph(t *testing.T, format string) *httptest.Server {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		id := fmt.Sprintf("%04d", n)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, format, id)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The thread shows what the platform says of each reply: delivered, read,
// or failed after all with Meta's reason; a late receipt changes nothing.
func TestDeliveryAndReadReceipts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		b := e.login(op)
		hook := func(ch *redazione.Channel, body []byte) {
			t.Helper()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
			req.Header.Set(meta.SignatureHeader, apichannel.Sign("APP-SECRET", body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("receipt webhook: %d", resp.StatusCode)
			}
		}
		reply := func(conv int64, text string) int64 {
			t.Helper()
			_, body := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {text}, "kind": {"reply"}})
			msg := msgIDRe(body)
			if st, why := e.waitDelivery(tok, conv, msg, "sent", 10*time.Second); st != "sent" {
				t.Fatalf("delivery %q (%s)", st, why)
			}
			return msg
		}
		newChannel := func(kind redazione.ChannelKind, graph string) *redazione.Channel {
			ch := &redazione.Channel{Kind: kind, Name: string(kind), DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
				Settings: map[string]string{"token": "T", "app_secret": "APP-SECRET", "verify_token": "V",
					"phone_number_id": "106540352242922", "page_id": "112233445566778", "api_base_url": graph}}
			if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
				t.Fatal(err)
			}
			return ch
		}

		t.Run("WhatsApp", func(t *testing.T) {
			ch := newChannel(redazione.ChannelWhatsApp, numberedGraph(t, `{"messaging_product": "whatsapp", "messages": [{"id": "wamid.REPLY%s"}]}`).URL)
			res, err := db.Ingest(t.Context(), ch, redazione.Inbound{ExternalID: "wamid.IN1", ContactID: "393331234567", Text: "Il certificato è pronto?"})
			if err != nil {
				t.Fatal(err)
			}
			first := reply(res.ConversationID, "Sì, può ritirarlo domani.")
			second := reply(res.ConversationID, "Le serve altro?")

			hook(ch, waPayload(t, "wa_status_read.json"))                                                                // wamid.REPLY0001 read
			hook(ch, waPayload(t, "wa_status_failed.json"))                                                              // wamid.REPLY0002 failed
			hook(ch, bytes.ReplaceAll(waPayload(t, "status.json"), []byte("wamid.SENT0001"), []byte("wamid.REPLY0001"))) // late "delivered"
			if st, _ := e.waitDelivery(tok, res.ConversationID, first, "read", 5*time.Second); st != "read" {
				t.Errorf("first reply: %q, want read (a late delivered receipt must not undo it)", st)
			}
			st, why := e.waitDelivery(tok, res.ConversationID, second, "failed", 5*time.Second)
			if st != "failed" || !strings.Contains(why, "131047") || !strings.Contains(why, "24 hours") {
				t.Errorf("second reply: %q (%s), want failed with Meta's reason", st, why)
			}
			_, page := b.get(fmt.Sprintf("/conversations/%d", res.ConversationID))
			if !strings.Contains(page, `<span class="delivery delivery-read">Letto</span>`) {
				t.Error("the thread does not show the first reply as read")
			}
		})

		t.Run("Messenger", func(t *testing.T) {
			ch := newChannel(redazione.ChannelMessenger, numberedGraph(t, `{"recipient_id": "6543210987654321", "message_id": "m_Reply%s"}`).URL)
			res, err := db.Ingest(t.Context(), ch, redazione.Inbound{ExternalID: "m_In1", ContactID: "6543210987654321", Text: "Orari della biblioteca?"})
			if err != nil {
				t.Fatal(err)
			}
			first := reply(res.ConversationID, "Dalle 9 alle 19.")
			second := reply(res.ConversationID, "Il sabato fino alle 13.")
			// delivery of m_Reply0001 by id, then a read watermark later than both replies
			body := bytes.ReplaceAll(waPayload(t, "messenger_receipts.json"), []byte("1749416850000"), []byte(fmt.Sprint(time.Now().Add(time.Minute).UnixMilli())))
			hook(ch, body)
			for _, m := range []int64{first, second} {
				if st, _ := e.waitDelivery(tok, res.ConversationID, m, "read", 5*time.Second); st != "read" {
					t.Errorf("reply %d: %q, want read by the watermark", m, st)
				}
			}
		})
	})
}
