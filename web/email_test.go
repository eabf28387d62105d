package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/email"
	"github.com/redazione/redazione/channel/email/mailtest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// mailSample reads a message of channel/email/testdata (mailtest.Message).
func mailSample(t testing.TB, name string, vars ...string) []byte {
	return mailtest.Message(t, "../channel/email/testdata/"+name, vars...)
}

func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	if !waitUntil(30*time.Second, ok) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// rawGet fetches a page with the browser's session, with its headers.
func (b *browser) rawGet(path string) (*http.Response, string) {
	b.e.t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.String()
}

// The thread of an e-mail conversation: the subject, the HTML in a
// sandboxed frame with nothing that runs and no remote image until the
// operator asks for that message's, the PEC mark, and the PEC receipts on
// the office's reply.
func TestEmailThreadDisplay(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db, func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
		imapSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.Plain})
		smtpSrv := mailtest.StartSMTP(t, mailtest.Plain, nil)
		ch := &redazione.Channel{Kind: redazione.ChannelEmail, Name: "PEC protocollo", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
			Settings: map[string]string{email.SettingIMAP: imapSrv.URL(), email.SettingSMTP: smtpSrv.URL(),
				email.SettingAddress: "protocollo@pec.comune.example.it", email.SettingPEC: "true"}}
		if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
		sys := redazione.SystemActor(e.ente.ID)
		convs := func() []*redazione.Conversation {
			cs, _ := db.Conversations(context.Background(), sys, store.InboxFilter{Status: "any"})
			return cs
		}
		imapSrv.Deliver(t, mailSample(t, "citizen_latin1_html.eml"))
		eventually(t, "the e-mail", func() bool { return len(convs()) == 1 })
		conv := convs()[0]
		msgs, _ := db.Messages(t.Context(), sys, conv.ID, 0)
		mid := msgs[0].ID

		op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		status, page := op.get(fmt.Sprintf("/conversations/%d", conv.ID))
		frame := fmt.Sprintf(`src="/conversations/%d/messages/%d/html"`, conv.ID, mid)
		if status != 200 || !strings.Contains(page, "Richiesta certificato di residenza è urgente") || !strings.Contains(page, frame) ||
			!strings.Contains(page, `sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"`) ||
			!strings.Contains(page, "Mostra immagini remote") || !strings.Contains(page, fmt.Sprintf(`href="/conversations/%d?images=%d#m%d"`, conv.ID, mid, mid)) ||
			!strings.Contains(page, "Nicolò Rossi") {
			t.Fatalf("conversation page (%d):\n%s", status, page)
		}
		for _, bad := range []string{"rubo la sessione", "tracker.example.com", "javascript:alert", "onerror"} {
			if strings.Contains(page, bad) {
				t.Errorf("the page holds %q", bad)
			}
		}

		htmlPath := fmt.Sprintf("/conversations/%d/messages/%d/html", conv.ID, mid)
		resp, body := op.rawGet(htmlPath)
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(body, "perché mi serve il certificato") || !strings.Contains(csp, "img-src data:;") ||
			!strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Fatalf("html %d %q:\n%s", resp.StatusCode, csp, body)
		}
		for _, bad := range []string{"<script", "rubo la sessione", "tracker.example.com", "onload", "onerror", "javascript:", "<iframe", "<form", "url("} {
			if strings.Contains(body, bad) {
				t.Errorf("the e-mail's HTML holds %q", bad)
			}
		}

		// the operator asks for this message's remote images
		_, page = op.get(fmt.Sprintf("/conversations/%d?images=%d", conv.ID, mid))
		if !strings.Contains(page, fmt.Sprintf(`src="/conversations/%d/messages/%d/html?images=1"`, conv.ID, mid)) || strings.Contains(page, "Mostra immagini remote") {
			t.Fatalf("page with images:\n%s", page)
		}
		resp, body = op.rawGet(htmlPath + "?images=1")
		if !strings.Contains(body, `src="https://tracker.example.com/pixel.gif?u=nicolo"`) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "img-src data: https:") ||
			strings.Contains(body, "<script") {
			t.Fatalf("html with images %q:\n%s", resp.Header.Get("Content-Security-Policy"), body)
		}

		// someone of another desk sees neither the page nor the HTML
		other := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID))
		if status, body := other.get(htmlPath); status == 200 || strings.Contains(body, "perché mi serve") {
			t.Fatalf("another desk read the e-mail: %d", status)
		}

		// PEC: the citizen's certified message, the reply, the receipts
		imapSrv.Deliver(t, mailSample(t, "pec_envelope.eml"))
		eventually(t, "the PEC message", func() bool { return len(convs()) == 2 })
		var pec *redazione.Conversation
		for _, c := range convs() {
			if c.Contact.ExternalID == "mario.verdi@pec.example.it" {
				pec = c
			}
		}
		if pec == nil {
			t.Fatalf("no conversation with the PEC sender: %+v", convs())
		}
		if status, _ := op.post(fmt.Sprintf("/conversations/%d/messages", pec.ID), url.Values{"kind": {"reply"}, "text": {"Gentile sig. Verdi, trova la delibera sul sito."}}); status != 200 {
			t.Fatalf("reply: %d", status)
		}
		var reply *redazione.Message
		eventually(t, "the reply sent", func() bool {
			ms, _ := db.Messages(context.Background(), sys, pec.ID, 0)
			reply = ms[len(ms)-1]
			return reply.Direction == redazione.DirOut && reply.Delivery == redazione.DeliverySent && len(smtpSrv.Received()) == 1
		})
		_, page = op.get(fmt.Sprintf("/conversations/%d", pec.ID))
		if !strings.Contains(page, "Arrivato via PEC") || !strings.Contains(page, "Istanza di accesso civico") || !strings.Contains(page, "Re: Istanza di accesso civico") {
			t.Fatalf("PEC conversation:\n%s", page)
		}
		imapSrv.Deliver(t, mailSample(t, "pec_accettazione.eml", "{{MSGID}}", reply.ExternalID))
		imapSrv.Deliver(t, mailSample(t, "pec_errore_consegna.eml", "{{MSGID}}", reply.ExternalID))
		eventually(t, "the receipts", func() bool {
			_, page = op.get(fmt.Sprintf("/conversations/%d", pec.ID))
			return strings.Contains(page, "Accettata dal gestore") && strings.Contains(page, "Mancata consegna: 5.1.1 - Utente non riconosciuto")
		})
		if len(convs()) != 2 {
			t.Fatalf("a receipt opened a conversation: %d", len(convs()))
		}

		// files sent with an e-mail are shown with it
		imapSrv.Deliver(t, mailSample(t, "citizen_attachments.eml"))
		eventually(t, "the e-mail with files", func() bool { return len(convs()) == 3 })
		var paolo int64
		for _, c := range convs() {
			if c.Contact.ExternalID == "paolo.esposito@example.it" {
				paolo = c.ID
			}
		}
		_, page = op.get(fmt.Sprintf("/conversations/%d", paolo))
		if !strings.Contains(page, "modulo residenza è firmato.pdf") || !strings.Contains(page, `class="msg-image"`) || !strings.Contains(page, `href="/attachments/`) {
			t.Fatalf("attachments not shown:\n%s", page)
		}
	})
}

// An administrator adds an e-mail channel from the channels page; the
// passwords are sealed and never shown back, and bad settings are refused
// with the setting named.
func TestEmailChannelAdmin(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	form := url.Values{"kind": {"email"}, "name": {"Posta URP"}, "desk": {fmt.Sprint(e.desks[0].ID)},
		"set.imap_url": {"imaps://urp%40comune.example.it:PW-IMAP-SEGRETA@127.0.0.1:1/INBOX"}, "set.smtp_url": {"smtps://urp%40comune.example.it@127.0.0.1:1"},
		"set.smtp_password": {"PW-SMTP-SEGRETA"}, "set.address": {"URP <urp@comune.example.it>"}, "set.pec": {"true"}}
	status, page := admin.post("/admin/channels", form)
	if status != 200 || strings.Contains(page, "SEGRETA") || !strings.Contains(page, "Posta URP") || !strings.Contains(page, "imaps://urp%40comune.example.it:xxxxx@127.0.0.1:1/INBOX") ||
		!strings.Contains(page, "PEC (buste e ricevute certificate)") {
		t.Fatalf("%d\n%s", status, page)
	}
	chans, _ := e.db.Channels(t.Context(), e.ente.ID)
	var ch *redazione.Channel
	for _, c := range chans {
		if c.Kind == redazione.ChannelEmail {
			ch = c
		}
	}
	if ch == nil || ch.Settings[email.SettingSMTPPassword] != "PW-SMTP-SEGRETA" || ch.Settings[email.SettingPEC] != "true" {
		t.Fatalf("%+v", ch)
	}
	form.Set("name", "Senza indirizzo")
	form.Del("set.address")
	status, page = admin.post("/admin/channels", form)
	if status == 200 || !strings.Contains(page, "address") {
		t.Fatalf("%d\n%s", status, page)
	}
	if after, _ := e.db.Channels(t.Context(), e.ente.ID); len(after) != len(chans) {
		t.Fatal("a channel with bad settings was created")
	}
}
