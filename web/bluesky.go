package web

var _ = addCatalog(blueskyCatalog)

// blueskyCatalog names the Bluesky channel and its settings on the
// channels' page.
var blueskyCatalog = map[string][2]string{
	"kind.bluesky":        {"Bluesky", "Bluesky"},
	"set.handle":          {"Handle dell'account (es. comune.example.it o ente.bsky.social)", "The account's handle (e.g. comune.example.it or ente.bsky.social)"},
	"set.app_password":    {"App password (Impostazioni › Privacy e sicurezza › App password)", "App password (Settings › Privacy and security › App passwords)"},
	"set.direct_messages": {"Messaggi diretti (on per riceverli e rispondere; l'app password deve consentirli)", "Direct messages (on to receive and answer them; the app password must allow them)"},
}
