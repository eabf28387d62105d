package bluesky

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// Cursors keeps how far a channel's poller has read (*store.DB has it).
type Cursors interface {
	BlueskyCursor(ctx context.Context, channelID int64, name string) (string, error)
	SaveBlueskyCursor(ctx context.Context, channelID int64, name, value string) error
}

// Ingester stores a citizen's message (inbox.Service).
type Ingester interface {
	Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error)
}

// Poller brings a channel's mentions, replies and quotes, and with
// direct_messages=on its chats, into the inbox.
type Poller struct {
	Client   *Client
	Cursors  Cursors
	Ingester Ingester
	Log      interface{ Warn(msg string, args ...any) }
}

// The names of the cursors kept.
const (
	cursorNotifications = "notifications"
	cursorChats         = "chats"
)

// maxPages bounds how far back one pass reads.
const maxPages = 10

// Run polls every interval until ctx ends.
func (p Poller) Run(ctx context.Context, ch *redazione.Channel, every time.Duration) {
	for ctx.Err() == nil {
		if _, err := p.Notifications(ctx, ch); err != nil && ctx.Err() == nil && p.Log != nil {
			p.Log.Warn("bluesky notifications", "channel", ch.ID, "err", err)
		}
		if ch.Settings["direct_messages"] == "on" {
			if _, err := p.Messages(ctx, ch); err != nil && ctx.Err() == nil && p.Log != nil {
				p.Log.Warn("bluesky chats", "channel", ch.ID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
}

// Notification is the part of app.bsky.notification.listNotifications's
// notification Redazione reads.
type Notification struct {
	URI       string          `json:"uri"`
	CID       string          `json:"cid"`
	Author    Profile         `json:"author"`
	Reason    string          `json:"reason"`
	Record    json.RawMessage `json:"record"`
	IndexedAt time.Time       `json:"indexedAt"`
}

// Profile is the part of an account's profile view Redazione reads.
type Profile struct {
	DID         string `json:"did"`
	Handle      string `json:"handle"`
	DisplayName string `json:"displayName"`
}

// Name is how an account is shown: its display name and handle.
func (p Profile) Name() string {
	name := strings.TrimSpace(p.DisplayName)
	switch {
	case name == "":
		return "@" + p.Handle
	case p.Handle == "":
		return name
	}
	return name + " (@" + p.Handle + ")"
}

var leadingMentions = regexp.MustCompile(`^(@[a-zA-Z0-9.\-]+[\s,:]*)+`)

// Inbound turns a mention, reply or quote into a citizen's public message
// (false for any other notification): the post's address is its id, the
// author's DID the contact.
func (n Notification) Inbound() (redazione.Inbound, bool) {
	switch n.Reason {
	case "mention", "reply", "quote":
	default:
		return redazione.Inbound{}, false
	}
	var rec struct {
		Type      string    `json:"$type"`
		Text      string    `json:"text"`
		CreatedAt time.Time `json:"createdAt"`
		Reply     *ReplyRef `json:"reply"`
	}
	if json.Unmarshal(n.Record, &rec) != nil || rec.Type != "app.bsky.feed.post" || !strings.HasPrefix(n.URI, "at://") {
		return redazione.Inbound{}, false
	}
	text := strings.TrimSpace(rec.Text)
	if t := strings.TrimSpace(leadingMentions.ReplaceAllString(text, "")); t != "" {
		text = t
	}
	sent := rec.CreatedAt
	if sent.IsZero() || sent.After(n.IndexedAt.Add(5*time.Minute)) {
		sent = n.IndexedAt
	}
	in := redazione.Inbound{ExternalID: n.URI, ContactID: n.Author.DID, ContactName: n.Author.Name(), Text: text, SentAt: sent, Public: true}
	if rec.Reply != nil && rec.Reply.Parent.URI != "" {
		in.InReplyTo = []string{rec.Reply.Parent.URI}
	}
	return in, in.Validate() == nil
}

// Notifications reads the notifications newer than the last pass, stores
// the mentions, replies and quotes among them oldest first, and returns
// how many it stored. The first pass reads the latest page only.
func (p Poller) Notifications(ctx context.Context, ch *redazione.Channel) (int, error) {
	last, err := p.Cursors.BlueskyCursor(ctx, ch.ID, cursorNotifications)
	if err != nil {
		return 0, err
	}
	var since time.Time
	if last != "" {
		since, _ = time.Parse(time.RFC3339Nano, last)
	}
	var fresh []Notification
	var sess *Session
	cursor := ""
pages:
	for page := 0; page < maxPages; page++ {
		q := url.Values{"limit": {"50"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var out struct {
			Cursor        string         `json:"cursor"`
			Notifications []Notification `json:"notifications"`
		}
		if sess, err = p.Client.Call(ctx, ch, http.MethodGet, "app.bsky.notification.listNotifications", q, "", nil, &out); err != nil {
			return 0, err
		}
		for _, n := range out.Notifications {
			if !since.IsZero() && !n.IndexedAt.After(since) {
				break pages
			}
			fresh = append(fresh, n)
		}
		if since.IsZero() || out.Cursor == "" || out.Cursor == cursor || len(out.Notifications) == 0 {
			break
		}
		cursor = out.Cursor
	}
	stored := 0
	// newest first from the API: store in the order they were written
	for i := len(fresh) - 1; i >= 0; i-- {
		n := fresh[i]
		if in, ok := n.Inbound(); ok && (sess == nil || n.Author.DID != sess.DID) {
			if _, err := p.Ingester.Ingest(ctx, ch, in); err != nil {
				if redazione.ErrorCode(err) == redazione.EINTERNAL {
					return stored, err
				}
			} else {
				stored++
			}
		}
		if n.IndexedAt.After(since) {
			since = n.IndexedAt
			if err := p.Cursors.SaveBlueskyCursor(ctx, ch.ID, cursorNotifications, since.UTC().Format(time.RFC3339Nano)); err != nil {
				return stored, err
			}
		}
	}
	return stored, nil
}

// chatMessage is chat.bsky.convo.defs#messageView (and the other views of
// the union, told apart by $type).
type chatMessage struct {
	Type   string `json:"$type"`
	ID     string `json:"id"`
	Rev    string `json:"rev"`
	Text   string `json:"text"`
	Sender struct {
		DID string `json:"did"`
	} `json:"sender"`
	SentAt time.Time `json:"sentAt"`
}

// Messages reads the chats whose latest message changed since the last
// pass (chat.bsky.convo.listConvos, getMessages, through the PDS's proxy
// to the chat service) and stores the citizens' new messages, each chat's
// oldest first, as private conversations.
func (p Poller) Messages(ctx context.Context, ch *redazione.Channel) (int, error) {
	raw, err := p.Cursors.BlueskyCursor(ctx, ch.ID, cursorChats)
	if err != nil {
		return 0, err
	}
	seen := map[string]string{} // convo id → rev of the last message stored
	if raw != "" {
		json.Unmarshal([]byte(raw), &seen)
	}
	var convos struct {
		Convos []struct {
			ID      string    `json:"id"`
			Rev     string    `json:"rev"`
			Members []Profile `json:"members"`
		} `json:"convos"`
	}
	sess, err := p.Client.Call(ctx, ch, http.MethodGet, "chat.bsky.convo.listConvos", url.Values{"limit": {"50"}}, ChatProxy, nil, &convos)
	if err != nil {
		return 0, err
	}
	stored := 0
	for _, c := range convos.Convos {
		if c.ID == "" || (seen[c.ID] != "" && seen[c.ID] >= c.Rev) {
			continue
		}
		var page struct {
			Messages []chatMessage `json:"messages"`
		}
		if _, err := p.Client.Call(ctx, ch, http.MethodGet, "chat.bsky.convo.getMessages", url.Values{"convoId": {c.ID}, "limit": {"50"}}, ChatProxy, nil, &page); err != nil {
			return stored, err
		}
		members := map[string]Profile{}
		for _, m := range c.Members {
			members[m.DID] = m
		}
		last := seen[c.ID]
		for i := len(page.Messages) - 1; i >= 0; i-- {
			m := page.Messages[i]
			if m.Rev <= last && last != "" {
				continue
			}
			if m.Type == "chat.bsky.convo.defs#messageView" && m.Sender.DID != sess.DID && strings.TrimSpace(m.Text) != "" {
				who := members[m.Sender.DID]
				in := redazione.Inbound{ExternalID: m.ID, ContactID: m.Sender.DID, ContactName: who.Name(), Text: m.Text, SentAt: m.SentAt}
				if who.Handle == "" && who.DisplayName == "" {
					in.ContactName = m.Sender.DID
				}
				if in.Validate() == nil {
					if _, err := p.Ingester.Ingest(ctx, ch, in); err != nil {
						if redazione.ErrorCode(err) == redazione.EINTERNAL {
							return stored, err
						}
					} else {
						stored++
					}
				}
			}
			if m.Rev > seen[c.ID] {
				seen[c.ID] = m.Rev
				out, _ := json.Marshal(seen)
				if err := p.Cursors.SaveBlueskyCursor(ctx, ch.ID, cursorChats, string(out)); err != nil {
					return stored, err
				}
			}
		}
		if c.Rev > seen[c.ID] {
			seen[c.ID] = c.Rev
		}
	}
	out, _ := json.Marshal(seen)
	return stored, p.Cursors.SaveBlueskyCursor(ctx, ch.ID, cursorChats, string(out))
}
