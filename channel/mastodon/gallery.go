package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// MaxMedia is how many media attachments a Mastodon status carries
// (https://docs.joinmastodon.org/methods/statuses/#create: media_ids[],
// "up to 4 attachments"); publish.MaxImages says the same to the checks.
const MaxMedia = 4

// PublishImages uploads each image with its description, in order, waits
// for Mastodon to process each, and posts one public status carrying them
// all (media_ids, in the post's order). The idempotency key is the post's,
// as for a post with one image or none.
func (s Sender) PublishImages(ctx context.Context, ch *redazione.Channel, postID int64, text string, imgs []channel.Image) (string, string, error) {
	switch {
	case ch.Settings["token"] == "" || base(ch) == "":
		return "", "", jobs.Permanent{Err: errors.New("il canale Mastodon non ha token o api_base_url")}
	case len(imgs) == 0:
		return s.Publish(ctx, ch, postID, text)
	case len(imgs) > MaxMedia:
		return "", "", jobs.Permanent{Err: fmt.Errorf("Mastodon pubblica al massimo %d immagini in un post, non %d", MaxMedia, len(imgs))}
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	ids := make([]string, 0, len(imgs))
	for i, im := range imgs {
		id, err := uploadMedia(ctx, client, ch, im.File, im.Alt)
		if err != nil {
			if len(imgs) > 1 {
				return "", "", imageError{n: i + 1, err: err}
			}
			return "", "", err
		}
		ids = append(ids, id)
	}
	return postStatus(ctx, client, ch, map[string]any{"status": text, "visibility": "public", "media_ids": ids},
		fmt.Sprintf("redazione-post-%d", postID), "la pubblicazione")
}

// imageError says which image of several failed, keeping the error's kind
// (permanent, later) for the caller.
type imageError struct {
	n   int
	err error
}

func (e imageError) Error() string { return fmt.Sprintf("immagine %d: %v", e.n, e.err) }
func (e imageError) Unwrap() error { return e.err }
