package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/telegram"
)

// adminReads is what the administration pages read (*store.DB has it).
type adminReads interface {
	Channel(ctx context.Context, id int64) (*redazione.Channel, error)
	Channels(ctx context.Context, enteID int64) ([]*redazione.Channel, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	SurveysEnabled(ctx context.Context, enteID int64) (bool, error)
	User(ctx context.Context, enteID, id int64) (*redazione.User, error)
	Users(ctx context.Context, enteID int64) ([]*redazione.User, error)
	UsersWithFactor(ctx context.Context, enteID int64) (map[int64]bool, error)
}

func (s *Server) adminDB() adminReads { return s.DB }

// adminView is the data of the administration pages.
type adminView struct {
	Users    []*redazione.User
	Desks    []redazione.Desk
	Channels []*redazione.Channel
	Roles    []redazione.Role
	Created  string // a one-time secret or password, shown once
	BaseURL  string
	Surveys  bool
	// Kinds are the kinds of channel an administrator may add; NewKind is
	// the one whose form is shown.
	Kinds   []redazione.ChannelKind
	NewKind redazione.ChannelKind
	// Notice says what an action on a channel did (Warn: what it could not).
	Notice string
	Warn   bool
	// ResetLink is a one-time link to set a password, shown once when it
	// was not sent by e-mail.
	ResetLink string
	// WithFactor are the users with a second factor (which an
	// administrator may reset).
	WithFactor map[int64]bool
}

var channelKinds = []redazione.ChannelKind{redazione.ChannelWebChat, redazione.ChannelAPI, redazione.ChannelTelegram,
	redazione.ChannelWhatsApp, redazione.ChannelMessenger, redazione.ChannelInstagram, redazione.ChannelMastodon, redazione.ChannelEmail, redazione.ChannelAppIO, redazione.ChannelX, redazione.ChannelBluesky}

var roles = []redazione.Role{redazione.RoleOperator, redazione.RoleCoordinator, redazione.RoleAnalyst, redazione.RoleAdmin}

func (s *Server) adminData(r *http.Request, u *session) (*adminView, error) {
	ctx := r.Context()
	v := &adminView{Roles: roles, BaseURL: s.baseURL(r), Kinds: channelKinds, NewKind: redazione.ChannelKind(r.FormValue("kind"))}
	if !v.NewKind.Valid() {
		v.NewKind = redazione.ChannelWebChat
	}
	var err error
	if v.Users, err = s.adminDB().Users(ctx, u.Actor.EnteID); err != nil {
		return nil, err
	}
	if v.Desks, err = s.adminDB().Desks(ctx, u.Actor.EnteID); err != nil {
		return nil, err
	}
	if v.Channels, err = s.adminDB().Channels(ctx, u.Actor.EnteID); err != nil {
		return nil, err
	}
	if v.WithFactor, err = s.adminDB().UsersWithFactor(ctx, u.Actor.EnteID); err != nil {
		return nil, err
	}
	v.Surveys, err = s.adminDB().SurveysEnabled(ctx, u.Actor.EnteID)
	return v, err
}

func (s *Server) baseURL(r *http.Request) string {
	if s.Config.PublicURL != "" {
		return strings.TrimRight(s.Config.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, u *session, name, title, created string, status int, formErr error) {
	s.adminPageWith(w, r, u, name, title, func(v *adminView) { v.Created = created }, status, formErr)
}

// adminPageWith is adminPage with what the action has to say set by set.
func (s *Server) adminPageWith(w http.ResponseWriter, r *http.Request, u *session, name, title string, set func(*adminView), status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), title), "admin")
	v, err := s.adminData(r, u)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	set(v)
	p.Data = v
	s.renderForm(w, r, name, p, status, formErr)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.adminPage(w, r, u, "admin_users", "admin.users", "", http.StatusOK, nil)
}

func deskIDs(r *http.Request) []int64 {
	r.ParseForm()
	var out []int64
	for _, v := range r.PostForm["desk"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, u *session) {
	password := r.PostFormValue("password")
	shown := ""
	if password == "" {
		password = auth.GeneratePassword()
		shown = password
	}
	if err := auth.CheckNewPassword(password); err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, redazione.FieldError("password", "%s", err.Error()))
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	nu := &redazione.User{Email: r.PostFormValue("email"), Name: strings.TrimSpace(r.PostFormValue("name")), Role: redazione.ParseRole(r.PostFormValue("role")), DeskIDs: deskIDs(r), PasswordHash: hash}
	if err := s.Settings.CreateUser(r.Context(), u.Actor, nu); err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, err)
		return
	}
	if shown != "" {
		shown = nu.Email + ": " + shown
	}
	s.adminPage(w, r, u, "admin_users", "admin.users", shown, http.StatusOK, nil)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	target, err := s.adminDB().User(r.Context(), u.Actor.EnteID, id)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	target.Name = strings.TrimSpace(r.PostFormValue("name"))
	target.Role = redazione.ParseRole(r.PostFormValue("role"))
	target.DeskIDs = deskIDs(r)
	target.Disabled = r.PostFormValue("disabled") == "on"
	if err := s.Settings.UpdateUser(r.Context(), u.Actor, target, clientIP(r)); err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, err)
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) channelsPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.adminPage(w, r, u, "admin_channels", "admin.channels", "", http.StatusOK, nil)
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request, u *session) {
	c := &redazione.Channel{Kind: redazione.ChannelKind(r.PostFormValue("kind")), Name: r.PostFormValue("name"),
		DeskID: formInt(r, "desk"), CallbackURL: strings.TrimSpace(r.PostFormValue("callback_url")), Secret: auth.NewToken("")}
	c.Settings = formSettings(r, c.Kind, nil)
	err := channel.CheckSettings(c.Kind, c.Settings)
	if err == nil {
		err = s.Settings.CreateChannel(r.Context(), u.Actor, c)
	}
	if err != nil {
		s.adminPage(w, r, u, "admin_channels", "admin.channels", "", 0, err)
		return
	}
	set := func(v *adminView) {}
	switch {
	case c.Kind == redazione.ChannelAPI:
		set = func(v *adminView) { v.Created = c.Name + ": " + c.Secret }
	case c.Kind == redazione.ChannelTelegram && channel.WebhookPath(c) != "":
		set = s.registerTelegram(r, u, c)
	case c.Kind == redazione.ChannelBluesky:
		set = s.checkBluesky(r, c)
	}
	s.adminPageWith(w, r, u, "admin_channels", "admin.channels", set, http.StatusOK, nil)
}

// registerTelegram asks Telegram to post the bot's updates to Redazione
// (setWebhook), and says how it went.
func (s *Server) registerTelegram(r *http.Request, u *session, c *redazione.Channel) func(*adminView) {
	url := s.baseURL(r) + channel.WebhookPath(c)
	if err := telegram.SetWebhook(r.Context(), nil, c, url); err != nil {
		return func(v *adminView) {
			v.Notice, v.Warn = fmt.Sprintf(translate(langOf(r), "admin.telegram.failed"), c.Name, redazione.ErrorMessage(err)), true
		}
	}
	s.Settings.WebhookRegistered(r.Context(), u.Actor, c, url)
	return func(v *adminView) { v.Notice = fmt.Sprintf(translate(langOf(r), "admin.telegram.done"), c.Name, url) }
}

// registerTelegramWebhook registers an existing Telegram channel's webhook
// again (a new public address, a new bot token).
func (s *Server) registerTelegramWebhook(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := s.adminDB().Channel(r.Context(), id)
	if err != nil || c.EnteID != u.Actor.EnteID || c.Kind != redazione.ChannelTelegram || channel.WebhookPath(c) == "" {
		s.fail(w, r, nil, redazione.Errorf(redazione.ENOTFOUND, "canale Telegram in modalità webhook non trovato"))
		return
	}
	s.adminPageWith(w, r, u, "admin_channels", "admin.channels", s.registerTelegram(r, u, c), http.StatusOK, nil)
}

// formSettings reads the settings of a channel kind from a form (fields
// "set.KEY"). A secret left empty keeps its value in old; any other setting
// of the form left empty is removed; settings the form does not show stay.
func formSettings(r *http.Request, kind redazione.ChannelKind, old map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range old {
		out[k] = v // settings the form does not show (set with the CLI) are kept
	}
	for _, st := range channel.SettingsOf(kind) {
		delete(out, st.Key)
		v := strings.TrimSpace(r.PostFormValue("set." + st.Key))
		if v == "" && st.Secret {
			v = old[st.Key]
		}
		if v != "" {
			out[st.Key] = v
		}
	}
	return out
}

// updateChannelSettings replaces a channel's settings (new tokens, addresses).
func (s *Server) updateChannelSettings(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := s.adminDB().Channel(r.Context(), id)
	if err != nil || c.EnteID != u.Actor.EnteID {
		s.fail(w, r, nil, redazione.Errorf(redazione.ENOTFOUND, "canale non trovato"))
		return
	}
	settings := formSettings(r, c.Kind, c.Settings)
	err = channel.CheckSettings(c.Kind, settings)
	if err == nil {
		err = s.Settings.UpdateChannelSettings(r.Context(), u.Actor, id, settings)
	}
	if err != nil {
		s.adminPage(w, r, u, "admin_channels", "admin.channels", "", 0, err)
		return
	}
	http.Redirect(w, r, "/admin/channels", http.StatusSeeOther)
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := s.adminDB().Channel(r.Context(), id)
	if err != nil || c.EnteID != u.Actor.EnteID {
		s.fail(w, r, nil, redazione.Errorf(redazione.ENOTFOUND, "canale non trovato"))
		return
	}
	c.Name = strings.TrimSpace(r.PostFormValue("name"))
	c.DeskID = formInt(r, "desk")
	c.CallbackURL = strings.TrimSpace(r.PostFormValue("callback_url"))
	c.Disabled = r.PostFormValue("disabled") == "on"
	if err := s.Settings.UpdateChannel(r.Context(), u.Actor, c); err != nil {
		s.adminPage(w, r, u, "admin_channels", "admin.channels", "", 0, err)
		return
	}
	http.Redirect(w, r, "/admin/channels", http.StatusSeeOther)
}

func (s *Server) desksPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.adminPage(w, r, u, "admin_desks", "admin.desks", "", http.StatusOK, nil)
}

func (s *Server) renameDesk(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.RenameDesk(r.Context(), u.Actor, id, strings.TrimSpace(r.PostFormValue("name"))); err != nil {
		s.adminPage(w, r, u, "admin_desks", "admin.desks", "", 0, err)
		return
	}
	http.Redirect(w, r, "/admin/desks", http.StatusSeeOther)
}
