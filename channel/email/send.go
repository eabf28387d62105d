package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// Threads is what the Sender needs of the store.
type Threads interface {
	LastInboundEmail(ctx context.Context, convID int64) (*redazione.EmailReplyTo, error)
	SetEmailSent(ctx context.Context, m *redazione.Message, messageID string, p *redazione.EmailPart) error
}

// Sender sends the office's replies through the channel's SMTP server.
type Sender struct {
	Store Threads
	// TLSConfig is used for STARTTLS and TLS (nil: the system's roots);
	// tests trust a local server's certificate with it.
	TLSConfig *tls.Config
}

// maxReferences bounds the References of a reply (RFC 5322 asks for the
// parent's and its own; long threads keep the newest).
const maxReferences = 20

// Send delivers one reply, answering the citizen's latest e-mail of the
// conversation. The reply's Message-ID is recorded first, so that the
// citizen's answer comes back to this conversation and a retry goes out
// with the same Message-ID. 5xx answers are final; 4xx answers and servers
// that cannot be reached are tried again.
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	return s.SendFiles(ctx, ch, conv, m, nil)
}

// SendFiles delivers a reply with its files attached: one e-mail, which
// reaches the citizen whole or not at all.
func (s Sender) SendFiles(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message, files []channel.File) error {
	if err := CheckSettings(ch.Settings); err != nil {
		return jobs.Permanent{Err: fmt.Errorf("canale e-mail configurato male: %s", redazione.ErrorMessage(err))}
	}
	srv, _ := smtpServer(ch.Settings)
	from, _ := mail.ParseAddress(ch.Settings[SettingAddress])
	to := &mail.Address{Name: conv.Contact.Name, Address: conv.Contact.ExternalID}
	if !strings.Contains(to.Address, "@") {
		return jobs.Permanent{Err: fmt.Errorf("indirizzo del cittadino non valido: %q", to.Address)}
	}
	part := &redazione.EmailPart{Subject: "Risposta da " + ch.Name}
	var inReplyTo string
	parent, err := s.Store.LastInboundEmail(ctx, conv.ID)
	switch {
	case err == nil:
		inReplyTo = parent.MessageID
		part.Subject = replySubject(parent.Subject)
		part.References = append(append([]string{}, parent.References...), parent.MessageID)
		if len(part.References) > maxReferences {
			part.References = part.References[len(part.References)-maxReferences:]
		}
	case redazione.ErrorCode(err) != redazione.ENOTFOUND:
		return err
	}
	id := m.ExternalID
	if id == "" {
		id = messageID(m, from.Address)
	}
	if err := s.Store.SetEmailSent(ctx, m, id, part); err != nil {
		return err
	}
	m.ExternalID = id

	var h mail.Header
	h.SetDate(m.CreatedAt)
	h.SetAddressList("From", []*mail.Address{from})
	h.SetAddressList("To", []*mail.Address{to})
	h.SetSubject(part.Subject)
	h.SetMessageID(id)
	if inReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{inReplyTo})
		h.SetMsgIDList("References", part.References)
	}
	body, err := compose(h, m.Text, files)
	if err != nil {
		return jobs.Permanent{Err: fmt.Errorf("messaggio non componibile: %w", err)}
	}
	return s.deliver(ctx, srv, from.Address, to.Address, body)
}

// compose writes the reply: its text, and its files as attachments.
func compose(h mail.Header, text string, files []channel.File) ([]byte, error) {
	text = strings.ReplaceAll(text, "\n", "\r\n")
	var body bytes.Buffer
	if len(files) == 0 {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w, err := mail.CreateSingleInlineWriter(&body, h)
		if err != nil {
			return nil, err
		}
		w.Write([]byte(text))
		if err := w.Close(); err != nil {
			return nil, err
		}
		return body.Bytes(), nil
	}
	mw, err := mail.CreateWriter(&body, h)
	if err != nil {
		return nil, err
	}
	var th mail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	tw, err := mw.CreateSingleInline(th)
	if err != nil {
		return nil, err
	}
	tw.Write([]byte(text))
	if err := tw.Close(); err != nil {
		return nil, err
	}
	for _, f := range files {
		var ah mail.AttachmentHeader
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		ah.Set("Content-Type", ct)
		ah.SetFilename(f.Name)
		aw, err := mw.CreateAttachment(ah)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(aw, f.Body); err != nil {
			return nil, fmt.Errorf("file %q: %w", f.Name, err)
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}

// deliver hands the message to the SMTP server.
func (s Sender) deliver(ctx context.Context, srv *server, from, to string, msg []byte) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	conn, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", srv.addr)
	if err != nil {
		return fmt.Errorf("server SMTP non raggiungibile (%s)", srv.addr)
	}
	conn.SetDeadline(deadline)
	tlsConfig := tlsFor(s.TLSConfig, srv.host)
	var c *smtp.Client
	switch srv.tls {
	case "implicit":
		c = smtp.NewClient(tls.Client(conn, tlsConfig))
	case "none":
		c = smtp.NewClient(conn)
	default:
		if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
			conn.Close()
			return smtpError("STARTTLS", err)
		}
	}
	defer c.Close()
	switch {
	case srv.oauth:
		if err := srv.xoauth2Login(func(x xoauth2) error { return c.Auth(x) }); err != nil {
			return smtpError("autenticazione OAuth", err)
		}
	case srv.user != "":
		if err := c.Auth(sasl.NewPlainClient("", srv.user, srv.password)); err != nil {
			return smtpError("autenticazione", err)
		}
	}
	if err := c.SendMail(from, []string{to}, bytes.NewReader(msg)); err != nil {
		return smtpError("invio", err)
	}
	c.Quit()
	return nil
}

// smtpError makes a 5xx answer final and anything else worth a retry.
func smtpError(step string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		reason := fmt.Sprintf("il server SMTP ha risposto %d %s (%s)", se.Code, strings.TrimSpace(se.Message), step)
		if se.Code >= 500 {
			return jobs.Permanent{Err: errors.New(reason)}
		}
		return errors.New(reason)
	}
	return fmt.Errorf("server SMTP: %s non riuscito: %v", step, err)
}

// tlsFor returns the TLS configuration for host.
func tlsFor(base *tls.Config, host string) *tls.Config {
	c := &tls.Config{}
	if base != nil {
		c = base.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

// replySubject is "Re: " and the citizen's subject, once.
func replySubject(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Re: la sua richiesta"
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	return "Re: " + s
}

// messageID is the Message-ID of a reply: the same for every attempt, and
// unique to this installation's message.
func messageID(m *redazione.Message, from string) string {
	domain := "redazione.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	return "redazione." + strconv.FormatInt(m.EnteID, 36) + "." + strconv.FormatInt(m.ID, 36) + "." +
		strconv.FormatInt(m.CreatedAt.UnixMilli(), 36) + "@" + domain
}
