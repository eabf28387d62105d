package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// snoozePresets are the choices of the "Rimanda" menus, in their order.
var snoozePresets = []string{"1h", "tomorrow", "monday", "reply", "custom"}

// snoozeAt reads a snooze choice (a preset, or "custom" with a local date
// and time, as an <input type="datetime-local"> sends it) at now, in
// Rome's time: "tomorrow" and "monday" are at 9:00, "monday" the next one
// (a week on, on a Monday).
func snoozeAt(preset, custom string, now time.Time) (store.Snooze, error) {
	local := now.In(rome)
	nine := func(days int) time.Time {
		d := local.AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, rome)
	}
	switch preset {
	case "1h":
		return store.Snooze{Until: now.Add(time.Hour)}, nil
	case "tomorrow":
		return store.Snooze{Until: nine(1)}, nil
	case "monday":
		days := (int(time.Monday) - int(local.Weekday()) + 7) % 7
		if days == 0 {
			days = 7
		}
		return store.Snooze{Until: nine(days)}, nil
	case "reply":
		return store.Snooze{UntilReply: true}, nil
	case "custom":
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(custom), rome)
		if err != nil {
			return store.Snooze{}, redazione.FieldError("until", "scrivi data e ora in cui riportare la conversazione")
		}
		if !t.After(now) {
			return store.Snooze{}, redazione.FieldError("until", "scegli un momento futuro")
		}
		if t.After(now.AddDate(1, 0, 0)) {
			return store.Snooze{}, redazione.FieldError("until", "si può rimandare al massimo di un anno")
		}
		return store.Snooze{Until: t}, nil
	}
	return store.Snooze{}, redazione.FieldError("snooze", "scegli fino a quando rimandare")
}

// longMoment writes a time in Rome the way a person says it: "lunedì 7
// dicembre 2026 alle 9:00" ("Monday 7 December 2026 at 9:00").
func longMoment(lang string, t time.Time) string {
	l := t.In(rome)
	if lang == "en" {
		return fmt.Sprintf("%s at %s", longDate(lang, l), l.Format("15:04"))
	}
	return fmt.Sprintf("%s alle %d:%02d", longDate(lang, l), l.Hour(), l.Minute())
}

// snoozeLabel says until when a snooze lasts.
func snoozeLabel(lang string, sn store.Snooze) string {
	if sn.UntilReply {
		return translate(lang, "snooze.until.reply")
	}
	return longMoment(lang, sn.Until)
}

// snoozeConversation puts a conversation aside, or brings it back (wake).
func (s *Server) snoozeConversation(w http.ResponseWriter, r *http.Request, u *session) {
	var sn store.Snooze
	if r.PostFormValue("wake") == "" {
		var err error
		if sn, err = snoozeAt(r.PostFormValue("snooze"), r.PostFormValue("until"), s.bulkDB().Now()); err != nil {
			s.fail(w, r, s.page(r, u, "", "inbox"), err)
			return
		}
	}
	if _, err := s.Inbox.Snooze(r.Context(), u.Actor, s.convID(r), sn); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	s.afterChange(w, r, u, "details")
}
