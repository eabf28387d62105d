package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// limitedPlatform answers the first send with a rate-limit refusal, then
// accepts; it records when each send arrived.
type limitedPlatform struct {
	*httptest.Server
	mu    sync.Mutex
	times []time.Time
}

func newLimitedPlatform(t *testing.T, refuse func(w http.ResponseWriter), accept string) *limitedPlatform {
	p := &limitedPlatform{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.times = append(p.times, time.Now())
		first := len(p.times) == 1
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if first {
			refuse(w)
			return
		}
		w.Write([]byte(accept))
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *limitedPlatform) calls() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.times...)
}

// A platform that asks to wait gets the next attempt when it asked, not
// after the usual back-off (200 ms in these tests); Meta's rate-limit codes,
// answered with HTTP 400, are tried again rather than failed.
func TestRateLimitedRepliesWaitAsAsked(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		b := e.login(op)
		for _, tc := range []struct {
			name    string
			kind    redazione.ChannelKind
			contact string
			refuse  func(w http.ResponseWriter)
			accept  string
			wait    time.Duration
		}{
			{name: "callback with Retry-After", kind: redazione.ChannelAPI, contact: "cit-1",
				refuse: func(w http.ResponseWriter) { w.Header().Set("Retry-After", "2"); w.WriteHeader(429) },
				wait:   2 * time.Second},
			{name: "Telegram retry_after", kind: redazione.ChannelTelegram, contact: "1111111",
				refuse: func(w http.ResponseWriter) {
					w.WriteHeader(429)
					w.Write([]byte(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 2","parameters":{"retry_after":2}}`))
				},
				accept: `{"ok":true,"result":{"message_id":7,"date":1764151200,"chat":{"id":1111111,"type":"private"},"text":"ok"}}`,
				wait:   2 * time.Second},
			{name: "WhatsApp throughput limit", kind: redazione.ChannelWhatsApp, contact: "393331234567",
				refuse: func(w http.ResponseWriter) {
					w.WriteHeader(400)
					w.Write([]byte(`{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`))
				},
				accept: `{"messaging_product":"whatsapp","contacts":[{"input":"393331234567","wa_id":"393331234567"}],"messages":[{"id":"wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"}]}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := newLimitedPlatform(t, tc.refuse, tc.accept)
				ch := &redazione.Channel{Kind: tc.kind, Name: tc.name, DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
					Settings: map[string]string{"token": "TOKEN", "api_base_url": p.URL, "phone_number_id": "106540352242922", "app_secret": "S", "verify_token": "V"}}
				if tc.kind == redazione.ChannelAPI {
					ch.CallbackURL = p.URL + "/hook"
				}
				if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
					t.Fatal(err)
				}
				res, err := db.Ingest(t.Context(), ch, redazione.Inbound{ExternalID: "in-" + tc.contact, ContactID: tc.contact, Text: "Quando apre l'anagrafe?"})
				if err != nil {
					t.Fatal(err)
				}
				_, body := b.post(fmt.Sprintf("/conversations/%d/messages", res.ConversationID), url.Values{"text": {"Alle 8:30."}, "kind": {"reply"}})
				if st, why := e.waitDelivery(tok, res.ConversationID, msgIDRe(body), "sent", 15*time.Second); st != "sent" {
					t.Fatalf("delivery %q (%s), want sent on the second attempt", st, why)
				}
				calls := p.calls()
				if len(calls) != 2 {
					t.Fatalf("%d sends, want 2", len(calls))
				}
				if gap := calls[1].Sub(calls[0]); gap < tc.wait-100*time.Millisecond {
					t.Errorf("tried again after %v, the platform asked for %v", gap, tc.wait)
				}
			})
		}
	})
}
