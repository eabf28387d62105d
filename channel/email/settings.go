// Package email is the e-mail and PEC channel: citizens' e-mails are
// fetched from the channel's IMAP mailbox (IDLE where the server offers it,
// polling otherwise) and the office's replies go out through its SMTP
// server, threaded by Message-ID, In-Reply-To and References. On a PEC
// mailbox, certified messages are unwrapped and the providers' receipts are
// linked to the office's messages they acknowledge.
package email

import (
	"net"
	"net/mail"
	"net/url"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
)

// The channel's settings (sealed at rest with the others):
//
//	imap_url       imaps://user:password@host:993/INBOX (TLS), or imap://...:143
//	               (STARTTLS, required), or imap://...?tls=none for a server on
//	               the same host, by explicit choice; the path names the mailbox
//	smtp_url       smtps://user:password@host:465 (TLS), smtp://...:587
//	               (STARTTLS, required), or smtp://...?tls=none likewise
//	address        the office's address, From of every reply
//	imap_password  the IMAP password, when it is not in the URL
//	smtp_password  the SMTP password, when it is not in the URL
//	pec            "true" on a PEC mailbox: envelopes unwrapped, receipts linked
//	poll_interval  how often the mailbox is read again, with or without IDLE
//	               (default 1m)
//	oauth_*        sign in with OAuth 2.0 instead of a password (oauth.go)
const (
	SettingIMAP         = "imap_url"
	SettingSMTP         = "smtp_url"
	SettingAddress      = "address"
	SettingIMAPPassword = "imap_password"
	SettingSMTPPassword = "smtp_password"
	SettingPEC          = "pec"
	SettingPollInterval = "poll_interval"
	// SettingImportSince (YYYY-MM-DD) is the day from which a mailbox's
	// existing mail is brought in when the channel first reads it; by
	// default, the day before the channel was added.
	SettingImportSince = "import_since"
)

// server is where one side of the channel connects.
type server struct {
	addr     string // host:port
	host     string
	tls      string // "implicit", "starttls" or "none"
	user     string
	password string
	mailbox  string // IMAP only
	// oauth: sign in with XOAUTH2 and a token got with settings (oauth.go).
	oauth    bool
	settings map[string]string
}

// parseServer reads an imap(s):// or smtp(s):// URL; password, when not
// empty, replaces the URL's.
func parseServer(raw, scheme string, defPort, defTLSPort string, password string) (*server, error) {
	field := scheme + "_url"
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != scheme && u.Scheme != scheme+"s") || u.Hostname() == "" {
		return nil, redazione.FieldError(field, "serve un indirizzo %s://utente:password@host:porta o %ss://...", scheme, scheme)
	}
	s := &server{host: u.Hostname(), tls: "starttls"}
	port := u.Port()
	switch {
	case u.Scheme == scheme+"s":
		s.tls = "implicit"
		if port == "" {
			port = defTLSPort
		}
	case u.Query().Get("tls") == "none":
		s.tls = "none"
	}
	if q := u.Query().Get("tls"); q != "" && q != "none" {
		return nil, redazione.FieldError(field, "tls ammette solo il valore none")
	}
	if port == "" {
		port = defPort
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if password != "" {
		s.password = password
	}
	s.mailbox = strings.Trim(u.Path, "/")
	if s.mailbox == "" {
		s.mailbox = "INBOX"
	}
	return s, nil
}

func imapServer(settings map[string]string) (*server, error) {
	return withOAuth(parseServer(settings[SettingIMAP], "imap", "143", "993", settings[SettingIMAPPassword]))(settings)
}

func smtpServer(settings map[string]string) (*server, error) {
	return withOAuth(parseServer(settings[SettingSMTP], "smtp", "587", "465", settings[SettingSMTPPassword]))(settings)
}

func withOAuth(s *server, err error) func(settings map[string]string) (*server, error) {
	return func(settings map[string]string) (*server, error) {
		if err != nil {
			return nil, err
		}
		s.oauth, s.settings = usesOAuth(settings), settings
		return s, nil
	}
}

// CheckSettings says what is missing or wrong in an e-mail channel's
// settings, naming the setting.
func CheckSettings(settings map[string]string) error {
	return channel.CheckSettings(redazione.ChannelEmail, settings)
}

// parseAddress returns the bare address of "Name <address>".
func parseAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

// isPEC reports whether the channel's mailbox is a PEC one.
func isPEC(settings map[string]string) bool { return settings[SettingPEC] == "true" }
