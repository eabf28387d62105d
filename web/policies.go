package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Governance: the social media policies (the internal one acknowledged by
// every user, the external one public), who answers for each account, and
// the training register.

// policyReads is what the social media policy and training pages read
// (*store.DB has it).
type policyReads interface {
	EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error)
	Policy(ctx context.Context, enteID int64, kind string) (*store.Policy, error)
	PolicyAcks(ctx context.Context, a redazione.Actor) ([]store.PolicyAck, error)
	Responsibles(ctx context.Context, enteID int64) ([]store.Responsible, error)
	Trainings(ctx context.Context, enteID int64) ([]store.Training, error)
	Users(ctx context.Context, enteID int64) ([]*redazione.User, error)
}

func (s *Server) policyDB() policyReads { return s.DB }

var _ = addCatalog(policyCatalog)

func init() {
	funcs["sectionLabel"] = func(lang, kind, name string) string { return translate(lang, "pol."+kind+"."+name) }
}

type policyView struct {
	Internal, External *store.Policy
	ToAck              bool
	Responsibles       []store.Responsible
	Public             string
	Sections           map[string][]string
}

// policyPage shows the staff the internal policy (to acknowledge), who
// answers for each account, and where the external one is published.
func (s *Server) policyPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "pol.title"), "")
	ctx := r.Context()
	v := &policyView{Public: "/social-policy/" + u.Ente.Slug, Sections: store.PolicySections}
	var err error
	if v.Internal, err = s.policyDB().Policy(ctx, u.Actor.EnteID, store.PolicyInternal); err == nil {
		if v.External, err = s.policyDB().Policy(ctx, u.Actor.EnteID, store.PolicyExternal); err == nil {
			v.Responsibles, err = s.policyDB().Responsibles(ctx, u.Actor.EnteID)
		}
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.ToAck = p.PolicyToAck != nil
	if r.URL.Query().Get("confermata") != "" {
		p.Flash = translate(p.Lang, "pol.acked")
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "policy", "", p)
}

func (s *Server) acknowledgePolicy(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Settings.AcknowledgePolicy(r.Context(), u.Actor, formInt(r, "policy")); err != nil {
		s.fail(w, r, s.page(r, u, "", ""), err)
		return
	}
	http.Redirect(w, r, "/policy?confermata=1", http.StatusSeeOther)
}

// publicPolicy is the external policy at its public address.
func (s *Server) publicPolicy(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	p.Title = translate(p.Lang, "pol.external")
	e, err := s.policyDB().EnteBySlug(r.Context(), r.PathValue("ente"))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	pol, err := s.policyDB().Policy(r.Context(), e.ID, store.PolicyExternal)
	if err == nil && pol == nil {
		err = redazione.Errorf(redazione.ENOTFOUND, "l'ente non ha ancora pubblicato la sua social media policy")
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Ente, p.Data = e, map[string]any{"Ente": e, "Policy": pol, "Sections": store.PolicySections[store.PolicyExternal]}
	s.render(w, r, http.StatusOK, "policy_public", "", p)
}

type policyAdminView struct {
	Internal, External *store.Policy
	Draft              map[string]map[string]string // what was typed, on an error
	Sections           map[string][]string
	Responsibles       []store.Responsible
	Users              []*redazione.User
	Acks               []store.PolicyAck
	Public             string
}

func (s *Server) policyAdminPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderPolicyAdmin(w, r, u, nil, "", http.StatusOK, nil)
}

func (s *Server) renderPolicyAdmin(w http.ResponseWriter, r *http.Request, u *session, draft map[string]map[string]string, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "admin.policy"), "admin")
	ctx := r.Context()
	v := &policyAdminView{Sections: store.PolicySections, Draft: map[string]map[string]string{}, Public: "/social-policy/" + u.Ente.Slug}
	var err error
	if v.Internal, err = s.policyDB().Policy(ctx, u.Actor.EnteID, store.PolicyInternal); err == nil {
		if v.External, err = s.policyDB().Policy(ctx, u.Actor.EnteID, store.PolicyExternal); err == nil {
			if v.Responsibles, err = s.policyDB().Responsibles(ctx, u.Actor.EnteID); err == nil {
				if v.Users, err = s.policyDB().Users(ctx, u.Actor.EnteID); err == nil {
					v.Acks, err = s.policyDB().PolicyAcks(ctx, u.Actor)
				}
			}
		}
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	for kind, pol := range map[string]*store.Policy{store.PolicyInternal: v.Internal, store.PolicyExternal: v.External} {
		switch {
		case draft[kind] != nil:
			v.Draft[kind] = draft[kind]
		case pol != nil:
			v.Draft[kind] = pol.Sections
		default:
			v.Draft[kind] = map[string]string{}
		}
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "admin_policy", p, status, formErr)
}

func (s *Server) publishPolicy(w http.ResponseWriter, r *http.Request, u *session) {
	kind := r.PathValue("kind")
	sections := map[string]string{}
	for _, n := range store.PolicySections[kind] {
		sections[n] = r.PostFormValue(n)
	}
	if _, err := s.Settings.PublishPolicy(r.Context(), u.Actor, kind, sections); err != nil {
		s.renderPolicyAdmin(w, r, u, map[string]map[string]string{kind: sections}, "", 0, err)
		return
	}
	s.renderPolicyAdmin(w, r, u, nil, translate(langOf(r), "pol.published"), http.StatusOK, nil)
}

func (s *Server) setResponsible(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Settings.SetResponsible(r.Context(), u.Actor, formInt(r, "channel"), formInt(r, "user")); err != nil {
		s.renderPolicyAdmin(w, r, u, nil, "", 0, err)
		return
	}
	s.renderPolicyAdmin(w, r, u, nil, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

type trainingView struct {
	Trainings []store.Training
	Users     []*redazione.User
	Today     string
}

func (s *Server) trainingPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderTraining(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderTraining(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "train.title"), "admin")
	if u.Actor.Role != redazione.RoleAdmin && u.Actor.Role != redazione.RoleCoordinator {
		s.fail(w, r, p, redazione.Errorf(redazione.EFORBIDDEN, "il registro della formazione lo consultano coordinatori e amministratori"))
		return
	}
	v := &trainingView{Today: s.today().String()}
	var err error
	if v.Trainings, err = s.policyDB().Trainings(r.Context(), u.Actor.EnteID); err == nil {
		v.Users, err = s.policyDB().Users(r.Context(), u.Actor.EnteID)
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "training", p, status, formErr)
}

func (s *Server) addTraining(w http.ResponseWriter, r *http.Request, u *session) {
	hours, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("hours")))
	t := &store.Training{UserID: formInt(r, "user"), Course: r.PostFormValue("course"), Day: r.PostFormValue("day"), Hours: hours}
	if err := s.Settings.AddTraining(r.Context(), u.Actor, t); err != nil {
		s.renderTraining(w, r, u, "", 0, err)
		return
	}
	s.renderTraining(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

var policyCatalog = map[string][2]string{
	"pol.title":                {"Social media policy", "Social media policy"},
	"pol.internal":             {"Policy interna (per il personale)", "Internal policy (for the staff)"},
	"pol.external":             {"Social media policy", "Social media policy"},
	"pol.external.public":      {"Policy esterna (per i cittadini), pubblicata a questo indirizzo:", "External policy (for citizens), published at:"},
	"pol.none":                 {"Non ancora pubblicata.", "Not published yet."},
	"pol.version":              {"Versione", "Version"},
	"pol.of":                   {"del", "of"},
	"pol.ack":                  {"Ho letto e accetto la policy interna", "I have read and accept the internal policy"},
	"pol.acked":                {"Grazie: la conferma è registrata.", "Thank you: your acknowledgement is recorded."},
	"pol.ack.short":            {"Policy interna da confermare (versione %d)", "Internal policy to acknowledge (version %d)"},
	"pol.ack.read":             {"Leggi la policy", "Read the policy"},
	"pol.responsibles":         {"Responsabili degli account", "Who answers for each account"},
	"pol.responsible.none":     {"nessuno indicato", "nobody named"},
	"pol.published":            {"Policy pubblicata.", "Policy published."},
	"pol.publish":              {"Pubblica una nuova versione", "Publish a new version"},
	"pol.publish.external":     {"della policy esterna (per i cittadini)", "of the external policy (for citizens)"},
	"pol.publish.internal":     {"della policy interna (per il personale)", "of the internal policy (for the staff)"},
	"pol.publish.help":         {"Ogni sezione è obbligatoria. Una nuova versione della policy interna va riconfermata da tutto il personale.", "Every section is required. A new version of the internal policy is acknowledged again by all the staff."},
	"pol.acks":                 {"Conferme della policy interna", "Acknowledgements of the internal policy"},
	"pol.acks.none":            {"da confermare", "not yet"},
	"admin.policy":             {"Policy e responsabili", "Policies and responsibles"},
	"nav.admin.policy":         {"Policy", "Policies"},
	"nav.policy":               {"Policy", "Policy"},
	"train.title":              {"Registro della formazione", "Training register"},
	"train.help":               {"I corsi seguiti dal personale che gestisce i canali dell'ente.", "The courses attended by the staff who run the ente's channels."},
	"train.person":             {"Persona", "Person"},
	"train.course":             {"Corso", "Course"},
	"train.day":                {"Data", "Date"},
	"train.hours":              {"Ore", "Hours"},
	"train.add":                {"Registra il corso", "Record the course"},
	"train.none":               {"Nessun corso registrato.", "No course recorded."},
	"pol.external.manager":     {"Chi gestisce gli spazi social (ente o ufficio)", "Who runs the social media spaces (ente or office)"},
	"pol.external.purposes":    {"Finalità della presenza sui social", "Why the ente is on social media"},
	"pol.external.contents":    {"Contenuti pubblicati, argomenti, chi e come può contribuire", "What is published, on what, who may contribute and how"},
	"pol.external.behaviour":   {"Comportamenti consentiti e moderazione", "Allowed behaviour and moderation"},
	"pol.external.privacy":     {"Informativa privacy tra ente e cittadino", "Privacy notice between ente and citizen"},
	"pol.external.contacts":    {"Altri contatti dell'ente (sito, e-mail, telefono)", "Other contacts of the ente (site, e-mail, phone)"},
	"pol.internal.reasons":     {"Perché l'ente è presente in rete", "Why the ente is online"},
	"pol.internal.conduct":     {"Regole di comportamento del personale", "Rules of conduct for the staff"},
	"pol.internal.interaction": {"Come interagire con i cittadini", "How to interact with citizens"},
	"pol.internal.publishing":  {"Regole per le pubblicazioni", "Rules for publishing"},
	"pol.internal.licence":     {"Licenza dei contenuti pubblicati", "Licence of the published contents"},
	"pol.internal.feedback":    {"Gestione dei commenti e dei feedback", "Handling comments and feedback"},
	"pol.internal.devices":     {"Dispositivi da cui si gestiscono gli account", "Devices the accounts are run from"},
	"pol.internal.personal":    {"Uso dei profili personali", "Use of personal profiles"},
	"pol.internal.crisis":      {"Eventi critici, anche nei giorni festivi", "Critical events, holidays included"},
}
