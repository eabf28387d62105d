package channel

import (
	"testing"

	"github.com/redazione/redazione"
)

// A Mastodon channel's streaming and polling settings are checked when the
// channel is added: a typo gets a clear Italian reason, naming the setting.
func TestCheckMastodonSettings(t *testing.T) {
	t.Parallel()
	base := func(k, v string) map[string]string {
		return map[string]string{"api_base_url": "https://social.example", "token": "t", k: v}
	}
	for _, ok := range []map[string]string{base("streaming", "websocket"), base("streaming", "sse"), base("streaming", "off"),
		base("recheck_interval", "off"), base("recheck_interval", "5m"), base("poll_interval", "30s")} {
		if err := CheckSettings(redazione.ChannelMastodon, ok); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
	for _, tc := range []struct{ key, value, want string }{
		{"streaming", "ws", "streaming vale auto, websocket, sse oppure off"},
		{"recheck_interval", "ogni tanto", "recheck_interval è una durata come 30s o 5m"},
		{"poll_interval", "-1s", "poll_interval è una durata come 30s o 5m"},
	} {
		err := CheckSettings(redazione.ChannelMastodon, base(tc.key, tc.value))
		if err == nil || redazione.ErrorMessage(err) != tc.want {
			t.Errorf("%s=%q: %v, want %q", tc.key, tc.value, err, tc.want)
		}
	}
}
