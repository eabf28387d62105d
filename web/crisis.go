package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Crisis mode: one switch that stops the scheduled posts, a banner on every
// screen while it lasts, and the holding statements approved in advance.

var _ = addCatalog(crisisCatalog)

type crisisView struct {
	Crisis     *store.Crisis
	Statements []store.HoldingStatement
	Paused     []*store.Post
	CanLead    bool
	CanWrite   bool
}

func (s *Server) crisisPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderCrisis(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderCrisis(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "crisis.title"), "posts")
	ctx := r.Context()
	v := &crisisView{Crisis: p.Crisis, CanWrite: u.Actor.CanWrite(),
		CanLead: u.Actor.Role == redazione.RoleAdmin || u.Actor.Role == redazione.RoleCoordinator}
	var err error
	if v.Statements, err = s.postDB().HoldingStatements(ctx, u.Actor.EnteID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if v.Crisis != nil {
		now := s.postDB().Now()
		posts, err := s.postDB().Posts(ctx, u.Actor, now.Add(-24*time.Hour), now.AddDate(0, 3, 0))
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		for _, x := range posts {
			if x.Status == store.PostScheduled && x.HoldingID == 0 {
				v.Paused = append(v.Paused, x)
			}
		}
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "crisis", p, status, formErr)
}

// crisisBanner draws the crisis banner alone: every screen fetches it when
// crisis mode changes (the "crisis" event), on whichever node it changed.
func (s *Server) crisisBanner(w http.ResponseWriter, r *http.Request, u *session) {
	s.render(w, r, http.StatusOK, "crisis", "crisis_banner", s.page(r, u, "", ""))
}

func (s *Server) setCrisis(w http.ResponseWriter, r *http.Request, u *session) {
	on := r.PostFormValue("on") == "true"
	if err := s.Inbox.SetCrisis(r.Context(), u.Actor, on, r.PostFormValue("reason")); err != nil {
		s.renderCrisis(w, r, u, "", 0, err)
		return
	}
	http.Redirect(w, r, "/crisi", http.StatusSeeOther)
}

func (s *Server) saveHoldingStatement(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	h := &store.HoldingStatement{ID: id, Title: r.PostFormValue("title"), Text: r.PostFormValue("text")}
	if err := s.Inbox.SaveHoldingStatement(r.Context(), u.Actor, h); err != nil {
		s.renderCrisis(w, r, u, "", 0, err)
		return
	}
	s.renderCrisis(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

var crisisCatalog = map[string][2]string{
	"crisis.title":           {"Modalità crisi", "Crisis mode"},
	"crisis.link":            {"Modalità crisi e dichiarazioni predefinite", "Crisis mode and holding statements"},
	"crisis.help":            {"In un'emergenza (un'alluvione, un incendio, un evento in un giorno festivo) la modalità crisi sospende in un colpo tutte le pubblicazioni programmate, perché nulla di fuori luogo esca nel mezzo dell'emergenza. Escono solo le dichiarazioni predefinite, approvate prima.", "In an emergency (a flood, a fire, an event on a holiday) crisis mode stops every scheduled post at once, so that nothing out of place goes out in the middle of it. Only the holding statements, approved in advance, go out."},
	"crisis.on":              {"Modalità crisi attiva", "Crisis mode on"},
	"crisis.since":           {"dal", "since"},
	"crisis.by":              {"attivata da", "started by"},
	"crisis.banner":          {"le pubblicazioni programmate sono sospese.", "scheduled posts are paused."},
	"crisis.manage":          {"Gestisci", "Manage"},
	"crisis.banner.long":     {"Le pubblicazioni programmate sono sospese; escono solo le dichiarazioni predefinite.", "Scheduled posts are paused; only the holding statements go out."},
	"crisis.manage.long":     {"Gestisci la modalità crisi", "Manage crisis mode"},
	"crisis.reason":          {"Che cosa sta succedendo", "What is happening"},
	"crisis.start":           {"Attiva la modalità crisi", "Start crisis mode"},
	"crisis.stop":            {"Termina la modalità crisi", "End crisis mode"},
	"crisis.off":             {"La modalità crisi non è attiva.", "Crisis mode is off."},
	"crisis.paused":          {"Pubblicazioni sospese", "Paused posts"},
	"crisis.paused.none":     {"Nessuna pubblicazione sospesa.", "No paused posts."},
	"crisis.statements":      {"Dichiarazioni predefinite", "Holding statements"},
	"crisis.statements.help": {"Testi approvati in anticipo da un coordinatore: pubblicati senza modifiche non aspettano un'altra approvazione ed escono anche durante la crisi.", "Texts approved in advance by a coordinator: published unchanged, they wait for no other approval and go out during a crisis too."},
	"crisis.statement.title": {"Titolo", "Title"},
	"crisis.statement.text":  {"Testo", "Text"},
	"crisis.statement.add":   {"Aggiungi la dichiarazione", "Add the statement"},
	"crisis.statement.use":   {"Pubblica questa dichiarazione", "Publish this statement"},
	"crisis.statement.by":    {"approvata da", "approved by"},
	"crisis.statement.none":  {"Nessuna dichiarazione predefinita.", "No holding statements."},
	"post.holding":           {"Dichiarazione predefinita: pubblicata così com'è, esce anche in modalità crisi.", "Holding statement: published as it is, it goes out in crisis mode too."},
	"post.paused":            {"Sospesa: la modalità crisi è attiva.", "Paused: crisis mode is on."},
}
