package meta

// This file is the public side of Meta: comments on the ente's Facebook page
// (the Page webhook's "feed" field) and on its Instagram posts (the
// Instagram webhook's "comments" field). A citizen's new comment arrives as
// a public message; the office answers it in public (a reply to the
// comment), moves the exchange to a private message (Private Replies), or
// hides it.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/jobs"
)

type feedPayload struct {
	envelope
	Entry []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type pageFeedValue struct {
	Item      string `json:"item"`
	Verb      string `json:"verb"`
	CommentID string `json:"comment_id"`
	PostID    string `json:"post_id"`
	ParentID  string `json:"parent_id"`
	Message   string `json:"message"`
	From      struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
	CreatedTime int64 `json:"created_time"`
}

func readFeed(body []byte, object string) (*feedPayload, error) {
	var p feedPayload
	if err := decodeHook(body, object, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ParsePageFeed reads the comments of a Page webhook POST (object "page",
// entry[].changes[] with field "feed"): a citizen's new comment is a public
// message whose id is the comment id. The page's own comments (from the
// entry's page id), edits, removals, reactions and posts are not.
func ParsePageFeed(body []byte) ([]redazione.Inbound, error) {
	p, err := readFeed(body, "page")
	if err != nil {
		return nil, err
	}
	var out []redazione.Inbound
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if c.Field != "feed" {
				continue
			}
			var v pageFeedValue
			if err := decodeValue(c.Value, &v); err != nil {
				return nil, err
			}
			if v.Item != "comment" || v.Verb != "add" {
				continue
			}
			if v.CommentID == "" || (v.From.ID == "" && v.PostID == "") {
				return nil, redazione.FieldError("value.comment_id", "campo obbligatorio")
			}
			if v.From.ID == e.ID || strings.TrimSpace(v.Message) == "" {
				continue // the page answering, or a comment with only a photo or sticker
			}
			in := redazione.Inbound{ExternalID: v.CommentID, ContactID: v.From.ID, ContactName: strings.TrimSpace(v.From.Name),
				Text: strings.TrimSpace(v.Message), Public: true}
			if v.From.ID == "" {
				// Meta leaves out who wrote it when the app may not know: the
				// comment is still answerable, under the post it was written on.
				in.ContactID, in.ContactName = "post:"+v.PostID, "Commenti al post"
			}
			if v.CreatedTime > 0 {
				in.SentAt = time.Unix(v.CreatedTime, 0).UTC()
			}
			if err := in.Validate(); err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

type igCommentValue struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	From struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
	Media struct {
		ID               string `json:"id"`
		MediaProductType string `json:"media_product_type"`
	} `json:"media"`
}

// ParseInstagramComments reads the comments of an Instagram webhook POST
// (object "instagram", entry[].changes[] with field "comments"): a
// citizen's comment on the ente's media is a public message whose id is
// the comment id. The account's own comments (from the entry's account id)
// are not.
func ParseInstagramComments(body []byte) ([]redazione.Inbound, error) {
	p, err := readFeed(body, "instagram")
	if err != nil {
		return nil, err
	}
	var out []redazione.Inbound
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if c.Field != "comments" {
				continue
			}
			var v igCommentValue
			if err := decodeValue(c.Value, &v); err != nil {
				return nil, err
			}
			if v.ID == "" || v.From.ID == "" {
				return nil, redazione.FieldError("value.id", "campo obbligatorio")
			}
			if v.From.ID == e.ID || strings.TrimSpace(v.Text) == "" {
				continue
			}
			in := redazione.Inbound{ExternalID: v.ID, ContactID: v.From.ID, ContactName: strings.TrimSpace(v.From.Username),
				Text: strings.TrimSpace(v.Text), Public: true}
			if err := in.Validate(); err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

// replyPublicly answers a public conversation with a reply to the citizen's
// latest comment: POST /{comment-id}/comments on Facebook, POST
// /{ig-comment-id}/replies on Instagram.
func replyPublicly(ctx context.Context, client *http.Client, ch *redazione.Channel, commentID, text string) error {
	if commentID == "" {
		return jobs.Permanent{Err: errors.New("nessun commento del cittadino a cui rispondere")}
	}
	if m, ok := ParseMention(commentID); ok {
		return replyToMention(ctx, client, ch, m, text)
	}
	edge := "/comments"
	if ch.Kind == redazione.ChannelInstagram {
		edge = "/replies"
	}
	return graphPost(ctx, client, ch, url.PathEscape(commentID)+edge, map[string]any{"message": text}, platformName(ch))
}

// replyPrivately sends the author of a comment one private message (Private
// Replies): POST /{page-id}/messages with the comment id as recipient.
func replyPrivately(ctx context.Context, client *http.Client, ch *redazione.Channel, commentID, text string) error {
	pageID := ch.Settings["page_id"]
	if pageID == "" {
		return jobs.Permanent{Err: errors.New("il canale non ha page_id")}
	}
	payload := map[string]any{"recipient": map[string]any{"comment_id": commentID}, "message": map[string]any{"text": text}}
	return graphPost(ctx, client, ch, url.PathEscape(pageID)+"/messages", payload, platformName(ch))
}

// Hider hides and shows again citizens' comments on the ente's Facebook page
// and Instagram media.
type Hider struct {
	Client *http.Client
}

// Hide hides (or, with hidden false, shows again) a comment: POST
// /{comment-id} with is_hidden on Facebook, hide on Instagram. A refusal
// keeps the platform's reason.
func (h Hider) Hide(ctx context.Context, ch *redazione.Channel, commentID string, hidden bool) error {
	field := "is_hidden"
	if ch.Kind == redazione.ChannelInstagram {
		field = "hide"
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	refused := "non ha nascosto il commento"
	if !hidden {
		refused = "non ha reso di nuovo visibile il commento"
	}
	_, err := graphCall(ctx, client, ch, url.PathEscape(commentID), map[string]any{field: hidden}, platformName(ch), refused)
	return err
}

func platformName(ch *redazione.Channel) string {
	if ch.Kind == redazione.ChannelInstagram {
		return "Instagram"
	}
	return "Facebook"
}
