package meta

// Instagram mentions: a citizen @mentions the ente's account in a comment or
// in the caption of their own post. The webhook ("mentions" field) carries
// only the ids; the text is read from the Graph API (mentioned_comment,
// mentioned_media), and an answer goes through POST /{ig-user-id}/mentions,
// since the post is not the ente's. Such a mention cannot be hidden or
// answered privately.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// Mention points at a post (and, for a mention in a comment, the comment)
// where the ente's Instagram account was @mentioned.
type Mention struct {
	MediaID   string `json:"media_id"`
	CommentID string `json:"comment_id"`
}

// mentionPrefix marks the external id of a mention: "mention:MEDIA:COMMENT".
const mentionPrefix = channel.InstagramMentionPrefix

// ExternalID is the message id a mention is stored under.
func (m Mention) ExternalID() string { return mentionPrefix + m.MediaID + ":" + m.CommentID }

// ParseMention reads a mention back from a stored external id.
func ParseMention(externalID string) (Mention, bool) {
	rest, ok := strings.CutPrefix(externalID, mentionPrefix)
	if !ok {
		return Mention{}, false
	}
	media, comment, _ := strings.Cut(rest, ":")
	return Mention{MediaID: media, CommentID: comment}, media != ""
}

// ParseInstagramMentions reads the mentions of an Instagram webhook POST
// (entry[].changes[] with field "mentions", value {media_id, comment_id}).
func ParseInstagramMentions(body []byte) ([]Mention, error) {
	p, err := readFeed(body, "instagram")
	if err != nil {
		return nil, err
	}
	var out []Mention
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if c.Field != "mentions" {
				continue
			}
			var m Mention
			if err := decodeValue(c.Value, &m); err != nil {
				return nil, err
			}
			if !numeric(m.MediaID) || (m.CommentID != "" && !numeric(m.CommentID)) || len(m.ExternalID()) > 255 {
				return nil, redazione.FieldError("value.media_id", "identificativo mancante o non valido")
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// FetchMention reads the text of a mention from the Graph API. A mention in
// a caption comes from the post's author; the author of a mentioned comment
// is not given by Instagram, so its contact is the post where it was written.
func FetchMention(ctx context.Context, client *http.Client, ch *redazione.Channel, m Mention) (redazione.Inbound, error) {
	igUser := ch.Settings["page_id"]
	var fields string
	if m.CommentID != "" {
		fields = "mentioned_comment.comment_id(" + m.CommentID + "){id,text,timestamp,media{id,username}}"
	} else {
		fields = "mentioned_media.media_id(" + m.MediaID + "){id,caption,timestamp,username}"
	}
	var r struct {
		Comment *struct {
			Text      string `json:"text"`
			Timestamp string `json:"timestamp"`
			Media     struct {
				Username string `json:"username"`
			} `json:"media"`
		} `json:"mentioned_comment"`
		Media *struct {
			Caption   string `json:"caption"`
			Timestamp string `json:"timestamp"`
			Username  string `json:"username"`
		} `json:"mentioned_media"`
	}
	if err := graphRequest(ctx, client, ch, http.MethodGet, url.PathEscape(igUser)+"?fields="+url.QueryEscape(fields), "", nil, &r, "Instagram"); err != nil {
		return redazione.Inbound{}, err
	}
	in := redazione.Inbound{ExternalID: m.ExternalID(), Public: true}
	var at string
	switch {
	case m.CommentID != "" && r.Comment != nil:
		in.ContactID, in.Text, at = "post:"+m.MediaID, strings.TrimSpace(r.Comment.Text), r.Comment.Timestamp
		in.ContactName = "Commenti al post"
		if r.Comment.Media.Username != "" {
			in.ContactName += " di @" + r.Comment.Media.Username
		}
	case m.CommentID == "" && r.Media != nil && r.Media.Username != "":
		in.ContactID, in.ContactName, in.Text, at = r.Media.Username, "@"+r.Media.Username, strings.TrimSpace(r.Media.Caption), r.Media.Timestamp
	default:
		return redazione.Inbound{}, errors.New("Instagram non ha restituito la menzione")
	}
	if t, err := time.Parse("2006-01-02T15:04:05-0700", at); err == nil {
		in.SentAt = t.UTC()
	}
	return in, in.Validate()
}

// replyToMention answers a mention on someone else's post: POST
// /{ig-user-id}/mentions with the post (and comment) mentioned.
func replyToMention(ctx context.Context, client *http.Client, ch *redazione.Channel, m Mention, text string) error {
	igUser := ch.Settings["page_id"]
	if igUser == "" {
		return jobs.Permanent{Err: errors.New("il canale non ha page_id")}
	}
	payload := map[string]any{"media_id": m.MediaID, "message": text}
	if m.CommentID != "" {
		payload["comment_id"] = m.CommentID
	}
	return graphPost(ctx, client, ch, url.PathEscape(igUser)+"/mentions", payload, "Instagram")
}

// numeric reports whether id is a non-empty string of digits, as Instagram
// ids are (they go into a Graph API field expression).
func numeric(id string) bool {
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return id != ""
}
