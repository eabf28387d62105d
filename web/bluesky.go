package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/bluesky"
)

var _ = addCatalog(blueskyCatalog)

// blueskyCatalog names the Bluesky channel and its settings on the
// channels' page.
var blueskyCatalog = map[string][2]string{
	"kind.bluesky":            {"Bluesky", "Bluesky"},
	"set.handle":              {"Handle dell'account (es. comune.example.it o ente.bsky.social)", "The account's handle (e.g. comune.example.it or ente.bsky.social)"},
	"set.app_password":        {"App password (su Bluesky: Impostazioni › Privacy e sicurezza › App password)", "App password (on Bluesky: Settings › Privacy and security › App passwords)"},
	"set.direct_messages":     {"Messaggi diretti", "Direct messages"},
	"set.direct_messages.off": {"Non ricevere i messaggi diretti", "Do not receive direct messages"},
	"set.direct_messages.on":  {"Ricevi e rispondi ai messaggi diretti (l'app password deve consentirli)", "Receive and answer direct messages (the app password must allow them)"},
	"admin.bluesky.done":      {"%s: accesso a Bluesky riuscito come @%s.", "%s: signed in to Bluesky as @%s."},
	"admin.bluesky.failed":    {"%s: il canale è stato creato, ma l'accesso a Bluesky non è riuscito (%s). Controlla handle e app password.", "%s: the channel was created, but signing in to Bluesky failed (%s). Check the handle and the app password."},
}

// checkBluesky signs in once with the new channel's handle and app
// password, so the administrator knows at once whether they are right
// (the session itself is made again, and kept, by the channel's poller).
func (s *Server) checkBluesky(r *http.Request, c *redazione.Channel) func(*adminView) {
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	sess, err := (&bluesky.Client{HTTP: &http.Client{Timeout: 15 * time.Second}}).Session(ctx, c)
	if err != nil {
		return func(v *adminView) {
			v.Notice, v.Warn = fmt.Sprintf(translate(langOf(r), "admin.bluesky.failed"), c.Name, err.Error()), true
		}
	}
	return func(v *adminView) {
		v.Notice = fmt.Sprintf(translate(langOf(r), "admin.bluesky.done"), c.Name, sess.Handle)
	}
}
