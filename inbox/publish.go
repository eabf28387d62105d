package inbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/publish"
	"github.com/redazione/redazione/store"
)

// DefaultPublishTimeout bounds the sending of one post when
// Service.PublishTimeout is 0.
const DefaultPublishTimeout = 90 * time.Second

// PublishDue sends the posts whose time has come, each once: a post is
// taken ("sending") before it goes, so no other process sends it, and a
// failure is recorded with its reason rather than tried again, so that a
// post the platform took without answering is never published twice.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	due, err := s.DB.ClaimDuePosts(ctx, 20)
	n := 0
	for _, p := range due {
		link, id, perr := s.sendPost(ctx, p)
		// The outcome is recorded even when ctx ended meanwhile (the process
		// is stopping): a post taken is never left "sending".
		if err := s.DB.PostSent(context.WithoutCancel(ctx), p, id, link, perr); err != nil {
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

func (s *Service) sendPost(parent context.Context, p *store.Post) (link, id string, err error) {
	ch, err := s.DB.Channel(parent, p.ChannelID)
	if err != nil {
		return "", "", fmt.Errorf("l'account non esiste più: %w", err)
	}
	pub, ok := s.Senders[ch.Kind].(channel.Publisher)
	if !ok || !publish.Publishable(ch) {
		return "", "", errors.New("su questo account non si può pubblicare")
	}
	timeout := s.PublishTimeout
	if timeout <= 0 {
		timeout = DefaultPublishTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	switch len(p.Images) {
	case 0:
		id, link, err = pub.Publish(ctx, ch, p.ID, p.Text)
	case 1:
		ip, ok := pub.(channel.ImagePublisher)
		if !ok || s.Blobs == nil {
			return "", "", errors.New("su questo account non si pubblicano immagini")
		}
		imgs, closeAll, oerr := s.openImages(p)
		if oerr != nil {
			return "", "", oerr
		}
		defer closeAll()
		id, link, err = ip.PublishImage(ctx, ch, p.ID, p.Text, imgs[0].File, imgs[0].Alt)
	default:
		gp, ok := pub.(channel.GalleryPublisher)
		if !ok || s.Blobs == nil {
			return "", "", fmt.Errorf("su questo account non si pubblicano più immagini insieme (%d): lasciane una sola", len(p.Images))
		}
		imgs, closeAll, oerr := s.openImages(p)
		if oerr != nil {
			return "", "", oerr
		}
		defer closeAll()
		id, link, err = gp.PublishImages(ctx, ch, p.ID, p.Text, imgs)
	}
	switch {
	case err == nil:
		return link, id, nil
	case parent.Err() != nil:
		// Whatever the adapter said, the request was cut short.
		return "", "", errors.New("invio interrotto perché Redazione si stava fermando: il post potrebbe essere uscito, controlla sulla piattaforma prima di riprovare")
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The platform may have taken the post without answering in time:
		// "unreachable", as the adapters put it, would say it did not.
		return "", "", fmt.Errorf("nessuna risposta della piattaforma entro %s: il post potrebbe essere uscito, controlla sulla piattaforma prima di riprovare", seconds(timeout))
	}
	// Channel errors are written to be shown, without secrets.
	return "", "", fmt.Errorf("%v (controlla sulla piattaforma prima di riprovare)", err)
}

// openImages opens a post's images from the blob store, in order; the
// caller closes them with closeAll. A file gone (erased, lost) fails the
// post with a message that says so, and nothing is left open.
func (s *Service) openImages(p *store.Post) (imgs []channel.Image, closeAll func(), err error) {
	var open []blob.File
	closeAll = func() {
		for _, f := range open {
			f.Close()
		}
	}
	for i, pi := range p.Images {
		f, oerr := s.Blobs.Open(pi.Key)
		if oerr != nil {
			closeAll()
			if errors.Is(oerr, blob.ErrNotFound) {
				if len(p.Images) == 1 {
					return nil, nil, errors.New("l'immagine non è più disponibile (il file non c'è più): caricala di nuovo e riprova")
				}
				return nil, nil, fmt.Errorf("l'immagine %d non è più disponibile (il file non c'è più): caricala di nuovo e riprova", i+1)
			}
			if s.Log != nil {
				s.Log.Error("post image", "post", p.ID, "image", i+1, "err", oerr)
			}
			return nil, nil, errors.New("le immagini non si possono leggere: riprova più tardi")
		}
		open = append(open, f)
		imgs = append(imgs, channel.Image{File: channel.File{Name: pi.Name, ContentType: pi.Type, Size: f.Size(), Body: f}, Alt: pi.Alt})
	}
	return imgs, closeAll, nil
}

// seconds writes a duration in seconds, the Italian way ("90 s", "0,25 s").
func seconds(d time.Duration) string {
	return strings.Replace(strconv.FormatFloat(d.Seconds(), 'f', -1, 64), ".", ",", 1) + " s"
}
