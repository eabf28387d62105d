package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// MaxAlbum is how many photos one album takes: sendMediaGroup sends "2-10"
// items (https://core.telegram.org/bots/api#sendmediagroup).
const MaxAlbum = 10

// inputMediaPhoto is the Bot API's InputMediaPhoto: the photo's file is a
// part of the same multipart request, named by "attach://<name>".
type inputMediaPhoto struct {
	Type    string `json:"type"`
	Media   string `json:"media"`
	Caption string `json:"caption,omitempty"`
}

// PublishImages posts the images as one album (sendMediaGroup) in the
// publishing chat, in order, the post's text as the first photo's caption:
// Telegram's apps show it under the whole album. Telegram keeps no
// alternative text. The answer is the album's first message.
func (s Sender) PublishImages(ctx context.Context, ch *redazione.Channel, postID int64, text string, imgs []channel.Image) (string, string, error) {
	chat := strings.TrimSpace(ch.Settings["publish_chat"])
	base, token, err := endpoint(ch)
	if err == nil && chat == "" {
		err = jobs.Permanent{Err: errors.New("il canale Telegram non ha publish_chat (dove pubblicare)")}
	}
	if err == nil && len(imgs) > MaxAlbum {
		err = jobs.Permanent{Err: fmt.Errorf("Telegram pubblica al massimo %d immagini in un album, non %d", MaxAlbum, len(imgs))}
	}
	if err != nil {
		return "", "", err
	}
	switch len(imgs) {
	case 0:
		return s.Publish(ctx, ch, postID, text)
	case 1: // an album has two photos at least
		return s.PublishImage(ctx, ch, postID, text, imgs[0].File, imgs[0].Alt)
	}
	media := make([]inputMediaPhoto, len(imgs))
	files := make([]namedFile, len(imgs))
	for i, im := range imgs {
		name := "photo" + strconv.Itoa(i)
		media[i] = inputMediaPhoto{Type: "photo", Media: "attach://" + name}
		files[i] = namedFile{field: name, file: im.File}
	}
	media[0].Caption = text
	list, _ := json.Marshal(media)
	ct, body := multipartFiles([]string{"chat_id", chat, "media", string(list)}, files)
	var sent []struct {
		MessageID int64 `json:"message_id"`
	}
	if err := s.callResult(ctx, base, token, "sendMediaGroup", ct, body, &sent); err != nil {
		return "", "", err
	}
	if len(sent) == 0 {
		return "", "", errors.New("Telegram non ha restituito i messaggi dell'album")
	}
	id, link := strconv.FormatInt(sent[0].MessageID, 10), ""
	if strings.HasPrefix(chat, "@") {
		link = "https://t.me/" + strings.TrimPrefix(chat, "@") + "/" + id
	}
	return id, link, nil
}

// namedFile is a file and the form field it goes in.
type namedFile struct {
	field string
	file  channel.File
}

// multipartFiles streams a multipart/form-data body of fields (name,
// value pairs) and files, read as the request is sent.
func multipartFiles(fields []string, files []namedFile) (string, io.ReadCloser) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var err error
		for i := 0; i+1 < len(fields) && err == nil; i += 2 {
			err = mw.WriteField(fields[i], fields[i+1])
		}
		for _, f := range files {
			if err != nil {
				break
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(f.field), quoteEscaper.Replace(f.file.Name)))
			h.Set("Content-Type", f.file.ContentType)
			var part io.Writer
			if part, err = mw.CreatePart(h); err == nil {
				_, err = io.Copy(part, f.file.Body)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return mw.FormDataContentType(), pr
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")
