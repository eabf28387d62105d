package email_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/email"
	"github.com/redazione/redazione/channel/email/mailtest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

// sample reads a message of testdata (mailtest.Message).
func sample(t testing.TB, name string, vars ...string) []byte {
	return mailtest.Message(t, "testdata/"+name, vars...)
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() { // states only seen by asking: the database, the fake servers
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// office is a running Redazione with an e-mail channel.
type office struct {
	t    testing.TB
	a    *app.App
	db   *store.DB
	ch   *redazione.Channel
	sys  redazione.Actor
	imap *mailtest.IMAP
	smtp *mailtest.SMTP
}

func startApp(t testing.TB, db *store.DB, client *tls.Config) *app.App {
	t.Helper()
	box, err := secrets.New("chiave di prova per i test, lunga abbastanza")
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(box)
	a, err := app.StartWith(context.Background(), db,
		app.Config{RetryBase: 100 * time.Millisecond, SweepEvery: 100 * time.Millisecond, MailTLS: client, DataDir: t.TempDir()},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
	})
	return a
}

func newOffice(t testing.TB, db *store.DB, imapOpts mailtest.IMAPOptions, smtpMode string, settings map[string]string) *office {
	t.Helper()
	srvTLS, client := mailtest.Certificate(t)
	imapOpts.Config = srvTLS
	var tokens []func(string) bool
	if imapOpts.ValidToken != nil {
		tokens = append(tokens, imapOpts.ValidToken) // the SMTP server takes the same tokens
	}
	o := &office{t: t, db: db, imap: mailtest.StartIMAP(t, imapOpts), smtp: mailtest.StartSMTP(t, smtpMode, srvTLS, tokens...)}
	o.a = startApp(t, db, client)
	en, err := db.CreateEnte(t.Context(), "comune-alfa", "Comune di Alfa")
	if err != nil {
		t.Fatal(err)
	}
	o.sys = redazione.SystemActor(en.ID)
	s := map[string]string{email.SettingIMAP: o.imap.URL(), email.SettingSMTP: o.smtp.URL(), email.SettingAddress: "URP Comune di Alfa <urp@comune.example.it>"}
	for k, v := range settings {
		s[k] = v
	}
	o.ch = &redazione.Channel{Kind: redazione.ChannelEmail, Name: "URP", Secret: auth.NewToken(""), Settings: s}
	if err := db.CreateChannel(t.Context(), o.sys, o.ch); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *office) conversations() []*redazione.Conversation {
	o.t.Helper()
	cs, err := o.db.Conversations(context.Background(), o.sys, store.InboxFilter{Status: "any"})
	if err != nil {
		o.t.Fatal(err)
	}
	return cs
}

func (o *office) messages(conv int64) []*redazione.Message {
	o.t.Helper()
	ms, err := o.db.Messages(context.Background(), o.sys, conv, 0)
	if err != nil {
		o.t.Fatal(err)
	}
	return ms
}

// waitConversations waits for n conversations and returns them, newest first.
func (o *office) waitConversations(n int) []*redazione.Conversation {
	o.t.Helper()
	var cs []*redazione.Conversation
	waitFor(o.t, "conversations", func() bool { cs = o.conversations(); return len(cs) == n })
	return cs
}

// synced waits until the poller has read the mailbox once.
func (o *office) synced() {
	o.t.Helper()
	waitFor(o.t, "the poller", func() bool {
		v, _, err := o.db.MailboxState(context.Background(), o.ch.ID)
		return err == nil && v != 0
	})
}

// fetched waits until the poller has stored the mailbox up to uid.
func (o *office) fetched(uid uint32) {
	o.t.Helper()
	waitFor(o.t, "the poller", func() bool {
		_, last, err := o.db.MailboxState(context.Background(), o.ch.ID)
		return err == nil && last >= uid
	})
}

func (o *office) reply(conv int64, text string) *redazione.Message {
	o.t.Helper()
	m, err := o.a.Inbox.Reply(context.Background(), o.sys, conv, text, false)
	if err != nil {
		o.t.Fatal(err)
	}
	return m
}

func (o *office) message(id int64) *redazione.Message {
	o.t.Helper()
	m, err := o.db.Message(context.Background(), o.sys.EnteID, id)
	if err != nil {
		o.t.Fatal(err)
	}
	return m
}

// sent waits for the n-th message at the SMTP server and parses it.
func (o *office) sent(n int) *mail.Message {
	o.t.Helper()
	waitFor(o.t, "the SMTP server", func() bool { return len(o.smtp.Received()) >= n })
	got := o.smtp.Received()[n-1]
	m, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		o.t.Fatal(err)
	}
	return m
}

// A citizen's e-mail reaches the inbox (the server announces it by IDLE),
// the office's reply reaches the SMTP server threaded to it, and the
// citizen's answer comes back into the same conversation, reopening it; a
// redelivered e-mail stores nothing.
func TestEmailReceiveReplyThread(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, mailtest.IMAPOptions{TLS: mailtest.Implicit}, mailtest.StartTLS, nil)
		o.synced()
		o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
		// poll_interval is a minute: only IDLE brings it this soon
		c := o.waitConversations(1)[0]
		if c.Contact.ExternalID != "lucia.bianchi@example.org" || c.Contact.Name != "Lucia Bianchi" || c.ChannelKind != redazione.ChannelEmail {
			t.Fatalf("contact %+v", c.Contact)
		}
		ms := o.messages(c.ID)
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "buca pericolosa") || ms[0].ExternalID != "20261119091244.4f2a@mail.example.org" {
			t.Fatalf("%+v", ms)
		}
		parts, _ := db.EmailParts(t.Context(), o.sys.EnteID, []int64{ms[0].ID})
		if parts[ms[0].ID] == nil || parts[ms[0].ID].Subject != "Buca in via Roma" {
			t.Fatalf("subject %+v", parts)
		}

		r := o.reply(c.ID, "Gentile Lucia,\nabbiamo segnalato la buca all'ufficio tecnico.")
		got := o.sent(1)
		waitFor(t, "delivery", func() bool { return o.message(r.ID).Delivery == redazione.DeliverySent })
		out := o.message(r.ID)
		rcpt := o.smtp.Received()[0]
		if rcpt.From != "urp@comune.example.it" || len(rcpt.To) != 1 || rcpt.To[0] != "lucia.bianchi@example.org" {
			t.Fatalf("envelope %s → %v", rcpt.From, rcpt.To)
		}
		h := got.Header
		if h.Get("Subject") != "Re: Buca in via Roma" || h.Get("In-Reply-To") != "<20261119091244.4f2a@mail.example.org>" ||
			!strings.Contains(h.Get("References"), "<20261119091244.4f2a@mail.example.org>") ||
			h.Get("Message-Id") != "<"+out.ExternalID+">" || !strings.HasSuffix(out.ExternalID, "@comune.example.it") ||
			!strings.Contains(h.Get("From"), "urp@comune.example.it") {
			t.Fatalf("headers %v, stored id %q", h, out.ExternalID)
		}
		body, _ := io.ReadAll(got.Body)
		if !strings.Contains(string(body), "ufficio tecnico") {
			t.Fatalf("body %q", body)
		}

		// the case is closed; the citizen answers in the thread
		st := redazione.StatusResolved
		if _, err := o.a.Inbox.Change(t.Context(), o.sys, c.ID, store.Change{Status: &st}); err != nil {
			t.Fatal(err)
		}
		o.imap.Deliver(t, sample(t, "citizen_reply.eml", "{{PARENT}}", out.ExternalID))
		waitFor(t, "the answer", func() bool { return len(o.messages(c.ID)) == 3 })
		cs := o.conversations()
		if len(cs) != 1 || cs[0].Status != redazione.StatusOpen {
			t.Fatalf("the answer opened another conversation or left it closed: %+v", cs)
		}

		// the same e-mail again (a second copy in the mailbox)
		o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
		o.fetched(3)
		if n := len(o.messages(c.ID)); n != 3 || len(o.conversations()) != 1 {
			t.Fatalf("a redelivered e-mail was stored again: %d messages", n)
		}
	})
}

// Without IDLE the mailbox is polled; a message that is not a reply from
// the same sender joins their open conversation as on every channel.
func TestEmailPolling(t *testing.T) {
	t.Parallel()
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain, NoIdle: true}, mailtest.Implicit,
		map[string]string{email.SettingPollInterval: "200ms"})
	o.imap.Deliver(t, sample(t, "citizen_alternative.eml"))
	c := o.waitConversations(1)[0]
	if c.Contact.Name != "Conti, Giulia" {
		t.Fatalf("%+v", c.Contact)
	}
	o.reply(c.ID, "Sì, dalle 9 alle 12.")
	got := o.sent(1)
	if subject, _ := new(mime.WordDecoder).DecodeHeader(got.Header.Get("Subject")); subject != "Re: Orari dell'ufficio anagrafe – sabato" {
		t.Fatalf("subject %q", subject)
	}
}

// The poller remembers UIDVALIDITY and the last UID: started again, it
// fetches only what is new; a mailbox with a new UIDVALIDITY is read again
// from the start, and the Message-IDs keep what was stored from coming back.
func TestEmailPollerRestart(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, store.SQLite)
	imapSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.Plain})
	ch := &redazione.Channel{ID: 7, Kind: redazione.ChannelEmail, Settings: map[string]string{
		email.SettingIMAP: imapSrv.URL(), email.SettingSMTP: "smtp://localhost", email.SettingAddress: "urp@comune.example.it"}}
	run := func() *counter {
		c := &counter{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			email.Poller{Ingester: c, State: db, Log: testLog{t}}.Run(ctx, ch)
		}()
		t.Cleanup(func() { cancel(); <-done })
		c.stop = func() { cancel(); <-done }
		return c
	}
	imapSrv.Deliver(t, sample(t, "citizen_plain.eml"))
	imapSrv.Deliver(t, sample(t, "citizen_alternative.eml"))
	first := run()
	waitFor(t, "two messages", func() bool { return first.count() == 2 })
	// the state is saved after each message is handed over: stopping before
	// it is saved would fetch the second message again, rightly
	waitFor(t, "the mailbox state", func() bool {
		_, last, err := db.MailboxState(context.Background(), ch.ID)
		return err == nil && last >= 2
	})
	first.stop()

	imapSrv.Deliver(t, sample(t, "citizen_no_message_id.eml"))
	second := run()
	waitFor(t, "the new message", func() bool { return second.count() == 1 })
	// the poller has stored the mailbox up to the new message's UID 3: it
	// fetched whatever it was going to
	waitFor(t, "the mailbox state", func() bool {
		_, last, err := db.MailboxState(context.Background(), ch.ID)
		return err == nil && last >= 3
	})
	if ids := second.ids(); len(ids) != 1 || !strings.HasPrefix(ids[0], "sha256-") {
		t.Fatalf("after a restart the poller fetched %v", ids)
	}
	second.stop()

	// the server rebuilt the mailbox: UIDVALIDITY changes
	if err := db.SaveMailboxState(t.Context(), ch.ID, 12345, 3); err != nil {
		t.Fatal(err)
	}
	third := run()
	waitFor(t, "the mailbox read again", func() bool { return third.count() == 3 })
}

// Over TLS the server's certificate is checked: one the channel does not
// trust is an error recorded on the channel, and nothing is fetched.
func TestEmailUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srvTLS, _ := mailtest.Certificate(t)
	imapSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.Implicit, Config: srvTLS})
	imapSrv.Deliver(t, sample(t, "citizen_plain.eml"))
	db := testdb.Open(t, store.SQLite)
	ch := &redazione.Channel{ID: 8, Kind: redazione.ChannelEmail, Settings: map[string]string{
		email.SettingIMAP: imapSrv.URL(), email.SettingSMTP: "smtp://localhost", email.SettingAddress: "urp@comune.example.it"}}
	c := &counter{}
	log := &errLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		email.Poller{Ingester: c, State: db, Log: log}.Run(ctx, ch)
	}()
	// The first attempt's error, however long a busy machine takes to
	// reach it; then the poller is stopped.
	waitFor(t, "the poller's error", func() bool { log.mu.Lock(); defer log.mu.Unlock(); return log.last != "" })
	cancel()
	<-done
	if c.count() != 0 || !strings.Contains(log.last, "certificate") || strings.Contains(log.last, imapSrv.Password) {
		t.Fatalf("fetched %d, error %q", c.count(), log.last)
	}
}

// A PEC mailbox: the certified message is unwrapped and marked; the
// office's reply threads to the citizen's original Message-ID; the
// providers' receipts are linked to the reply and open no conversation.
func TestEmailPEC(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, mailtest.IMAPOptions{TLS: mailtest.StartTLS}, mailtest.Implicit, map[string]string{email.SettingPEC: "true"})
		o.imap.Deliver(t, sample(t, "pec_envelope.eml"))
		c := o.waitConversations(1)[0]
		ms := o.messages(c.ID)
		if c.Contact.ExternalID != "mario.verdi@pec.example.it" || len(ms) != 1 || !strings.Contains(ms[0].Text, "d.lgs. 33/2013") {
			t.Fatalf("%+v %+v", c.Contact, ms)
		}
		parts, _ := db.EmailParts(t.Context(), o.sys.EnteID, []int64{ms[0].ID})
		if p := parts[ms[0].ID]; p == nil || !p.PEC || p.Subject != "Istanza di accesso civico" {
			t.Fatalf("%+v", p)
		}
		r := o.reply(c.ID, "Gentile sig. Verdi, la delibera è allegata alla risposta del protocollo.")
		got := o.sent(1)
		if got.Header.Get("In-Reply-To") != "<A1B2C3D4.5566@pec.example.it>" || got.Header.Get("Subject") != "Re: Istanza di accesso civico" {
			t.Fatalf("%v", got.Header)
		}
		waitFor(t, "delivery", func() bool { return o.message(r.ID).Delivery == redazione.DeliverySent })
		id := o.message(r.ID).ExternalID
		o.imap.Deliver(t, sample(t, "pec_accettazione.eml", "{{MSGID}}", id))
		o.imap.Deliver(t, sample(t, "pec_consegna.eml", "{{MSGID}}", id))
		o.imap.Deliver(t, sample(t, "pec_accettazione.eml", "{{MSGID}}", id)) // fetched twice
		// a second recipient's receipt whose daticert.xml was cut short:
		// linked by its X-Riferimento-Message-ID header
		o.imap.Deliver(t, sample(t, "pec_consegna_daticert_illeggibile.eml", "{{MSGID}}", id))
		o.fetched(5)
		rs, err := db.PECReceipts(t.Context(), o.sys.EnteID, []int64{r.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := rs[r.ID]; len(got) != 3 || got[0].Kind != redazione.ReceiptAccepted || got[1].Kind != redazione.ReceiptDelivered || got[2].Kind != redazione.ReceiptDelivered {
			t.Fatalf("receipts %+v", got)
		}
		if cs := o.conversations(); len(cs) != 1 || len(o.messages(c.ID)) != 2 {
			t.Fatalf("a receipt opened a conversation or added a message: %d conversations", len(cs))
		}
		// a receipt about a message this office never sent is dropped
		o.imap.Deliver(t, sample(t, "pec_errore_consegna.eml", "{{MSGID}}", "altro@pec.example.it"))
		o.fetched(6)
		if cs := o.conversations(); len(cs) != 1 {
			t.Fatalf("%d conversations", len(cs))
		}
	})
}

// An e-mail's files are kept in the blob store and shown with the message,
// their type sniffed from the content, not taken from the sender.
func TestEmailAttachments(t *testing.T) {
	t.Parallel()
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain}, mailtest.Plain, nil)
	o.imap.Deliver(t, sample(t, "citizen_attachments.eml"))
	c := o.waitConversations(1)[0]
	ms := o.messages(c.ID)
	if len(ms) != 1 || len(ms[0].Attachments) != 2 {
		t.Fatalf("%+v", ms)
	}
	png, pdf := ms[0].Attachments[0], ms[0].Attachments[1]
	if png.Name != "lampione.png" || png.ContentType != "image/png" || png.Status != redazione.AttachmentStored ||
		pdf.Name != "modulo residenza è firmato.pdf" || pdf.ContentType != "application/pdf" || pdf.Size == 0 {
		t.Fatalf("%+v %+v", png, pdf)
	}
	f, err := o.a.Blobs.Open(pdf.BlobKey)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 8)
	io.ReadFull(f, head)
	if string(head) != "%PDF-1.4" {
		t.Fatalf("stored %q", head)
	}
}

// A bounce arriving after the SMTP server accepted the reply marks it
// failed with the remote server's reason and opens no conversation; one
// about no message of the office arrives as an e-mail, so nothing is lost.
func TestEmailBounce(t *testing.T) {
	t.Parallel()
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain}, mailtest.Plain, nil)
	o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
	c := o.waitConversations(1)[0]
	r := o.reply(c.ID, "Gentile Lucia, abbiamo segnalato la buca.")
	waitFor(t, "delivery", func() bool { return o.message(r.ID).Delivery == redazione.DeliverySent })
	o.imap.Deliver(t, sample(t, "dsn_failed.eml", "{{MSGID}}", o.message(r.ID).ExternalID))
	waitFor(t, "the bounce", func() bool { return o.message(r.ID).Delivery == redazione.DeliveryFailed })
	if m := o.message(r.ID); !strings.Contains(m.DeliveryError, "550 5.1.1") || len(o.conversations()) != 1 {
		t.Fatalf("%+v", m)
	}
	o.imap.Deliver(t, bytes.Replace(sample(t, "dsn_failed.eml", "{{MSGID}}", "altro@altrove.example"),
		[]byte("20261120101002.4XkQ1Z3mQ8z9t0b"), []byte("altro-rapporto"), 1))
	o.waitConversations(2)
}

// A reply with a file goes out as one e-mail with the file attached.
func TestEmailReplyWithFile(t *testing.T) {
	t.Parallel()
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain}, mailtest.Plain, nil)
	o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
	c := o.waitConversations(1)[0]
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	file, err := o.a.Inbox.KeepUpload(bytes.NewReader(pdf), "modulo segnalazione.pdf")
	if err != nil {
		t.Fatal(err)
	}
	r, err := o.a.Inbox.ReplyWith(t.Context(), o.sys, c.ID, store.Outgoing{Text: "Le alleghiamo il modulo.", Attachments: []redazione.InboundAttachment{file}})
	if err != nil {
		t.Fatal(err)
	}
	got := o.sent(1)
	waitFor(t, "delivery", func() bool { return o.message(r.ID).Delivery == redazione.DeliverySent })
	mr, err := gomail.CreateReader(bytes.NewReader(o.smtp.Received()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var att []byte
	var name string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			text = string(b)
		case *gomail.AttachmentHeader:
			name, _ = h.Filename()
			att = b
		}
	}
	if !strings.Contains(text, "Le alleghiamo il modulo.") || name != "modulo segnalazione.pdf" || !bytes.Equal(att, pdf) ||
		got.Header.Get("In-Reply-To") != "<20261119091244.4f2a@mail.example.org>" {
		t.Fatalf("text %q, file %q (%d bytes), headers %v", text, name, len(att), got.Header)
	}
}

// A 5xx answer of the SMTP server fails the reply with its reason; a 4xx
// answer and a server that cannot be reached are tried again.
func TestEmailSendFailures(t *testing.T) {
	t.Parallel()
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain}, mailtest.Plain, nil)
	o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
	c := o.waitConversations(1)[0]

	o.smtp.Fail(550, "5.1.1 Mailbox unavailable")
	r := o.reply(c.ID, "Prima risposta")
	waitFor(t, "the failure", func() bool { return o.message(r.ID).Delivery == redazione.DeliveryFailed })
	if m := o.message(r.ID); !strings.Contains(m.DeliveryError, "550") || !strings.Contains(m.DeliveryError, "Mailbox unavailable") {
		t.Fatalf("reason %q", m.DeliveryError)
	}

	o.smtp.Fail(451, "4.3.0 Try again later")
	r = o.reply(c.ID, "Seconda risposta")
	waitFor(t, "a retry", func() bool { m := o.message(r.ID); return m.Attempts >= 2 })
	if m := o.message(r.ID); m.Delivery != redazione.DeliveryQueued || !strings.Contains(m.DeliveryError, "451") {
		t.Fatalf("%+v", m)
	}
	o.smtp.Fail(0, "")
	waitFor(t, "the retried delivery", func() bool { return o.message(r.ID).Delivery == redazione.DeliverySent })
	if n := len(o.smtp.Received()); n != 1 {
		t.Fatalf("%d messages sent", n)
	}

	// a server that refuses connections
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	down := &redazione.Channel{Kind: redazione.ChannelEmail, Name: "URP 2", Secret: auth.NewToken(""), Settings: map[string]string{
		email.SettingIMAP: o.imap.URL(), email.SettingSMTP: "smtp://" + addr + "?tls=none", email.SettingAddress: "urp@comune.example.it"}}
	if err := o.db.CreateChannel(t.Context(), o.sys, down); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second channel", func() bool { return len(o.conversations()) == 2 })
	var conv int64
	for _, cv := range o.conversations() {
		if cv.ChannelID == down.ID {
			conv = cv.ID
		}
	}
	r = o.reply(conv, "Terza risposta")
	waitFor(t, "retries", func() bool { return o.message(r.ID).Attempts >= 2 })
	if m := o.message(r.ID); m.Delivery != redazione.DeliveryQueued || !strings.Contains(m.DeliveryError, "non raggiungibile") {
		t.Fatalf("%+v", m)
	}
	ch, _ := o.db.Channel(t.Context(), down.ID)
	if !strings.Contains(ch.LastError, "non raggiungibile") {
		t.Fatalf("channel health %q", ch.LastError)
	}
}

// counter is an Ingester that keeps the ids it is given.
type counter struct {
	mu   sync.Mutex
	got  []string
	stop func()
}

func (c *counter) Ingest(_ context.Context, _ *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, in.ExternalID)
	return &redazione.Ingested{}, nil
}

func (c *counter) PECReceipt(context.Context, *redazione.Channel, redazione.PECReceipt) error {
	return nil
}

func (c *counter) count() int { return len(c.ids()) }

func (c *counter) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

type testLog struct{ t testing.TB }

func (l testLog) Warn(msg string, args ...any) { l.t.Log(append([]any{msg}, args...)...) }

// errLog keeps the last error logged.
type errLog struct {
	mu   sync.Mutex
	last string
}

func (l *errLog) Warn(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; i+1 < len(args); i += 2 {
		if err, ok := args[i+1].(error); ok {
			l.last = msg + ": " + err.Error()
		}
	}
}

// A wrong password is the channel's error, shown in its health without the
// password; once the administrator sets the right one, the poller starts
// again with it and the mail arrives.
func TestEmailPasswordChange(t *testing.T) {
	t.Parallel()
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain}, mailtest.Plain, nil)
	settings := map[string]string{}
	for k, v := range o.ch.Settings {
		settings[k] = v
	}
	settings[email.SettingIMAP] = strings.Replace(o.imap.URL(), o.imap.Password, "password-sbagliata", 1)
	if err := o.db.UpdateChannelSettings(t.Context(), o.sys, o.ch.ID, settings); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the login error", func() bool {
		ch, _ := o.db.Channel(context.Background(), o.ch.ID)
		return strings.Contains(ch.LastError, "accesso IMAP")
	})
	o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
	delivered := time.Now()
	// the poller tried again, with the mail in the mailbox, and failed again
	var ch *redazione.Channel
	waitFor(t, "another login error", func() bool {
		ch, _ = o.db.Channel(context.Background(), o.ch.ID)
		return ch != nil && ch.LastErrorAt.After(delivered)
	})
	if strings.Contains(ch.LastError, "password-sbagliata") || len(o.conversations()) != 0 {
		t.Fatalf("health %q, %d conversations", ch.LastError, len(o.conversations()))
	}
	settings[email.SettingIMAP] = o.imap.URL()
	if err := o.db.UpdateChannelSettings(t.Context(), o.sys, o.ch.ID, settings); err != nil {
		t.Fatal(err)
	}
	o.waitConversations(1)
}

// A mailbox read for the first time brings in what arrived since the day
// before the channel was added, not years of mail already handled; the
// setting import_since reaches further back. Later mail all arrives.
func TestEmailFirstSyncSkipsOldMail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		settings map[string]string
		want     int
	}{
		{"by default", map[string]string{}, 1},
		{"with import_since", map[string]string{email.SettingImportSince: time.Now().AddDate(0, 0, -30).Format(time.DateOnly)}, 2},
	} {
		// what this tests is the first read, not IDLE: the mailbox is also read every second
		tc.settings[email.SettingPollInterval] = "1s"
		t.Run(tc.name, func(t *testing.T) {
			o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain}, mailtest.Implicit, tc.settings)
			o.imap.DeliverAt(t, sample(t, "citizen_plain.eml"), time.Now().AddDate(0, 0, -10))
			o.imap.Deliver(t, sample(t, "citizen_alternative.eml"))
			o.waitConversations(tc.want)
			o.synced()
			o.imap.Deliver(t, sample(t, "citizen_latin1_html.eml"))
			o.waitConversations(tc.want + 1)
			o.fetched(3) // the last message's UID: all read
			if n := len(o.conversations()); n != tc.want+1 {
				t.Fatalf("%d conversations, want %d", n, tc.want+1)
			}
		})
	}
}
