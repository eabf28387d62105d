package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/publish"
	"github.com/redazione/redazione/store"
)

// Institutional publishing in the office: posts written here for one of
// the ente's accounts, shown unmistakably with the account they go to,
// checked, approved by a second person where needed, sent after the undo
// window, and recorded in the publication log.

// postReads is what the publishing and crisis pages read (*store.DB has
// it); posts, crisis mode and holding statements are written through
// inbox.Service.
type postReads interface {
	Post(ctx context.Context, a redazione.Actor, id int64) (*store.Post, error)
	Posts(ctx context.Context, a redazione.Actor, from, to time.Time) ([]*store.Post, error)
	CheckPost(ctx context.Context, a redazione.Actor, p *store.Post) ([]publish.Finding, error)
	PublicationLog(ctx context.Context, a redazione.Actor, postID int64) ([]store.PublicationEntry, int64, error)
	PublishingSettings(ctx context.Context, enteID int64) (*store.PublishingSettings, error)
	Campaigns(ctx context.Context, enteID int64) ([]string, error)
	Channels(ctx context.Context, enteID int64) ([]*redazione.Channel, error)
	HoldingStatement(ctx context.Context, a redazione.Actor, id int64) (*store.HoldingStatement, error)
	HoldingStatements(ctx context.Context, enteID int64) ([]store.HoldingStatement, error)
	BlobInUse(ctx context.Context, key string) (bool, error)
	PostMaxLength(ctx context.Context, ch *redazione.Channel) int
	Now() time.Time
}

func (s *Server) postDB() postReads { return s.DB }

var _ = addCatalog(postsCatalog)

var monthsIT = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}

func init() {
	funcs["monthYear"] = func(lang string, t time.Time) string {
		if lang == "en" {
			return t.Format("January 2006")
		}
		return fmt.Sprintf("%s %d", monthsIT[t.Month()-1], t.Year())
	}
	funcs["inRome"] = func(t time.Time) time.Time { return t.In(calendar.Rome) }
}

type postsView struct {
	Upcoming []*store.Post
	Recent   []*store.Post
	CanWrite bool
}

func (s *Server) postsPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "post.title"), "posts")
	now := s.postDB().Now()
	upcoming, err := s.postDB().Posts(r.Context(), u.Actor, now, now.AddDate(0, 3, 0))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	recent, err := s.postDB().Posts(r.Context(), u.Actor, now.AddDate(0, 0, -30), now)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v := &postsView{CanWrite: u.Actor.CanWrite(), Upcoming: upcoming}
	for _, x := range recent {
		if !x.SendAt.IsZero() { // drafts and pending are listed with the upcoming
			v.Recent = append(v.Recent, x)
		}
	}
	for i, j := 0, len(v.Recent)-1; i < j; i, j = i+1, j-1 {
		v.Recent[i], v.Recent[j] = v.Recent[j], v.Recent[i]
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "posts", "", p)
}

type postView struct {
	Post       *store.Post
	Accounts   []*redazione.Channel
	Desks      []redazione.Desk
	Findings   []publish.Finding
	Blocked    bool
	Unchecked  bool // warnings to confirm before sending
	CanWrite   bool
	CanApprove bool
	Editable   bool
	Scheduled  string // datetime-local value
	MaxLength  int    // the post's account's limit
	CountAs    string // how its platform counts (countAs)
	Lengths    map[int64]postLength
	Log        []store.PublicationEntry
	Broken     int64
	Undo       int
	Campaigns  []string
	// Limits are the Instagram accounts' daily limits, by account; Limit
	// the post's own account's (instagram.go).
	Limits map[int64]*accountLimit
	Limit  *accountLimit
	// NoPublicURL: there are Instagram accounts, but no public https
	// address Meta could download the images from.
	NoPublicURL bool
	Images      postImagesView
}

// countAs names how a platform counts a text against its limit, as the
// browser's textLength (app.js) knows it: "" is code points.
func countAs(kind redazione.ChannelKind) string {
	switch kind {
	case redazione.ChannelX:
		return "x"
	case redazione.ChannelBluesky:
		return "graphemes"
	case redazione.ChannelMastodon:
		return "mastodon"
	}
	return ""
}

// postLength is an account's limit on a post, and how its platform counts
// a text against it (countAs).
type postLength struct {
	Max     int
	CountAs string
	// WithImages is the limit when the post carries images, where it is
	// another (0: the same).
	WithImages int
}

// postForm is the compose page of a new post.
// With ?dichiarazione=ID it starts from a holding statement.
func (s *Server) newPostPage(w http.ResponseWriter, r *http.Request, u *session) {
	post := &store.Post{}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("dichiarazione"), 10, 64); id != 0 {
		h, err := s.postDB().HoldingStatement(r.Context(), u.Actor, id)
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "posts"), err)
			return
		}
		post.Text, post.HoldingID = h.Text, h.ID
	}
	s.renderPost(w, r, u, post, nil, "", http.StatusOK, nil)
}

func (s *Server) renderPost(w http.ResponseWriter, r *http.Request, u *session, post *store.Post, ec *store.ErrChecks, flash string, status int, formErr error) {
	lang := langOf(r)
	title := translate(lang, "post.new")
	if post.ID != 0 {
		title = fmt.Sprintf("%s %d", translate(lang, "post.one"), post.ID)
	}
	p := s.page(r, u, title, "posts")
	ctx := r.Context()
	v := &postView{Post: post, CanWrite: u.Actor.CanWrite()}
	chans, err := s.postDB().Channels(ctx, u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	for _, ch := range chans {
		if publish.Publishable(ch) {
			v.Accounts = append(v.Accounts, ch)
		}
	}
	if v.Desks, err = s.actorDesks(r, u); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if !post.ScheduledAt.IsZero() {
		v.Scheduled = post.ScheduledAt.In(calendar.Rome).Format("2006-01-02T15:04")
	}
	// What waits for approval is changed by its author only: the approver
	// approves what they read.
	v.Editable = post.ID == 0 || post.Status == store.PostDraft || post.Status == store.PostFailed ||
		(post.Status == store.PostPending && post.CreatedBy == u.User.ID)
	v.CanApprove = post.Status == store.PostPending && post.CreatedBy != u.User.ID &&
		(u.Actor.Role == redazione.RoleAdmin || u.Actor.Role == redazione.RoleCoordinator)
	if ec != nil {
		v.Findings, v.Blocked, v.Unchecked = ec.Findings, ec.Blocked, !ec.Blocked
	} else if post.ID != 0 && post.ChannelKind != "" && (post.Status == store.PostDraft || post.Status == store.PostPending) {
		v.Findings, _ = s.postDB().CheckPost(ctx, u.Actor, post)
		v.Blocked = publish.Blocks(v.Findings)
	}
	// Each account's limit, counted as its platform counts: the composer
	// counts to the chosen one's (app.js), starting from the post's own
	// account, or the first, which the form checks.
	v.Lengths = map[int64]postLength{}
	for i, ch := range v.Accounts {
		l := postLength{Max: s.postDB().PostMaxLength(ctx, ch), CountAs: countAs(ch.Kind)}
		if ch.Kind == redazione.ChannelTelegram {
			l.WithImages = publish.MaxCaption // a photo's (or an album's) caption
		}
		v.Lengths[ch.ID] = l
		if ch.ID == post.ChannelID || (post.ChannelID == 0 && i == 0) {
			v.MaxLength, v.CountAs = l.Max, l.CountAs
			if len(post.Images) > 0 && l.WithImages > 0 {
				v.MaxLength = l.WithImages
			}
		}
	}
	if post.ID != 0 {
		if v.Log, v.Broken, err = s.postDB().PublicationLog(ctx, u.Actor, post.ID); err != nil {
			s.fail(w, r, p, err)
			return
		}
	}
	if set, err := s.postDB().PublishingSettings(ctx, u.Actor.EnteID); err == nil {
		v.Undo = set.UndoSeconds
	}
	v.Campaigns, _ = s.postDB().Campaigns(ctx, u.Actor.EnteID)
	s.instagramView(ctx, v, post)
	v.Images = imagesView(lang, post, v.Accounts)
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "post", p, status, formErr)
}

// postFromForm reads a post's fields; the time is Rome's.
func postFromForm(r *http.Request) (*store.Post, error) {
	f := r.PostFormValue
	p := &store.Post{DeskID: formInt(r, "desk"), ChannelID: formInt(r, "channel"), Text: f("text"), Justification: f("justification"), HoldingID: formInt(r, "holding"), Campaign: f("campaign")}
	if v := strings.TrimSpace(f("scheduled_at")); v != "" {
		t, ok := parseLocal(v)
		if !ok {
			return p, redazione.FieldError("scheduled_at", "data e ora non valide")
		}
		p.ScheduledAt = t.UTC()
	}
	return p, nil
}

// savePost saves a new post or changes one; with action=submit it is then
// sent on its way.
func (s *Server) savePost(w http.ResponseWriter, r *http.Request, u *session) {
	post, err := postFromForm(r)
	if id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64); id != 0 {
		post.ID = id
	}
	var brought []string // the keys of the images this request brought
	if err == nil {
		brought, err = s.postImages(r, u, post)
	}
	if err == nil {
		err = s.Inbox.SavePost(r.Context(), u.Actor, post)
	}
	if err != nil {
		// A refused post leaves no file behind (unless something else uses
		// it), and the form shows the images the post already had.
		s.forgetBrought(r.Context(), brought)
		post.Images = nil
	}
	if err != nil {
		s.renderPostFailed(w, r, u, post, err)
		return
	}
	if r.PostFormValue("action") == "submit" {
		s.submitPostID(w, r, u, post.ID)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/pubblicazioni/%d?salvata=1", post.ID), http.StatusSeeOther)
}

// renderPostFailed shows the form again with what was typed.
func (s *Server) renderPostFailed(w http.ResponseWriter, r *http.Request, u *session, post *store.Post, err error) {
	if post.ID != 0 {
		if old, gerr := s.postDB().Post(r.Context(), u.Actor, post.ID); gerr == nil {
			old.Text, old.DeskID, old.ChannelID, old.ScheduledAt, old.Justification, old.Campaign = post.Text, post.DeskID, post.ChannelID, post.ScheduledAt, post.Justification, post.Campaign
			post = old
		}
	}
	var ec *store.ErrChecks
	if errors.As(err, &ec) {
		s.renderPost(w, r, u, post, ec, "", http.StatusUnprocessableEntity, nil)
		return
	}
	s.renderPost(w, r, u, post, nil, "", 0, err)
}

func (s *Server) submitPost(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.submitPostID(w, r, u, id)
}

func (s *Server) submitPostID(w http.ResponseWriter, r *http.Request, u *session, id int64) {
	post, err := s.Inbox.SubmitPost(r.Context(), u.Actor, id, r.PostFormValue("checked") == "on")
	if err != nil {
		old, gerr := s.postDB().Post(r.Context(), u.Actor, id)
		if gerr != nil {
			s.fail(w, r, s.page(r, u, "", "posts"), err)
			return
		}
		s.renderPostFailed(w, r, u, old, err)
		return
	}
	to := fmt.Sprintf("/pubblicazioni/%d?inviata=1", post.ID)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// sentFlash says what became of a post just sent on (checked and sent, or
// approved): where it stands now and what comes next.
func sentFlash(lang string, post *store.Post) string {
	account := translate(lang, "kind."+string(post.ChannelKind)) + " · " + post.ChannelName
	switch post.Status {
	case store.PostPending:
		return fmt.Sprintf(translate(lang, "post.sent.pending"), account)
	case store.PostScheduled:
		return fmt.Sprintf(translate(lang, "post.sent.scheduled"), account, post.SendAt.In(calendar.Rome).Format("02/01/2006"), post.SendAt.In(calendar.Rome).Format("15:04"))
	case store.PostSending, store.PostPublished:
		return fmt.Sprintf(translate(lang, "post.sent.out"), account)
	}
	return ""
}

func (s *Server) postPage(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	post, err := s.postDB().Post(r.Context(), u.Actor, id)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "posts"), err)
		return
	}
	flash := ""
	switch q := r.URL.Query(); {
	case q.Get("salvata") != "":
		flash = translate(langOf(r), "post.saved")
	case q.Get("inviata") != "" || q.Get("approvata") != "":
		flash = sentFlash(langOf(r), post)
	}
	s.renderPost(w, r, u, post, nil, flash, http.StatusOK, nil)
}

func (s *Server) approvePost(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if _, err := s.Inbox.ApprovePost(r.Context(), u.Actor, id); err != nil {
		old, gerr := s.postDB().Post(r.Context(), u.Actor, id)
		if gerr != nil {
			s.fail(w, r, s.page(r, u, "", "posts"), err)
			return
		}
		s.renderPostFailed(w, r, u, old, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/pubblicazioni/%d?approvata=1", id), http.StatusSeeOther)
}

func (s *Server) cancelPost(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Inbox.CancelPost(r.Context(), u.Actor, id); err != nil {
		s.fail(w, r, s.page(r, u, "", "posts"), err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/pubblicazioni/%d", id), http.StatusSeeOther)
}

type publishingAdminView struct {
	Blocklist string
	Undo      int
	Periods   []publish.Period
	Max       int
}

func (s *Server) publishingAdminPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderPublishingAdmin(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderPublishingAdmin(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "admin.publishing"), "admin")
	set, err := s.postDB().PublishingSettings(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = &publishingAdminView{Blocklist: strings.Join(set.Blocklist, "\n"), Undo: set.UndoSeconds, Periods: set.Periods, Max: store.MaxUndoSeconds}
	p.Flash = flash
	s.renderForm(w, r, "admin_publishing", p, status, formErr)
}

func (s *Server) savePublishingAdmin(w http.ResponseWriter, r *http.Request, u *session) {
	undo, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("undo_seconds")))
	if err != nil {
		s.renderPublishingAdmin(w, r, u, "", 0, redazione.FieldError("undo_seconds", "scrivi i secondi della finestra per annullare"))
		return
	}
	if err := s.Settings.SavePublishingSettings(r.Context(), u.Actor, strings.Split(r.PostFormValue("blocklist"), "\n"), undo); err != nil {
		s.renderPublishingAdmin(w, r, u, "", 0, err)
		return
	}
	s.renderPublishingAdmin(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) addElectoralPeriod(w http.ResponseWriter, r *http.Request, u *session) {
	f := r.PostFormValue
	if err := s.Settings.AddElectoralPeriod(r.Context(), u.Actor, f("name"), f("from"), f("to")); err != nil {
		s.renderPublishingAdmin(w, r, u, "", 0, err)
		return
	}
	s.renderPublishingAdmin(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) deleteElectoralPeriod(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.DeleteElectoralPeriod(r.Context(), u.Actor, id); err != nil {
		s.renderPublishingAdmin(w, r, u, "", 0, err)
		return
	}
	s.renderPublishingAdmin(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

var postsCatalog = map[string][2]string{
	"nav.posts":                {"Pubblicazioni", "Posts"},
	"post.calendar":            {"Calendario editoriale", "Editorial calendar"},
	"post.calendar.months":     {"Mesi", "Months"},
	"post.calendar.prev":       {"mese precedente", "previous month"},
	"post.calendar.next":       {"mese successivo", "next month"},
	"post.alt.help":            {"Descrivi che cosa mostra l'immagine per chi non può vederla: lo leggono i lettori di schermo.", "Describe what the image shows for people who cannot see it: screen readers read it."},
	"post.campaign":            {"Campagna o evento (facoltativo)", "Campaign or event (optional)"},
	"post.title":               {"Pubblicazioni istituzionali", "Institutional posts"},
	"post.help":                {"Ogni post dell'ente si scrive qui: l'account di destinazione è sempre in evidenza, i controlli girano prima dell'invio, e c'è sempre un momento per annullare.", "Every post of the ente is written here: the account it goes to is always in plain sight, the checks run before sending, and there is always a moment to take it back."},
	"post.new":                 {"Nuova pubblicazione", "New post"},
	"post.one":                 {"Pubblicazione", "Post"},
	"post.upcoming":            {"In arrivo e da completare", "Upcoming and to complete"},
	"post.recent":              {"Ultimi 30 giorni", "Last 30 days"},
	"post.none":                {"Nessuna pubblicazione.", "No posts."},
	"post.account":             {"Account su cui pubblicare", "Account to publish on"},
	"post.account.none":        {"Nessun account su cui pubblicare: un amministratore deve collegarne uno (Mastodon, pagina Facebook, canale Telegram).", "No account to publish on: an administrator must connect one (Mastodon, Facebook Page, Telegram channel)."},
	"post.goes.to":             {"Questa pubblicazione va su", "This post goes to"},
	"post.went.to":             {"Pubblicata su", "Published on"},
	"post.text":                {"Testo", "Text"},
	"post.chars":               {"caratteri al massimo su questa piattaforma", "characters at most on this platform"},
	"post.desk":                {"Area", "Desk"},
	"post.when":                {"Quando (facoltativo: altrimenti appena possibile)", "When (optional: otherwise as soon as possible)"},
	"post.justification":       {"Solo nei periodi elettorali: perché è una comunicazione impersonale e indispensabile", "Only in electoral periods: why it is impersonal and indispensable"},
	"post.justification.help":  {"L. 28/2000, art. 9. Con la motivazione, la pubblicazione richiede l'approvazione di una seconda persona.", "L. 28/2000 art. 9. With it, the post needs a second person's approval."},
	"post.save":                {"Salva la bozza", "Save the draft"},
	"post.submit":              {"Verifica e invia", "Check and send"},
	"post.checked":             {"Ho verificato gli avvisi qui sopra: il testo può uscire così", "I checked the warnings above: the text may go out as it is"},
	"post.checks":              {"Controlli", "Checks"},
	"post.checks.ok":           {"Nessun problema trovato.", "No problem found."},
	"post.block":               {"Blocca", "Blocks"},
	"post.warn":                {"Avviso", "Warning"},
	"post.approve":             {"Approva (seconda persona)", "Approve (second person)"},
	"post.cancel":              {"Annulla la pubblicazione", "Cancel the post"},
	"post.saved":               {"Bozza salvata.", "Draft saved."},
	"post.sent.pending":        {"Controlli superati: la pubblicazione per %s ora attende l'approvazione di una seconda persona. Finché non è approvata non esce.", "Checks passed: the post for %s now awaits a second person's approval. It does not go out until approved."},
	"post.sent.scheduled":      {"Controlli superati: la pubblicazione per %s è programmata e parte il %s alle %s. Fino ad allora puoi ancora annullarla.", "Checks passed: the post for %s is scheduled and goes out on %s at %s. Until then you can still take it back."},
	"post.sent.out":            {"La pubblicazione per %s è in uscita.", "The post for %s is going out."},
	"post.edit.pending":        {"Modifica la pubblicazione (dovrà essere approvata di nuovo)", "Edit the post (it will need approval again)"},
	"post.sends.at":            {"Parte alle", "Goes out at"},
	"post.undo.help":           {"Fino ad allora puoi ancora annullarla.", "Until then you can still take it back."},
	"post.published.at":        {"Pubblicata il", "Published on"},
	"post.open":                {"Apri il post", "Open the post"},
	"post.error":               {"Non pubblicata", "Not published"},
	"post.author":              {"Scritta da", "Written by"},
	"post.approver":            {"Approvata da", "Approved by"},
	"post.log":                 {"Registro delle pubblicazioni", "Publication log"},
	"post.log.ok":              {"Catena integra: nessuna voce è stata modificata o tolta.", "Chain intact: no entry was changed or removed."},
	"post.log.broken":          {"Catena interrotta alla voce", "Chain broken at entry"},
	"post.needs.approval":      {"Richiede l'approvazione di una seconda persona.", "Needs a second person's approval."},
	"ps.draft":                 {"bozza", "draft"},
	"ps.pending":               {"in attesa di approvazione", "awaiting approval"},
	"ps.scheduled":             {"programmata", "scheduled"},
	"ps.sending":               {"in invio", "sending"},
	"ps.published":             {"pubblicata", "published"},
	"ps.failed":                {"non pubblicata", "failed"},
	"ps.cancelled":             {"annullata", "cancelled"},
	"pl.created":               {"creata", "created"},
	"pl.edited":                {"modificata", "edited"},
	"pl.submitted":             {"inviata ai controlli", "submitted"},
	"pl.approved":              {"approvata", "approved"},
	"pl.scheduled":             {"programmata", "scheduled"},
	"pl.sends":                 {"parte alle", "goes out at"},
	"pl.cancelled":             {"annullata", "cancelled"},
	"pl.sending":               {"in invio", "sending"},
	"pl.published":             {"pubblicata", "published"},
	"pl.failed":                {"non pubblicata", "failed"},
	"admin.publishing":         {"Regole di pubblicazione", "Publishing rules"},
	"nav.admin.publishing":     {"Pubblicazioni", "Publishing"},
	"pub.blocklist":            {"Parole e frasi escluse (una per riga)", "Excluded words and phrases (one a line)"},
	"pub.blocklist.help":       {"Una pubblicazione che le contiene non parte.", "A post containing them does not go out."},
	"pub.undo":                 {"Secondi per annullare dopo l'invio", "Seconds to take a post back after sending"},
	"pub.periods":              {"Periodi elettorali", "Electoral periods"},
	"pub.periods.help":         {"Dalla convocazione dei comizi alla chiusura dei seggi l'ente comunica solo in forma impersonale e se indispensabile (L. 28/2000, art. 9): ogni pubblicazione va motivata e approvata da una seconda persona.", "From the calling of the elections to the close of the polls, the ente communicates only impersonally and when indispensable (L. 28/2000 art. 9): every post needs a reason and a second person's approval."},
	"pub.period.name":          {"Nome", "Name"},
	"pub.period.from":          {"Dal", "From"},
	"pub.period.to":            {"Al", "To"},
	"pub.period.add":           {"Aggiungi il periodo", "Add the period"},
	"pub.period.delete":        {"Elimina", "Delete"},
	"set.publish_approval":     {"Pubblicazioni: approvazione di una seconda persona", "Posts: a second person's approval"},
	"set.publish_approval.on":  {"Ogni pubblicazione va approvata", "Every post must be approved"},
	"set.publish_approval.off": {"Non serve (salvo periodi elettorali)", "Not needed (except in electoral periods)"},
	"set.publish_chat":         {"Canale o gruppo dove pubblicare (@nome o id; il bot deve esserne amministratore)", "Channel or group to publish in (@name or id; the bot must administer it)"},
}

// editorialDay is one day of the editorial calendar.
type editorialDay struct {
	Date    time.Time
	InMonth bool
	Today   bool
	Posts   []*store.Post
}

type editorialView struct {
	Month      time.Time
	Prev, Next string
	Weeks      [][]editorialDay
	Days       []string
	Campaign   string
	Campaigns  []string
}

// calendarPage is the editorial calendar: a month of posts, scheduled and
// published, by day, optionally of one campaign.
func (s *Server) calendarPostsPage(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "post.calendar"), "posts")
	now := s.postDB().Now().In(calendar.Rome)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, calendar.Rome)
	if m, err := time.ParseInLocation("2006-01", r.URL.Query().Get("mese"), calendar.Rome); err == nil {
		month = m
	}
	v := &editorialView{Month: month, Prev: month.AddDate(0, -1, 0).Format("2006-01"), Next: month.AddDate(0, 1, 0).Format("2006-01"),
		Campaign: r.URL.Query().Get("campagna")}
	// Weeks from Monday.
	start := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
	end := month.AddDate(0, 1, 0)
	posts, err := s.postDB().Posts(r.Context(), u.Actor, start, end.AddDate(0, 0, 7))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	byDay := map[string][]*store.Post{}
	for _, x := range posts {
		if v.Campaign != "" && x.Campaign != v.Campaign {
			continue
		}
		at := x.SendAt
		if at.IsZero() {
			at = x.ScheduledAt
		}
		if at.IsZero() || x.Status == store.PostCancelled {
			continue
		}
		k := at.In(calendar.Rome).Format("2006-01-02")
		byDay[k] = append(byDay[k], x)
	}
	today := now.Format("2006-01-02")
	for d := start; d.Before(end); {
		var week []editorialDay
		for range 7 {
			k := d.Format("2006-01-02")
			week = append(week, editorialDay{Date: d, InMonth: d.Month() == month.Month(), Today: k == today, Posts: byDay[k]})
			d = d.AddDate(0, 0, 1)
		}
		v.Weeks = append(v.Weeks, week)
	}
	for _, n := range []int{1, 2, 3, 4, 5, 6, 0} {
		v.Days = append(v.Days, calendar.DayNames[n])
	}
	v.Campaigns, _ = s.postDB().Campaigns(r.Context(), u.Actor.EnteID)
	p.Data = v
	s.render(w, r, http.StatusOK, "posts_calendar", "", p)
}
