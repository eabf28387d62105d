package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// waFiles lists the files of a WhatsApp message, to fetch by media id.
func waFiles(m waMessage) []redazione.InboundAttachment {
	var out []redazione.InboundAttachment
	add := func(x *waMedia, name string) {
		if x == nil || x.ID == "" {
			return
		}
		out = append(out, redazione.InboundAttachment{Source: x.ID, Name: channel.FileName(x.Filename, name), ContentType: channel.ContentType(x.MimeType)})
	}
	add(m.Image, "foto.jpg")
	add(m.Document, "documento")
	add(m.Audio, "audio.ogg")
	add(m.Video, "video.mp4")
	add(m.Sticker, "sticker.webp")
	return out
}

// pageAttachment is an attachment of a Messenger or Instagram message. Its
// payload is read leniently: its shape depends on the type, and a type
// Redazione does not know must not make Meta resend the whole POST.
type pageAttachment struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

type pagePayloadData struct {
	URL         string `json:"url"`
	Coordinates *struct {
		Lat  float64 `json:"lat"`
		Long float64 `json:"long"`
	} `json:"coordinates"`
}

func (a pageAttachment) payload() pagePayloadData {
	var p pagePayloadData
	json.Unmarshal(a.Payload, &p)
	return p
}

// label is the text that stands for the attachment in the message.
func (a pageAttachment) label() string {
	if a.Type == "location" {
		if c := a.payload().Coordinates; c != nil {
			return fmt.Sprintf("[posizione: %.6f, %.6f https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f]", c.Lat, c.Long, c.Lat, c.Long)
		}
		return "[posizione]"
	}
	if l := pageLabels[a.Type]; l != "" {
		return "[" + l + "]"
	}
	return "[allegato]"
}

var pageLabels = map[string]string{"image": "foto", "video": "video", "audio": "audio", "file": "documento"}

var pageNames = map[string]string{"image": "foto.jpg", "video": "video.mp4", "audio": "audio.mp4", "file": "documento"}

// pageFiles lists the files of a Messenger or Instagram message, to fetch
// from the URLs the signed webhook gave.
func pageFiles(as []pageAttachment) []redazione.InboundAttachment {
	var out []redazione.InboundAttachment
	for _, a := range as {
		if pageLabels[a.Type] == "" {
			continue
		}
		u := a.payload().URL
		if u == "" || len(u) > 2048 {
			continue // the label stays in the text; the message is not refused
		}
		out = append(out, redazione.InboundAttachment{Source: u, Name: nameFromURL(u, pageNames[a.Type])})
	}
	return out
}

// nameFromURL is the file name at the end of a URL's path (the CDN's), or
// fallback when there is no readable one.
func nameFromURL(raw, fallback string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fallback
	}
	name := path.Base(u.Path)
	if len(name) > 120 || !strings.Contains(name, ".") {
		return fallback
	}
	return channel.FileName(name, fallback)
}

// graphBase is the channel's Graph API base URL with its version.
func graphBase(ch *redazione.Channel) (base, versioned string) {
	base = strings.TrimRight(ch.Settings["api_base_url"], "/")
	if base == "" {
		base = DefaultBaseURL
	}
	version := ch.Settings["api_version"]
	if version == "" {
		version = DefaultVersion
	}
	return base, base + "/" + version
}

// graphRequest sends a request to the Graph API with the channel's token and
// decodes the answer into out (see graphDo); a refusal is "ha rifiutato la
// richiesta".
func graphRequest(ctx context.Context, client *http.Client, ch *redazione.Channel, method, path, contentType string, body io.Reader, out any, platform string) error {
	return graphDo(ctx, client, ch, method, path, contentType, body, out, platform, "ha rifiutato la richiesta")
}

// graphDo is every call to the Graph API: the channel's token (never in an
// error), the answer decoded into out. 429, 5xx and Meta's rate-limit and
// outage codes (sent with HTTP 400, see transient) are tried again, when
// Meta says so after its Retry-After; a read of a missing object (404, or
// code 100) is ErrGone; any other refusal is final, introduced by the words
// given ("ha rifiutato il messaggio"), and keeps Meta's reason.
func graphDo(ctx context.Context, client *http.Client, ch *redazione.Channel, method, path, contentType string, body io.Reader, out any, platform, refused string) error {
	closeBody := func() {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
	}
	token := ch.Settings["token"]
	if token == "" {
		closeBody()
		return jobs.Permanent{Err: fmt.Errorf("il canale %s non ha il token", platform)}
	}
	_, versioned := graphBase(ch)
	req, err := http.NewRequestWithContext(ctx, method, versioned+"/"+path, body)
	if err != nil {
		closeBody()
		return jobs.Permanent{Err: errors.New("indirizzo del Graph API non valido")}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("Graph API non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var r struct {
		Error *struct {
			Message   string `json:"message"`
			Code      int    `json:"code"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
	json.Unmarshal(raw, &r)
	reason := resp.Status
	if r.Error != nil {
		reason = fmt.Sprintf("%d %s", r.Error.Code, r.Error.Message)
		if r.Error.ErrorData.Details != "" {
			reason += ": " + r.Error.ErrorData.Details
		}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300 && r.Error == nil:
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("risposta illeggibile del Graph API: %v", err)
			}
		}
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || (r.Error != nil && transient[r.Error.Code]):
		err := fmt.Errorf("%s chiede di riprovare: %s", platform, reason)
		if wait := channel.RetryAfter(resp.Header, time.Now()); wait > 0 {
			return jobs.Later{Err: err, After: wait}
		}
		return err
	case method == http.MethodGet && (resp.StatusCode == http.StatusNotFound || r.Error != nil && r.Error.Code == 100):
		// A read of something gone (100: "Unsupported get request. Object
		// ... does not exist"); a write refused with 404 is a refusal.
		return jobs.Permanent{Err: channel.ErrGone}
	default:
		return jobs.Permanent{Err: fmt.Errorf("%s %s: %s", platform, refused, reason)}
	}
}

// flexInt reads a number Meta sends either as a number or as a string
// (file_size of a WhatsApp media object).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return nil // unknown size: the download's length decides
	}
	*n = flexInt(v)
	return nil
}

// WhatsAppFetcher fetches the media citizens send on WhatsApp, by media id,
// from the channel's Graph API only: GET /{version}/{media-id} gives the
// media URL, which is then downloaded with the access token.
type WhatsAppFetcher struct {
	Client *http.Client
}

// Fetch downloads the media with the given id.
func (f WhatsAppFetcher) Fetch(ctx context.Context, ch *redazione.Channel, mediaID string, max int64) (*channel.File, error) {
	var media struct {
		URL      string  `json:"url"`
		MimeType string  `json:"mime_type"`
		FileSize flexInt `json:"file_size"`
	}
	if err := graphRequest(ctx, f.Client, ch, http.MethodGet, url.PathEscape(mediaID), "", nil, &media, "WhatsApp"); err != nil {
		return nil, err
	}
	if max > 0 && int64(media.FileSize) > max {
		return nil, channel.ErrTooLarge
	}
	base, _ := graphBase(ch)
	u, err := channel.PlatformURL(media.URL, base)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	file, err := channel.Download(ctx, f.Client, req, max)
	if err != nil {
		return nil, err
	}
	file.ContentType = media.MimeType
	return file, nil
}

// MessengerFetcher fetches the files citizens send on Messenger and
// Instagram from the URL the signed webhook gave (payload.url): https only,
// or on the host of the channel's API base URL, and without the page token.
type MessengerFetcher struct {
	Client *http.Client
}

// Fetch downloads the file at the URL.
func (f MessengerFetcher) Fetch(ctx context.Context, ch *redazione.Channel, source string, max int64) (*channel.File, error) {
	base, _ := graphBase(ch)
	u, err := channel.PlatformURL(source, base)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	file, err := channel.Download(ctx, f.Client, req, max)
	if err != nil {
		var perm jobs.Permanent
		if errors.As(err, &perm) && strings.Contains(err.Error(), "403") {
			// Meta's CDN answers 403 once a signed URL has expired.
			return nil, jobs.Permanent{Err: channel.ErrGone}
		}
		return nil, err
	}
	return file, nil
}

// maxCaption is the longest caption of a WhatsApp image or document.
const maxCaption = 1024

// maxImage is the largest image WhatsApp sends as an image; larger ones go
// as documents.
const maxImage = 5 << 20

// SendFiles uploads each file (POST /{phone-number-id}/media) and sends it
// by its media id, as an image or a document, the text as the first file's
// caption when it fits, else as a text message after the files.
func (s WhatsAppSender) SendFiles(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message, files []channel.File) error {
	phoneID := ch.Settings["phone_number_id"]
	if phoneID == "" {
		return jobs.Permanent{Err: errors.New("il canale WhatsApp non ha phone_number_id")}
	}
	caption := m.Text
	sent := 0
	for _, f := range files {
		ct, body := channel.Multipart([]string{"messaging_product", "whatsapp", "type", f.ContentType}, "file", f)
		var up struct {
			ID string `json:"id"`
		}
		if err := graphRequest(ctx, s.Client, ch, http.MethodPost, url.PathEscape(phoneID)+"/media", ct, body, &up, "WhatsApp"); err != nil {
			return channel.PartlySent(sent, err)
		}
		if up.ID == "" {
			return channel.PartlySent(sent, errors.New("WhatsApp non ha dato l'id del file caricato"))
		}
		kind, media := "document", map[string]any{"id": up.ID, "filename": f.Name}
		if (f.ContentType == "image/jpeg" || f.ContentType == "image/png") && f.Size <= maxImage {
			kind, media = "image", map[string]any{"id": up.ID}
		}
		if caption != "" && utf8.RuneCountInString(caption) <= maxCaption {
			media["caption"] = caption
			caption = ""
		}
		payload := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual",
			"to": conv.Contact.ExternalID, "type": kind, kind: media}
		id, err := graphSend(ctx, s.Client, ch, url.PathEscape(phoneID)+"/messages", payload, "WhatsApp")
		if err != nil {
			return channel.PartlySent(sent, err)
		}
		if m.ExternalID == "" {
			m.ExternalID = id // the receipts of the first file stand for the reply's
		}
		sent++
	}
	if caption != "" {
		return channel.PartlySent(sent, s.Send(ctx, ch, conv, &redazione.Message{Text: caption}))
	}
	return nil
}

// SendFiles sends each file with the Send API as a multipart upload
// (filedata), then the text, which Messenger cannot attach to a file.
func (s MessengerSender) SendFiles(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message, files []channel.File) error {
	pageID := ch.Settings["page_id"]
	if pageID == "" {
		return jobs.Permanent{Err: errors.New("il canale non ha page_id")}
	}
	recipient, _ := json.Marshal(map[string]string{"id": conv.Contact.ExternalID})
	fields := []string{"recipient", string(recipient), "messaging_type", "RESPONSE"}
	if s.LastInbound != nil {
		if last, err := s.LastInbound(ctx, conv.ID); err == nil && !last.IsZero() && time.Since(last) > channel.MetaWindow {
			fields = []string{"recipient", string(recipient), "messaging_type", "MESSAGE_TAG", "tag", "HUMAN_AGENT"}
		}
	}
	sent := 0
	for _, f := range files {
		kind := "file"
		switch {
		case strings.HasPrefix(f.ContentType, "image/"):
			kind = "image"
		case strings.HasPrefix(f.ContentType, "video/"):
			kind = "video"
		case strings.HasPrefix(f.ContentType, "audio/"):
			kind = "audio"
		}
		message, _ := json.Marshal(map[string]any{"attachment": map[string]any{"type": kind, "payload": map[string]any{"is_reusable": false}}})
		ct, body := channel.Multipart(append(fields[:len(fields):len(fields)], "message", string(message)), "filedata", f)
		if err := graphRequest(ctx, s.Client, ch, http.MethodPost, url.PathEscape(pageID)+"/messages", ct, body, nil, "Meta"); err != nil {
			return channel.PartlySent(sent, err)
		}
		sent++
	}
	if strings.TrimSpace(m.Text) != "" {
		return channel.PartlySent(sent, s.Send(ctx, ch, conv, m))
	}
	return nil
}
