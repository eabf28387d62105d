package channel

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/secrets"
)

// CredentialsWarning is how long before they expire a channel's credentials
// are flagged to administrators.
const CredentialsWarning = 14 * 24 * time.Hour

// Setting is one setting an administrator gives a channel of some kind.
type Setting struct {
	Key      string
	Required bool
	// Secret settings are sealed at rest and never shown back in full.
	Secret bool
	// URL settings must be absolute http(s) addresses.
	URL bool
	// Date settings are days, YYYY-MM-DD.
	Date bool
}

// common are the settings every channel may have.
var common = []Setting{{Key: "credentials_expire_at", Date: true}}

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
	// files: whether citizens may attach photos and PDFs (on unless "off").
	redazione.ChannelWebChat: {{Key: "files"}},
	// require_timestamp: "on" refuses requests without X-Redazione-Timestamp.
	redazione.ChannelAPI: {{Key: "require_timestamp"}},
	redazione.ChannelTelegram: {
		{Key: "token", Required: true, Secret: true},
		{Key: "mode"},
		{Key: "api_base_url", URL: true},
		// Institutional posts go to this channel or group (@name or id),
		// where the bot is an administrator.
		{Key: "publish_chat"},
		{Key: "publish_approval"},
	},
	redazione.ChannelWhatsApp:  append([]Setting{{Key: "phone_number_id", Required: true}, {Key: "templates"}}, meta...),
	redazione.ChannelMessenger: append([]Setting{{Key: "page_id", Required: true}, {Key: "publish_approval"}}, meta...),
	// ig_user_id: the Instagram professional account posts go to (found
	// from the Page when empty).
	redazione.ChannelInstagram: append([]Setting{{Key: "page_id", Required: true}, {Key: "ig_user_id"}, {Key: "publish_approval"}}, meta...),
	redazione.ChannelMastodon: {
		{Key: "api_base_url", Required: true, URL: true},
		{Key: "token", Required: true, Secret: true},
		{Key: "poll_interval"},
		// streaming: auto (the default: WebSocket where the instance
		// offers it, else server-sent events), websocket, sse or off.
		{Key: "streaming"},
		{Key: "streaming_url", URL: true},
		// recheck_interval: how often, while polling, the latest public
		// statuses are asked for again (edits, deletions); off to stop.
		{Key: "recheck_interval"},
		// publish_approval: "on" when every post needs a second person.
		{Key: "publish_approval"},
	},
	// App IO: the service's API key (header Ocp-Apim-Subscription-Key), the
	// API's address (tests and gateways give theirs) and the service's
	// name as operators know it.
	redazione.ChannelAppIO: {
		{Key: "api_key", Required: true, Secret: true},
		{Key: "service_name"}, // optional: the channel's name stands for it
		{Key: "api_base_url", URL: true},
	},
	// X: the app's OAuth 2.0 client (confidential: id and secret); the
	// account's tokens, user id and name are added when an administrator
	// signs in (Amministrazione › Canali), never typed. api_base_url and
	// auth_base_url for tests and gateways; read_mentions=on polls the
	// account's mentions (the ente's API access must allow reading).
	redazione.ChannelX: {
		{Key: "client_id", Required: true},
		{Key: "client_secret", Required: true, Secret: true},
		{Key: "read_mentions"},
		{Key: "poll_interval"},
		{Key: "publish_approval"},
		{Key: "api_base_url", URL: true},
		{Key: "auth_base_url", URL: true},
	},
	// Bluesky: the account's handle and an app password (Settings ›
	// Privacy and security › App passwords on Bluesky); api_base_url is the
	// account's PDS, found from the handle when empty; direct_messages=on
	// brings the account's chats in (the app password must allow them).
	redazione.ChannelBluesky: {
		{Key: "handle", Required: true},
		{Key: "app_password", Required: true, Secret: true},
		{Key: "api_base_url", URL: true},
		{Key: "direct_messages"},
		{Key: "poll_interval"},
		{Key: "publish_approval"},
	},
	// The server addresses may hold the password (imaps://user:password@host):
	// secret, shown without the password (Masked).
	redazione.ChannelEmail: {
		{Key: "imap_url", Required: true, Secret: true},
		{Key: "smtp_url", Required: true, Secret: true},
		{Key: "address", Required: true},
		{Key: "imap_password", Secret: true},
		{Key: "smtp_password", Secret: true},
		{Key: "pec"},
		{Key: "poll_interval"},
		{Key: "import_since", Date: true},
		// OAuth 2.0 instead of passwords (Microsoft 365, Google Workspace).
		{Key: "oauth_token_url", URL: true},
		{Key: "oauth_client_id"},
		{Key: "oauth_client_secret", Secret: true},
		{Key: "oauth_refresh_token", Secret: true},
		{Key: "oauth_scope"},
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
	if v := settings["publish_approval"]; v != "" && v != "on" && v != "off" {
		return redazione.FieldError("publish_approval", "publish_approval vale on oppure off")
	}
	if kind == redazione.ChannelWebChat {
		if v := settings["files"]; v != "" && v != "on" && v != "off" {
			return redazione.FieldError("files", "files vale on oppure off")
		}
	}
	if kind == redazione.ChannelEmail {
		return checkEmail(settings)
	}
	if kind == redazione.ChannelX {
		if v := settings["read_mentions"]; v != "" && v != "on" && v != "off" {
			return redazione.FieldError("read_mentions", "read_mentions vale on oppure off")
		}
		if v := settings["poll_interval"]; v != "" {
			if d, err := time.ParseDuration(v); err != nil || d < time.Minute {
				return redazione.FieldError("poll_interval", "poll_interval è una durata di almeno un minuto, come 5m")
			}
		}
	}
	if kind == redazione.ChannelMastodon {
		return checkMastodon(settings)
	}
	if kind == redazione.ChannelBluesky {
		return checkBluesky(settings)
	}
	return nil
}

// checkMastodon checks how a Mastodon channel streams and polls.
func checkMastodon(settings map[string]string) error {
	switch settings["streaming"] {
	case "", "auto", "websocket", "sse", "off":
	default:
		return redazione.FieldError("streaming", "streaming vale auto, websocket, sse oppure off")
	}
	for _, key := range []string{"poll_interval", "recheck_interval"} {
		v := settings[key]
		if v == "" || key == "recheck_interval" && v == "off" {
			continue
		}
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return redazione.FieldError(key, "%s è una durata come 30s o 5m", key)
		}
	}
	return nil
}

// handleRe is the syntax of an AT Protocol handle: a domain name
// (atproto.com/specs/handle).
var handleRe = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// checkBluesky checks a Bluesky channel's handle and switches.
func checkBluesky(settings map[string]string) error {
	h := strings.TrimPrefix(strings.TrimSpace(settings["handle"]), "@")
	if len(h) > 253 || !handleRe.MatchString(h) {
		return redazione.FieldError("handle", "handle è il nome dell'account Bluesky, come comune.example.it o ente.bsky.social")
	}
	if v := settings["direct_messages"]; v != "" && v != "on" && v != "off" {
		return redazione.FieldError("direct_messages", "direct_messages vale on oppure off")
	}
	if v := settings["poll_interval"]; v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return redazione.FieldError("poll_interval", "poll_interval è una durata come 30s o 5m")
		}
	}
	return nil
}

// checkEmail checks the servers and the address of an e-mail channel.
func checkEmail(settings map[string]string) error {
	for key, scheme := range map[string]string{"imap_url": "imap", "smtp_url": "smtp"} {
		u, err := url.Parse(strings.TrimSpace(settings[key]))
		if err != nil || (u.Scheme != scheme && u.Scheme != scheme+"s") || u.Hostname() == "" {
			return redazione.FieldError(key, "%s deve essere un indirizzo %s://utente:password@host:porta o %ss://...", key, scheme, scheme)
		}
		if q := u.Query().Get("tls"); q != "" && q != "none" {
			return redazione.FieldError(key, "%s: tls ammette solo il valore none", key)
		}
	}
	if a, err := mail.ParseAddress(settings["address"]); err != nil || !strings.Contains(a.Address, "@") {
		return redazione.FieldError("address", "address deve essere l'indirizzo e-mail del canale")
	}
	if v := settings["pec"]; v != "" && v != "true" && v != "false" {
		return redazione.FieldError("pec", "pec vale true o false")
	}
	if v := settings["poll_interval"]; v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return redazione.FieldError("poll_interval", "poll_interval è una durata come 30s o 5m")
		}
	}
	if v := settings["oauth_token_url"]; v != "" {
		// The client secret and the refresh token travel to it.
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && !loopback(u.Hostname())) {
			return redazione.FieldError("oauth_token_url", "oauth_token_url deve essere un indirizzo https")
		}
		if settings["oauth_client_id"] == "" {
			return redazione.FieldError("oauth_client_id", "con oauth_token_url serve oauth_client_id")
		}
		if settings["oauth_client_secret"] == "" && settings["oauth_refresh_token"] == "" {
			return redazione.FieldError("oauth_client_secret", "con oauth_token_url serve oauth_client_secret (o oauth_refresh_token)")
		}
	} else if settings["oauth_client_id"] != "" || settings["oauth_refresh_token"] != "" {
		return redazione.FieldError("oauth_token_url", "le impostazioni OAuth richiedono oauth_token_url")
	}
	if v := settings["import_since"]; v != "" {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return redazione.FieldError("import_since", "import_since è una data come 2026-11-01")
		}
	}
	return nil
}

// loopback reports whether host is this machine, where plain http is safe.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Masked shows a secret setting without its secret: a server address with
// its user and host but neither password nor query, anything else by its
// last characters only.
func Masked(v string) string {
	if u, err := url.Parse(v); err == nil && strings.Contains(v, "://") && u.Host != "" {
		u.RawQuery, u.Fragment, u.ForceQuery = "", "", false
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		return u.String()
	}
	return secrets.Mask(v)
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
