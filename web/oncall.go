package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// The on-call rota page: who is on call now and next, the shifts, and what
// counts as a spike of messages.

// onCallReads is what the on-call pages read (*store.DB has it).
type onCallReads interface {
	Now() time.Time
	OnCall(ctx context.Context, enteID int64, at time.Time) ([]*redazione.User, error)
	SLA(ctx context.Context, enteID int64) (*store.SLAConfig, error)
	Shifts(ctx context.Context, enteID int64, from, to time.Time) ([]store.Shift, error)
	SpikeRule(ctx context.Context, enteID int64) (store.SpikeRule, error)
	Users(ctx context.Context, enteID int64) ([]*redazione.User, error)
}

func (s *Server) onCallDB() onCallReads { return s.DB }

var _ = addCatalog(oncallCatalog)

type oncallView struct {
	Now      []*redazione.User
	Shifts   []store.Shift
	Users    []*redazione.User
	Rule     store.SpikeRule
	CanEdit  bool
	CanAdmin bool
	Open     bool
}

func (s *Server) oncallPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderOncall(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderOncall(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "oncall.title"), "oncall")
	ctx := r.Context()
	now := s.onCallDB().Now()
	v := &oncallView{CanEdit: u.Actor.Role == redazione.RoleAdmin || u.Actor.Role == redazione.RoleCoordinator, CanAdmin: u.Actor.CanAdmin()}
	var err error
	if v.Now, err = s.onCallDB().OnCall(ctx, u.Actor.EnteID, now); err == nil {
		if v.Shifts, err = s.onCallDB().Shifts(ctx, u.Actor.EnteID, now, now.AddDate(0, 2, 0)); err == nil {
			if v.Users, err = s.onCallDB().Users(ctx, u.Actor.EnteID); err == nil {
				v.Rule, err = s.onCallDB().SpikeRule(ctx, u.Actor.EnteID)
			}
		}
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	if cfg, err := s.onCallDB().SLA(ctx, u.Actor.EnteID); err == nil && cfg.Calendar != nil {
		v.Open = cfg.Calendar.IsOpen(now)
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "oncall", p, status, formErr)
}

func (s *Server) addShift(w http.ResponseWriter, r *http.Request, u *session) {
	from, ok1 := parseLocal(r.PostFormValue("from"))
	to, ok2 := parseLocal(r.PostFormValue("to"))
	if !ok1 || !ok2 {
		s.renderOncall(w, r, u, "", 0, redazione.FieldError("from", "indica inizio e fine del turno (data e ora)"))
		return
	}
	if err := s.Settings.AddShift(r.Context(), u.Actor, formInt(r, "user"), from, to); err != nil {
		s.renderOncall(w, r, u, "", 0, err)
		return
	}
	s.renderOncall(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) deleteShift(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.DeleteShift(r.Context(), u.Actor, id); err != nil {
		s.renderOncall(w, r, u, "", 0, err)
		return
	}
	s.renderOncall(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) setSpikeRule(w http.ResponseWriter, r *http.Request, u *session) {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("threshold")))
	m, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("minutes")))
	if err := s.Settings.SetSpikeRule(r.Context(), u.Actor, store.SpikeRule{Threshold: n, Minutes: m}); err != nil {
		s.renderOncall(w, r, u, "", 0, err)
		return
	}
	s.renderOncall(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

var oncallCatalog = map[string][2]string{
	"oncall.title":     {"Reperibilità", "On call"},
	"oncall.link":      {"Reperibilità fuori orario", "On call out of hours"},
	"oncall.help":      {"Fuori dall'orario dell'ufficio (notti, domeniche, festività e santo patrono) un messaggio urgente, un tempo di risposta superato o un picco di messaggi arrivano anche a chi è reperibile, nell'app e per e-mail.", "Out of office hours (nights, Sundays, holidays and the patron saint's day) an urgent message, a missed response time or a spike of messages also reach whoever is on call, in the app and by e-mail."},
	"oncall.now":       {"Reperibile ora", "On call now"},
	"oncall.nobody":    {"nessuno", "nobody"},
	"oncall.office":    {"Ufficio", "Office"},
	"oncall.open":      {"aperto", "open"},
	"oncall.closed":    {"chiuso", "closed"},
	"oncall.shifts":    {"Turni dei prossimi due mesi", "Shifts of the next two months"},
	"oncall.none":      {"Nessun turno.", "No shifts."},
	"oncall.person":    {"Persona", "Person"},
	"oncall.from":      {"Dal", "From"},
	"oncall.to":        {"Al", "To"},
	"oncall.add":       {"Aggiungi il turno", "Add the shift"},
	"oncall.delete":    {"Elimina", "Delete"},
	"oncall.spike":     {"Picco di messaggi", "Spike of messages"},
	"oncall.threshold": {"Messaggi", "Messages"},
	"oncall.minutes":   {"in minuti", "within minutes"},
}
