package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/redazione/redazione"
)

// PEC (posta elettronica certificata, DPR 68/2005 and the technical rules
// of DM 2 novembre 2005): the provider wraps a certified message in a
// transport envelope (X-Trasporto: posta-certificata) holding the original
// as postacert.eml and the certification data as daticert.xml, and answers
// the sender with receipts (X-Ricevuta) that name the message they are about
// (X-Riferimento-Message-ID, and msgid in daticert.xml).

// daticert is the part of daticert.xml Redazione reads.
type daticert struct {
	XMLName xml.Name `xml:"postacert"`
	Tipo    string   `xml:"tipo,attr"`
	Errore  string   `xml:"errore,attr"`
	Dati    struct {
		MsgID        string `xml:"msgid"`
		ErroreEsteso string `xml:"errore-esteso"`
		Consegna     string `xml:"consegna"`
	} `xml:"dati"`
}

// parseDaticert reads daticert.xml; it never fetches anything the document
// names (a DTD, an entity).
func parseDaticert(b []byte) (*daticert, error) {
	var d daticert
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		return message.CharsetReader(charset, r)
	}
	if err := dec.Decode(&d); err != nil {
		return nil, redazione.FieldError("daticert.xml", "daticert.xml illeggibile: %v", err)
	}
	return &d, nil
}

// parseReceipt reads a PEC receipt of kind (X-Ricevuta).
func parseReceipt(mr *mail.Reader, kind string) (*Mail, error) {
	if !redazione.ReceiptKindValid(kind) {
		return nil, redazione.FieldError("X-Ricevuta", "tipo di ricevuta PEC sconosciuto: %q", kind)
	}
	h := mr.Header
	r := &redazione.PECReceipt{Kind: kind}
	r.ExternalID, _ = h.MessageID()
	r.Refers = trimID(h.Get("X-Riferimento-Message-ID"))
	r.At, _ = h.Date()
	var errore string
	// unreadable is why daticert.xml (or the body holding it) could not be
	// read: the header X-Riferimento-Message-ID, which the technical rules
	// put on every receipt, still links the receipt to its message; only a
	// receipt with neither is refused.
	var unreadable error
	parts := 0
	for {
		p, err := nextPart(mr, &parts)
		if err == io.EOF {
			break
		}
		if err != nil {
			unreadable = err
			break
		}
		ct, params, _ := partHeader(p).ContentType()
		if filename(p.Header) != "daticert.xml" && !strings.EqualFold(params["name"], "daticert.xml") {
			continue
		}
		if ct != "application/xml" && ct != "text/xml" && ct != "application/octet-stream" {
			continue
		}
		b, err := readPart(p.Body, 1<<20)
		if err != nil {
			unreadable = err
			continue
		}
		d, err := parseDaticert(b)
		if err != nil {
			unreadable = err
			continue
		}
		if r.Refers == "" {
			r.Refers = trimID(d.Dati.MsgID)
		}
		r.Reason = strings.TrimSpace(d.Dati.ErroreEsteso)
		errore = strings.TrimSpace(d.Errore)
	}
	r.ExternalID, r.Refers = strings.ToValidUTF8(r.ExternalID, "\uFFFD"), strings.ToValidUTF8(r.Refers, "\uFFFD")
	if r.Refers == "" && unreadable != nil {
		return nil, unreadable
	}
	if r.Refers == "" {
		return nil, redazione.FieldError("X-Riferimento-Message-ID", "ricevuta PEC senza riferimento al messaggio")
	}
	if r.ExternalID == "" {
		sum := sha256.Sum256([]byte(kind + " " + r.Refers + " " + r.At.String()))
		r.ExternalID = "sha256-" + hex.EncodeToString(sum[:16]) + "@redazione.invalid"
	}
	if r.Reason == "" && errore != "" && errore != "nessuno" {
		r.Reason = errorReasons[errore]
		if r.Reason == "" {
			r.Reason = errore
		}
	}
	if r.Reason == "" && (kind != redazione.ReceiptAccepted && kind != redazione.ReceiptDelivered && kind != redazione.ReceiptTakenInCharge) {
		subject, _ := h.Subject()
		r.Reason = strings.TrimSpace(subject)
	}
	r.Reason = truncate(strings.ToValidUTF8(r.Reason, "\uFFFD"), 500)
	return &Mail{MessageID: r.ExternalID, Receipt: r}, nil
}

// errorReasons explains the errore attribute of daticert.xml.
var errorReasons = map[string]string{
	"no-dest":    "destinatario inesistente",
	"no-dominio": "dominio del destinatario inesistente",
	"virus":      "virus rilevato nel messaggio",
	"altro":      "errore del gestore",
}

// trimID turns "<id@host>" into "id@host".
func trimID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.TrimSpace(s)
}
