package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/jobs"
)

// Fetcher fetches the file of a citizen's attachment from the platform, by
// the reference the platform gave in the message (Source: a Telegram
// file_id, a WhatsApp media id, a URL of a signed webhook), and from no
// other address. A file known to be larger than max is refused with
// ErrTooLarge before it is downloaded.
type Fetcher interface {
	Fetch(ctx context.Context, ch *redazione.Channel, source string, max int64) (*File, error)
}

// File is a file on its way in or out: fetched from a platform, or attached
// by an operator to a reply.
type File struct {
	Name        string
	ContentType string
	Size        int64 // -1 when the platform does not say
	Body        io.ReadCloser
}

// FileSender is a Sender that can deliver a reply with files.
type FileSender interface {
	Sender
	// SendFiles delivers the reply m with its files, the text as a caption
	// where the platform allows. Once part of the reply has reached the
	// citizen, a failure is permanent: a retry would send that part twice.
	SendFiles(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message, files []File) error
}

// PartlySent is the error of a reply with files once sent of its parts have
// reached the citizen: permanent then, since a retry would send those parts
// twice.
func PartlySent(sent int, err error) error {
	if sent == 0 || err == nil {
		return err
	}
	var perm jobs.Permanent
	if errors.As(err, &perm) {
		err = perm.Err
	}
	return jobs.Permanent{Err: fmt.Errorf("risposta inviata in parte: %w", err)}
}

// ErrTooLarge is returned when a file is larger than allowed.
var ErrTooLarge = errors.New("file troppo grande")

// ErrGone is the reason of a file the platform no longer has (expired or
// deleted).
var ErrGone = errors.New("la piattaforma non ha più il file")

// Download gets a platform's file. It never follows a redirect to another
// scheme, never sends the request's Authorization header to another host,
// and refuses at once a Content-Length over max. 429 and 5xx are temporary
// (with the Retry-After the platform gives), 404 and 410 mean the platform
// no longer has the file, other answers are permanent.
func Download(ctx context.Context, client *http.Client, req *http.Request, max int64) (*File, error) {
	if client == nil {
		client = &http.Client{Timeout: 80 * time.Second}
	}
	c := *client
	c.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return redirectError("troppi rinvii")
		}
		if next.URL.Scheme != via[0].URL.Scheme {
			return redirectError("rinvio verso un altro schema (" + next.URL.Scheme + ")")
		}
		if next.URL.Host != via[0].URL.Host {
			next.Header.Del("Authorization")
		}
		return nil
	}
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		var re redirectError
		if errors.As(err, &re) {
			return nil, jobs.Permanent{Err: fmt.Errorf("la piattaforma ha rinviato il file altrove: %s", string(re))}
		}
		// The URL may hold a token (the Bot API's): say where, never the URL.
		return nil, fmt.Errorf("la piattaforma non risponde (%s)", req.URL.Host)
	}
	if err := StatusError(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	if max > 0 && resp.ContentLength > max {
		resp.Body.Close()
		return nil, ErrTooLarge
	}
	return &File{Size: resp.ContentLength, ContentType: resp.Header.Get("Content-Type"), Body: resp.Body}, nil
}

// redirectError is a redirect Download refuses to follow.
type redirectError string

func (e redirectError) Error() string { return string(e) }

// StatusError reads a platform's HTTP answer to a file request: nil for a
// success, else an error that says whether trying again can help.
func StatusError(resp *http.Response) error {
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusNotFound || code == http.StatusGone:
		return jobs.Permanent{Err: ErrGone}
	case code == http.StatusTooManyRequests || code >= 500:
		err := fmt.Errorf("la piattaforma è momentaneamente non disponibile (%s)", resp.Status)
		if after := RetryAfter(resp.Header, time.Now()); after > 0 {
			return jobs.Later{Err: err, After: after}
		}
		return err
	default:
		return jobs.Permanent{Err: fmt.Errorf("la piattaforma ha rifiutato la richiesta del file (%s)", resp.Status)}
	}
}

// PlatformURL checks an address a platform gave for a file: https, or on the
// host of the channel's configured API base URL (a self-hosted gateway, the
// fake server of a test). Anything else is never requested.
func PlatformURL(raw, apiBase string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, jobs.Permanent{Err: errors.New("indirizzo del file non valido")}
	}
	if u.Scheme == "https" && u.User == nil {
		return u, nil
	}
	if b, err := url.Parse(apiBase); err == nil && apiBase != "" && b.Host == u.Host && b.Scheme == u.Scheme && u.User == nil {
		return u, nil
	}
	return nil, jobs.Permanent{Err: fmt.Errorf("indirizzo del file non ammesso (%s): solo https o l'indirizzo della piattaforma configurato", u.Host)}
}

// Multipart streams a multipart/form-data body with fields (in the order
// given, as name/value pairs) and one file under fileField, for the
// platforms' upload methods. It returns the body's Content-Type.
func Multipart(fields []string, fileField string, f File) (string, io.ReadCloser) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var err error
		for i := 0; i+1 < len(fields) && err == nil; i += 2 {
			err = mw.WriteField(fields[i], fields[i+1])
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(fileField), quoteEscaper.Replace(f.Name)))
		h.Set("Content-Type", f.ContentType)
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(part, f.Body)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return mw.FormDataContentType(), pr
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// FileName makes a file name a platform or a browser gave safe to keep and
// show: valid UTF-8, no control characters, no path, at most 200 bytes, or
// fallback when nothing readable is left. A bad name never refuses a message.
func FileName(name, fallback string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if strings.Trim(name, " .") == "" {
		return fallback
	}
	return name
}

// ContentType keeps a platform's word on a file's type only if it is a
// plausible one: it is shown until the file is kept, then replaced by the
// type sniffed from the content.
func ContentType(s string) string {
	if len(s) > 100 || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return s
}
