package xtest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione/channel/x/xtest"
)

// shape is the set of a JSON document's paths (data.id, data.image.w,
// data[].author_id …), what a client reads from it.
func shape(t *testing.T, raw []byte) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	out := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				out[p] = true
				walk(p, e)
			}
		case []any:
			for _, e := range v {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	return out
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// conforms fails when the fake answers a path the documentation's sample
// does not have (the fake invented it), or lacks one of want (what
// Redazione reads).
func conforms(t *testing.T, what string, got []byte, doc string, want ...string) {
	t.Helper()
	g, d := shape(t, got), shape(t, sample(t, doc))
	// edit_history_tweet_ids is a default field of every Post
	// (tweet_created.json has it); the mentions sample leaves it out.
	d["data[].edit_history_tweet_ids"] = true
	var extra []string
	for p := range g {
		if !d[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%s: the fake answers %v, which %s (X's documentation) does not have\n%s", what, extra, doc, got)
	}
	for _, p := range want {
		if !g[p] || !d[p] {
			t.Errorf("%s: %s missing (fake %v, documentation %v)", what, p, g[p], d[p])
		}
	}
}

// TestFakeSpeaksTheDocumentedProtocol: every answer of the fake X has the
// shape of the sample copied from X's documentation into testdata, so the
// adapter's tests against the fake hold against X.
func TestFakeSpeaksTheDocumentedProtocol(t *testing.T) {
	t.Parallel()
	x := xtest.New("client", "secret")
	defer x.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	do := func(req *http.Request) (int, http.Header, []byte) {
		t.Helper()
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}

	// The authorization code with PKCE, then the token.
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {"client"}, "redirect_uri": {"https://redazione.example.it/admin/x/callback"},
		"scope": {"tweet.read tweet.write users.read offline.access media.write"}, "state": {"s"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	req, _ := http.NewRequest(http.MethodGet, x.URL+"/i/oauth2/authorize?"+q.Encode(), nil)
	_, h, _ := do(req)
	back, err := url.Parse(h.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("authorize sent back to %q", h.Get("Location"))
	}
	token := func(form url.Values) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, x.URL+"/2/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("client", "secret")
		st, _, b := do(req)
		return st, b
	}
	st, b := token(url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {"https://redazione.example.it/admin/x/callback"}, "code_verifier": {verifier}})
	if st != http.StatusOK {
		t.Fatalf("token: %d %s", st, b)
	}
	conforms(t, "token", b, "token_response.json", "access_token", "refresh_token", "expires_in")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(b, &tok)
	st, b = token(url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "code_verifier": {verifier}})
	if st != http.StatusBadRequest {
		t.Errorf("a code used twice: %d", st)
	}
	conforms(t, "spent code", b, "token_invalid.json", "error", "error_description")

	api := func(method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
		req, _ := http.NewRequest(method, x.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return do(req)
	}
	_, _, b = api(http.MethodGet, "/2/users/me", "", nil)
	conforms(t, "users/me", b, "users_me.json", "data.id", "data.username")

	// An image, its alternative text, a post with it (the documented
	// request body), the same post again.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("media_category", "tweet_image")
	fw, _ := mw.CreateFormFile("media", "piazza.png")
	fw.Write([]byte("\x89PNG\r\n\x1a\n"))
	mw.Close()
	_, _, b = api(http.MethodPost, "/2/media/upload", mw.FormDataContentType(), &mp)
	conforms(t, "media upload", b, "media_upload.json", "data.id")
	var up struct{ Data struct{ ID string } }
	json.Unmarshal(b, &up)
	meta := bytes.Replace(sample(t, "media_metadata_request.json"), []byte("1146654567674912769"), []byte(up.Data.ID), 1)
	_, _, b = api(http.MethodPost, "/2/media/metadata", "application/json", bytes.NewReader(meta))
	conforms(t, "media metadata", b, "media_metadata.json", "data.id")
	if m := x.Uploaded(up.Data.ID); m == nil || m.Alt != "A dancing cat" {
		t.Errorf("the documented metadata request did not set the alt text: %+v", m)
	}
	var post map[string]any
	json.Unmarshal(sample(t, "tweet_request.json"), &post)
	if m, ok := post["media"].(map[string]any); ok {
		m["media_ids"] = []string{up.Data.ID}
	}
	delete(post, "reply") // a post of its own
	body, _ := json.Marshal(post)
	st, _, b = api(http.MethodPost, "/2/tweets", "application/json", bytes.NewReader(body))
	if st != http.StatusCreated {
		t.Fatalf("post: %d %s", st, b)
	}
	conforms(t, "post", b, "tweet_created.json", "data.id", "data.text")
	st, _, b = api(http.MethodPost, "/2/tweets", "application/json", bytes.NewReader(body))
	if st != http.StatusForbidden {
		t.Errorf("the same post again: %d", st)
	}
	conforms(t, "duplicate", b, "error_duplicate.json", "detail", "status")

	x.Mention("1234567890", "Maria Rossi", "mariarossi", "@ComuneEsempio la strada è allagata")
	_, _, b = api(http.MethodGet, "/2/users/"+x.UserID+"/mentions?expansions=author_id&tweet.fields=created_at,author_id&user.fields=username,name", "", nil)
	conforms(t, "mentions", b, "mentions.json", "data[].id", "data[].text", "data[].author_id", "includes.users[].username", "meta.newest_id")

	x.RateLimit(1, time.Now().Add(time.Minute))
	st, h, b = api(http.MethodGet, "/2/users/me", "", nil)
	if st != http.StatusTooManyRequests || h.Get("x-rate-limit-reset") == "" {
		t.Errorf("rate limited: %d, reset %q", st, h.Get("x-rate-limit-reset"))
	}
	conforms(t, "429", b, "error_429.json", "status")

	req, _ = http.NewRequest(http.MethodGet, x.URL+"/2/users/me", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	st, _, b = do(req)
	if st != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", st)
	}
	conforms(t, "401", b, "error_401.json", "status")
}
