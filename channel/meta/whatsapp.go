// Package meta is the Meta platforms' channel; this file is the WhatsApp
// Cloud API. Meta checks the webhook with a verification handshake (hub.mode,
// hub.verify_token, hub.challenge) and signs every POST with
// X-Hub-Signature-256, the HMAC-SHA256 of the raw body with the app secret:
// it is checked, in constant time, before anything is parsed. Replies go out
// through the Graph API, whose base URL is a channel setting.
package meta

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/jobs"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body>".
const SignatureHeader = "X-Hub-Signature-256"

// Graph API defaults.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v21.0"
)

// Verify checks a POST's signature with the app secret, in constant time:
// the same "sha256=<hex HMAC-SHA256>" scheme as Redazione's own API channel.
func Verify(appSecret string, body []byte, header string) bool {
	return appSecret != "" && apichannel.Verify(appSecret, body, header)
}

// Handshake answers Meta's verification GET: the challenge when the mode is
// subscribe and the verify token matches, and false otherwise.
func Handshake(verifyToken, mode, token, challenge string) (string, bool) {
	if mode != "subscribe" || verifyToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(verifyToken)) != 1 {
		return "", false
	}
	return challenge, true
}

type waPayload struct {
	envelope
	Entry []struct {
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				Contacts []struct {
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
					WaID string `json:"wa_id"`
				} `json:"contacts"`
				Messages []waMessage `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type waMessage struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *waMedia `json:"image"`
	Document *waMedia `json:"document"`
	Audio    *waMedia `json:"audio"`
	Video    *waMedia `json:"video"`
	Sticker  *waMedia `json:"sticker"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
}

type waMedia struct {
	ID       string `json:"id"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	MimeType string `json:"mime_type"`
}

// ParseWhatsApp reads a WhatsApp webhook POST into the citizens' messages it
// carries (none for status notifications).
func ParseWhatsApp(body []byte) ([]redazione.Inbound, error) {
	var p waPayload
	if err := decodeHook(body, "whatsapp_business_account", &p); err != nil {
		return nil, err
	}
	var out []redazione.Inbound
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				continue
			}
			names := map[string]string{}
			for _, c := range ch.Value.Contacts {
				names[c.WaID] = c.Profile.Name
			}
			for _, m := range ch.Value.Messages {
				if m.ID == "" || m.From == "" {
					return nil, redazione.FieldError("messages.id", "campo obbligatorio")
				}
				text := describe(m)
				if text == "" {
					continue // reactions, unsupported messages...: nothing an office answers
				}
				in := redazione.Inbound{ExternalID: m.ID, ContactID: m.From, ContactName: names[m.From], Text: text, Attachments: waFiles(m)}
				if ts, err := strconv.ParseInt(m.Timestamp, 10, 64); err == nil && ts > 0 {
					in.SentAt = time.Unix(ts, 0).UTC()
				}
				if err := in.Validate(); err != nil {
					return nil, err
				}
				out = append(out, in)
			}
		}
	}
	return out, nil
}

func describe(m waMessage) string {
	var parts []string
	if m.Text != nil && strings.TrimSpace(m.Text.Body) != "" {
		parts = append(parts, strings.TrimSpace(m.Text.Body))
	}
	media := func(label string, x *waMedia) {
		if x == nil {
			return
		}
		s := "[" + label
		if name := channel.FileName(x.Filename, ""); name != "" {
			s += ": " + name
		}
		parts = append(parts, s+"]")
		if c := strings.TrimSpace(x.Caption); c != "" {
			parts = append(parts, c)
		}
	}
	media("foto", m.Image)
	media("documento", m.Document)
	media("audio", m.Audio)
	media("video", m.Video)
	media("sticker", m.Sticker)
	if l := m.Location; l != nil {
		s := fmt.Sprintf("[posizione: %.6f, %.6f https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f]", l.Latitude, l.Longitude, l.Latitude, l.Longitude)
		if l.Address != "" {
			s += " " + l.Address
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

// WhatsAppSender sends replies through the Cloud API.
type WhatsAppSender struct {
	Client *http.Client
}

// Send posts a text message. 429 and 5xx are tried again; other refusals
// (such as 131047: more than 24 hours since the citizen last wrote, when only
// an approved template may be sent) are final and keep Meta's reason.
func (s WhatsAppSender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	phoneID := ch.Settings["phone_number_id"]
	if phoneID == "" {
		return jobs.Permanent{Err: errors.New("il canale WhatsApp non ha phone_number_id")}
	}
	payload := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual",
		"to": conv.Contact.ExternalID, "type": "text", "text": map[string]any{"body": m.Text}}
	if t, ok := parseTemplateText(m.Text); ok {
		delete(payload, "text")
		payload["type"] = "template"
		payload["template"] = map[string]any{"name": t.Name, "language": map[string]any{"code": t.Language}}
	}
	id, err := graphSend(ctx, s.Client, ch, phoneID+"/messages", payload, "WhatsApp")
	m.ExternalID = id
	return err
}

// graphPost posts payload to a Graph API path of the channel's account,
// with its token. 429 and 5xx are tried again; any other refusal is final
// and keeps Meta's reason. The token never appears in an error.
func graphPost(ctx context.Context, client *http.Client, ch *redazione.Channel, path string, payload any, platform string) error {
	_, err := graphCall(ctx, client, ch, path, payload, platform, "ha rifiutato il messaggio")
	return err
}

// graphSend is graphPost returning the id Meta gave the message sent (Send
// API: message_id; Cloud API: messages[0].id), which its delivery and read
// receipts name.
func graphSend(ctx context.Context, client *http.Client, ch *redazione.Channel, path string, payload any, platform string) (string, error) {
	return graphCall(ctx, client, ch, path, payload, platform, "ha rifiutato il messaggio")
}

// graphCall posts payload as JSON to the Graph API (graphDo) and returns
// the id in Meta's answer.
func graphCall(ctx context.Context, client *http.Client, ch *redazione.Channel, path string, payload any, platform, refused string) (string, error) {
	body, _ := json.Marshal(payload)
	var r struct {
		MessageID string `json:"message_id"` // Send API
		Messages  []struct {
			ID string `json:"id"`
		} `json:"messages"` // Cloud API
	}
	if err := graphDo(ctx, client, ch, http.MethodPost, path, "application/json", bytes.NewReader(body), &r, platform, refused); err != nil {
		return "", err
	}
	if len(r.Messages) > 0 {
		return r.Messages[0].ID, nil
	}
	return r.MessageID, nil
}

// transient are the Graph API error codes of rate limits and passing
// outages, answered with HTTP 400 but worth trying again later: 1 and 2
// (temporary), 4, 17, 32, 613 (app, user, page and hourly call limits),
// 80001 and 80006 (Pages and Messenger rate limits), 130429 (WhatsApp
// throughput), 131048 (spam rate limit), 131056 (too many messages to one
// number).
var transient = map[int]bool{1: true, 2: true, 4: true, 17: true, 32: true, 613: true,
	80001: true, 80006: true, 130429: true, 131048: true, 131056: true}

// Template is an approved WhatsApp message template.
type Template struct{ Name, Language string }

// Templates reads the channel setting "templates": "name|it, other|it".
func Templates(ch *redazione.Channel) []Template {
	var out []Template
	for _, part := range strings.Split(ch.Settings["templates"], ",") {
		name, lang, _ := strings.Cut(strings.TrimSpace(part), "|")
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if lang = strings.TrimSpace(lang); lang == "" {
			lang = "it"
		}
		out = append(out, Template{name, lang})
	}
	return out
}

// TemplateText is how a template reply is stored and shown in the thread.
func TemplateText(t Template) string { return channel.WhatsAppTemplateText(t.Name, t.Language) }

func parseTemplateText(s string) (Template, bool) {
	name, lang, ok := channel.ParseWhatsAppTemplate(s)
	return Template{name, lang}, ok
}
