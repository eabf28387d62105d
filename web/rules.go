package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/rules"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// ruleReads is what the routing rules and assignment pages read (*store.DB
// has it).
type ruleReads interface {
	Availability(ctx context.Context, enteID, userID int64) (bool, int, error)
	Channels(ctx context.Context, enteID int64) ([]*redazione.Channel, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	RecentInbound(ctx context.Context, a redazione.Actor, limit int) ([]rules.Input, []int64, error)
	Rules(ctx context.Context, enteID int64) ([]rules.Rule, error)
	SLA(ctx context.Context, enteID int64) (*store.SLAConfig, error)
	Users(ctx context.Context, enteID int64) ([]*redazione.User, error)
}

func (s *Server) ruleDB() ruleReads { return s.DB }

// rulesView is the data of the routing rules page.
type rulesView struct {
	Rules      []rules.Rule
	Desks      []redazione.Desk
	Channels   []*redazione.Channel
	Users      []*redazione.User
	Priorities []sla.Priority
	Situations []string
	DeskNames  map[int64]string
	UserNames  map[int64]string
	ChanNames  map[int64]string
	Trial      *ruleTrial
}

// ruleTrial is what a rule would have done on recent messages.
type ruleTrial struct {
	Rule     string
	Matched  int
	Of       int
	Examples []string
}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderRules(w, r, u, nil, "", http.StatusOK, nil)
}

func (s *Server) renderRules(w http.ResponseWriter, r *http.Request, u *session, trial *ruleTrial, flash string, status int, formErr error) {
	ctx := r.Context()
	p := s.page(r, u, translate(langOf(r), "admin.rules"), "admin")
	v := &rulesView{Priorities: priorities, Situations: redazione.ManualSituations, Trial: trial,
		DeskNames: map[int64]string{}, UserNames: map[int64]string{}, ChanNames: map[int64]string{}}
	var err error
	if v.Rules, err = s.ruleDB().Rules(ctx, u.Actor.EnteID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.Desks, _ = s.ruleDB().Desks(ctx, u.Actor.EnteID)
	v.Channels, _ = s.ruleDB().Channels(ctx, u.Actor.EnteID)
	v.Users, _ = s.ruleDB().Users(ctx, u.Actor.EnteID)
	for _, d := range v.Desks {
		v.DeskNames[d.ID] = d.Name
	}
	for _, x := range v.Users {
		v.UserNames[x.ID] = x.Name
	}
	for _, c := range v.Channels {
		v.ChanNames[c.ID] = c.Name
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "admin_rules", p, status, formErr)
}

// ruleFromForm reads a rule from the page's form.
func ruleFromForm(r *http.Request) (*rules.Rule, error) {
	r.ParseForm()
	rule := &rules.Rule{Name: r.PostFormValue("name"), Enabled: r.PostFormValue("enabled") == "on"}
	c, a := &rule.Conditions, &rule.Actions
	for _, v := range r.PostForm["channel"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			c.ChannelIDs = append(c.ChannelIDs, id)
		}
	}
	c.Kind, c.Hours, c.Contact = r.PostFormValue("kind"), r.PostFormValue("hours"), strings.TrimSpace(r.PostFormValue("contact"))
	c.NewOnly = r.PostFormValue("new_only") == "on"
	for _, line := range strings.Split(r.PostFormValue("words"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			c.Words = append(c.Words, line)
		}
	}
	a.DeskID, a.AssigneeID = formInt(r, "desk"), formInt(r, "assignee")
	if v := r.PostFormValue("priority"); v != "" {
		n, err := strconv.Atoi(v)
		pr := sla.Priority(n)
		if err != nil || !pr.Valid() {
			return nil, redazione.FieldError("priority", "priorità non valida")
		}
		a.Priority = &pr
	}
	for _, t := range strings.Split(r.PostFormValue("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			a.Tags = append(a.Tags, t)
		}
	}
	a.Situation, a.AutoReply, a.Stop = r.PostFormValue("situation"), r.PostFormValue("auto_reply"), r.PostFormValue("stop") == "on"
	return rule, nil
}

func (s *Server) saveRule(w http.ResponseWriter, r *http.Request, u *session) {
	rule, err := ruleFromForm(r)
	if err == nil {
		err = s.Settings.SaveRule(r.Context(), u.Actor, rule)
	}
	if err != nil {
		s.renderRules(w, r, u, nil, "", 0, err)
		return
	}
	s.renderRules(w, r, u, nil, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) ruleAction(w http.ResponseWriter, r *http.Request, u *session) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var err error
	switch r.PathValue("action") {
	case "enable":
		err = s.Settings.SetRuleEnabled(ctx, u.Actor, id, true)
	case "disable":
		err = s.Settings.SetRuleEnabled(ctx, u.Actor, id, false)
	case "delete":
		err = s.Settings.DeleteRule(ctx, u.Actor, id)
	case "try":
		trial, terr := s.tryRule(r, u, id)
		if terr != nil {
			s.renderRules(w, r, u, nil, "", 0, terr)
			return
		}
		s.renderRules(w, r, u, trial, "", http.StatusOK, nil)
		return
	default:
		err = redazione.Errorf(redazione.ENOTFOUND, "azione sconosciuta")
	}
	if err != nil {
		s.renderRules(w, r, u, nil, "", 0, err)
		return
	}
	http.Redirect(w, r, "/admin/rules", http.StatusSeeOther)
}

// tryRule evaluates a rule on the latest 500 citizens' messages.
func (s *Server) tryRule(r *http.Request, u *session, id int64) (*ruleTrial, error) {
	ctx := r.Context()
	list, err := s.ruleDB().Rules(ctx, u.Actor.EnteID)
	if err != nil {
		return nil, err
	}
	var rule *rules.Rule
	for i := range list {
		if list[i].ID == id {
			rule = &list[i]
		}
	}
	if rule == nil {
		return nil, redazione.Errorf(redazione.ENOTFOUND, "regola non trovata")
	}
	ins, _, err := s.ruleDB().RecentInbound(ctx, u.Actor, 500)
	if err != nil {
		return nil, err
	}
	cfg, err := s.ruleDB().SLA(ctx, u.Actor.EnteID)
	if err != nil {
		return nil, err
	}
	t := &ruleTrial{Rule: rule.Name, Of: len(ins)}
	for _, in := range ins {
		if rule.Matches(in, cfg.Calendar.IsOpen(in.At)) {
			t.Matched++
			if len(t.Examples) < 5 {
				t.Examples = append(t.Examples, truncate(in.Text, 140))
			}
		}
	}
	return t, nil
}

func (s *Server) setAutoAssign(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.SetDeskAutoAssign(r.Context(), u.Actor, id, r.PostFormValue("auto_assign") == "on"); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/admin/desks", http.StatusSeeOther)
}

// setAvailability: an operator says whether they take new conversations; an
// administrator also sets someone's cap.
func (s *Server) setAvailability(w http.ResponseWriter, r *http.Request, u *session) {
	id := u.User.ID
	if v := formInt(r, "user"); v != 0 {
		id = v
	}
	max, _ := strconv.Atoi(r.PostFormValue("max_open"))
	if !u.Actor.CanAdmin() || r.PostFormValue("max_open") == "" {
		_, max, _ = s.ruleDB().Availability(r.Context(), u.Actor.EnteID, id)
	}
	if err := s.Settings.SetAvailability(r.Context(), u.Actor, id, r.PostFormValue("available") == "on", max); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	back := safeNext(r.PostFormValue("next"))
	http.Redirect(w, r, back, http.StatusSeeOther)
}
