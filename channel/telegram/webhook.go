package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/redazione/redazione"
)

// SetWebhook asks Telegram to post the bot's updates to url, with the
// channel's secret as secret_token (checked on every update). Telegram
// accepts only https addresses.
func SetWebhook(ctx context.Context, client *http.Client, ch *redazione.Channel, url string) error {
	if !strings.HasPrefix(url, "https://") {
		return redazione.Errorf(redazione.EINVALID,
			"Telegram invia i messaggi solo a un indirizzo https: imposta l'indirizzo pubblico di Redazione (REDAZIONE_PUBLIC_URL) o usa la modalità polling")
	}
	body, _ := json.Marshal(map[string]any{"url": url, "secret_token": ch.Secret, "allowed_updates": Updates})
	return botMethod(ctx, client, ch, "setWebhook", body)
}

// DeleteWebhook stops Telegram posting updates, so that getUpdates works.
func DeleteWebhook(ctx context.Context, client *http.Client, ch *redazione.Channel) error {
	return botMethod(ctx, client, ch, "deleteWebhook", []byte(`{}`))
}

// botMethod calls a Bot API method about the bot itself; its refusal is
// Telegram's reason.
func botMethod(ctx context.Context, client *http.Client, ch *redazione.Channel, method string, body []byte) error {
	base, token, err := endpoint(ch)
	if err == nil {
		err = Sender{Client: client}.call(ctx, base, token, method, "application/json", bytes.NewReader(body))
	}
	var r refusal
	switch {
	case errors.As(err, &r):
		return redazione.Errorf(redazione.EINVALID, "%s non riuscito: %d %s", method, r.Code, r.Description)
	case err != nil:
		return redazione.Errorf(redazione.EINVALID, "%s non riuscito: %v", method, err) // errors name the host, never the token
	}
	return nil
}
