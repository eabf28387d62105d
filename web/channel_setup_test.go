package web_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An administrator sets up a social channel in the UI: the form of its kind,
// required settings enforced, the webhook address shown, secrets never shown
// back, and settings changed later without retyping the secrets.
func TestChannelSetupInTheUI(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		channelsOf := func(kind redazione.ChannelKind) []*redazione.Channel {
			all, _ := db.Channels(t.Context(), e.ente.ID)
			var out []*redazione.Channel
			for _, c := range all {
				if c.Kind == kind {
					out = append(out, c)
				}
			}
			return out
		}

		_, page := admin.get("/admin/channels?kind=whatsapp")
		for _, want := range []string{`<input type="hidden" name="kind" value="whatsapp">`, `name="set.token" type="password"`,
			`ID del numero di telefono WhatsApp`, `name="set.app_secret" type="password"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the WhatsApp form lacks %q", want)
			}
		}
		form := url.Values{"kind": {"whatsapp"}, "name": {"WhatsApp URP"}, "desk": {fmt.Sprint(e.desks[0].ID)},
			"set.token": {"EAAG-SEGRETO-1234"}, "set.app_secret": {"APP-SECRET"}, "set.phone_number_id": {"106540352242922"}}
		code, body := admin.post("/admin/channels", form)
		if code != 400 || !strings.Contains(body, "verify_token") || len(channelsOf(redazione.ChannelWhatsApp)) != 0 {
			t.Fatalf("without the verify token: %d, %d channels; want 400 naming it and none", code, len(channelsOf(redazione.ChannelWhatsApp)))
		}
		form.Set("set.verify_token", "verifica-comune")
		code, body = admin.post("/admin/channels", form)
		wa := channelsOf(redazione.ChannelWhatsApp)
		if code != 200 || len(wa) != 1 || wa[0].Settings["token"] != "EAAG-SEGRETO-1234" {
			t.Fatalf("create: %d, %+v", code, wa)
		}
		if !strings.Contains(body, fmt.Sprintf("/hooks/meta/%d</code>", wa[0].ID)) {
			t.Error("the page does not give the webhook address")
		}
		if strings.Contains(body, "EAAG-SEGRETO-1234") || strings.Contains(body, "APP-SECRET") || strings.Contains(body, "verifica-comune") {
			t.Error("a secret is shown back on the page")
		}
		if !strings.Contains(body, "••••1234") {
			t.Error("the current token is not hinted at (masked)")
		}
		// the settings work: Meta's handshake with the verify token
		resp, err := http.Get(fmt.Sprintf("%s/hooks/meta/%d?hub.mode=subscribe&hub.verify_token=verifica-comune&hub.challenge=1158201444", e.srv.URL, wa[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != "1158201444" {
			t.Fatalf("handshake: %d %q", resp.StatusCode, got)
		}

		// A setting given with the CLI, which the form does not show.
		withCLI := map[string]string{"extra_cli": "x"}
		for k, v := range wa[0].Settings {
			withCLI[k] = v
		}
		if err := db.UpdateChannelSettings(t.Context(), redazione.SystemActor(e.ente.ID), wa[0].ID, withCLI); err != nil {
			t.Fatal(err)
		}
		// A new token, the other secrets left empty: they are kept.
		code, _ = admin.post(fmt.Sprintf("/admin/channels/%d/settings", wa[0].ID), url.Values{"set.token": {"EAAG-NUOVO-9876"},
			"set.phone_number_id": {"106540352242922"}, "set.credentials_expire_at": {"2027-03-31"}})
		wa = channelsOf(redazione.ChannelWhatsApp)
		if code != 200 || wa[0].Settings["token"] != "EAAG-NUOVO-9876" || wa[0].Settings["app_secret"] != "APP-SECRET" ||
			wa[0].Settings["verify_token"] != "verifica-comune" || wa[0].Settings["credentials_expire_at"] != "2027-03-31" ||
			wa[0].Settings["extra_cli"] != "x" {
			t.Fatalf("settings update: %d %v", code, wa[0].Settings)
		}
		body2 := []byte(`{"object": "whatsapp_business_account", "entry": []}`)
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, wa[0].ID), bytes.NewReader(body2))
		req.Header.Set(meta.SignatureHeader, apichannel.Sign("APP-SECRET", body2))
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Fatalf("a webhook signed with the kept app secret: %v %v", resp.StatusCode, err)
		}
		// A required setting cleared: refused, nothing changed.
		code, _ = admin.post(fmt.Sprintf("/admin/channels/%d/settings", wa[0].ID), url.Values{"set.phone_number_id": {""}})
		if code != 400 || channelsOf(redazione.ChannelWhatsApp)[0].Settings["phone_number_id"] != "106540352242922" {
			t.Errorf("clearing the phone number id: %d", code)
		}
		_, audit := admin.get("/admin/audit")
		if !regexp.MustCompile(`impostazioni cambiate: credentials_expire_at, token$|impostazioni cambiate: credentials_expire_at, token<`).MatchString(audit) || strings.Contains(audit, "EAAG-NUOVO") {
			t.Error("the audit trail does not name the settings changed, or shows a secret")
		}

		// Telegram on an installation without a public https address: the
		// channel is added, and the page says why Telegram cannot post to it
		// (registration itself: TestTelegramWebhookRegisteredFromTheUI).
		code, body = admin.post("/admin/channels", url.Values{"kind": {"telegram"}, "name": {"Bot del Comune"},
			"desk": {fmt.Sprint(e.desks[0].ID)}, "set.token": {"123456:BOT-SEGRETO"}, "set.mode": {"webhook"}})
		tg := channelsOf(redazione.ChannelTelegram)
		if code != 200 || len(tg) != 1 || !strings.Contains(body, "solo a un indirizzo https") ||
			!strings.Contains(body, fmt.Sprintf("/hooks/telegram/%d</code>", tg[0].ID)) || strings.Contains(body, "BOT-SEGRETO") {
			t.Fatalf("Telegram: %d\n%s", code, body)
		}
		// Mastodon: the instance address must be one.
		code, _ = admin.post("/admin/channels", url.Values{"kind": {"mastodon"}, "name": {"Mastodon"}, "set.token": {"x"},
			"set.api_base_url": {"ftp://social.example"}})
		if code != 400 || len(channelsOf(redazione.ChannelMastodon)) != 0 {
			t.Errorf("a Mastodon instance that is not an http address: %d", code)
		}
		// Only administrators.
		op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		if code, _ := op.post(fmt.Sprintf("/admin/channels/%d/settings", wa[0].ID), url.Values{"set.token": {"RUBATO"}}); code == 200 ||
			channelsOf(redazione.ChannelWhatsApp)[0].Settings["token"] != "EAAG-NUOVO-9876" {
			t.Errorf("an operator changed a channel's settings: %d", code)
		}
	})
}
