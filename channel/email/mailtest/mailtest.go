// Package mailtest starts real IMAP and SMTP servers for tests of the
// e-mail channel: go-imap's in-memory server (IDLE capable, or with IDLE
// hidden) and a go-smtp server that records what it receives, each over
// implicit TLS, STARTTLS or plain TCP with a certificate made for the test.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// T is what the servers need of a test: testing.TB has it, and so may a
// program that runs the servers for the browser tests (e2e/mailserver).
type T interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// Message reads a sample message from the file at path with CRLF line ends,
// as servers keep them, and its placeholders (pairs: old, new) filled.
func Message(t T, path string, vars ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	for i := 0; i+1 < len(vars); i += 2 {
		b = bytes.ReplaceAll(b, []byte(vars[i]), []byte(vars[i+1]))
	}
	return b
}

// TLS modes of a test server.
const (
	Implicit = "implicit"
	StartTLS = "starttls"
	Plain    = "none"
)

// Certificate returns a server configuration with a certificate for
// 127.0.0.1 and a client configuration that trusts it.
func Certificate(t T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, &tls.Config{RootCAs: pool}
}

// IMAP is a running IMAP server with one user and an INBOX.
type IMAP struct {
	Addr     string
	User     string
	Password string
	mode     string
	user     *imapmemserver.User
	logins   atomic.Int64
}

// Logins counts the sign-ins with a password so far (one per poller's
// connection).
func (s *IMAP) Logins() int64 { return s.logins.Load() }

// countingSession counts the sign-ins.
type countingSession struct {
	imapserver.Session
	n *atomic.Int64
}

func (c countingSession) Login(user, password string) error {
	err := c.Session.Login(user, password)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

// IMAPOptions choose how the server speaks.
type IMAPOptions struct {
	TLS    string      // Implicit, StartTLS or Plain
	Config *tls.Config // the server's certificate (Certificate)
	NoIdle bool        // hide IDLE, as servers without it do
	// ValidToken, when set, offers SASL XOAUTH2 and accepts the tokens it
	// approves for the server's user, as Microsoft 365 and Gmail do.
	ValidToken func(token string) bool
}

// StartIMAP starts an IMAP server, stopped when the test ends.
func StartIMAP(t T, o IMAPOptions) *IMAP {
	t.Helper()
	s := &IMAP{User: "urp@comune.example.it", Password: "pass-imap-segreta", mode: o.TLS}
	mem := imapmemserver.New()
	s.user = imapmemserver.NewUser(s.User, s.Password)
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(s.user)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess := announcingSession{countingSession{mem.NewSession(), &s.logins}}
			if o.ValidToken != nil {
				return oauthSession{sess, s, o.ValidToken}, nil, nil
			}
			return sess, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: o.TLS != StartTLS,
		Logger:       log.New(io.Discard, "", 0),
	}
	if o.TLS == StartTLS {
		opts.TLSConfig = o.Config
	}
	srv := imapserver.New(opts)
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.TLS == Implicit {
		ln = tls.NewListener(ln, o.Config)
	}
	if o.NoIdle {
		ln = noIdleListener{ln}
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// announcingSession announces, when IDLE starts, the mail that arrived since
// the last command, as Dovecot and the other real servers do; imapmemserver
// alone waits for the next change, which made the tests depend on timing.
type announcingSession struct{ imapserver.Session }

func (s announcingSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := s.Session.Poll(w, true); err != nil {
		return err
	}
	return s.Session.Idle(w, stop)
}

// oauthSession signs in with XOAUTH2 (and still with LOGIN).
type oauthSession struct {
	announcingSession
	s     *IMAP
	valid func(string) bool
}

func (o oauthSession) AuthenticateMechanisms() []string { return []string{"XOAUTH2"} }

func (o oauthSession) Authenticate(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, errors.New("unsupported mechanism")
	}
	return &xoauth2Server{check: func(user, token string) error {
		if user != o.s.User || !o.valid(token) {
			return errors.New("invalid token")
		}
		return o.Session.Login(o.s.User, o.s.Password)
	}}, nil
}

// xoauth2Server is the server side of SASL XOAUTH2: on a bad token it
// sends a JSON error as a challenge, then fails on the client's answer.
type xoauth2Server struct {
	check  func(user, token string) error
	failed error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed != nil {
		return nil, true, x.failed
	}
	if resp == nil {
		return []byte{}, false, nil // no initial response: ask for it
	}
	var user, token string
	for _, part := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(part, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(part, "auth=Bearer "); ok {
			token = v
		}
	}
	if err := x.check(user, token); err != nil {
		x.failed = err
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.example/"}`), false, nil
	}
	return nil, true, nil
}

// URL is the channel's imap_url for this server.
func (s *IMAP) URL() string {
	u := url.URL{Scheme: "imap", User: url.UserPassword(s.User, s.Password), Host: s.Addr, Path: "/INBOX"}
	switch s.mode {
	case Implicit:
		u.Scheme = "imaps"
	case Plain:
		u.RawQuery = "tls=none"
	}
	return u.String()
}

type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// Deliver puts a message in the INBOX, as the mail server does on arrival.
func (s *IMAP) Deliver(t T, raw []byte) {
	t.Helper()
	s.DeliverAt(t, raw, time.Now())
}

// DeliverAt puts a message in the INBOX as received by the server at when.
func (s *IMAP) DeliverAt(t T, raw []byte, when time.Time) {
	t.Helper()
	if _, err := s.user.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: when}); err != nil {
		t.Fatal(err)
	}
}

// noIdleListener hides IDLE from the server's capabilities.
type noIdleListener struct{ net.Listener }

func (l noIdleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return noIdleConn{c}, nil
}

type noIdleConn struct{ net.Conn }

func (c noIdleConn) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("CAPABILITY")) {
		q := bytes.ReplaceAll(p, []byte(" IDLE"), nil)
		if _, err := c.Conn.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// SMTP is a running SMTP server that records what it accepts.
type SMTP struct {
	Addr     string
	User     string
	Password string
	mode     string

	mu         sync.Mutex
	got        []Mail
	fail       *smtp.SMTPError
	validToken func(string) bool
}

// Mail is a message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// StartSMTP starts an SMTP server requiring AUTH PLAIN, stopped when the
// test ends. With validToken it offers AUTH XOAUTH2 too, accepting the
// tokens it approves.
func StartSMTP(t T, mode string, cfg *tls.Config, validToken ...func(string) bool) *SMTP {
	t.Helper()
	s := &SMTP{User: "urp@comune.example.it", Password: "pass-smtp-segreta", mode: mode}
	if len(validToken) > 0 {
		s.validToken = validToken[0]
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = mode == Plain
	srv.ErrorLog = log.New(io.Discard, "", 0)
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case Implicit:
		ln = tls.NewListener(ln, cfg)
	case StartTLS:
		srv.TLSConfig = cfg
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the channel's smtp_url for this server.
func (s *SMTP) URL() string {
	u := url.URL{Scheme: "smtp", User: url.UserPassword(s.User, s.Password), Host: s.Addr}
	switch s.mode {
	case Implicit:
		u.Scheme = "smtps"
	case Plain:
		u.RawQuery = "tls=none"
	}
	return u.String()
}

// Fail makes the server refuse the next messages with code (a 5xx is
// final, a 4xx temporary); 0 accepts them again.
func (s *SMTP) Fail(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = nil
	if code != 0 {
		s.fail = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text}
	}
}

// Received returns the messages accepted so far.
func (s *SMTP) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

type session struct {
	s      *SMTP
	authed bool
	cur    Mail
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.validToken != nil {
		return []string{sasl.Plain, "XOAUTH2"}
	}
	return []string{sasl.Plain}
}
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech == "XOAUTH2" && ss.s.validToken != nil {
		return &xoauth2Server{check: func(user, token string) error {
			if user != ss.s.User || !ss.s.validToken(token) {
				return errors.New("invalid token")
			}
			ss.authed = true
			return nil
		}}, nil
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.User || pass != ss.s.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.cur = Mail{From: from}
	return nil
}
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	fail := ss.s.fail
	ss.s.mu.Unlock()
	if fail != nil {
		return fail
	}
	if !strings.Contains(to, "@") {
		return fmt.Errorf("bad recipient %q", to)
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}
func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.Data = b
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, ss.cur)
	ss.s.mu.Unlock()
	return nil
}
func (ss *session) Reset()        { ss.cur = Mail{} }
func (ss *session) Logout() error { return nil }
