package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// envelope is the field every Meta webhook POST starts with: what it is
// about ("page", "instagram", "whatsapp_business_account").
type envelope struct {
	Object string `json:"object"`
}

func (e envelope) object() string { return e.Object }

// decodeHook reads a Meta webhook POST into p, which embeds envelope, and
// checks it is about object; a failure names the field.
func decodeHook(body []byte, object string, p interface{ object() string }) error {
	if err := json.Unmarshal(body, p); err != nil {
		return redazione.FieldError("body", "JSON non valido: %v", err)
	}
	if p.object() != object {
		return redazione.FieldError("object", "atteso %s", object)
	}
	return nil
}

// decodeValue reads the value of one change of a webhook entry.
func decodeValue(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return redazione.FieldError("changes.value", "JSON non valido: %v", err)
	}
	return nil
}

type pagePayload struct {
	envelope
	Entry []struct {
		Messaging []struct {
			Sender struct {
				ID string `json:"id"`
			} `json:"sender"`
			Timestamp int64 `json:"timestamp"`
			Message   *struct {
				MID         string           `json:"mid"`
				Text        string           `json:"text"`
				IsEcho      bool             `json:"is_echo"`
				Attachments []pageAttachment `json:"attachments"`
			} `json:"message"`
		} `json:"messaging"`
	} `json:"entry"`
}

// ParseMessaging reads a Messenger (object "page") or Instagram (object
// "instagram") webhook POST into the citizens' messages it carries; the
// page's own echoes, deliveries and reads are not.
func ParseMessaging(body []byte, object string) ([]redazione.Inbound, error) {
	var p pagePayload
	if err := decodeHook(body, object, &p); err != nil {
		return nil, err
	}
	var out []redazione.Inbound
	for _, e := range p.Entry {
		for _, ev := range e.Messaging {
			m := ev.Message
			if m == nil || m.IsEcho {
				continue
			}
			if m.MID == "" || ev.Sender.ID == "" {
				return nil, redazione.FieldError("message.mid", "campo obbligatorio")
			}
			var parts []string
			if t := strings.TrimSpace(m.Text); t != "" {
				parts = append(parts, t)
			}
			for _, a := range m.Attachments {
				parts = append(parts, a.label())
			}
			if len(parts) == 0 {
				continue
			}
			in := redazione.Inbound{ExternalID: m.MID, ContactID: ev.Sender.ID, Text: strings.Join(parts, "\n"), Attachments: pageFiles(m.Attachments)}
			if ev.Timestamp > 0 {
				in.SentAt = time.UnixMilli(ev.Timestamp).UTC()
			}
			if err := in.Validate(); err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

// MessengerSender sends replies through the Send API of a Facebook page (or
// of an Instagram professional account linked to it).
type MessengerSender struct {
	Client *http.Client
	// LastInbound tells when the citizen last wrote in a conversation.
	LastInbound func(ctx context.Context, convID int64) (time.Time, error)
	// LastComment gives the id of the citizen's latest comment in a public
	// conversation, which a public answer replies to.
	LastComment func(ctx context.Context, convID int64) (string, error)
}

// Send posts a text reply: on a public conversation, a reply to the
// citizen's comment; a private reply to a comment, to its author; otherwise
// messaging_type RESPONSE inside the 24-hour window,
// the HUMAN_AGENT tag after it; 429 and 5xx are tried again, other refusals
// keep Meta's reason.
func (s MessengerSender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	if m.PrivateReplyTo != "" {
		return replyPrivately(ctx, s.Client, ch, m.PrivateReplyTo, m.Text)
	}
	if conv.Public {
		commentID := ""
		if s.LastComment != nil {
			var err error
			if commentID, err = s.LastComment(ctx, conv.ID); err != nil {
				return err
			}
		}
		return replyPublicly(ctx, s.Client, ch, commentID, m.Text)
	}
	pageID := ch.Settings["page_id"]
	if pageID == "" {
		return jobs.Permanent{Err: errors.New("il canale non ha page_id")}
	}
	payload := map[string]any{"recipient": map[string]any{"id": conv.Contact.ExternalID}, "messaging_type": "RESPONSE",
		"message": map[string]any{"text": m.Text}}
	if s.LastInbound != nil {
		if last, err := s.LastInbound(ctx, conv.ID); err == nil && !last.IsZero() && time.Since(last) > channel.MetaWindow {
			// past 24 hours, a person answering: the HUMAN_AGENT tag (7 days)
			payload["messaging_type"] = "MESSAGE_TAG"
			payload["tag"] = "HUMAN_AGENT"
		}
	}
	id, err := graphSend(ctx, s.Client, ch, url.PathEscape(pageID)+"/messages", payload, "Meta")
	m.ExternalID = id
	return err
}

// Publish posts an institutional post on the Facebook Page's feed
// (POST /{page-id}/feed). It answers with the post's id and address.
func (s MessengerSender) Publish(ctx context.Context, ch *redazione.Channel, postID int64, text string) (string, string, error) {
	pageID := ch.Settings["page_id"]
	if pageID == "" {
		return "", "", jobs.Permanent{Err: errors.New("il canale non ha page_id")}
	}
	body, _ := json.Marshal(map[string]string{"message": text})
	var r struct {
		ID string `json:"id"`
	}
	if err := graphRequest(ctx, s.Client, ch, http.MethodPost, url.PathEscape(pageID)+"/feed", "application/json", bytes.NewReader(body), &r, "Facebook"); err != nil {
		return "", "", err
	}
	return r.ID, "https://www.facebook.com/" + url.PathEscape(r.ID), nil
}

// PublishImage posts a photo with its message on the Page
// (POST /{page-id}/photos), with its alternative text (alt_text_custom).
func (s MessengerSender) PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img channel.File, alt string) (string, string, error) {
	pageID := ch.Settings["page_id"]
	if pageID == "" {
		img.Body.Close()
		return "", "", jobs.Permanent{Err: errors.New("il canale non ha page_id")}
	}
	ct, body := channel.Multipart([]string{"message", text, "alt_text_custom", alt}, "source", img)
	var r struct {
		ID     string `json:"id"`
		PostID string `json:"post_id"`
	}
	if err := graphRequest(ctx, s.Client, ch, http.MethodPost, url.PathEscape(pageID)+"/photos", ct, body, &r, "Facebook"); err != nil {
		return "", "", err
	}
	id := r.PostID
	if id == "" {
		id = r.ID
	}
	return id, "https://www.facebook.com/" + url.PathEscape(id), nil
}
