package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
)

// Dates as people read them, in Rome's time: "lunedì 7 dicembre 2026" where
// a day stands alone (a holiday, a calendar cell), "5 dic 14:02" where a
// moment names something (an anonymous citizen).

var (
	weekdaysIT    = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
	monthsShortIT = [...]string{"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"}
)

func init() {
	funcs["longDate"] = longDate
	funcs["longDay"] = func(lang string, d calendar.Date) string {
		return longDate(lang, time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, rome))
	}
	funcs["contactName"] = contactName
	funcs["dmyDate"] = func(d calendar.Date) string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }
}

// longDate writes the day of t with its weekday: "lunedì 7 dicembre 2026".
func longDate(lang string, t time.Time) string {
	t = t.In(rome)
	if lang == "en" {
		return t.Format("Monday 2 January 2006")
	}
	return fmt.Sprintf("%s %d %s %d", weekdaysIT[t.Weekday()], t.Day(), monthsIT[t.Month()-1], t.Year())
}

// shortMoment writes a day and a time briefly: "5 dic 14:02".
func shortMoment(lang string, t time.Time) string {
	t = t.In(rome)
	if lang == "en" {
		return t.Format("2 Jan 15:04")
	}
	return fmt.Sprintf("%d %s %s", t.Day(), monthsShortIT[t.Month()-1], t.Format("15:04"))
}

// contactName is how a conversation's citizen is named in links and
// headings: the name they gave, or, for an anonymous visitor of the web
// chat (known only by a hash), "Cittadino anonimo (Chat del sito) · 5 dic
// 14:02", the channel and when they first wrote; a reader can tell two of
// them apart without reading a hex id.
func contactName(lang string, c *redazione.Conversation) string {
	if c == nil {
		return ""
	}
	if name := strings.TrimSpace(c.Contact.Name); name != "" {
		return name
	}
	if c.ChannelKind == redazione.ChannelWebChat || opaqueID(c.Contact.ExternalID) {
		when := c.CreatedAt
		if when.IsZero() {
			when = c.Contact.CreatedAt
		}
		return fmt.Sprintf(translate(lang, "contact.anonymous"), translate(lang, "kind."+string(c.ChannelKind)), shortMoment(lang, when))
	}
	return c.Contact.ExternalID
}

// opaqueID tells an id no person can read (a long hex hash) from an
// address, a number or a handle, which say who wrote.
func opaqueID(id string) bool {
	if len(id) < 16 {
		return false
	}
	for _, r := range id {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
