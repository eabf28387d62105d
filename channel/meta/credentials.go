package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/redazione/redazione"
)

// TokenExpiry asks the Graph API when the channel's access token expires
// (debug_token): the earlier of the token's own expiry and the end of its
// data access; zero when neither ends. An invalid token is an error naming
// Meta's reason. The app access token (app_id|app_secret) asks when the
// channel has an app_id; otherwise the token inspects itself.
func TokenExpiry(ctx context.Context, client *http.Client, ch *redazione.Channel) (time.Time, error) {
	token := ch.Settings["token"]
	if token == "" {
		return time.Time{}, errors.New("il canale non ha il token")
	}
	_, api := graphBase(ch)
	asker := token
	if id := ch.Settings["app_id"]; id != "" && ch.Settings["app_secret"] != "" {
		asker = id + "|" + ch.Settings["app_secret"]
	}
	q := url.Values{"input_token": {token}, "access_token": {asker}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/debug_token?"+q.Encode(), nil)
	if err != nil {
		return time.Time{}, errors.New("indirizzo del Graph API non valido")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// the URL holds the token: name the host only
		return time.Time{}, fmt.Errorf("Graph API non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			IsValid             bool  `json:"is_valid"`
			ExpiresAt           int64 `json:"expires_at"`
			DataAccessExpiresAt int64 `json:"data_access_expires_at"`
			Error               *struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"data"`
		Error *struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&r); err != nil {
		return time.Time{}, fmt.Errorf("risposta del Graph API non leggibile: %s", resp.Status)
	}
	switch {
	case r.Error != nil:
		return time.Time{}, fmt.Errorf("Meta non ha verificato il token: %d %s", r.Error.Code, r.Error.Message)
	case !r.Data.IsValid:
		why := "non valido"
		if r.Data.Error != nil && r.Data.Error.Message != "" {
			why = r.Data.Error.Message
		}
		return time.Time{}, fmt.Errorf("il token non è più valido: %s", why)
	}
	var at time.Time
	for _, sec := range []int64{r.Data.ExpiresAt, r.Data.DataAccessExpiresAt} {
		if t := time.Unix(sec, 0).UTC(); sec > 0 && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at, nil
}
