package publish

import (
	"regexp"

	"github.com/rivo/uniseg"
)

// Mastodon's limits on a status unless the instance says otherwise
// (GET /api/v2/instance: configuration.statuses.max_characters and
// characters_reserved_per_url).
const (
	MastodonMaxCharacters = 500
	MastodonURLLength     = 23
)

// A mention of an account of another instance: counted by its username
// only (Account::MENTION_RE, replaced by "@username").
var mastodonRemoteMention = regexp.MustCompile(`(?i)(^|[^=/\pL\pN_])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[\pL\pN_]+(?:[.-]+[\pL\pN_]+)*`)

// MastodonLength counts a status as Mastodon does (StatusLengthValidator):
// in graphemes, what a reader sees as one character, a link (only with its
// scheme, FetchLinkCardService::URL_PATTERN) as perURL characters whatever
// its length, a mention of another instance's account without its domain.
func MastodonLength(text string, perURL int) int {
	text = mastodonRemoteMention.ReplaceAllString(text, "$1@$2")
	n, i := 0, 0
	for _, l := range SchemeLinks(text) {
		n += uniseg.GraphemeClusterCount(text[i:l[0]]) + perURL
		i = l[1]
	}
	return n + uniseg.GraphemeClusterCount(text[i:])
}
