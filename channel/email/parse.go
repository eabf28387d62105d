package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-*, Windows-125x... to UTF-8
	"github.com/emersion/go-message/mail"

	"github.com/redazione/redazione"
)

// Limits on what one e-mail may hold.
const (
	// MaxMessageBytes is the largest e-mail fetched whole; a larger one
	// arrives as a notice with its sender and subject.
	MaxMessageBytes = 25 << 20
	maxPartBytes    = 4 << 20 // one text or HTML part, before sanitising
	maxParts        = 200
)

// Mail is what Redazione keeps of one e-mail.
type Mail struct {
	MessageID  string // without angle brackets; a stable hash when missing
	From       string // the sender's address, lower case
	FromName   string
	Subject    string
	Date       time.Time
	Text       string // the plain text (or the HTML made text)
	HTML       string // the HTML part, sanitised ("" when none)
	InReplyTo  []string
	References []string
	// PEC: the message arrived in a PEC transport envelope, unwrapped.
	PEC bool
	// Receipt is set, and the rest empty, when the message is a PEC receipt.
	Receipt *redazione.PECReceipt
	// Attachments are the files of the message (inline images included).
	Attachments []Attachment
	// Bounce is set when the message is a delivery report about a message
	// of the office; the message itself is kept for when it names none.
	Bounce *redazione.PECReceipt
}

// Attachment is a file that came with an e-mail.
type Attachment struct {
	Name        string
	ContentType string // as the sender says; the blob store sniffs its own
	Data        []byte
}

// Parse reads one e-mail (RFC 5322, MIME). On a PEC mailbox (pec true), a
// certified message is unwrapped (the citizen's message is its
// postacert.eml) and a receipt is returned as such; elsewhere the PEC
// headers mean nothing, since anybody can write them.
func Parse(raw []byte, pec bool) (*Mail, error) {
	if len(raw) > MaxMessageBytes {
		return nil, redazione.Errorf(redazione.ETOOLARGE, "messaggio oltre %d MB", MaxMessageBytes>>20)
	}
	return parse(raw, pec, 0)
}

func parse(raw []byte, pec bool, depth int) (*Mail, error) {
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, redazione.FieldError("message", "messaggio illeggibile: %v", err)
	}
	h := mr.Header
	m := &Mail{}
	if pec && depth == 0 {
		if kind := strings.ToLower(strings.TrimSpace(h.Get("X-Ricevuta"))); kind != "" {
			return parseReceipt(mr, kind)
		}
	}
	m.MessageID, _ = h.MessageID()
	if m.MessageID == "" {
		// No Message-ID: the same bytes fetched again must be known again.
		sum := sha256.Sum256(raw)
		m.MessageID = "sha256-" + hex.EncodeToString(sum[:16]) + "@redazione.invalid"
	}
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = strings.ToLower(strings.TrimSpace(from[0].Address)), strings.TrimSpace(from[0].Name)
	}
	m.Subject, _ = h.Subject()
	m.Subject = strings.TrimSpace(m.Subject)
	m.Date, _ = h.Date()
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	for _, f := range []*string{&m.MessageID, &m.From, &m.FromName, &m.Subject} {
		*f = strings.ToValidUTF8(*f, "\uFFFD")
	}
	envelope := pec && depth == 0 && strings.EqualFold(strings.TrimSpace(h.Get("X-Trasporto")), "posta-certificata")
	var report *bounce
	if ct, params, _ := h.ContentType(); depth == 0 && isReport(ct, params) {
		report = &bounce{}
	}

	var plain, html string
	parts := 0
	for {
		p, err := nextPart(mr, &parts)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ct, params, _ := partHeader(p).ContentType()
		if envelope && depth == 0 && (ct == "message/rfc822" || strings.EqualFold(params["name"], "postacert.eml") || filename(p.Header) == "postacert.eml") {
			inner, err := readPart(p.Body, MaxMessageBytes)
			if err != nil {
				return nil, err
			}
			msg, err := parse(inner, pec, depth+1)
			if err != nil {
				return nil, fmt.Errorf("postacert.eml: %w", err)
			}
			msg.PEC = true
			return msg, nil
		}
		if report != nil && ct != "text/plain" && ct != "text/html" {
			b, err := readPart(p.Body, maxPartBytes)
			if err != nil {
				return nil, err
			}
			if report.part(ct, b) {
				continue
			}
			p.Body = bytes.NewReader(b)
		}
		if _, ok := p.Header.(*mail.InlineHeader); !ok || (ct != "text/plain" && ct != "text/html") {
			if err := m.attach(p, ct, params); err != nil {
				return nil, err
			}
			continue
		}
		switch ct {
		case "text/plain":
			if plain != "" {
				continue
			}
			b, err := readPart(p.Body, maxPartBytes)
			if err != nil {
				return nil, err
			}
			plain = string(b)
		case "text/html":
			if html != "" {
				continue
			}
			b, err := readPart(p.Body, maxPartBytes)
			if err != nil {
				return nil, err
			}
			html = string(b)
		}
	}
	if envelope {
		return nil, redazione.FieldError("message", "busta PEC senza postacert.eml")
	}
	if m.From == "" {
		return nil, redazione.FieldError("from", "messaggio senza mittente")
	}
	plain, html = strings.ToValidUTF8(plain, "\uFFFD"), strings.ToValidUTF8(html, "\uFFFD")
	if html != "" {
		m.HTML = Sanitize(html)
	}
	m.Text = strings.TrimSpace(strings.ReplaceAll(plain, "\r\n", "\n"))
	if m.Text == "" && html != "" {
		m.Text = HTMLText(html)
	}
	if report != nil {
		m.Bounce = report.receipt(m)
	}
	return m, nil
}

// attach keeps a part as an attachment, unless it is a signature or the
// message already has as many as a message may.
func (m *Mail) attach(p *mail.Part, ct string, params map[string]string) error {
	if ct == "application/pkcs7-signature" || ct == "application/x-pkcs7-signature" || len(m.Attachments) >= redazione.MaxAttachments {
		return nil
	}
	name := filename(p.Header)
	if a, ok := p.Header.(*mail.AttachmentHeader); ok {
		name, _ = a.Filename()
	}
	if name == "" {
		name = params["name"]
	}
	name = truncate(strings.ToValidUTF8(path.Base(strings.ReplaceAll(name, "\\", "/")), "\uFFFD"), 255)
	if name == "." || name == "/" {
		name = ""
	}
	b, err := readPart(p.Body, MaxMessageBytes)
	if err != nil {
		return err
	}
	m.Attachments = append(m.Attachments, Attachment{Name: strings.ReplaceAll(name, "\x00", ""), ContentType: truncate(ct, 255), Data: b})
	return nil
}

// partHeader is the MIME header of a part.
func partHeader(p *mail.Part) *message.Header {
	switch h := p.Header.(type) {
	case *mail.InlineHeader:
		return &h.Header
	case *mail.AttachmentHeader:
		return &h.Header
	}
	return &message.Header{}
}

func filename(h mail.PartHeader) string {
	if a, ok := h.(*mail.AttachmentHeader); ok {
		name, _ := a.Filename()
		return strings.ToLower(name)
	}
	return ""
}

// readPart reads a part's body up to max bytes.
func readPart(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, redazione.FieldError("message", "parte MIME illeggibile: %v", err)
	}
	if int64(len(b)) > max {
		return nil, redazione.Errorf(redazione.ETOOLARGE, "una parte del messaggio supera %d MB", max>>20)
	}
	return b, nil
}

// Inbound is the citizen's message for the inbox: the sender is the
// contact, the Message-ID the message's id, and In-Reply-To and References
// name the conversation it answers.
func (m *Mail) Inbound() (redazione.Inbound, error) {
	text := m.Text
	if text == "" {
		text = "[e-mail senza testo]"
	}
	if utf8.RuneCountInString(text) > redazione.MaxTextRunes-100 {
		text = string([]rune(text)[:redazione.MaxTextRunes-100]) + "\n[…] (testo troncato)"
	}
	html := m.HTML
	if len(html) > redazione.MaxEmailHTMLBytes {
		html = "" // the text is kept; a page that large is not shown
	}
	id := m.MessageID
	if len(id) > 255 {
		sum := sha256.Sum256([]byte(id))
		id = "sha256-" + hex.EncodeToString(sum[:16]) + "@redazione.invalid"
	}
	in := redazione.Inbound{
		ExternalID:  id,
		ContactID:   m.From,
		ContactName: truncate(m.FromName, 255),
		Text:        text,
		SentAt:      m.Date,
		InReplyTo:   msgIDs(append(append([]string{}, m.InReplyTo...), m.References...)),
		Email:       &redazione.EmailPart{Subject: truncate(m.Subject, 900), HTML: html, PEC: m.PEC, References: msgIDs(m.References)},
	}
	if len(in.Email.References) == 0 && len(m.InReplyTo) == 1 {
		in.Email.References = msgIDs(m.InReplyTo) // RFC 5322 3.6.4: the parent stands for the thread
	}
	if len(in.InReplyTo) > 50 {
		in.InReplyTo = in.InReplyTo[len(in.InReplyTo)-50:] // the newest references
	}
	if len(in.Email.References) > 50 {
		in.Email.References = in.Email.References[len(in.Email.References)-50:]
	}
	if err := in.Validate(); err != nil {
		return in, err
	}
	return in, nil
}

// msgIDs keeps the Message-IDs that can name a stored message.
func msgIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && len(id) <= 255 && utf8.ValidString(id) && !strings.ContainsAny(id, "\x00 ") {
			out = append(out, id)
		}
	}
	return out
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// nextPart reads the next part of mr (io.EOF after the last), refusing an
// unreadable one or more than maxParts in all, counted in *n.
func nextPart(mr *mail.Reader, n *int) (*mail.Part, error) {
	p, err := mr.NextPart()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, redazione.FieldError("message", "parte MIME illeggibile: %v", err)
	}
	if *n++; *n > maxParts {
		return nil, redazione.FieldError("message", "troppe parti MIME (oltre %d)", maxParts)
	}
	return p, nil
}
