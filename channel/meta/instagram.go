package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// Instagram publishing goes through the Content Publishing API of the
// Instagram Graph API (Instagram API with Facebook Login): Meta downloads
// each image from a public https address (ImageURL) into a container
// (POST /{ig-user-id}/media), Redazione waits until the container is
// FINISHED (GET /{container-id}?fields=status_code), then publishes it
// (POST /{ig-user-id}/media_publish) and reads the post's address
// (GET /{media-id}?fields=permalink). A carousel is one container per image
// (is_carousel_item) and one of media_type CAROUSEL naming them.

// ErrTextOnly is the refusal of a post without an image on Instagram.
var ErrTextOnly = errors.New("Instagram pubblica solo post con almeno un'immagine")

// ErrNoPublicURL is the refusal when Meta could not fetch the images.
var ErrNoPublicURL = errors.New("per pubblicare su Instagram Redazione deve avere un indirizzo pubblico https (REDAZIONE_PUBLIC_URL) da cui Meta scarica le immagini: chiedi all'amministratore di configurarlo")

// MaxCarousel is the most images one Instagram carousel holds.
const MaxCarousel = 10

// DefaultPollEvery is how often a container's status is asked while Meta
// prepares it.
const DefaultPollEvery = time.Second

// InstagramSender answers citizens on Instagram as Messenger does (the
// Send API of the linked Page) and publishes the ente's posts.
type InstagramSender struct {
	MessengerSender
	// ImageURL keeps an image where Meta can download it and gives its
	// public https address, valid for a short time; it reads and closes
	// the file. Nil, or ErrNoPublicURL: no public https address.
	ImageURL func(ctx context.Context, f channel.File) (string, error)
	// PollEvery is how often a container's status is asked
	// (DefaultPollEvery when 0).
	PollEvery time.Duration
}

// Publish refuses a post without an image: Instagram has no text posts.
func (s InstagramSender) Publish(context.Context, *redazione.Channel, int64, string) (string, string, error) {
	return "", "", jobs.Permanent{Err: ErrTextOnly}
}

// PublishImage publishes one image with its caption and alternative text.
func (s InstagramSender) PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img channel.File, alt string) (string, string, error) {
	return s.PublishImages(ctx, ch, postID, text, []channel.Image{{File: img, Alt: alt}})
}

// PublishImages publishes one image, or a carousel of up to MaxCarousel.
// Nothing is published until every container is FINISHED, so a refused
// image leaves nothing on the account.
func (s InstagramSender) PublishImages(ctx context.Context, ch *redazione.Channel, postID int64, text string, imgs []channel.Image) (id, link string, err error) {
	closeAll := func(from int) {
		for _, im := range imgs[from:] {
			if im.Body != nil {
				im.Body.Close()
			}
		}
	}
	switch {
	case len(imgs) == 0:
		return "", "", jobs.Permanent{Err: ErrTextOnly}
	case len(imgs) > MaxCarousel:
		closeAll(0)
		return "", "", jobs.Permanent{Err: fmt.Errorf("Instagram accetta al massimo %d immagini per post", MaxCarousel)}
	case s.ImageURL == nil:
		closeAll(0)
		return "", "", jobs.Permanent{Err: ErrNoPublicURL}
	}
	user, err := InstagramUser(ctx, s.Client, ch)
	if err != nil {
		closeAll(0)
		return "", "", err
	}
	if used, total, err := s.limit(ctx, ch, user); err == nil && total > 0 && used >= total {
		closeAll(0)
		return "", "", jobs.Permanent{Err: fmt.Errorf("raggiunto il limite di Instagram di %d post nelle ultime 24 ore: riprova più tardi", total)}
	}
	carousel := len(imgs) > 1
	var children []string
	for i, im := range imgs {
		u, err := s.ImageURL(ctx, im.File)
		if err != nil {
			closeAll(i + 1)
			if errors.Is(err, ErrNoPublicURL) {
				return "", "", jobs.Permanent{Err: ErrNoPublicURL}
			}
			return "", "", fmt.Errorf("immagine non preparata per Instagram: %w", err)
		}
		form := url.Values{"image_url": {u}}
		if alt := strings.TrimSpace(im.Alt); alt != "" {
			form.Set("alt_text", alt)
		}
		if carousel {
			form.Set("is_carousel_item", "true")
		} else {
			form.Set("caption", text)
		}
		c, err := s.container(ctx, ch, user, form)
		if err != nil {
			closeAll(i + 1)
			return "", "", err
		}
		children = append(children, c)
	}
	creation := children[0]
	if carousel {
		form := url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}, "caption": {text}}
		if creation, err = s.container(ctx, ch, user, form); err != nil {
			return "", "", err
		}
	}
	var pub struct {
		ID string `json:"id"`
	}
	if err := igDo(ctx, s.Client, ch, http.MethodPost, url.PathEscape(user)+"/media_publish", url.Values{"creation_id": {creation}}, &pub); err != nil {
		return "", "", err
	}
	if pub.ID == "" {
		return "", "", jobs.Permanent{Err: errors.New("Instagram non ha dato l'id del post pubblicato: controlla sull'account")}
	}
	var media struct {
		Permalink string `json:"permalink"`
	}
	// The post is out: a failure to read its address loses only the link.
	if igDo(ctx, s.Client, ch, http.MethodGet, url.PathEscape(pub.ID)+"?fields=permalink", nil, &media) != nil || !strings.HasPrefix(media.Permalink, "https://") {
		media.Permalink = ""
	}
	return pub.ID, media.Permalink, nil
}

// container creates a media container and waits until Meta has it ready.
func (s InstagramSender) container(ctx context.Context, ch *redazione.Channel, user string, form url.Values) (string, error) {
	var c struct {
		ID string `json:"id"`
	}
	if err := igDo(ctx, s.Client, ch, http.MethodPost, url.PathEscape(user)+"/media", form, &c); err != nil {
		return "", err
	}
	if c.ID == "" {
		return "", jobs.Permanent{Err: errors.New("Instagram non ha dato l'id del contenitore")}
	}
	every := s.PollEvery
	if every <= 0 {
		every = DefaultPollEvery
	}
	for {
		var st struct {
			StatusCode string `json:"status_code"`
			Status     string `json:"status"`
		}
		if err := igDo(ctx, s.Client, ch, http.MethodGet, url.PathEscape(c.ID)+"?fields=status_code,status", nil, &st); err != nil {
			return "", err
		}
		switch st.StatusCode {
		case "FINISHED", "PUBLISHED":
			return c.ID, nil
		case "ERROR":
			return "", jobs.Permanent{Err: containerError(st.Status)}
		case "EXPIRED":
			return "", jobs.Permanent{Err: errors.New("Instagram ha lasciato scadere il contenitore dell'immagine prima della pubblicazione: riprova")}
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

var subcodeRe = regexp.MustCompile(`\b2207\d{3}\b`)

// containerError explains a container in status ERROR; its status field
// names an error subcode.
func containerError(status string) error {
	if sub, err := strconv.Atoi(subcodeRe.FindString(status)); err == nil {
		if m := mediaMessage(0, sub); m != "" {
			return errors.New(m)
		}
	}
	if status == "" {
		status = "ERROR"
	}
	return fmt.Errorf("Instagram non ha potuto preparare l'immagine (%s): controlla formato (JPEG), dimensioni (massimo 8 MB) e proporzioni (da 4:5 a 1,91:1)", status)
}

// InstagramUser is the id of the Instagram professional account: the
// ig_user_id setting, or the account linked to the Page
// (GET /{page-id}?fields=instagram_business_account).
func InstagramUser(ctx context.Context, client *http.Client, ch *redazione.Channel) (string, error) {
	if id := strings.TrimSpace(ch.Settings["ig_user_id"]); id != "" {
		return id, nil
	}
	pageID := ch.Settings["page_id"]
	if pageID == "" {
		return "", jobs.Permanent{Err: errors.New("il canale Instagram non ha né ig_user_id né page_id")}
	}
	var page struct {
		Account *struct {
			ID string `json:"id"`
		} `json:"instagram_business_account"`
	}
	if err := igDo(ctx, client, ch, http.MethodGet, url.PathEscape(pageID)+"?fields=instagram_business_account", nil, &page); err != nil {
		return "", err
	}
	if page.Account == nil || page.Account.ID == "" {
		return "", jobs.Permanent{Err: errors.New("la Pagina Facebook non ha un account Instagram professionale collegato: collegalo, o indica ig_user_id nelle impostazioni del canale")}
	}
	return page.Account.ID, nil
}

// PublishingLimit reads how many posts the account published through the
// API in the last 24 hours, and how many it may
// (GET /{ig-user-id}/content_publishing_limit?fields=config,quota_usage).
func (s InstagramSender) PublishingLimit(ctx context.Context, ch *redazione.Channel) (used, total int, err error) {
	user, err := InstagramUser(ctx, s.Client, ch)
	if err != nil {
		return 0, 0, err
	}
	return s.limit(ctx, ch, user)
}

func (s InstagramSender) limit(ctx context.Context, ch *redazione.Channel, user string) (used, total int, err error) {
	var r struct {
		Data []struct {
			QuotaUsage int `json:"quota_usage"`
			Config     struct {
				QuotaTotal int `json:"quota_total"`
			} `json:"config"`
		} `json:"data"`
	}
	if err := igDo(ctx, s.Client, ch, http.MethodGet, url.PathEscape(user)+"/content_publishing_limit?fields=config,quota_usage", nil, &r); err != nil {
		return 0, 0, err
	}
	if len(r.Data) == 0 {
		return 0, 0, errors.New("risposta di Instagram senza il limite di pubblicazione")
	}
	return r.Data[0].QuotaUsage, r.Data[0].Config.QuotaTotal, nil
}

// GraphError is a refusal of the Graph API, as its error object says it.
type GraphError struct {
	Code    int    `json:"code"`
	Subcode int    `json:"error_subcode"`
	Type    string `json:"type"`
	Message string `json:"message"`
	UserMsg string `json:"error_user_msg"`
}

func (e *GraphError) Error() string { return fmt.Sprintf("%d/%d %s", e.Code, e.Subcode, e.Message) }

// igDo calls the Graph API for Instagram publishing: the form (if any) in
// the body, the token in the Authorization header (never in an error), the
// answer decoded into out; a refusal becomes a clear Italian reason
// (igRefusal).
func igDo(ctx context.Context, client *http.Client, ch *redazione.Channel, method, path string, form url.Values, out any) error {
	token := ch.Settings["token"]
	if token == "" {
		return jobs.Permanent{Err: errors.New("il canale Instagram non ha il token")}
	}
	_, versioned := graphBase(ch)
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, versioned+"/"+path, body)
	if err != nil {
		return jobs.Permanent{Err: errors.New("indirizzo del Graph API non valido")}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("Graph API non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var r struct {
		Error *GraphError `json:"error"`
	}
	json.Unmarshal(raw, &r)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 && r.Error == nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("risposta illeggibile del Graph API: %v", err)
		}
		return nil
	}
	if r.Error == nil {
		r.Error = &GraphError{Message: resp.Status}
	}
	return igRefusal(resp, r.Error)
}

// igRefusal says in Italian what a Graph API refusal means for the office
// (Graph API error handling and the Instagram Platform's error codes).
func igRefusal(resp *http.Response, e *GraphError) error {
	switch {
	case e.Code == 190:
		return jobs.Permanent{Err: fmt.Errorf("il token di accesso di Instagram è scaduto o è stato revocato: rinnovalo e aggiornalo nelle impostazioni del canale (%w)", e)}
	case e.Code == 9 || e.Subcode == 2207042:
		return jobs.Permanent{Err: fmt.Errorf("raggiunto il limite di post che Instagram accetta in 24 ore: riprova più tardi (%w)", e)}
	case e.Code == 4 || e.Code == 17 || e.Code == 32 || e.Code == 613 || e.Code == 80002 || resp.StatusCode == http.StatusTooManyRequests:
		err := fmt.Errorf("Instagram limita le richieste in questo momento: riprova più tardi (%w)", e)
		if wait := channel.RetryAfter(resp.Header, time.Now()); wait > 0 {
			return jobs.Later{Err: err, After: wait}
		}
		return err
	case resp.StatusCode >= 500 || e.Code == 1 || e.Code == 2 || e.Subcode == 2207001:
		return fmt.Errorf("Instagram non risponde come dovrebbe: riprova più tardi (%w)", e)
	}
	if m := mediaMessage(e.Code, e.Subcode); m != "" {
		return jobs.Permanent{Err: fmt.Errorf("%s (%w)", m, e)}
	}
	return jobs.Permanent{Err: fmt.Errorf("Instagram ha rifiutato la pubblicazione: %w", e)}
}

// mediaMessage explains Instagram's errors about an image, by code and
// subcode (Instagram Platform, Error Codes), or "".
func mediaMessage(code, sub int) string {
	switch {
	case code == 9004 || sub == 2207052 || sub == 2207003:
		return "Instagram non è riuscito a scaricare l'immagine dall'indirizzo pubblico di Redazione: controlla che REDAZIONE_PUBLIC_URL sia raggiungibile da Internet in https"
	case sub == 2207004:
		return "l'immagine è troppo grande per Instagram: al massimo 8 MB"
	case code == 36003 || sub == 2207009:
		return "Instagram non accetta le proporzioni dell'immagine: usane una tra 4:5 (verticale) e 1,91:1 (orizzontale)"
	case code == 36001 || sub == 2207005:
		return "Instagram non accetta il formato dell'immagine: usa una foto JPEG"
	case sub == 2207020:
		return "Instagram ha lasciato scadere l'immagine prima della pubblicazione: riprova"
	case sub == 2207051:
		return "Instagram ha bloccato la pubblicazione come attività sospetta: controlla l'account nell'app di Instagram"
	}
	return ""
}
