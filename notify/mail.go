// Package notify sends the office's own e-mail notices (a response time
// about to pass, for one) through the ente's SMTP server.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mailer sends plain-text e-mail.
type Mailer interface {
	Send(ctx context.Context, to []string, subject, body string) error
}

// SMTP sends through an SMTP server given as a URL:
// smtp://user:password@host:587 (STARTTLS, required),
// smtps://user:password@host:465 (TLS), or smtp://host:25?tls=none for a
// relay reached without encryption, by explicit choice.
// The URL holds a password: never log it.
type SMTP struct {
	URL  *url.URL
	From string // the sender, e.g. "Redazione <redazione@comune.example.it>"
	// InsecureSkipVerify is for tests against a local server only.
	InsecureSkipVerify bool
}

// ParseSMTP reads an SMTP URL and a sender address.
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, errors.New("REDAZIONE_SMTP_URL: serve smtp://utente:password@host:587 o smtps://...:465")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("REDAZIONE_SMTP_FROM: indirizzo non valido: %w", err)
	}
	return &SMTP{URL: u, From: from}, nil
}

// Send delivers one message to each recipient.
func (s *SMTP) Send(ctx context.Context, to []string, subject, body string) error {
	if len(to) == 0 {
		return nil
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return err
	}
	msg := compose(from, to, subject, body)
	host := s.URL.Hostname()
	addr := s.URL.Host
	if s.URL.Port() == "" {
		if s.URL.Scheme == "smtps" {
			addr = net.JoinHostPort(host, "465")
		} else {
			addr = net.JoinHostPort(host, "25")
		}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	conn, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	conn.SetDeadline(deadline)
	tlsConfig := &tls.Config{ServerName: host, InsecureSkipVerify: s.InsecureSkipVerify}
	var c *smtp.Client
	switch {
	case s.URL.Scheme == "smtps":
		c = smtp.NewClient(tls.Client(conn, tlsConfig))
	case s.URL.Query().Get("tls") == "none":
		// a relay on the same host or network, by explicit choice
		c = smtp.NewClient(conn)
	default:
		if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
			conn.Close()
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	defer c.Close()
	if user := s.URL.User; user != nil {
		pw, _ := user.Password()
		if err := c.Auth(sasl.NewPlainClient("", user.Username(), pw)); err != nil {
			return fmt.Errorf("smtp login: %w", err)
		}
	}
	if err := c.SendMail(from.Address, to, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return c.Quit()
}

// compose writes an RFC 5322 message in UTF-8, quoted-printable.
func compose(from *mail.Address, to []string, subject, body string) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := "redazione.local"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
		domain = from.Address[i+1:]
	}
	fmt.Fprintf(&b, "From: %s\r\n", from.String())
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
	b.WriteString("Auto-Submitted: auto-generated\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}
