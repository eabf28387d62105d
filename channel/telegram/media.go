package telegram

import (
	"bytes"
	"context"
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

// Fetcher fetches the files citizens send, by file_id, from the channel's
// Bot API only: getFile gives the file_path, then the file is downloaded
// from {base}/file/bot{token}/{file_path}.
type Fetcher struct {
	Client *http.Client
}

// Fetch downloads the file with the given file_id. The Bot API refuses files
// over 20 MB ("file is too big"): they are too large here too.
func (f Fetcher) Fetch(ctx context.Context, ch *redazione.Channel, fileID string, max int64) (*channel.File, error) {
	base, token, err := endpoint(ch)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"file_id": fileID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/bot"+token+"/getFile", bytes.NewReader(body))
	if err != nil {
		return nil, jobs.Permanent{Err: errors.New("indirizzo del Bot API non valido")}
	}
	req.Header.Set("Content-Type", "application/json")
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("Bot API non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	var r struct {
		apiResponse
		Result struct {
			FileSize int64  `json:"file_size"`
			FilePath string `json:"file_path"`
		} `json:"result"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&r)
	switch {
	case resp.StatusCode == http.StatusOK && r.OK:
	case resp.StatusCode == http.StatusTooManyRequests || r.ErrorCode == 429:
		err := fmt.Errorf("Telegram chiede di riprovare tra %d s", r.Parameters.RetryAfter)
		return nil, jobs.Later{Err: err, After: time.Duration(r.Parameters.RetryAfter) * time.Second}
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("Telegram ha risposto %s", resp.Status)
	case strings.Contains(r.Description, "file is too big"):
		return nil, channel.ErrTooLarge
	case strings.Contains(r.Description, "invalid file_id") || strings.Contains(r.Description, "file not found"):
		return nil, jobs.Permanent{Err: channel.ErrGone}
	default:
		return nil, jobs.Permanent{Err: fmt.Errorf("Telegram non ha dato il file: %d %s", resp.StatusCode, r.Description)}
	}
	if r.Result.FilePath == "" {
		return nil, jobs.Permanent{Err: channel.ErrGone}
	}
	if max > 0 && r.Result.FileSize > max {
		return nil, channel.ErrTooLarge
	}
	dl, err := http.NewRequest(http.MethodGet, base+"/file/bot"+token+"/"+strings.TrimLeft(r.Result.FilePath, "/"), nil)
	if err != nil || dl.URL.Host != req.URL.Host {
		return nil, jobs.Permanent{Err: errors.New("percorso del file non valido")}
	}
	return channel.Download(ctx, f.Client, dl, max)
}

// maxPhoto is the largest image sendPhoto takes; larger ones go as documents.
const maxPhoto = 10 << 20

// maxCaption is the longest caption of a file, in characters.
const maxCaption = 1024

// SendFiles sends a reply with its files: images with sendPhoto, other files
// with sendDocument (multipart uploads), the text as the first file's
// caption when it fits, else with sendMessage after the files.
func (s Sender) SendFiles(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message, files []channel.File) error {
	base, token, err := endpoint(ch)
	if err != nil {
		return err
	}
	chatID, err := strconv.ParseInt(conv.Contact.ExternalID, 10, 64)
	if err != nil {
		return jobs.Permanent{Err: fmt.Errorf("chat Telegram non valida: %q", conv.Contact.ExternalID)}
	}
	caption := m.Text
	sent := 0
	for _, f := range files {
		method, field := "sendDocument", "document"
		if (f.ContentType == "image/jpeg" || f.ContentType == "image/png" || f.ContentType == "image/webp") && f.Size <= maxPhoto {
			method, field = "sendPhoto", "photo"
		}
		fields := []string{"chat_id", strconv.FormatInt(chatID, 10)}
		if caption != "" && utf8.RuneCountInString(caption) <= maxCaption {
			fields = append(fields, "caption", caption)
			caption = ""
		}
		ct, body := channel.Multipart(fields, field, f)
		if err := s.call(ctx, base, token, method, ct, body); err != nil {
			return channel.PartlySent(sent, err)
		}
		sent++
	}
	if caption != "" {
		return channel.PartlySent(sent, s.Send(ctx, ch, conv, &redazione.Message{Text: caption}))
	}
	return nil
}
