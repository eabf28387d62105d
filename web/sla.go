package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// slaReads is what the office hours and response-time pages read (*store.DB
// has it).
type slaReads interface {
	Channels(ctx context.Context, enteID int64) ([]*redazione.Channel, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	SLA(ctx context.Context, enteID int64) (*store.SLAConfig, error)
}

func (s *Server) slaDB() slaReads { return s.DB }

// slaView is how a conversation stands against its response-time target.
type slaView struct {
	Class string // sla-ok, sla-soon, sla-breached, sla-paused
	Text  string // e.g. "Prima risposta entro 1 h 20 min"
	Due   time.Time
	// At is the moment Text speaks of: Due, or while the clock is stopped
	// the moment it stopped.
	At time.Time
	// Left says, while the clock is stopped, the working time that will be
	// left when the citizen answers and the clock starts again.
	Left string
	st   sla.Status
}

// slaOf returns the SLA status of c at now under the calendar, or nil when
// c has no running target.
func slaOf(lang string, cal *calendar.Calendar, c *redazione.Conversation, now time.Time) *slaView {
	if cal == nil || c.Status == redazione.StatusResolved {
		return nil
	}
	clk := sla.Clock{FirstResponseDue: c.FirstResponseDue, ResolutionDue: c.ResolutionDue, PendingSince: c.PendingSince}
	answered := !c.FirstResponseAt.IsZero()
	target := c.ResolutionTarget
	if !answered && !c.FirstResponseDue.IsZero() {
		target = c.FirstTarget
	}
	st, ok := clk.Now(cal, answered, target, now)
	if !ok {
		return nil
	}
	what := translate(lang, "sla.resolution")
	if st.FirstOnly {
		what = translate(lang, "sla.first")
	}
	v := &slaView{Due: st.Due, At: st.Due, st: st}
	switch {
	case st.Paused:
		since := c.PendingSince.In(rome)
		v.Class, v.At = "sla-paused", c.PendingSince
		v.Text = fmt.Sprintf(translate(lang, "sla.paused"), since.Format("02/01/2006"), since.Format("15:04"))
		if st.Breached {
			v.Left = fmt.Sprintf(translate(lang, "sla.paused.breached"), what, businessDuration(lang, -st.Left))
		} else {
			v.Left = fmt.Sprintf(translate(lang, "sla.paused.left"), what, businessDuration(lang, st.Left))
		}
	case st.Breached:
		v.Class, v.Text = "sla-breached", fmt.Sprintf(translate(lang, "sla.breached"), what, businessDuration(lang, -st.Left))
	case st.Imminent:
		v.Class, v.Text = "sla-soon", fmt.Sprintf(translate(lang, "sla.left"), what, businessDuration(lang, st.Left))
	default:
		v.Class, v.Text = "sla-ok", fmt.Sprintf(translate(lang, "sla.left"), what, businessDuration(lang, st.Left))
	}
	return v
}

// businessDuration writes a span of working time.
func businessDuration(lang string, d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	switch {
	case m < 1:
		if lang == "en" {
			return "under a minute"
		}
		return "meno di un minuto"
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// slaFunc returns, for a page of the actor's ente, the function templates
// call to show each conversation's SLA.
func (s *Server) slaFunc(r *http.Request, u *session, lang string) func(*redazione.Conversation) *slaView {
	cfg, err := s.slaDB().SLA(r.Context(), u.Actor.EnteID)
	now := time.Now()
	return func(c *redazione.Conversation) *slaView {
		if err != nil {
			return nil
		}
		return slaOf(lang, cfg.Calendar, c, now)
	}
}

// priorities lists the priorities for the forms, highest first.
var priorities = []sla.Priority{sla.Urgent, sla.High, sla.Normal, sla.Low}

func priorityLabel(lang string, p int) string {
	return translate(lang, "priority."+sla.Priority(p).Label())
}

func (s *Server) setPriority(w http.ResponseWriter, r *http.Request, u *session) {
	p, err := strconv.Atoi(r.PostFormValue("priority"))
	pr := sla.Priority(p)
	if err != nil || !pr.Valid() {
		s.fail(w, r, s.page(r, u, "", "inbox"), redazione.FieldError("priority", "priorità non valida"))
		return
	}
	s.change(w, r, u, store.Change{Priority: &pr})
}

// calendarView is the data of the calendar page.
type calendarView struct {
	Settings calendar.Settings
	Days     [7]string
	Order    []int // weekdays Monday first
	Closures string
	Holidays []calendar.Holiday
	Year     int
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request, u *session) {
	cfg, err := s.slaDB().SLA(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.renderCalendar(w, r, u, cfg.Settings, cfg.Calendar, "", http.StatusOK, nil)
}

func (s *Server) renderCalendar(w http.ResponseWriter, r *http.Request, u *session, set calendar.Settings, cal *calendar.Calendar, flash string, status int, err error) {
	p := s.page(r, u, translate(langOf(r), "admin.calendar"), "admin")
	v := &calendarView{Settings: set, Days: calendar.DayNames, Order: []int{1, 2, 3, 4, 5, 6, 0},
		Closures: closuresText(set.Closures), Year: time.Now().In(calendar.Rome).Year()}
	if cal == nil {
		cal, _ = calendar.StandardSettings().Calendar()
	}
	v.Holidays = cal.Holidays(v.Year)
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "admin_calendar", p, status, err)
}

// closuresText writes the extra closing days one a line, the Italian way
// (24/12/2026).
func closuresText(days []string) string {
	out := make([]string, len(days))
	for i, x := range days {
		out[i] = x
		if d, err := calendar.ParseDate(x); err == nil {
			out[i] = fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
		}
	}
	return strings.Join(out, "\n")
}

func (s *Server) saveCalendar(w http.ResponseWriter, r *http.Request, u *session) {
	var set calendar.Settings
	for d := range set.Week {
		set.Week[d] = r.PostFormValue(fmt.Sprintf("week%d", d))
	}
	set.Patron = strings.TrimSpace(r.PostFormValue("patron"))
	set.Closures = strings.FieldsFunc(r.PostFormValue("closures"), func(c rune) bool { return c == '\n' || c == ',' || c == ' ' || c == '\r' })
	// Kept as 2026-12-24 whatever the way they were typed; a date that
	// does not read stays as typed, for the refusal to name it.
	for i, x := range set.Closures {
		if d, err := calendar.ParseDate(x); err == nil {
			set.Closures[i] = d.String()
		}
	}
	set.PentecostMonday = r.PostFormValue("pentecost") == "on"
	if err := s.Settings.SaveCalendar(r.Context(), u.Actor, set); err != nil {
		s.renderCalendar(w, r, u, set, nil, "", 0, err)
		return
	}
	cfg, _ := s.slaDB().SLA(r.Context(), u.Actor.EnteID)
	s.renderCalendar(w, r, u, cfg.Settings, cfg.Calendar, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

// slaAdminView is the data of the response-time targets page.
type slaAdminView struct {
	Policies   []sla.Policy
	Desks      []redazione.Desk
	Channels   []*redazione.Channel
	Priorities []sla.Priority
	DeskNames  map[int64]string
	ChanNames  map[int64]string
}

func (s *Server) slaPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderSLA(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderSLA(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, err error) {
	ctx := r.Context()
	p := s.page(r, u, translate(langOf(r), "admin.sla"), "admin")
	v := &slaAdminView{Priorities: priorities, DeskNames: map[int64]string{}, ChanNames: map[int64]string{}}
	cfg, lerr := s.slaDB().SLA(ctx, u.Actor.EnteID)
	if lerr != nil {
		s.fail(w, r, p, lerr)
		return
	}
	v.Policies = cfg.Policies
	v.Desks, _ = s.slaDB().Desks(ctx, u.Actor.EnteID)
	v.Channels, _ = s.slaDB().Channels(ctx, u.Actor.EnteID)
	for _, d := range v.Desks {
		v.DeskNames[d.ID] = d.Name
	}
	for _, c := range v.Channels {
		v.ChanNames[c.ID] = c.Name
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "admin_sla", p, status, err)
}

// hoursField reads a number of working hours ("4", "1,5", "0.25").
func hoursField(r *http.Request, key string) (time.Duration, error) {
	v := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(key), ",", "."))
	if v == "" {
		return 0, nil
	}
	h, err := strconv.ParseFloat(v, 64)
	if err != nil || h < 0 || h > 24*365 {
		return 0, redazione.FieldError(key, "scrivi un numero di ore, per esempio 4 o 1,5")
	}
	return time.Duration(h * float64(time.Hour)).Round(time.Minute), nil
}

func (s *Server) savePolicy(w http.ResponseWriter, r *http.Request, u *session) {
	p := &sla.Policy{Name: r.PostFormValue("name"), DeskID: formInt(r, "desk"), ChannelID: formInt(r, "channel")}
	if v := r.PostFormValue("priority"); v != "" {
		n, err := strconv.Atoi(v)
		pr := sla.Priority(n)
		if err != nil || !pr.Valid() {
			s.renderSLA(w, r, u, "", 0, redazione.FieldError("priority", "priorità non valida"))
			return
		}
		p.Priority = &pr
	}
	var err error
	if p.FirstResponse, err = hoursField(r, "first_response"); err == nil {
		p.Resolution, err = hoursField(r, "resolution")
	}
	if err == nil {
		err = s.Settings.SaveResponseTarget(r.Context(), u.Actor, p)
	}
	if err != nil {
		s.renderSLA(w, r, u, "", 0, err)
		return
	}
	s.renderSLA(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.DeleteResponseTarget(r.Context(), u.Actor, id); err != nil {
		s.renderSLA(w, r, u, "", 0, err)
		return
	}
	http.Redirect(w, r, "/admin/sla", http.StatusSeeOther)
}
