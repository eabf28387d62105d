package meta

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
)

func TestTokenExpiry(t *testing.T) {
	var asked []string
	reply := "debug_token.json"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v21.0/debug_token" || r.URL.Query().Get("input_token") != "PAGE-TOKEN" {
			w.WriteHeader(400)
			w.Write([]byte(`{"error": {"message": "Invalid OAuth access token", "code": 190}}`))
			return
		}
		asked = append(asked, r.URL.Query().Get("access_token"))
		w.Write(read(t, reply))
	}))
	defer srv.Close()
	ch := &redazione.Channel{Settings: map[string]string{"token": "PAGE-TOKEN", "api_base_url": srv.URL, "app_id": "000000000000000", "app_secret": "SECRET"}}
	// the earlier of the token's expiry and the end of its data access
	at, err := TokenExpiry(t.Context(), nil, ch)
	if err != nil || !at.Equal(time.Unix(1352419328, 0)) {
		t.Fatalf("expiry = %v, %v", at, err)
	}
	if asked[0] != "000000000000000|SECRET" {
		t.Errorf("asked with %q, want the app access token", asked[0])
	}

	reply = "debug_token_invalid.json"
	delete(ch.Settings, "app_id") // the token inspects itself
	_, err = TokenExpiry(t.Context(), nil, ch)
	if err == nil || !strings.Contains(err.Error(), "Session has expired") {
		t.Fatalf("invalid token: %v, want Meta's reason", err)
	}
	if asked[1] != "PAGE-TOKEN" {
		t.Errorf("asked with %q, want the token itself", asked[1])
	}

	ch.Settings["token"] = "OTHER-TOKEN"
	_, err = TokenExpiry(t.Context(), nil, ch)
	if err == nil || strings.Contains(err.Error(), "OTHER-TOKEN") {
		t.Fatalf("refused: %v (the token must never appear)", err)
	}
	ch.Settings["api_base_url"] = "http://127.0.0.1:1"
	_, err = TokenExpiry(t.Context(), nil, ch)
	if err == nil || regexp.MustCompile(`TOKEN|SECRET`).MatchString(err.Error()) {
		t.Fatalf("unreachable: %v (no secret in errors)", err)
	}
}
