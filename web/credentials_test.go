package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Administrators see, on the channels page, credentials about to expire
// (as Meta says of the token, or as they wrote for a password) and a token
// Meta no longer accepts.
func TestCredentialsExpiryWarnings(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	soon := time.Now().Add(5 * 24 * time.Hour).Truncate(time.Second)
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v21.0/debug_token" {
			http.NotFound(w, r)
			return
		}
		switch r.URL.Query().Get("input_token") {
		case "GOOD-TOKEN":
			fmt.Fprintf(w, `{"data": {"app_id": "1", "type": "PAGE", "expires_at": %d, "data_access_expires_at": 0, "is_valid": true}}`, soon.Unix())
		default:
			fmt.Fprint(w, `{"data": {"app_id": "1", "type": "USER", "is_valid": false, "error": {"code": 190, "message": "Error validating access token: The user has not authorized application 1.", "subcode": 458}}}`)
		}
	}))
	defer graph.Close()
	add := func(name string, kind redazione.ChannelKind, settings map[string]string) {
		ch := &redazione.Channel{Kind: kind, Name: name, DeskID: e.desks[0].ID, Secret: auth.NewToken(""), Settings: settings}
		if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
	}
	add("Pagina Facebook", redazione.ChannelMessenger, map[string]string{"token": "GOOD-TOKEN", "app_secret": "S", "page_id": "1", "api_base_url": graph.URL})
	add("WhatsApp URP", redazione.ChannelWhatsApp, map[string]string{"token": "REVOKED-TOKEN", "app_secret": "S", "phone_number_id": "1", "api_base_url": graph.URL})
	add("Integrazione protocollo", redazione.ChannelAPI, map[string]string{store.CredentialsExpireSetting: "2026-01-31"})
	add("Integrazione futura", redazione.ChannelAPI, map[string]string{store.CredentialsExpireSetting: "2099-12-31"})

	admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	section := func(page, name string) string {
		i := strings.Index(page, name)
		if i < 0 {
			return ""
		}
		s := page[i:]
		return s[:strings.Index(s, "</section>")]
	}
	var page string
	waitUntil(10*time.Second, func() bool {
		_, page = admin.get("/admin/channels")
		return strings.Contains(section(page, "Pagina Facebook"), "credentials-soon") && strings.Contains(section(page, "WhatsApp URP"), "non è più valido")
	})
	fb := section(page, "Pagina Facebook")
	if !strings.Contains(fb, "Attenzione: le credenziali scadono il") || !strings.Contains(fb, soon.In(rome(t)).Format("02/01/2006")) ||
		!strings.Contains(fb, "rinnovale prima") {
		t.Errorf("token expiring in 5 days: %s", fb)
	}
	if wa := section(page, "WhatsApp URP"); !strings.Contains(wa, "il token non è più valido: Error validating access token: The user has not authorized application 1.") {
		t.Errorf("revoked token: %s", wa)
	}
	if p := section(page, "Integrazione protocollo"); !strings.Contains(p, "Credenziali scadute il <time") || !strings.Contains(p, "31/01/2026") {
		t.Errorf("password past its renewal date: %s", p)
	}
	if p := section(page, "Integrazione futura"); !strings.Contains(p, "Credenziali valide fino al") || strings.Contains(p, "text-danger") {
		t.Errorf("credentials far from expiry: %s", p)
	}
	if strings.Contains(page, "GOOD-TOKEN") || strings.Contains(page, "REVOKED-TOKEN") {
		t.Error("a token is shown on the page")
	}
}

func rome(t *testing.T) *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
