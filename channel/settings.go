package channel

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
)

// Setting is one setting an administrator gives a channel of some kind.
type Setting struct {
	Key      string
	Required bool
	// Secret settings are sealed at rest and never shown back in full.
	Secret bool
	// URL settings must be absolute http(s) addresses.
	URL bool
}

// common are the settings every channel may have.
var common = []Setting{{Key: "credentials_expire_at"}}

// meta are the settings shared by Meta's platforms.
var meta = []Setting{
	{Key: "token", Required: true, Secret: true},
	{Key: "app_secret", Required: true, Secret: true},
	{Key: "verify_token", Required: true, Secret: true},
	{Key: "app_id"},
	{Key: "api_base_url", URL: true},
	{Key: "api_version"},
}

// kindSettings lists, for each kind of channel, the settings it takes.
var kindSettings = map[redazione.ChannelKind][]Setting{
	redazione.ChannelTelegram: {
		{Key: "token", Required: true, Secret: true},
		{Key: "mode"},
		{Key: "api_base_url", URL: true},
	},
	redazione.ChannelWhatsApp:  append([]Setting{{Key: "phone_number_id", Required: true}, {Key: "templates"}}, meta...),
	redazione.ChannelMessenger: append([]Setting{{Key: "page_id", Required: true}}, meta...),
	redazione.ChannelInstagram: append([]Setting{{Key: "page_id", Required: true}}, meta...),
	redazione.ChannelMastodon: {
		{Key: "api_base_url", Required: true, URL: true},
		{Key: "token", Required: true, Secret: true},
		{Key: "poll_interval"},
		{Key: "streaming"},
		{Key: "streaming_url", URL: true},
	},
}

// SettingsOf returns the settings a channel of the kind takes, common ones last.
func SettingsOf(kind redazione.ChannelKind) []Setting {
	return append(slices.Clone(kindSettings[kind]), common...)
}

// IsSecret tells whether a setting of the kind must never be shown in full.
func IsSecret(kind redazione.ChannelKind, key string) bool {
	for _, s := range SettingsOf(kind) {
		if s.Key == key {
			return s.Secret
		}
	}
	// unknown keys: by their name, to be safe
	return strings.Contains(key, "token") || strings.Contains(key, "secret") || strings.Contains(key, "password")
}

// CheckSettings names the first required setting missing, or the first
// address that is not an http(s) URL.
func CheckSettings(kind redazione.ChannelKind, settings map[string]string) error {
	for _, s := range SettingsOf(kind) {
		v := strings.TrimSpace(settings[s.Key])
		if s.Required && v == "" {
			return redazione.FieldError(s.Key, "manca l'impostazione obbligatoria %s", s.Key)
		}
		if s.URL && v != "" {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return redazione.FieldError(s.Key, "%s deve essere un indirizzo http o https", s.Key)
			}
		}
	}
	if kind == redazione.ChannelTelegram {
		if m := settings["mode"]; m != "" && m != "webhook" && m != "polling" {
			return redazione.FieldError("mode", "mode deve essere webhook o polling")
		}
	}
	return nil
}

// WebhookPath is where the platform posts a channel's events ("" for
// channels Redazione polls or that have none).
func WebhookPath(c *redazione.Channel) string {
	switch c.Kind {
	case redazione.ChannelTelegram:
		if c.Settings["mode"] == "polling" {
			return ""
		}
		return "/hooks/telegram/" + itoa(c.ID)
	case redazione.ChannelWhatsApp, redazione.ChannelMessenger, redazione.ChannelInstagram:
		return "/hooks/meta/" + itoa(c.ID)
	}
	return ""
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
