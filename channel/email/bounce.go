package email

import (
	"bufio"
	"bytes"
	stdmail "net/mail"
	"strings"

	"github.com/redazione/redazione"
)

// A bounce (a delivery status notification, RFC 3464: multipart/report;
// report-type=delivery-status) says that a message the office sent did not
// reach the citizen after the SMTP server had accepted it. Like a PEC
// receipt, it is linked to that message (the Message-ID of the returned
// headers), which is marked failed with the remote server's reason.

// bounce collects what the parts of a delivery report say.
type bounce struct {
	action, status, diagnostic string
	refers                     string
}

// isReport reports whether a message's content type is a delivery report.
func isReport(ct string, params map[string]string) bool {
	return ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status")
}

// part reads one part of a delivery report; it reports whether the part
// belongs to the report (and is not the message's text or an attachment).
func (b *bounce) part(ct string, body []byte) bool {
	switch ct {
	case "message/delivery-status", "message/global-delivery-status":
		b.fields(body)
		return true
	case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
		if msg, err := stdmail.ReadMessage(bytes.NewReader(body)); err == nil {
			b.refers = trimID(msg.Header.Get("Message-Id"))
		}
		return true
	}
	return false
}

// fields reads the per-recipient fields of a delivery-status part: the
// first recipient that failed (or, failing that, was delayed).
func (b *bounce) fields(body []byte) {
	var action, status, diagnostic, last string
	flush := func() {
		if action == "failed" || (action == "delayed" && b.action != "failed") {
			if b.action != action {
				b.action, b.status, b.diagnostic = action, status, diagnostic
			}
		}
		action, status, diagnostic = "", "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last == "diagnostic-code" {
			diagnostic += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		switch last {
		case "action":
			action = strings.ToLower(v)
		case "status":
			status = v
		case "diagnostic-code":
			// "smtp; 550 5.1.1 <x@y>: Recipient address rejected"
			if _, d, ok := strings.Cut(v, ";"); ok {
				v = strings.TrimSpace(d)
			}
			diagnostic = v
		}
	}
	flush()
}

// receipt is the report as a receipt on the office's message, or nil when
// it says nothing of a failure or names no message.
func (b *bounce) receipt(m *Mail) *redazione.PECReceipt {
	if b.refers == "" || (b.action != "failed" && b.action != "delayed") {
		return nil
	}
	r := &redazione.PECReceipt{ExternalID: m.MessageID, Refers: b.refers, At: m.Date, Kind: redazione.ReceiptDeliveryError}
	if b.action == "delayed" {
		r.Kind = redazione.ReceiptDeliveryNotice
	}
	r.Reason = b.diagnostic
	if r.Reason == "" {
		r.Reason = b.status
	}
	r.Reason = truncate(strings.ToValidUTF8(r.Reason, "\uFFFD"), 500)
	return r
}
