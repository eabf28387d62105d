package bluesky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/publish"
)

// Limits of the app.bsky lexicons.
const (
	// MaxImages is how many images a post carries (app.bsky.embed.images).
	MaxImages = 4
	// MaxImageBytes is the largest image blob (app.bsky.embed.images).
	MaxImageBytes = 1_000_000
	// MaxAlt is how many graphemes an image's alternative text may have
	// (the app's limit: the lexicon takes more, readers show this much).
	MaxAlt = 2000
	// MaxPostBytes is app.bsky.feed.post's limit on a text's bytes.
	MaxPostBytes = 3000
	// MaxMessageBytes is a chat message's limit (chat.bsky.convo.defs).
	MaxMessageBytes = 10000
)

// Sender publishes the ente's posts, answers mentions and replies in their
// thread and direct messages in their chat.
type Sender struct {
	Client *Client
	// LastInbound gives the external id of the citizen's latest message in
	// a conversation: the post answered, or the chat message.
	LastInbound func(ctx context.Context, convID int64) (string, error)
	// Now is the clock of the records' createdAt (time.Now when nil).
	Now func() time.Time
}

func (s Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Ref is a strong reference to a record (com.atproto.repo.strongRef).
type Ref struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// ReplyRef places a post in a thread (app.bsky.feed.post#replyRef).
type ReplyRef struct {
	Root   Ref `json:"root"`
	Parent Ref `json:"parent"`
}

// Blob is an uploaded file as records name it.
type Blob struct {
	Type     string `json:"$type"`
	Ref      any    `json:"ref"`
	MimeType string `json:"mimeType"`
	Size     int64  `json:"size"`
}

// EmbedImage is one image of app.bsky.embed.images.
type EmbedImage struct {
	Alt   string `json:"alt"`
	Image Blob   `json:"image"`
}

// Post is an app.bsky.feed.post record.
type Post struct {
	Type      string    `json:"$type"`
	Text      string    `json:"text"`
	CreatedAt string    `json:"createdAt"`
	Langs     []string  `json:"langs,omitempty"`
	Facets    []Facet   `json:"facets,omitempty"`
	Reply     *ReplyRef `json:"reply,omitempty"`
	Embed     any       `json:"embed,omitempty"`
}

// Publish posts text on the account.
func (s Sender) Publish(ctx context.Context, ch *redazione.Channel, postID int64, text string) (string, string, error) {
	return s.PublishImages(ctx, ch, postID, text, nil)
}

// PublishImage posts text with one image and its alternative text.
func (s Sender) PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img channel.File, alt string) (string, string, error) {
	return s.PublishImages(ctx, ch, postID, text, []channel.Image{{File: img, Alt: alt}})
}

// PublishImages posts text with up to four images, each uploaded first
// (com.atproto.repo.uploadBlob) and shown with its alternative text.
func (s Sender) PublishImages(ctx context.Context, ch *redazione.Channel, postID int64, text string, imgs []channel.Image) (string, string, error) {
	if err := checkPost(text, imgs); err != nil {
		return "", "", jobs.Permanent{Err: err}
	}
	post := Post{Type: "app.bsky.feed.post", Text: text, CreatedAt: s.now().UTC().Format(time.RFC3339Nano), Langs: []string{"it"}}
	post.Facets = Facets(ctx, text, s.resolver(ctx, ch))
	if len(imgs) > 0 {
		var embeds []EmbedImage
		for _, img := range imgs {
			b, err := s.upload(ctx, ch, img.File)
			if err != nil {
				return "", "", err
			}
			embeds = append(embeds, EmbedImage{Alt: strings.TrimSpace(img.Alt), Image: *b})
		}
		post.Embed = map[string]any{"$type": "app.bsky.embed.images", "images": embeds}
	}
	ref, sess, err := s.create(ctx, ch, post)
	if err != nil {
		return "", "", err
	}
	return ref.URI, Link(sess.Handle, ref.URI), nil
}

// checkPost refuses, before anything is sent, what Bluesky would refuse.
func checkPost(text string, imgs []channel.Image) error {
	if n := publish.Length(redazione.ChannelBluesky, text); n > publish.MaxLength(redazione.ChannelBluesky) {
		return fmt.Errorf("il testo ha %d caratteri: Bluesky ne accetta al massimo %d", n, publish.MaxLength(redazione.ChannelBluesky))
	}
	if len(text) > MaxPostBytes {
		return fmt.Errorf("il testo è troppo lungo per Bluesky (%d byte, al massimo %d)", len(text), MaxPostBytes)
	}
	if len(imgs) > MaxImages {
		return fmt.Errorf("Bluesky accetta al massimo %d immagini per post, qui ce ne sono %d", MaxImages, len(imgs))
	}
	for i, img := range imgs {
		switch {
		case !publish.ImageType(img.ContentType):
			return fmt.Errorf("l'immagine %d (%s) non è JPEG, PNG, GIF o WebP", i+1, img.Name)
		case img.Size > MaxImageBytes:
			return fmt.Errorf("l'immagine %d (%s) pesa %s: Bluesky accetta immagini fino a 1 MB (1.000.000 byte); riducila e riprova", i+1, img.Name, kb(img.Size))
		case strings.TrimSpace(img.Alt) == "":
			return fmt.Errorf("l'immagine %d (%s) non ha il testo alternativo", i+1, img.Name)
		case publish.Length(redazione.ChannelBluesky, img.Alt) > MaxAlt:
			return fmt.Errorf("il testo alternativo dell'immagine %d supera %d caratteri", i+1, MaxAlt)
		}
	}
	return nil
}

func kb(n int64) string { return fmt.Sprintf("%d kB", (n+999)/1000) }

// upload sends one image (com.atproto.repo.uploadBlob), never more than
// the limit even when its size was not told right.
func (s Sender) upload(ctx context.Context, ch *redazione.Channel, f channel.File) (*Blob, error) {
	raw, err := io.ReadAll(io.LimitReader(f.Body, MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("l'immagine %s non si può leggere: %w", f.Name, err)
	}
	if len(raw) > MaxImageBytes {
		return nil, jobs.Permanent{Err: fmt.Errorf("l'immagine %s supera 1 MB (1.000.000 byte), il limite di Bluesky: riducila e riprova", f.Name)}
	}
	var out struct {
		Blob Blob `json:"blob"`
	}
	if _, err := s.Client.Call(ctx, ch, http.MethodPost, "com.atproto.repo.uploadBlob", nil, "", &rawBody{data: raw, contentType: f.ContentType}, &out); err != nil {
		return nil, fmt.Errorf("caricamento dell'immagine %s: %w", f.Name, err)
	}
	if out.Blob.Ref == nil {
		return nil, errors.New("Bluesky non ha restituito l'immagine caricata")
	}
	return &out.Blob, nil
}

// create writes a post record in the account's repository
// (com.atproto.repo.createRecord).
func (s Sender) create(ctx context.Context, ch *redazione.Channel, post Post) (*Ref, *Session, error) {
	sess, err := s.Client.Session(ctx, ch)
	if err != nil {
		return nil, nil, err
	}
	var ref Ref
	body := map[string]any{"repo": sess.DID, "collection": "app.bsky.feed.post", "record": post}
	if sess, err = s.Client.Call(ctx, ch, http.MethodPost, "com.atproto.repo.createRecord", nil, "", body, &ref); err != nil {
		return nil, nil, err
	}
	if ref.URI == "" {
		return nil, nil, errors.New("Bluesky non ha restituito l'indirizzo del post")
	}
	return &ref, sess, nil
}

// resolver resolves the handles a post mentions, through the account's PDS
// (com.atproto.identity.resolveHandle).
func (s Sender) resolver(_ context.Context, ch *redazione.Channel) HandleResolver {
	return func(ctx context.Context, handle string) (string, error) {
		var out struct {
			DID string `json:"did"`
		}
		_, err := s.Client.Call(ctx, ch, http.MethodGet, "com.atproto.identity.resolveHandle", url.Values{"handle": {handle}}, "", nil, &out)
		return out.DID, err
	}
}

// Link is the address of a post on bsky.app.
func Link(handle, uri string) string {
	rkey := uri[strings.LastIndex(uri, "/")+1:]
	return "https://bsky.app/profile/" + handle + "/post/" + rkey
}
