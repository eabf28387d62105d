package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/store"
)

// PublishDue sends the posts whose time has come, each once: a post is
// taken ("sending") before it goes, so no other process sends it, and a
// failure is recorded with its reason rather than tried again, so that a
// post the platform took without answering is never published twice.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	due, err := s.DB.ClaimDuePosts(ctx, 20)
	n := 0
	for _, p := range due {
		link, id, perr := s.sendPost(ctx, p)
		if err := s.DB.PostSent(ctx, p, id, link, perr); err != nil {
			return n, err
		}
		if perr == nil {
			n++
		} else if s.Log != nil {
			s.Log.Warn("post not published", "post", p.ID, "channel", p.ChannelID, "err", perr)
		}
	}
	return n, err
}

func (s *Service) sendPost(ctx context.Context, p *store.Post) (link, id string, err error) {
	ch, err := s.DB.Channel(ctx, p.ChannelID)
	if err != nil {
		return "", "", fmt.Errorf("l'account non esiste più: %w", err)
	}
	pub, ok := s.Senders[ch.Kind].(channel.Publisher)
	if !ok || !store.Publishable(ch) {
		return "", "", errors.New("su questo account non si può pubblicare")
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if p.ImageKey != "" {
		ip, ok := pub.(channel.ImagePublisher)
		if !ok || s.Blobs == nil {
			return "", "", errors.New("su questo account non si pubblicano immagini")
		}
		f, oerr := s.Blobs.Open(p.ImageKey)
		if oerr != nil {
			return "", "", fmt.Errorf("l'immagine non è più disponibile: %w", oerr)
		}
		defer f.Close()
		size := int64(-1)
		if st, serr := f.Stat(); serr == nil {
			size = st.Size()
		}
		id, link, err = ip.PublishImage(ctx, ch, p.ID, p.Text, channel.File{Name: p.ImageName, ContentType: p.ImageType, Size: size, Body: f}, p.AltText)
	} else {
		id, link, err = pub.Publish(ctx, ch, p.ID, p.Text)
	}
	if err != nil {
		// Channel errors are written to be shown, without secrets.
		return "", "", fmt.Errorf("%v (controlla sulla piattaforma prima di riprovare)", err)
	}
	return link, id, nil
}
