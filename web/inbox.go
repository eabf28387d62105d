package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// conversationReads is what the conversations' pages read (*store.DB has it).
type conversationReads interface {
	CachedChannel(ctx context.Context, id int64) (*redazione.Channel, error)
	Channels(ctx context.Context, enteID int64) ([]*redazione.Channel, error)
	Colleagues(ctx context.Context, a redazione.Actor, convID int64) ([]store.Colleague, error)
	Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error)
	ConversationAccessRequests(ctx context.Context, a redazione.Actor, convID int64) ([]*accesso.Request, error)
	ConversationServiceRequests(ctx context.Context, a redazione.Actor, convID int64) ([]*store.ServiceRequest, error)
	Conversations(ctx context.Context, a redazione.Actor, f store.InboxFilter) ([]*redazione.Conversation, error)
	CountConversations(ctx context.Context, a redazione.Actor, f store.InboxFilter, max int) (int, error)
	InboxPage(ctx context.Context, a redazione.Actor, f store.InboxFilter) (*store.InboxPage, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	Flags(ctx context.Context, a redazione.Actor, convID int64) ([]store.Flag, error)
	LatestMessageID(ctx context.Context, enteID, convID int64) (int64, error)
	MentionsOf(ctx context.Context, a redazione.Actor, limit int) ([]store.Mention, int, error)
	MergeCandidates(ctx context.Context, enteID, contactID int64) ([]store.PersonContact, error)
	MessagesPage(ctx context.Context, a redazione.Actor, conversationID int64, cursor string, limit int) (*store.MessagePage, error)
	NoteMentions(ctx context.Context, enteID int64, msgIDs []int64) (map[int64][]store.Mentioned, error)
	Notifications(ctx context.Context, a redazione.Actor, limit int) ([]redazione.Notification, int, error)
	PersonContacts(ctx context.Context, enteID, contactID int64) ([]store.PersonContact, error)
	Playbooks(ctx context.Context, enteID int64) (map[string]store.Playbook, error)
	SLA(ctx context.Context, enteID int64) (*store.SLAConfig, error)
	Search(ctx context.Context, a redazione.Actor, q string, limit int) (*store.SearchResult, error)
	Tags(ctx context.Context, enteID int64) ([]string, error)
	TypicalReplyLength(ctx context.Context, enteID int64) (int, error)
	Users(ctx context.Context, enteID int64) ([]*redazione.User, error)
	Now() time.Time
}

func (s *Server) conversationDB() conversationReads { return s.DB }

func (s *Server) home(w http.ResponseWriter, r *http.Request, u *session) {
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

// inboxView is the data of the inbox page.
type inboxView struct {
	View          string
	DeskID        int64
	Status        string
	ChannelID     int64
	Tag           string
	AssigneeID    int64
	Due           string
	Sort          string
	Desks         []redazione.Desk
	Channels      []*redazione.Channel
	Users         []*redazione.User
	Tags          []string
	Conversations []*redazione.Conversation
	Query         string // the list's own URL, for live refresh
	// Count is the number of conversations in the view, up to countCap;
	// CountMore says there are more than countCap.
	Count     int
	CountMore bool
	CountCap  int
	// Next is the URL of the page after this one ("" on the last); First,
	// on a later page, the URL of the first; Last the cursor of this page's
	// last row, which app.js puts in the list's live URL (until=) when it
	// appends a page, so a redraw keeps every row loaded, once each.
	Next, First, Last string
	// Bulk actions (web/bulk.go): the choices of the toolbar.
	Priorities []sla.Priority
	Snoozes    []string
}

// countCap is where the inbox stops counting: "Oltre 10.000 conversazioni"
// costs a few milliseconds, an exact count of a million rows much more.
const countCap = 10_000

// inboxParams are the inbox's query parameters that make a view (not its
// page: cursor and until).
var inboxParams = []string{"view", "desk", "status", "channel", "tag", "assignee", "due", "sort"}

func formInt(r *http.Request, key string) int64 {
	v, _ := strconv.ParseInt(r.FormValue(key), 10, 64)
	return v
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, u *session) {
	ctx := r.Context()
	v := &inboxView{View: r.FormValue("view"), DeskID: formInt(r, "desk"), Status: r.FormValue("status"),
		ChannelID: formInt(r, "channel"), Tag: r.FormValue("tag"), AssigneeID: formInt(r, "assignee"),
		Due: r.FormValue("due"), Sort: r.FormValue("sort")}
	f, err := s.inboxFilter(r, u, v)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	f.Cursor, f.Until = r.FormValue("cursor"), r.FormValue("until")
	page, err := s.conversationDB().InboxPage(ctx, u.Actor, f)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	v.Conversations, v.Last = page.Conversations, page.Last
	q := url.Values{}
	for _, k := range inboxParams {
		if val := r.FormValue(k); val != "" {
			q.Set(k, val)
		}
	}
	q.Set("view", v.View)
	v.First = "/inbox?" + q.Encode()
	if page.Next != "" {
		q.Set("cursor", page.Next)
		v.Next = "/inbox?" + q.Encode()
		q.Del("cursor")
	}
	// The live URL redraws what this answer shows: from its cursor, and up
	// to the row a redraw ended at.
	for _, k := range []string{"cursor", "until"} {
		if val := r.FormValue(k); val != "" {
			q.Set(k, val)
		}
	}
	v.Query = "/inbox?" + q.Encode()
	if f.Cursor == "" {
		v.First = ""
	}
	p := s.page(r, u, translate(langOf(r), "inbox.title"), "inbox")
	p.Data = v
	hx := r.Header.Get("HX-Request") == "true"
	// A page appended by app.js needs no count: the list above has it.
	if !hx || r.Header.Get("HX-Target") != "conversation-more" {
		n, err := s.conversationDB().CountConversations(ctx, u.Actor, f, countCap)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		v.Count, v.CountMore, v.CountCap = min(n, countCap), n > countCap, countCap
	}
	if hx && (r.Header.Get("HX-Target") == "conversation-list" || r.Header.Get("HX-Target") == "conversation-more") {
		s.render(w, r, http.StatusOK, "inbox", "inbox_list", p)
		return
	}
	if err := s.loadFilters(r, u, v); err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.Priorities, v.Snoozes = priorities, snoozePresets
	s.render(w, r, http.StatusOK, "inbox", "", p)
}

// inboxFilter turns an inbox view's parameters into its filter (without
// its page), completing v: the default view of the user, an operator's
// "all" being their desks.
func (s *Server) inboxFilter(r *http.Request, u *session, v *inboxView) (store.InboxFilter, error) {
	if v.View == "" {
		v.View = "mine"
		if u.Actor.SeesAllDesks() {
			v.View = "all"
		} else if len(u.User.DeskIDs) > 0 {
			v.View = "unassigned"
		}
	}
	f := store.InboxFilter{Status: v.Status, ChannelID: v.ChannelID, Tag: v.Tag, AssigneeID: v.AssigneeID, DeskID: v.DeskID,
		Due: v.Due, SortDue: v.Sort == "due", HideSnoozed: v.View != "snoozed"}
	if v.Due == "soon" {
		cfg, err := s.conversationDB().SLA(r.Context(), u.Actor.EnteID)
		if err != nil {
			return f, err
		}
		f.DueBy, _ = cfg.Calendar.Add(time.Now(), sla.ImminentWithin)
	}
	switch v.View {
	case "mine":
		f.Mine = true
	case "unassigned":
		f.Unassigned = true
	case "desk":
	case "snoozed":
		// Put aside whatever their status, unless one is asked for.
		f.Snoozed = true
		if f.Status == "" {
			f.Status = "any"
		}
	case "all":
		if !u.Actor.SeesAllDesks() {
			v.View = "desk" // an operator's "all" is all of their desks
		}
	}
	return f, nil
}

func (s *Server) loadFilters(r *http.Request, u *session, v *inboxView) error {
	ctx := r.Context()
	var err error
	if v.Desks, err = s.actorDesks(r, u); err != nil {
		return err
	}
	if v.Channels, err = s.conversationDB().Channels(ctx, u.Actor.EnteID); err != nil {
		return err
	}
	if v.Users, err = s.conversationDB().Users(ctx, u.Actor.EnteID); err != nil {
		return err
	}
	v.Tags, err = s.conversationDB().Tags(ctx, u.Actor.EnteID)
	return err
}

// conversationView is the data of the conversation page.
type conversationView struct {
	Conversation *redazione.Conversation
	Messages     []*redazione.Message
	Others       []*redazione.Conversation
	Desks        []redazione.Desk
	Users        []*redazione.User
	Statuses     []redazione.Status
	Priorities   []sla.Priority
	CanWrite     bool
	Flags        []store.Flag
	Marks        map[int64][]store.Mark // by message: what open flags point at
	OpenFlags    map[string]bool
	TypicalLen   int // median length of the office's replies, for tone hints
	TextLimit    int // the longest text a reply or note may have
	ReplyLimit   int // the platform's shorter limit on a reply, or 0
	// ReplyCount is how the composer counts a reply against ReplyLimit,
	// as the platform does (app.js): "x" (X's weights), "graphemes"
	// (Bluesky), "" (code points).
	ReplyCount string
	Playbooks  map[string]store.Playbook
	Situations []string // those an operator may mark
	// Access: the access requests registered from this conversation.
	Access []*accesso.Request
	// Reports: the citizens' reports filed from this conversation.
	Reports []*store.ServiceRequest
	// AppIO: the App IO messages sent from this conversation;
	// AppIOSubjects, on an App IO conversation, their subjects by message.
	AppIO         *appioBoxView
	AppIOSubjects map[int64]string
	// WindowClosed: a free reply is no longer possible (WhatsApp, 24 hours);
	// only the channel's approved templates may be sent.
	WindowClosed bool
	Templates    []meta.Template
	// CanSendFiles: a reply may carry a file (up to FileLimitMB).
	CanSendFiles bool
	FileLimitMB  int64
	Person       []store.PersonContact // the citizen's contacts on every channel
	Candidates   []store.PersonContact // contacts that may be the same citizen
	// Email: the e-mail parts of the messages, by message id; ShowImages is
	// the message whose remote images the operator asked to see.
	Email      map[int64]*emailView
	ShowImages int64

	// CanHide: the public comments can be hidden on the platform.
	CanHide bool
	// CanReplyPrivately: the citizen can be answered in a private message.
	CanReplyPrivately bool
	// Mentions are the messages that are Instagram mentions on someone
	// else's post: neither hidden nor answered privately.
	Mentions map[int64]bool
	// Earlier and Later are the URLs of the thread's pages before and after
	// this one ("" at either end); Latest the conversation's own URL, its
	// latest page; ThreadSrc the thread's live URL (this page).
	Earlier, Later, Latest, ThreadSrc string
	// InPane: the conversation is shown beside the inbox's list (the split
	// view on a wide screen), not as a page of its own.
	InPane bool
	// Snoozed says until when the conversation is put aside ("": it is
	// not); Snoozes are the choices of its "Rimanda" form.
	Snoozed string
	Snoozes []string
	// NoteMentions are the colleagues each note of the page named, by
	// message; Seen is the newest message when the page was made, which
	// a reply carries back so that one written before a newer message is
	// held for confirmation.
	NoteMentions map[int64][]store.Mentioned
	Seen         int64
}

// threadPage is how many messages a page of a thread shows.
const threadPage = 100

func (s *Server) loadConversation(r *http.Request, u *session) (*conversationView, error) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, redazione.Errorf(redazione.ENOTFOUND, "conversazione non trovata")
	}
	c, err := s.conversationDB().Conversation(ctx, u.Actor, id)
	if err != nil {
		return nil, err
	}
	v := &conversationView{Conversation: c, CanWrite: u.Actor.CanWrite(),
		Statuses:   []redazione.Status{redazione.StatusOpen, redazione.StatusPending, redazione.StatusResolved},
		Priorities: priorities, Snoozes: snoozePresets}
	if c.Snoozed(s.conversationDB().Now()) {
		v.Snoozed = snoozeLabel(langOf(r), store.Snooze{Until: c.SnoozedUntil, UntilReply: c.SnoozedUntilReply})
	}
	cursor := r.URL.Query().Get("cursor")
	mp, err := s.conversationDB().MessagesPage(ctx, u.Actor, id, cursor, threadPage)
	if err != nil {
		return nil, err
	}
	v.Messages = mp.Messages
	src := url.Values{}
	if v.ShowImages, _ = strconv.ParseInt(r.URL.Query().Get("images"), 10, 64); v.ShowImages != 0 {
		src.Set("images", strconv.FormatInt(v.ShowImages, 10))
	}
	if mp.Earlier != "" {
		src.Set("cursor", mp.Earlier)
		v.Earlier = "/conversations/" + strconv.FormatInt(id, 10) + "?" + src.Encode() + "#thread"
	}
	if mp.Later != "" {
		src.Set("cursor", mp.Later)
		v.Later = "/conversations/" + strconv.FormatInt(id, 10) + "?" + src.Encode() + "#thread"
	}
	src.Del("cursor")
	v.Latest = "/conversations/" + strconv.FormatInt(id, 10)
	if cursor != "" {
		src.Set("cursor", cursor)
	}
	v.ThreadSrc = v.Latest
	if len(src) > 0 {
		v.ThreadSrc += "?" + src.Encode()
	}
	if err := s.loadEmail(r, u.Actor.EnteID, v); err != nil {
		return nil, err
	}
	var notes []int64
	for _, m := range v.Messages {
		if m.Direction == redazione.DirNote {
			notes = append(notes, m.ID)
		}
	}
	if v.NoteMentions, err = s.conversationDB().NoteMentions(ctx, u.Actor.EnteID, notes); err != nil {
		return nil, err
	}
	v.Mentions = map[int64]bool{}
	for _, m := range v.Messages {
		if m.Direction == redazione.DirIn {
			v.Mentions[m.ID] = channel.IsInstagramMention(m.ExternalID)
			// a private reply answers the latest comment
			v.CanReplyPrivately = v.CanWrite && s.Inbox.CanReplyPrivately(c) && !v.Mentions[m.ID]
		}
	}
	if v.Later != "" { // an earlier page: its last comment is not the latest
		v.CanReplyPrivately = false
	}
	if v.Flags, err = s.conversationDB().Flags(ctx, u.Actor, id); err != nil {
		return nil, err
	}
	if v.Playbooks, err = s.conversationDB().Playbooks(ctx, u.Actor.EnteID); err != nil {
		return nil, err
	}
	v.Situations = redazione.ManualSituations
	if v.Access, err = s.conversationDB().ConversationAccessRequests(ctx, u.Actor, id); err != nil {
		return nil, err
	}
	if v.Reports, err = s.conversationDB().ConversationServiceRequests(ctx, u.Actor, id); err != nil {
		return nil, err
	}
	if v.AppIO, err = s.appioBox(r, u, inbox.AppIOFromConversation, id); err != nil {
		return nil, err
	}
	if c.ChannelKind == redazione.ChannelAppIO {
		if v.AppIOSubjects, err = s.appioDB().AppIOSubjects(ctx, u.Actor.EnteID, id); err != nil {
			return nil, err
		}
	}
	v.CanSendFiles, v.FileLimitMB = s.Inbox.CanSendFiles(c.ChannelKind), s.Inbox.FileLimit()>>20
	v.CanHide = v.CanWrite && s.Inbox.CanHide(c)
	if v.WindowClosed, err = s.Inbox.WindowClosed(ctx, c); err != nil {
		return nil, err
	}
	if v.WindowClosed {
		if ch, err := s.conversationDB().CachedChannel(ctx, c.ChannelID); err == nil {
			v.Templates = meta.Templates(ch)
		}
	}
	v.Marks, v.OpenFlags = map[int64][]store.Mark{}, map[string]bool{}
	for _, f := range v.Flags {
		if f.ClearedAt.IsZero() {
			v.Marks[f.MessageID] = append(v.Marks[f.MessageID], f.Marks...)
			v.OpenFlags[f.Kind] = true
		}
	}
	// the citizen's other conversations, on every channel merged into theirs
	if v.Person, err = s.conversationDB().PersonContacts(ctx, u.Actor.EnteID, c.ContactID); err != nil {
		return nil, err
	}
	ids := []int64{}
	for _, p := range v.Person {
		ids = append(ids, p.ID)
	}
	if v.CanWrite {
		v.Candidates, _ = s.conversationDB().MergeCandidates(ctx, u.Actor.EnteID, c.ContactID)
	}
	others, err := s.conversationDB().Conversations(ctx, u.Actor, store.InboxFilter{ContactIDs: ids, Status: "any", Limit: 20})
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID != c.ID {
			v.Others = append(v.Others, o)
		}
	}
	return v, nil
}

func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, "", "inbox")
	v, err := s.loadConversation(r, u)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Title = translate(p.Lang, "conv.thread") + " – " + contactLabel(v.Conversation)
	p.Data = v
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "thread" {
		s.render(w, r, http.StatusOK, "conversation", "thread", p)
		return
	}
	// The side panel, redrawn live, offers the same desks and colleagues
	// as the page (its Assegna and Sposta would be empty otherwise).
	ctx := r.Context()
	desks, err := s.conversationDB().Desks(ctx, u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.Desks = desks
	if v.Users, err = s.conversationDB().Users(ctx, u.Actor.EnteID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "conversation-details" {
		s.render(w, r, http.StatusOK, "conversation", "details", p)
		return
	}
	// Opened (not redrawn live): the mentions in it are read.
	if err := s.Inbox.ReadMentions(ctx, u.Actor, v.Conversation.ID); err != nil {
		s.Log.WarnContext(ctx, "mentions read", "conversation", v.Conversation.ID, "err", err)
	}
	if v.Seen, err = s.conversationDB().LatestMessageID(ctx, u.Actor.EnteID, v.Conversation.ID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.TypicalLen, _ = s.conversationDB().TypicalReplyLength(ctx, u.Actor.EnteID)
	v.TextLimit = redazione.MaxTextRunes
	v.ReplyLimit = s.Inbox.ReplyLimit(v.Conversation)
	if v.ReplyLimit > 0 {
		v.ReplyCount = countAs(v.Conversation.ChannelKind)
	}
	p.Flash = appioFlash(r)
	// The inbox's split view asks for the conversation alone, to show it
	// beside the list without loading a page.
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "conversation-pane" {
		v.InPane = true
		s.render(w, r, http.StatusOK, "conversation", "conversation_main", p)
		return
	}
	s.render(w, r, http.StatusOK, "conversation", "", p)
}

func contactLabel(c *redazione.Conversation) string {
	if c.Contact.Name != "" {
		return c.Contact.Name
	}
	return c.Contact.ExternalID
}

func (s *Server) convID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// afterChange answers an htmx action by refreshing the thread, or a plain
// form post by going back to the conversation; say, if given, tells the
// page what the action did (announced in its live region).
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, u *session, block string, say ...outcome) {
	if r.Header.Get("HX-Request") != "true" {
		http.Redirect(w, r, "/conversations/"+r.PathValue("id"), http.StatusSeeOther)
		return
	}
	p := s.page(r, u, "", "inbox")
	v, err := s.loadConversation(r, u)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	ctx := r.Context()
	v.Desks, _ = s.conversationDB().Desks(ctx, u.Actor.EnteID)
	v.Users, _ = s.conversationDB().Users(ctx, u.Actor.EnteID)
	p.Data = v
	for _, f := range say {
		sayDone(w, f(p.Lang, v.Conversation))
	}
	s.render(w, r, http.StatusOK, "conversation", block, p)
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, u *session) {
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, redazione.MaxMessageBytes)
	}
	note := r.PostFormValue("kind") == "note"
	text := r.PostFormValue("text")
	if tpl := r.PostFormValue("template"); tpl != "" && !note {
		// an approved template, only one of the channel's
		c, err := s.conversationDB().Conversation(r.Context(), u.Actor, s.convID(r))
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "inbox"), err)
			return
		}
		ch, err := s.conversationDB().CachedChannel(r.Context(), c.ChannelID)
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "inbox"), err)
			return
		}
		text = ""
		for _, t := range meta.Templates(ch) {
			if t.Name+"|"+t.Language == tpl {
				text = meta.TemplateText(t)
			}
		}
		if text == "" {
			s.fail(w, r, s.page(r, u, "", "inbox"), redazione.FieldError("template", "modello non approvato per questo canale"))
			return
		}
	} else if channel.IsWhatsAppTemplate(strings.TrimSpace(text)) {
		s.fail(w, r, s.page(r, u, "", "inbox"), redazione.FieldError("text", "scegli il modello dall'elenco"))
		return
	}
	if !note && r.PostFormValue("force") != "1" {
		// Someone answered, or the citizen wrote again, since the page
		// was made: show it before sending.
		newer, err := s.Inbox.Collision(r.Context(), u.Actor, s.convID(r), formInt(r, "seen"))
		if err != nil {
			s.fail(w, r, s.page(r, u, "", "inbox"), err)
			return
		}
		if len(newer) > 0 {
			s.replyConflict(w, r, u, text, newer)
			return
		}
	}
	files, err := s.uploadedFiles(r, u, note, text)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	if _, err := s.Inbox.ReplyWith(r.Context(), u.Actor, s.convID(r), store.Outgoing{Text: text, Note: note, Attachments: files, Confirmed: !note && r.PostFormValue("force") == "1"}); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	done := "done.reply"
	if note {
		done = "done.note"
	}
	s.afterChange(w, r, u, "thread", said(done))
}

func (s *Server) change(w http.ResponseWriter, r *http.Request, u *session, ch store.Change) {
	if _, err := s.Inbox.Change(r.Context(), u.Actor, s.convID(r), ch); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	s.afterChange(w, r, u, "details", changeOutcome(ch))
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request, u *session) {
	id := formInt(r, "assignee")
	if r.PostFormValue("assignee") == "me" {
		id = u.User.ID
	}
	s.change(w, r, u, store.Change{AssigneeID: &id})
}

func (s *Server) moveDesk(w http.ResponseWriter, r *http.Request, u *session) {
	id := formInt(r, "desk")
	s.change(w, r, u, store.Change{DeskID: &id})
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, u *session) {
	st := redazione.Status(r.PostFormValue("status"))
	if !st.Valid() {
		s.fail(w, r, s.page(r, u, "", "inbox"), redazione.FieldError("status", "stato non valido"))
		return
	}
	if _, err := s.Inbox.Change(r.Context(), u.Actor, s.convID(r), store.Change{Status: &st}); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	if st == redazione.StatusResolved {
		if err := s.sendSurvey(r, u, s.convID(r)); err != nil {
			s.Log.WarnContext(r.Context(), "satisfaction survey", "conversation", s.convID(r), "err", err)
		}
	}
	s.afterChange(w, r, u, "details", changeOutcome(store.Change{Status: &st}))
}

func (s *Server) addTag(w http.ResponseWriter, r *http.Request, u *session) {
	var tags []string
	for _, t := range strings.Split(r.PostFormValue("tag"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 {
		s.fail(w, r, s.page(r, u, "", "inbox"), redazione.FieldError("tag", "scrivi un'etichetta"))
		return
	}
	s.change(w, r, u, store.Change{AddTags: tags})
}

func (s *Server) removeTag(w http.ResponseWriter, r *http.Request, u *session) {
	s.change(w, r, u, store.Change{RemoveTags: []string{r.PostFormValue("tag")}})
}

// searchView is the data of the search page.
type searchView struct {
	Q      string
	Result *store.SearchResult
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "search.title"), "search")
	v := &searchView{Q: strings.TrimSpace(r.FormValue("q"))}
	if len(v.Q) > 200 {
		v.Q = v.Q[:200]
	}
	if v.Q != "" {
		res, err := s.conversationDB().Search(r.Context(), u.Actor, v.Q, 50)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		v.Result = res
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "search", "", p)
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "notif.title"), "notifications")
	list, _, err := s.conversationDB().Notifications(r.Context(), u.Actor, 50)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = list
	s.render(w, r, http.StatusOK, "notifications", "", p)
}

func (s *Server) readNotifications(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Inbox.ReadNotifications(r.Context(), u.Actor); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (s *Server) clearFlag(w http.ResponseWriter, r *http.Request, u *session) {
	fid, _ := strconv.ParseInt(r.PathValue("flag"), 10, 64)
	if err := s.Inbox.ClearFlag(r.Context(), u.Actor, s.convID(r), fid, r.PostFormValue("reason")); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	s.afterChange(w, r, u, "details", said("done.flag"))
}

func (s *Server) mergeContact(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Inbox.MergeContact(r.Context(), u.Actor, s.convID(r), formInt(r, "other")); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	s.afterChange(w, r, u, "details", said("done.merge"))
}

func (s *Server) separateContact(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Inbox.SeparateContact(r.Context(), u.Actor, s.convID(r), formInt(r, "contact")); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	s.afterChange(w, r, u, "details", said("done.separate"))
}
