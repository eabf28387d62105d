// Package publish holds the rules of institutional publishing: the checks a
// post passes before it may go out (personal data, the ente's blocklist,
// links, length, the electoral silence of L. 28/2000 art. 9) and the
// tamper-evident chain of the publication log.
package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/detect"
)

// Level says what a finding means for the post.
type Level string

const (
	// Block: the post cannot go out as it is.
	Block Level = "block"
	// Warn: the author must say they checked it.
	Warn Level = "warn"
)

// Finding is one thing a check found in a post.
type Finding struct {
	Check   string // personal_data, blocklist, link, length, silence, capitals, empty
	Level   Level
	Message string // Italian, for the author
}

// Period is an electoral period: from the convocation of the elections to
// the close of the polls, the ente communicates only in an impersonal form
// and when indispensable (L. 28/2000 art. 9).
type Period struct {
	ID       int64
	Name     string
	From, To calendar.Date
}

// Contains reports whether day d is in the period.
func (p Period) Contains(d calendar.Date) bool {
	s := d.String()
	return p.From.String() <= s && s <= p.To.String()
}

// Rules are the ente's and the platform's limits on a post.
type Rules struct {
	Blocklist []string // words or phrases never published
	Periods   []Period
	MaxLength int // the platform's limit, as Length counts (0: none)
	// Kind is the platform the post goes to: Length counts its text as
	// that platform does.
	Kind redazione.ChannelKind
	// PerURL is what a link counts where the server says it (a Mastodon
	// instance's characters_reserved_per_url; 0: the platform's default).
	PerURL int
}

// Length counts text as the platform of kind counts it against its
// MaxLength: characters (Unicode code points) unless the platform says
// otherwise.
func Length(kind redazione.ChannelKind, text string) int {
	if kind == redazione.ChannelX {
		return XLength(text)
	}
	if kind == redazione.ChannelMastodon {
		// Mastodon's 500 are graphemes, a link 23 whatever its length
		// (the instance's own figures are used where it has said them:
		// Rules.MaxLength, Rules.PerURL).
		return MastodonLength(text, MastodonURLLength)
	}
	if kind == redazione.ChannelBluesky {
		// Bluesky's 300 are graphemes, what a reader sees as one
		// character: an emoji with its modifiers, a letter with its accent.
		return uniseg.GraphemeClusterCount(text)
	}
	return utf8.RuneCountInString(text)
}

// MaxLength returns the longest post a platform takes.
func MaxLength(kind redazione.ChannelKind) int {
	switch kind {
	case redazione.ChannelMastodon:
		return MastodonMaxCharacters
	case redazione.ChannelTelegram:
		return 4096
	case redazione.ChannelMessenger:
		return 63206
	case redazione.ChannelInstagram:
		return InstagramMaxCaption
	case redazione.ChannelX:
		return xMaxWeighted
	case redazione.ChannelBluesky:
		return 300
	}
	return 0
}

var linkRe = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"']+`)

// shorteners hide where a link goes: a citizen cannot tell an official
// address from a fraud.
var shorteners = []string{"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at"}

// Check returns what the checks find in a post of text to go out on day.
// justified: the author stated why a post in an electoral period is
// impersonal and indispensable (it then needs a second person's approval).
func Check(text string, day calendar.Date, justified bool, r Rules) []Finding {
	var out []Finding
	add := func(check string, l Level, format string, args ...any) {
		out = append(out, Finding{Check: check, Level: l, Message: fmt.Sprintf(format, args...)})
	}
	t := strings.TrimSpace(text)
	if t == "" {
		add("empty", Block, "il testo è vuoto")
		return out
	}
	n := Length(r.Kind, t)
	if r.Kind == redazione.ChannelMastodon && r.PerURL > 0 {
		n = MastodonLength(t, r.PerURL)
	}
	if r.MaxLength > 0 && n > r.MaxLength {
		add("length", Block, "il testo ha %d caratteri: questa piattaforma ne accetta al massimo %d", n, r.MaxLength)
	}
	for _, p := range r.Periods {
		if p.Contains(day) {
			if justified {
				add("silence", Warn, "periodo elettorale «%s» (dal %s al %s): solo comunicazione impersonale e indispensabile (L. 28/2000, art. 9); serve l'approvazione di una seconda persona", p.Name, dmy(p.From), dmy(p.To))
			} else {
				add("silence", Block, "periodo elettorale «%s» (dal %s al %s): si può pubblicare solo una comunicazione impersonale e indispensabile (L. 28/2000, art. 9), spiegando perché lo è", p.Name, dmy(p.From), dmy(p.To))
			}
		}
	}
	lower := strings.ToLower(t)
	for _, w := range r.Blocklist {
		w = strings.ToLower(strings.TrimSpace(w))
		if w != "" && containsWord(lower, w) {
			add("blocklist", Block, "contiene «%s», che l'ente ha escluso dalle pubblicazioni", w)
		}
	}
	for _, f := range detect.PersonalData(t) {
		add("personal_data", Warn, "dati personali: %s («%s»); pubblicali solo se sono un recapito dell'ente", f.Reason, f.Value)
	}
	for _, l := range linkRe.FindAllString(t, -1) {
		l = strings.TrimRight(l, ".,;:!?)»")
		raw := l
		if strings.HasPrefix(strings.ToLower(l), "www.") {
			raw = "https://" + l
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "":
			add("link", Warn, "il collegamento %s non sembra un indirizzo valido", l)
		case strings.EqualFold(u.Scheme, "http"):
			add("link", Warn, "il collegamento %s non è sicuro (http): usa https", l)
		default:
			host := strings.ToLower(strings.TrimPrefix(u.Hostname(), "www."))
			for _, s := range shorteners {
				if host == s {
					add("link", Warn, "il collegamento %s è abbreviato: i cittadini non vedono dove porta", l)
				}
			}
		}
	}
	if shouting(t) {
		add("capitals", Warn, "il testo è quasi tutto in maiuscolo: sui social equivale a gridare")
	}
	return out
}

// MaxCaption is the longest text Telegram takes with a photo.
const MaxCaption = 1024

// ImageType reports whether a post may carry an image of this type.
func ImageType(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

// MaxGallery is the most images any platform takes in one post
// (Instagram's carousel, a Telegram album): no post carries more.
const MaxGallery = 10

// MaxImages returns how many images a post takes on a platform (0: none).
func MaxImages(kind redazione.ChannelKind) int {
	switch kind {
	case redazione.ChannelMastodon, redazione.ChannelBluesky, redazione.ChannelX:
		return 4
	case redazione.ChannelTelegram, redazione.ChannelInstagram:
		return 10 // a Telegram album (sendMediaGroup), an Instagram carousel
	case redazione.ChannelMessenger:
		return 1 // a Page photo; multi-photo posts are not implemented
	}
	return 0
}

// ImageAlt is one image of a post as the checks see it: its file name and
// alternative text.
type ImageAlt struct{ Name, Alt string }

// CheckImages checks a post's images for a platform: no more than it takes,
// and each with its alternative text (CheckImage; with several, each
// finding says which image).
func CheckImages(kind redazione.ChannelKind, imgs []ImageAlt) []Finding {
	var out []Finding
	if max := MaxImages(kind); len(imgs) > max {
		out = append(out, Finding{Check: "images", Level: Block, Message: imagesTooMany(kind, len(imgs), max)})
	}
	for i, im := range imgs {
		for _, f := range CheckImage(im.Name, im.Alt) {
			if len(imgs) > 1 {
				f.Message = fmt.Sprintf("immagine %d: %s", i+1, f.Message)
			}
			out = append(out, f)
		}
	}
	return out
}

func imagesTooMany(kind redazione.ChannelKind, n, max int) string {
	name := PlatformName(kind)
	switch max {
	case 0:
		return fmt.Sprintf("su %s non si pubblicano immagini: togli le %d immagini", name, n)
	case 1:
		return fmt.Sprintf("la pubblicazione ha %d immagini: su %s se ne pubblica una sola", n, name)
	}
	return fmt.Sprintf("la pubblicazione ha %d immagini: su %s se ne pubblicano al massimo %d", n, name, max)
}

// PlatformName is the platform of kind as people call it, for messages.
func PlatformName(kind redazione.ChannelKind) string {
	switch kind {
	case redazione.ChannelMastodon:
		return "Mastodon"
	case redazione.ChannelTelegram:
		return "Telegram"
	case redazione.ChannelMessenger:
		return "Facebook"
	case redazione.ChannelInstagram:
		return "Instagram"
	case redazione.ChannelBluesky:
		return "Bluesky"
	case redazione.ChannelX:
		return "X"
	}
	return string(kind)
}

// CheckImage checks the alternative text of a post's image: people who
// cannot see it hear it instead (L. 4/2004, WCAG 2.1 1.1.1).
func CheckImage(name, alt string) []Finding {
	alt = strings.TrimSpace(alt)
	base := strings.TrimSuffix(name, "."+lastExt(name))
	switch {
	case alt == "":
		return []Finding{{Check: "alt_text", Level: Block, Message: "l'immagine non ha il testo alternativo: descrivila per chi non la vede"}}
	case strings.EqualFold(alt, name) || strings.EqualFold(alt, base):
		return []Finding{{Check: "alt_text", Level: Block, Message: "il testo alternativo è il nome del file: descrivi che cosa mostra l'immagine"}}
	case utf8.RuneCountInString(alt) < 15:
		return []Finding{{Check: "alt_text", Level: Warn, Message: "il testo alternativo è molto breve: dice davvero che cosa mostra l'immagine?"}}
	}
	return nil
}

func lastExt(name string) string {
	if i := strings.LastIndex(name, "."); i >= 0 {
		return name[i+1:]
	}
	return ""
}

// Blocks reports whether findings stop a post.
func Blocks(fs []Finding) bool {
	for _, f := range fs {
		if f.Level == Block {
			return true
		}
	}
	return false
}

// Silence reports whether a post falls in an electoral period.
func Silence(fs []Finding) bool {
	for _, f := range fs {
		if f.Check == "silence" {
			return true
		}
	}
	return false
}

func containsWord(text, w string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || !isWordRune(before)) && (end == len(text) || !isWordRune(after)) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func shouting(t string) bool {
	letters, upper := 0, 0
	for _, r := range t {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= 20 && upper*10 >= letters*8
}

func dmy(d calendar.Date) string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// Entry is one record of the publication log.
type Entry struct {
	Seq    int64
	EnteID int64
	PostID int64
	Action string // created, submitted, approved, scheduled, cancelled, published, failed
	Actor  int64
	At     time.Time
	Detail string // what the action was about: the account and text digest, the reason
}

// Hash chains an entry to the one before: changing or removing any entry
// breaks every hash after it.
func Hash(prev string, e Entry) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%d\n%d\n%s\n%d\n%d\n%s", prev, e.Seq, e.EnteID, e.PostID, e.Action, e.Actor, e.At.UnixMilli(), e.Detail)
	return hex.EncodeToString(h.Sum(nil))
}

// Digest is the fingerprint of a post's text and account in the log.
func Digest(channelID int64, text string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d\n%s", channelID, text)))
	return hex.EncodeToString(h[:8])
}

// Publishable reports whether posts can go to a channel of this kind.
func Publishable(ch *redazione.Channel) bool {
	switch ch.Kind {
	case redazione.ChannelMastodon, redazione.ChannelMessenger, redazione.ChannelInstagram, redazione.ChannelBluesky:
		return true
	case redazione.ChannelTelegram:
		return ch.Settings["publish_chat"] != ""
	case redazione.ChannelX:
		// once an administrator has signed the account in
		return ch.Settings["refresh_token"] != "" || ch.Settings["access_token"] != ""
	}
	return false
}
