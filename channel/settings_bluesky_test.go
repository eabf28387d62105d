package channel_test

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
)

// A Bluesky channel needs a handle and an app password (a secret); a
// handle that is not a domain name, a wrong switch or an api_base_url that
// is not an address are refused in Italian, naming the setting.
func TestBlueskySettings(t *testing.T) {
	t.Parallel()
	good := map[string]string{"handle": "@comune.example.it", "app_password": "abcd-efgh-ijkl-mnop"}
	if err := channel.CheckSettings(redazione.ChannelBluesky, good); err != nil {
		t.Fatalf("good settings refused: %v", err)
	}
	if !channel.IsSecret(redazione.ChannelBluesky, "app_password") || channel.IsSecret(redazione.ChannelBluesky, "handle") {
		t.Error("the app password must be secret, the handle not")
	}
	for _, c := range []struct {
		key, value, want string
	}{
		{"app_password", "", "manca l'impostazione obbligatoria app_password"},
		{"handle", "comune di esempio", "handle è il nome dell'account Bluesky"},
		{"handle", "https://bsky.app/profile/comune.example.it", "handle è il nome dell'account Bluesky"},
		{"direct_messages", "sì", "direct_messages vale on oppure off"},
		{"poll_interval", "ogni tanto", "poll_interval è una durata"},
		{"api_base_url", "pds.example.it", "api_base_url deve essere un indirizzo http o https"},
	} {
		s := map[string]string{}
		for k, v := range good {
			s[k] = v
		}
		s[c.key] = c.value
		err := channel.CheckSettings(redazione.ChannelBluesky, s)
		if err == nil || !strings.Contains(redazione.ErrorMessage(err), c.want) {
			t.Errorf("%s=%q: %v, want %q", c.key, c.value, err, c.want)
		}
	}
}
