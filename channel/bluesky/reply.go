package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/publish"
)

// ReplyLimit: a public answer is a post (300 graphemes); a chat message is
// limited in bytes only.
func (Sender) ReplyLimit(conv *redazione.Conversation) int {
	if conv.Public {
		return publish.MaxLength(redazione.ChannelBluesky)
	}
	return 0
}

// CheckReply refuses what Bluesky would refuse of an answer.
func (Sender) CheckReply(conv *redazione.Conversation, text string) error {
	if conv.Public {
		return checkPost(text, nil)
	}
	return checkMessage(text)
}

func checkMessage(text string) error {
	if len(text) > MaxMessageBytes {
		return fmt.Errorf("il messaggio è troppo lungo per Bluesky (al massimo %d byte)", MaxMessageBytes)
	}
	return nil
}

// Send delivers an operator's answer: in a public conversation a post in
// reply to the citizen's latest post (its thread's root kept), in a
// private one a message in the chat with the citizen.
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	if !conv.Public {
		return s.sendMessage(ctx, ch, conv, m)
	}
	if s.LastInbound == nil {
		return jobs.Permanent{Err: errors.New("nessun post del cittadino a cui rispondere")}
	}
	parentURI, err := s.LastInbound(ctx, conv.ID)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(parentURI, "at://") {
		return jobs.Permanent{Err: errors.New("nessun post del cittadino a cui rispondere su Bluesky")}
	}
	if err := checkPost(m.Text, nil); err != nil {
		return jobs.Permanent{Err: err}
	}
	reply, err := s.thread(ctx, ch, parentURI)
	if err != nil {
		return err
	}
	post := Post{Type: "app.bsky.feed.post", Text: m.Text, CreatedAt: s.now().UTC().Format(time.RFC3339Nano), Langs: []string{"it"}, Reply: reply}
	post.Facets = Facets(ctx, m.Text, s.resolver(ctx, ch))
	ref, err := s.createOnce(ctx, ch, post, TID(m.CreatedAt, m.ID))
	if err != nil {
		return err
	}
	m.ExternalID = ref.URI
	return nil
}

// thread reads the post answered (app.bsky.feed.getPosts, through the
// PDS): the reply's parent is that post, its root the root of that post's
// thread, or the post itself when it starts one.
func (s Sender) thread(ctx context.Context, ch *redazione.Channel, parentURI string) (*ReplyRef, error) {
	var out struct {
		Posts []postView `json:"posts"`
	}
	_, err := s.Client.Call(ctx, ch, http.MethodGet, "app.bsky.feed.getPosts", url.Values{"uris": {parentURI}}, "", nil, &out)
	if err != nil || len(out.Posts) == 0 {
		// No AppView behind the PDS (a self-hosted one), or one that has
		// not indexed the post yet: the record itself, where the PDS
		// holds it.
		var rec struct {
			URI   string `json:"uri"`
			CID   string `json:"cid"`
			Value struct {
				Reply *ReplyRef `json:"reply"`
			} `json:"value"`
		}
		repo, rest, _ := strings.Cut(strings.TrimPrefix(parentURI, "at://"), "/")
		collection, rkey, _ := strings.Cut(rest, "/")
		q := url.Values{"repo": {repo}, "collection": {collection}, "rkey": {rkey}}
		if _, gerr := s.Client.Call(ctx, ch, http.MethodGet, "com.atproto.repo.getRecord", q, "", nil, &rec); gerr == nil && rec.CID != "" {
			out.Posts = []postView{{URI: rec.URI, CID: rec.CID}}
			out.Posts[0].Record.Reply = rec.Value.Reply
		} else if err != nil {
			return nil, err
		}
	}
	if len(out.Posts) == 0 || out.Posts[0].CID == "" {
		return nil, jobs.Permanent{Err: errors.New("il post del cittadino non c'è più su Bluesky: non si può rispondere nel suo thread")}
	}
	p := out.Posts[0]
	parent := Ref{URI: p.URI, CID: p.CID}
	root := parent
	if p.Record.Reply != nil && p.Record.Reply.Root.URI != "" && p.Record.Reply.Root.CID != "" {
		root = p.Record.Reply.Root
	}
	return &ReplyRef{Root: root, Parent: parent}, nil
}

// postView is the part of app.bsky.feed.defs#postView a reply reads.
type postView struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Record struct {
		Reply *ReplyRef `json:"reply"`
	} `json:"record"`
}

// createOnce writes a post under a record key of its own, so that a job
// tried again after a lost answer finds the post it already wrote instead
// of writing a second one.
func (s Sender) createOnce(ctx context.Context, ch *redazione.Channel, post Post, rkey string) (*Ref, error) {
	sess, err := s.Client.Session(ctx, ch)
	if err != nil {
		return nil, err
	}
	var ref Ref
	body := map[string]any{"repo": sess.DID, "collection": "app.bsky.feed.post", "rkey": rkey, "record": post}
	_, err = s.Client.Call(ctx, ch, http.MethodPost, "com.atproto.repo.createRecord", nil, "", body, &ref)
	if err == nil {
		return &ref, nil
	}
	// Already there: the earlier attempt went through.
	var got struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	q := url.Values{"repo": {sess.DID}, "collection": {"app.bsky.feed.post"}, "rkey": {rkey}}
	if _, gerr := s.Client.Call(ctx, ch, http.MethodGet, "com.atproto.repo.getRecord", q, "", nil, &got); gerr == nil && got.URI != "" {
		return &Ref{URI: got.URI, CID: got.CID}, nil
	}
	return nil, err
}

// tidAlphabet is base32-sortable, the alphabet of TIDs.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// TID is a record key made from a time and a number
// (atproto.com/specs/tid): 53 bits of microseconds and a 10-bit clock id,
// the same every time for the same message.
func TID(at time.Time, id int64) string {
	v := uint64(at.UnixMicro())&(1<<53-1)<<10 | uint64(id)&1023
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// sendMessage writes to the citizen in their chat with the account
// (chat.bsky.convo.getConvoForMembers, then sendMessage), through the
// PDS's proxy to the chat service.
func (s Sender) sendMessage(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	did := conv.Contact.ExternalID
	if !strings.HasPrefix(did, "did:") {
		return jobs.Permanent{Err: errors.New("il contatto non è un account Bluesky")}
	}
	if err := checkMessage(m.Text); err != nil {
		return jobs.Permanent{Err: err}
	}
	var convo struct {
		Convo struct {
			ID string `json:"id"`
		} `json:"convo"`
	}
	if _, err := s.Client.Call(ctx, ch, http.MethodGet, "chat.bsky.convo.getConvoForMembers", url.Values{"members": {did}}, ChatProxy, nil, &convo); err != nil {
		return chatError(err)
	}
	if convo.Convo.ID == "" {
		return jobs.Permanent{Err: errors.New("Bluesky non ha aperto la chat con il cittadino")}
	}
	var sent struct {
		ID string `json:"id"`
	}
	body := map[string]any{"convoId": convo.Convo.ID, "message": map[string]any{"text": m.Text, "facets": Facets(ctx, m.Text, nil)}}
	if _, err := s.Client.Call(ctx, ch, http.MethodPost, "chat.bsky.convo.sendMessage", nil, ChatProxy, body, &sent); err != nil {
		return chatError(err)
	}
	m.ExternalID = sent.ID
	return nil
}

// chatError says in Italian why the chat refused, where it is the
// citizen's choice.
func chatError(err error) error {
	var xe *XRPCError
	if errors.As(err, &xe) && xe.Status == http.StatusBadRequest {
		msg := xe.Message
		if xe.Name == "ConvoLocked" {
			msg = "la chat è chiusa"
		}
		return jobs.Permanent{Err: fmt.Errorf("la chat Bluesky non accetta il messaggio (%s): il cittadino potrebbe non ricevere messaggi da questo account", msg)}
	}
	return err
}
