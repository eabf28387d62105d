package notify

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server (go-smtp) that keeps what it receives.
type mailbox struct {
	mu   sync.Mutex
	got  []received
	addr string
}

type received struct {
	from string
	to   []string
	data string
}

type session struct {
	box    *mailbox
	authed bool
	cur    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "redazione" || pass != "segreto-smtp" {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.box.mu.Lock()
	s.box.got = append(s.box.got, s.cur)
	s.box.mu.Unlock()
	s.cur = received{}
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func startMailbox(t *testing.T) *mailbox {
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{box: box}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	box.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return box
}

func TestSendThroughSMTP(t *testing.T) {
	box := startMailbox(t)
	m, err := ParseSMTP("smtp://redazione:segreto-smtp@"+box.addr+"?tls=none", "Redazione <redazione@comune.example.it>")
	if err != nil {
		t.Fatal(err)
	}
	subject := "È scaduto il tempo per la prima risposta a Lucia"
	if err := m.Send(context.Background(), []string{"capo@comune.example.it"}, subject, "Apri la conversazione:\nhttps://redazione.example.it/conversations/7"); err != nil {
		t.Fatal(err)
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.got) != 1 || box.got[0].from != "redazione@comune.example.it" || box.got[0].to[0] != "capo@comune.example.it" {
		t.Fatalf("received %+v", box.got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(box.got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if dec != subject || msg.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Fatalf("subject %q, headers %v", dec, msg.Header)
	}
	body, _ := io.ReadAll(msg.Body)
	if !strings.Contains(string(body), "conversations/7") {
		t.Fatalf("body %q", body)
	}
}

func TestSMTPRefusals(t *testing.T) {
	box := startMailbox(t)
	m, _ := ParseSMTP("smtp://redazione:sbagliata@"+box.addr+"?tls=none", "redazione@comune.example.it")
	if err := m.Send(context.Background(), []string{"a@b.it"}, "x", "y"); err == nil {
		t.Fatal("a wrong password sent mail")
	} else if strings.Contains(err.Error(), "sbagliata") {
		t.Fatalf("the error shows the password: %v", err)
	}
	// STARTTLS is required unless switched off explicitly
	m, _ = ParseSMTP("smtp://redazione:segreto-smtp@"+box.addr, "redazione@comune.example.it")
	if err := m.Send(context.Background(), []string{"a@b.it"}, "x", "y"); err == nil {
		t.Fatal("mail sent in clear to a server without STARTTLS")
	}
	for _, bad := range []string{"http://x", "smtp://", "::"} {
		if _, err := ParseSMTP(bad, "a@b.it"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseSMTP("smtp://h:25", "not an address"); err == nil {
		t.Error("a bad sender accepted")
	}
	if len(box.got) != 0 {
		t.Fatalf("mail delivered: %+v", box.got)
	}
}
