package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/publish"
)

// X's limits on a post's images (docs.x.com, media best practices): four
// photos, 5 MB each, alternative text up to 1,000 characters.
const (
	MaxImages    = 4
	MaxImageSize = 5 << 20
	MaxAltText   = publish.XMaxAltText
)

// PublishImage posts text with one image and its alternative text.
func (s Sender) PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img channel.File, alt string) (string, string, error) {
	return s.PublishImages(ctx, ch, postID, text, []channel.Image{{File: img, Alt: alt}})
}

// PublishImages uploads each image (POST /2/media/upload), gives it its
// alternative text (POST /2/media/metadata), then posts text with them, in
// order. Every image is checked before the first is uploaded, so a bad
// one sends nothing.
func (s Sender) PublishImages(ctx context.Context, ch *redazione.Channel, postID int64, text string, imgs []channel.Image) (string, string, error) {
	if len(imgs) > MaxImages {
		return "", "", jobs.Permanent{Err: fmt.Errorf("X accetta al massimo %d immagini per post (qui sono %d)", MaxImages, len(imgs))}
	}
	if err := checkLength(text); err != nil {
		return "", "", jobs.Permanent{Err: err}
	}
	bodies := make([][]byte, len(imgs))
	for i, img := range imgs {
		if !publish.ImageType(img.ContentType) {
			return "", "", jobs.Permanent{Err: fmt.Errorf("l'immagine %d non è JPEG, PNG, GIF o WebP", i+1)}
		}
		if utf8.RuneCountInString(img.Alt) > MaxAltText {
			return "", "", jobs.Permanent{Err: fmt.Errorf("il testo alternativo dell'immagine %d supera i %d caratteri che X accetta", i+1, MaxAltText)}
		}
		b, err := io.ReadAll(io.LimitReader(img.Body, MaxImageSize+1))
		if err != nil {
			return "", "", errors.New("l'immagine non si può leggere: riprova più tardi")
		}
		if len(b) > MaxImageSize {
			return "", "", jobs.Permanent{Err: fmt.Errorf("l'immagine %d supera i 5 MB che X accetta", i+1)}
		}
		bodies[i] = b
	}
	var ids []string
	for i, img := range imgs {
		id, err := s.upload(ctx, ch, img, bodies[i])
		if err != nil {
			return "", "", err
		}
		if alt := img.Alt; alt != "" {
			meta, _ := json.Marshal(map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]string{"text": alt}}})
			if err := s.do(ctx, ch, http.MethodPost, "/2/media/metadata", "application/json", meta, nil); err != nil {
				return "", "", userError(err, "il testo alternativo dell'immagine")
			}
		}
		ids = append(ids, id)
	}
	t := tweet{Text: text}
	if len(ids) > 0 {
		t.Media = &struct {
			MediaIDs []string `json:"media_ids"`
		}{ids}
	}
	id, err := s.createTweet(ctx, ch, t, "la pubblicazione")
	if err != nil {
		return "", "", err
	}
	return id, Link(ch, id), nil
}

// upload sends one image (multipart: media, media_category) and returns
// its media id.
func (s Sender) upload(ctx context.Context, ch *redazione.Channel, img channel.Image, b []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("media_category", "tweet_image")
	mw.WriteField("media_type", img.ContentType)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="media"; filename="image"`)
	h.Set("Content-Type", img.ContentType)
	part, _ := mw.CreatePart(h)
	part.Write(b)
	mw.Close()
	var up struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := s.do(ctx, ch, http.MethodPost, "/2/media/upload", mw.FormDataContentType(), buf.Bytes(), &up); err != nil {
		return "", userError(err, "l'immagine")
	}
	if up.Data.ID == "" {
		return "", errors.New("X non ha dato l'identificativo dell'immagine caricata")
	}
	return up.Data.ID, nil
}
