// Package apichannel is the signed HTTP API channel: integrations post
// citizens' messages as JSON signed with the channel's secret, and receive the
// office's replies on their callback URL, signed the same way.
package apichannel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>".
const SignatureHeader = "X-Redazione-Signature"

// DeliveryHeader carries the id of the message being delivered, so that a
// receiver can drop a repeated delivery.
const DeliveryHeader = "X-Redazione-Delivery"

// Sign returns the signature header value of body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// TimestampHeader carries the Unix time (seconds) a request was signed at.
// With it, the signature covers the time: "sha256=" + hex HMAC-SHA256 of
// timestamp + "." + body, and a request older than MaxSkew is refused, so a
// captured request cannot be replayed later.
const TimestampHeader = "X-Redazione-Timestamp"

// MaxSkew is how far a signed timestamp may be from the server's time.
const MaxSkew = 5 * time.Minute

// Verify checks a signature header against body in constant time.
func Verify(secret string, body []byte, header string) bool {
	return verifyMAC(secret, nil, body, header)
}

func verifyMAC(secret string, prefix, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(prefix)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// SignAt returns the signature header value of body signed at t, to send
// with TimestampHeader set to the same t.
func SignAt(secret string, t time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t.Unix(), 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyRequest checks a request's signature: over the timestamp and the
// body when TimestampHeader is given (and refuses it when older or newer
// than MaxSkew), over the body alone otherwise, unless requireTimestamp.
// The error says what is wrong, for the integration's developers.
func VerifyRequest(secret string, body []byte, signature, timestamp string, requireTimestamp bool, now time.Time) error {
	if timestamp == "" {
		if requireTimestamp {
			return redazione.Errorf(redazione.EUNAUTHORIZED, "manca l'intestazione %s: questo canale richiede richieste firmate con l'ora", TimestampHeader)
		}
		if !Verify(secret, body, signature) {
			return redazione.Errorf(redazione.EUNAUTHORIZED, "firma mancante o non valida nell'intestazione %s", SignatureHeader)
		}
		return nil
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return redazione.Errorf(redazione.EUNAUTHORIZED, "%s non valida: serve l'ora Unix in secondi", TimestampHeader)
	}
	if !verifyMAC(secret, []byte(strconv.FormatInt(sec, 10)+"."), body, signature) {
		return redazione.Errorf(redazione.EUNAUTHORIZED, "firma mancante o non valida nell'intestazione %s (firmata con %s)", SignatureHeader, TimestampHeader)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > MaxSkew || skew < -MaxSkew {
		return redazione.Errorf(redazione.EUNAUTHORIZED, "richiesta firmata alle %s: fuori dai %d minuti ammessi (ripetuta, o orologio sbagliato)", time.Unix(sec, 0).UTC().Format(time.RFC3339), int(MaxSkew.Minutes()))
	}
	return nil
}

// Payload is the JSON an integration posts.
type Payload struct {
	ExternalID *string `json:"external_id"`
	Contact    *struct {
		ExternalID *string `json:"external_id"`
		Name       string  `json:"name"`
	} `json:"contact"`
	Text   *string `json:"text"`
	SentAt *string `json:"sent_at"`
	// Public marks a public comment or mention (optional, default false).
	Public bool `json:"public"`
}

// Parse decodes and checks a payload; the error names the first bad field.
func Parse(body []byte) (redazione.Inbound, error) {
	var p Payload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return redazione.Inbound{}, redazione.FieldError(te.Field, "tipo non valido: atteso %s", te.Type)
		}
		return redazione.Inbound{}, redazione.FieldError("body", "JSON non valido: %v", err)
	}
	if dec.More() {
		return redazione.Inbound{}, redazione.FieldError("body", "JSON non valido: dati dopo l'oggetto")
	}
	var in redazione.Inbound
	switch {
	case p.ExternalID == nil || strings.TrimSpace(*p.ExternalID) == "":
		return in, redazione.FieldError("external_id", "campo obbligatorio")
	case p.Contact == nil:
		return in, redazione.FieldError("contact", "campo obbligatorio")
	case p.Contact.ExternalID == nil || strings.TrimSpace(*p.Contact.ExternalID) == "":
		return in, redazione.FieldError("contact.external_id", "campo obbligatorio")
	case p.Text == nil:
		return in, redazione.FieldError("text", "campo obbligatorio")
	case p.SentAt == nil:
		return in, redazione.FieldError("sent_at", "campo obbligatorio")
	}
	t, err := time.Parse(time.RFC3339, *p.SentAt)
	if err != nil {
		return in, redazione.FieldError("sent_at", "data non valida: serve RFC 3339, per esempio 2026-11-22T10:00:00+01:00")
	}
	in = redazione.Inbound{ExternalID: *p.ExternalID, ContactID: *p.Contact.ExternalID, ContactName: p.Contact.Name, Text: *p.Text, SentAt: t.UTC(), Public: p.Public}
	return in, in.Validate()
}

// Reply is what Redazione posts to the callback URL.
type Reply struct {
	Event          string    `json:"event"`
	ChannelID      int64     `json:"channel_id"`
	ConversationID int64     `json:"conversation_id"`
	MessageID      int64     `json:"message_id"`
	Contact        Contact   `json:"contact"`
	Text           string    `json:"text"`
	Author         string    `json:"author"`
	SentAt         time.Time `json:"sent_at"`
}

// Contact identifies the citizen in a reply.
type Contact struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name,omitempty"`
}

// Sender posts replies to the channel's callback URL.
type Sender struct {
	Client *http.Client
}

// Send posts one reply. 2xx is delivered; 408, 429 and 5xx are tried again;
// any other answer is a permanent failure.
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	if ch.CallbackURL == "" {
		return jobs.Permanent{Err: errors.New("il canale non ha un indirizzo di callback")}
	}
	body, err := json.Marshal(Reply{Event: "message.created", ChannelID: ch.ID, ConversationID: conv.ID, MessageID: m.ID,
		Contact: Contact{ExternalID: conv.Contact.ExternalID, Name: conv.Contact.Name}, Text: m.Text, Author: m.AuthorName, SentAt: m.SentAt})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return jobs.Permanent{Err: fmt.Errorf("indirizzo di callback non valido: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Redazione")
	req.Header.Set(SignatureHeader, Sign(ch.Secret, body))
	req.Header.Set(DeliveryHeader, strconv.FormatInt(m.ID, 10))
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("callback non raggiungibile: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == 408 || resp.StatusCode == 429 || resp.StatusCode >= 500:
		err := fmt.Errorf("il callback ha risposto %s", resp.Status)
		if wait := channel.RetryAfter(resp.Header, time.Now()); wait > 0 {
			return jobs.Later{Err: err, After: wait}
		}
		return err
	default:
		return jobs.Permanent{Err: fmt.Errorf("il callback ha rifiutato il messaggio: %s", resp.Status)}
	}
}
