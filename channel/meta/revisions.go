package meta

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// revisionPayload is the part of a Messenger, Instagram or Page webhook POST
// that tells of a citizen changing what they sent: message_edit events
// (Messenger and Instagram: the new text of a message), Instagram messages
// unsent (message.is_deleted), and comments edited or removed on the page
// (feed changes with verb "edited" or "remove").
type revisionPayload struct {
	envelope
	Entry []struct {
		ID        string `json:"id"`
		Time      int64  `json:"time"`
		Messaging []struct {
			Sender struct {
				ID string `json:"id"`
			} `json:"sender"`
			Timestamp   int64 `json:"timestamp"`
			MessageEdit *struct {
				MID  string `json:"mid"`
				Text string `json:"text"`
			} `json:"message_edit"`
			Message *struct {
				MID       string `json:"mid"`
				IsDeleted bool   `json:"is_deleted"`
				IsEcho    bool   `json:"is_echo"`
			} `json:"message"`
		} `json:"messaging"`
		Changes []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// ParseRevisions reads the citizens' edits and deletions in a Messenger
// (object "page") or Instagram (object "instagram") webhook POST. The
// page's own messages and comments are not the citizens'.
func ParseRevisions(body []byte, object string) ([]redazione.Revision, error) {
	var p revisionPayload
	if err := decodeHook(body, object, &p); err != nil {
		return nil, err
	}
	var out []redazione.Revision
	for _, e := range p.Entry {
		for _, ev := range e.Messaging {
			at := time.Time{}
			if ev.Timestamp > 0 {
				at = time.UnixMilli(ev.Timestamp).UTC()
			}
			switch {
			case ev.MessageEdit != nil:
				if ev.MessageEdit.MID == "" {
					return nil, redazione.FieldError("message_edit.mid", "campo obbligatorio")
				}
				if ev.Sender.ID == e.ID || strings.TrimSpace(ev.MessageEdit.Text) == "" {
					continue
				}
				out = append(out, redazione.Revision{ExternalID: ev.MessageEdit.MID, Text: ev.MessageEdit.Text, At: at})
			case ev.Message != nil && ev.Message.IsDeleted && !ev.Message.IsEcho:
				if ev.Message.MID == "" {
					return nil, redazione.FieldError("message.mid", "campo obbligatorio")
				}
				out = append(out, redazione.Revision{ExternalID: ev.Message.MID, Deleted: true, At: at})
			}
		}
		for _, c := range e.Changes {
			if object != "page" || c.Field != "feed" {
				continue
			}
			var v pageFeedValue
			if err := decodeValue(c.Value, &v); err != nil {
				return nil, err
			}
			if v.Item != "comment" || (v.Verb != "edited" && v.Verb != "remove") || (v.From.ID != "" && v.From.ID == e.ID) {
				continue
			}
			if v.CommentID == "" {
				return nil, redazione.FieldError("value.comment_id", "campo obbligatorio")
			}
			rev := redazione.Revision{ExternalID: v.CommentID, Deleted: v.Verb == "remove", Text: v.Message}
			switch {
			case e.Time > 1e12: // milliseconds, as on messaging entries
				rev.At = time.UnixMilli(e.Time).UTC()
			case e.Time > 0:
				rev.At = time.Unix(e.Time, 0).UTC()
			}
			if !rev.Deleted && strings.TrimSpace(rev.Text) == "" {
				continue // an edit that left only a photo
			}
			out = append(out, rev)
		}
	}
	return out, nil
}
