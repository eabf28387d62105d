// Package telegram is the Telegram bot channel: Telegram posts each update
// to Redazione's webhook with the secret token given to setWebhook, and the
// office's replies go out with sendMessage. The Bot API's base URL is a
// channel setting (api_base_url), so tests and self-hosted Bot API servers
// work the same way.
package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// SecretHeader carries the secret_token set with setWebhook.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// DefaultBaseURL is the public Bot API.
const DefaultBaseURL = "https://api.telegram.org"

// Verify checks the secret token header in constant time.
func Verify(ch *redazione.Channel, header string) bool {
	return ch.Secret != "" && subtle.ConstantTimeCompare([]byte(header), []byte(ch.Secret)) == 1
}

// Update is the part of a Bot API Update that Redazione reads.
type Update struct {
	UpdateID      int64    `json:"update_id"`
	Message       *Message `json:"message"`
	EditedMessage *Message `json:"edited_message"`
}

// Message is a Bot API Message.
type Message struct {
	MessageID int64       `json:"message_id"`
	From      *User       `json:"from"`
	Chat      *Chat       `json:"chat"`
	Date      int64       `json:"date"`
	EditDate  int64       `json:"edit_date"`
	Text      string      `json:"text"`
	Caption   string      `json:"caption"`
	Photo     []PhotoSize `json:"photo"`
	Document  *Document   `json:"document"`
	Location  *Location   `json:"location"`
	Voice     *Media      `json:"voice"`
	Video     *Media      `json:"video"`
	Audio     *Media      `json:"audio"`
	Sticker   *Sticker    `json:"sticker"`
}

// Media is a voice message, a video or an audio file.
type Media struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	MimeType string `json:"mime_type"`
	FileSize int64  `json:"file_size"`
	Duration int    `json:"duration"`
}

// Sticker is a sticker (an image, an animation or a video).
type Sticker struct {
	FileID     string `json:"file_id"`
	Emoji      string `json:"emoji"`
	IsAnimated bool   `json:"is_animated"`
	IsVideo    bool   `json:"is_video"`
	FileSize   int64  `json:"file_size"`
}

// User is a Bot API User.
type User struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
}

// Chat is a Bot API Chat.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Title     string `json:"title"`
}

// PhotoSize is one size of a photo.
type PhotoSize struct {
	FileID   string `json:"file_id"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FileSize int64  `json:"file_size"`
}

// Document is a file sent as a document.
type Document struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	MimeType string `json:"mime_type"`
	FileSize int64  `json:"file_size"`
}

// Location is a point on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Parse reads an update. ok is false, with no error, for updates that carry
// no citizen's message to store (edits, read by ParseEdit; service
// messages, groups, bots): they are acknowledged and dropped.
func Parse(body []byte) (in redazione.Inbound, ok bool, err error) {
	var u Update
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&u); err != nil {
		return in, false, redazione.FieldError("body", "JSON non valido: %v", err)
	}
	if u.UpdateID == 0 {
		return in, false, redazione.FieldError("update_id", "campo obbligatorio")
	}
	m := u.Message
	parts, files, ok, err := fromCitizen(m, "message")
	if !ok || err != nil {
		return in, false, err
	}
	name := strings.TrimSpace(m.Chat.FirstName + " " + m.Chat.LastName)
	if name == "" && m.From != nil {
		name = strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
	}
	in = redazione.Inbound{
		ExternalID:  externalID(m),
		ContactID:   strconv.FormatInt(m.Chat.ID, 10),
		ContactName: name,
		Text:        strings.Join(parts, "\n"),
		Attachments: files,
	}
	if m.Date > 0 {
		in.SentAt = time.Unix(m.Date, 0).UTC()
	}
	if !utf8.ValidString(in.Text) {
		return in, false, redazione.FieldError("message.text", "testo non UTF-8")
	}
	return in, true, in.Validate()
}

// ParseEdit reads an update with an edited message (edited_message): the
// citizen changed the text or the caption of a message already sent. ok is
// false, with no error, for any other update.
func ParseEdit(body []byte) (rev redazione.Revision, ok bool, err error) {
	var u Update
	if err := json.Unmarshal(body, &u); err != nil {
		return rev, false, redazione.FieldError("body", "JSON non valido: %v", err)
	}
	m := u.EditedMessage
	parts, _, ok, err := fromCitizen(m, "edited_message")
	if !ok || err != nil {
		return rev, false, err
	}
	rev = redazione.Revision{ExternalID: externalID(m), Text: strings.Join(parts, "\n")}
	if m.EditDate > 0 {
		rev.At = time.Unix(m.EditDate, 0).UTC()
	}
	return rev, true, nil
}

// fromCitizen reads a message of an update (field names it in errors): ok
// is false, with no error, when there is none or it is nothing an office
// answers (a group, a bot, a poll, a contact card); parts and files are
// what it says (describe).
func fromCitizen(m *Message, field string) (parts []string, files []redazione.InboundAttachment, ok bool, err error) {
	if m == nil {
		return nil, nil, false, nil
	}
	if m.Chat == nil || m.MessageID == 0 {
		return nil, nil, false, redazione.FieldError(field+".chat", "campo obbligatorio")
	}
	if m.Chat.Type != "private" || (m.From != nil && m.From.IsBot) {
		return nil, nil, false, nil
	}
	parts, files = describe(m)
	return parts, files, len(parts) > 0, nil
}

// externalID is the stored id of a message: a message id is unique within
// its chat, and an edit keeps it. Telegram resends the same update when a
// delivery was not acknowledged.
func externalID(m *Message) string {
	return strconv.FormatInt(m.Chat.ID, 10) + ":" + strconv.FormatInt(m.MessageID, 10)
}

// describe turns a message into its text (what it says, a label for each
// file, the caption, a place with a map link) and the files to fetch.
func describe(m *Message) (parts []string, files []redazione.InboundAttachment) {
	if text := strings.TrimSpace(m.Text); text != "" {
		parts = append(parts, text)
	}
	file := func(label, id, name, mime string, size int64) {
		parts = append(parts, label)
		if id != "" {
			files = append(files, redazione.InboundAttachment{Source: id, Name: channel.FileName(name, "allegato"), ContentType: channel.ContentType(mime), Size: max(size, 0)})
		}
	}
	if len(m.Photo) > 0 {
		// Telegram lists the sizes of a photo; keep the largest.
		big := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > big.Width*big.Height {
				big = p
			}
		}
		file("[foto]", big.FileID, "foto.jpg", "image/jpeg", big.FileSize)
	}
	if d := m.Document; d != nil {
		file("[documento: "+channel.FileName(d.FileName, "senza nome")+"]", d.FileID, d.FileName, d.MimeType, d.FileSize)
	}
	if v := m.Voice; v != nil {
		file(fmt.Sprintf("[messaggio vocale, %d s]", v.Duration), v.FileID, or(v.FileName, "messaggio-vocale.ogg"), v.MimeType, v.FileSize)
	}
	if v := m.Video; v != nil {
		file(fmt.Sprintf("[video, %d s]", v.Duration), v.FileID, or(v.FileName, "video.mp4"), v.MimeType, v.FileSize)
	}
	if a := m.Audio; a != nil {
		file("[audio: "+channel.FileName(a.FileName, "senza nome")+"]", a.FileID, or(a.FileName, "audio.mp3"), a.MimeType, a.FileSize)
	}
	if st := m.Sticker; st != nil {
		name := "sticker.webp"
		switch {
		case st.IsAnimated:
			name = "sticker.tgs"
		case st.IsVideo:
			name = "sticker.webm"
		}
		file(strings.TrimSpace("[sticker "+st.Emoji)+"]", st.FileID, name, "", st.FileSize)
	}
	if m.Location != nil {
		parts = append(parts, fmt.Sprintf("[posizione: %.6f, %.6f https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f]",
			m.Location.Latitude, m.Location.Longitude, m.Location.Latitude, m.Location.Longitude))
	}
	if c := strings.TrimSpace(m.Caption); c != "" {
		parts = append(parts, c)
	}
	return parts, files
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Sender sends replies with sendMessage.
type Sender struct {
	Client *http.Client
}

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// Send posts one reply to the citizen's chat. Telegram's 429 (with
// retry_after) and 5xx are tried again; 400 and 403 (the citizen blocked
// the bot, the chat is gone) are final.
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	base, token, err := endpoint(ch)
	if err != nil {
		return err
	}
	chatID, err := strconv.ParseInt(conv.Contact.ExternalID, 10, 64)
	if err != nil {
		return jobs.Permanent{Err: fmt.Errorf("chat Telegram non valida: %q", conv.Contact.ExternalID)}
	}
	body, _ := json.Marshal(map[string]any{"chat_id": chatID, "text": m.Text})
	return s.call(ctx, base, token, "sendMessage", "application/json", bytes.NewReader(body))
}

// endpoint is the channel's Bot API base URL and bot token.
func endpoint(ch *redazione.Channel) (base, token string, err error) {
	token = ch.Settings["token"]
	if token == "" {
		return "", "", jobs.Permanent{Err: errors.New("il canale Telegram non ha il token del bot")}
	}
	base = strings.TrimRight(ch.Settings["api_base_url"], "/")
	if base == "" {
		base = DefaultBaseURL
	}
	return base, token, nil
}

// call posts to a Bot API method and reads Telegram's answer: 429 (with
// retry_after) and 5xx can be tried again, any other refusal is final.
func (s Sender) call(ctx context.Context, base, token, method, contentType string, body io.Reader) error {
	return s.callResult(ctx, base, token, method, contentType, body, nil)
}

// callResult is call, with the method's result decoded into result.
func (s Sender) callResult(ctx context.Context, base, token, method, contentType string, body io.Reader, result any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/bot"+token+"/"+method, body)
	if err != nil {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		return jobs.Permanent{Err: errors.New("indirizzo del Bot API non valido")}
	}
	req.Header.Set("Content-Type", contentType)
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL holds the token: say where, never the URL itself.
		return fmt.Errorf("Bot API non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	var r apiResponse
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&r)
	switch {
	case resp.StatusCode == http.StatusOK && r.OK:
		if result != nil && len(r.Result) > 0 {
			if err := json.Unmarshal(r.Result, result); err != nil {
				return fmt.Errorf("risposta di Telegram illeggibile: %w", err)
			}
		}
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || r.ErrorCode == 429:
		err := fmt.Errorf("Telegram chiede di riprovare tra %d s: %s", r.Parameters.RetryAfter, r.Description)
		return jobs.Later{Err: err, After: time.Duration(r.Parameters.RetryAfter) * time.Second}
	case resp.StatusCode >= 500:
		return fmt.Errorf("Telegram ha risposto %s", resp.Status)
	default:
		return jobs.Permanent{Err: refusal{resp.StatusCode, r.Description}}
	}
}

// refusal is Telegram's final "no" to a request, with its reason.
type refusal struct {
	Code        int
	Description string
}

func (r refusal) Error() string {
	return fmt.Sprintf("Telegram ha rifiutato il messaggio: %d %s", r.Code, r.Description)
}

// Ingester stores a citizen's message and applies their edits
// (inbox.Service).
type Ingester interface {
	Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error)
	Revise(ctx context.Context, ch *redazione.Channel, revs []redazione.Revision) (int, error)
}

// Updates are the kinds of update Redazione asks Telegram for.
var Updates = []string{"message", "edited_message"}

// Offsets keeps, in the database, where a channel's polling has read up
// to (store.DB), so a restart neither fetches again nor skips.
type Offsets interface {
	TelegramOffset(ctx context.Context, channelID int64) (int64, error)
	SaveTelegramOffset(ctx context.Context, channelID, offset int64) error
}

// Poll fetches the bot's updates with getUpdates (long polling, for
// installations Telegram cannot reach) until ctx ends. An update is
// confirmed to Telegram (offset) only after it is stored, so a crash loses
// nothing: Telegram sends it again and the store drops the repeat, known by
// the message's own identity (chat and message id), not by update_id.
//
// Every update Telegram returns is read, whatever its update_id: after a
// week without updates Telegram numbers them afresh from a random value,
// possibly below the offset kept. The offset asked next is the last
// update_id read plus one (Bot API, getUpdates), even when lower, and it is
// kept in the database (offsets).
func Poll(ctx context.Context, ch *redazione.Channel, ing Ingester, offsets Offsets, client *http.Client, log interface {
	Warn(msg string, args ...any)
}) {
	base := strings.TrimRight(ch.Settings["api_base_url"], "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	wait := time.Second
	pause := func(d time.Duration) {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	var offset int64
	for {
		var err error
		if offset, err = offsets.TelegramOffset(ctx, ch.ID); err == nil || ctx.Err() != nil {
			break
		}
		log.Warn("telegram offset", "channel", ch.ID, "err", err)
		pause(wait)
		wait = min(wait*2, time.Minute)
	}
	wait = time.Second
	for ctx.Err() == nil {
		updates, err := getUpdates(ctx, client, base, ch.Settings["token"], offset)
		if errors.Is(err, errWebhookActive) {
			// The bot was on a webhook: polling takes over.
			if err = DeleteWebhook(ctx, client, ch); err == nil {
				continue
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("telegram getUpdates", "channel", ch.ID, "err", err)
				pause(wait)
				wait = min(wait*2, time.Minute)
			}
			continue
		}
		wait = time.Second
		channel.Worked(log)
		next, fresh := offset, false
		for _, raw := range updates {
			var head struct {
				UpdateID int64 `json:"update_id"`
			}
			json.Unmarshal(raw, &head)
			in, ok, err := Parse(raw)
			if err == nil && ok {
				var res *redazione.Ingested
				if res, err = ing.Ingest(ctx, ch, in); err == nil && !res.Duplicate {
					fresh = true
				}
			} else if rev, edit, perr := ParseEdit(raw); perr == nil && edit {
				var n int
				n, err = ing.Revise(ctx, ch, []redazione.Revision{rev})
				fresh = fresh || n > 0
			}
			if err != nil && redazione.ErrorCode(err) == redazione.EINTERNAL {
				// not stored: do not confirm it, try again later
				log.Warn("telegram ingest", "channel", ch.ID, "err", err)
				break
			}
			if head.UpdateID > 0 {
				next = head.UpdateID + 1
			}
		}
		if next != offset {
			if err := offsets.SaveTelegramOffset(ctx, ch.ID, next); err != nil && ctx.Err() == nil {
				// The updates are stored: asked again after a restart, they
				// are known as repeats.
				log.Warn("telegram offset", "channel", ch.ID, "err", err)
			}
			offset = next
		}
		if !fresh {
			// Telegram answers an empty long poll after its timeout; a server
			// that answers at once, or sends again what was stored (some
			// emulators ignore offset), must not be polled in a tight loop.
			pause(500 * time.Millisecond)
		}
	}
}

func getUpdates(ctx context.Context, client *http.Client, base, token string, offset int64) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"offset": offset, "timeout": 25, "allowed_updates": Updates})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/bot"+token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("indirizzo del Bot API non valido")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("Bot API non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Description string            `json:"description"`
		Result      []json.RawMessage `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("risposta illeggibile del Bot API: %s", resp.Status)
	}
	if resp.StatusCode == http.StatusConflict {
		return nil, errWebhookActive
	}
	if !r.OK {
		return nil, fmt.Errorf("Bot API: %s %s", resp.Status, r.Description)
	}
	return r.Result, nil
}

// errWebhookActive is getUpdates refused because a webhook is set (409).
var errWebhookActive = errors.New("Telegram: webhook attivo, getUpdates rifiutato")

// Publish posts an institutional post in the channel or group the bot
// administers (setting publish_chat: @name or a chat id). It answers with
// the message's id and, for a public channel, its address.
func (s Sender) Publish(ctx context.Context, ch *redazione.Channel, postID int64, text string) (string, string, error) {
	chat := strings.TrimSpace(ch.Settings["publish_chat"])
	if chat == "" {
		return "", "", jobs.Permanent{Err: errors.New("il canale Telegram non ha publish_chat (dove pubblicare)")}
	}
	base, token, err := endpoint(ch)
	if err != nil {
		return "", "", err
	}
	body, _ := json.Marshal(map[string]any{"chat_id": chat, "text": text})
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	if err := s.callResult(ctx, base, token, "sendMessage", "application/json", bytes.NewReader(body), &m); err != nil {
		return "", "", err
	}
	id, link := strconv.FormatInt(m.MessageID, 10), ""
	if strings.HasPrefix(chat, "@") {
		link = "https://t.me/" + strings.TrimPrefix(chat, "@") + "/" + id
	}
	return id, link, nil
}

// PublishImage posts a photo with its caption in the publishing chat.
// Telegram keeps no alternative text.
func (s Sender) PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img channel.File, alt string) (string, string, error) {
	chat := strings.TrimSpace(ch.Settings["publish_chat"])
	base, token, err := endpoint(ch)
	if err == nil && chat == "" {
		err = jobs.Permanent{Err: errors.New("il canale Telegram non ha publish_chat (dove pubblicare)")}
	}
	if err != nil {
		img.Body.Close()
		return "", "", err
	}
	ct, body := channel.Multipart([]string{"chat_id", chat, "caption", text}, "photo", img)
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	if err := s.callResult(ctx, base, token, "sendPhoto", ct, body, &m); err != nil {
		return "", "", err
	}
	id, link := strconv.FormatInt(m.MessageID, 10), ""
	if strings.HasPrefix(chat, "@") {
		link = "https://t.me/" + strings.TrimPrefix(chat, "@") + "/" + id
	}
	return id, link, nil
}
