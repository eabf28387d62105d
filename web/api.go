package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// apiReads is what the API channel reads (*store.DB has it).
type apiReads interface {
	CachedChannel(ctx context.Context, id int64) (*redazione.Channel, error)
	Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error)
	InboxPage(ctx context.Context, a redazione.Actor, f store.InboxFilter) (*store.InboxPage, error)
	Flags(ctx context.Context, a redazione.Actor, convID int64) ([]store.Flag, error)
	MessagesPage(ctx context.Context, a redazione.Actor, conversationID int64, cursor string, limit int) (*store.MessagePage, error)
	SLA(ctx context.Context, enteID int64) (*store.SLAConfig, error)
}

func (s *Server) apiDB() apiReads { return s.DB }

// apiChannelMessage receives a citizen's message from an integration on the
// signed API channel. Every error changes nothing.
func (s *Server) apiChannelMessage(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ch, err := s.pathChannel(r, redazione.ChannelAPI)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := apichannel.VerifyRequest(ch.Secret, body, r.Header.Get(apichannel.SignatureHeader), r.Header.Get(apichannel.TimestampHeader),
		ch.Settings["require_timestamp"] == "on", time.Now()); err != nil {
		s.jsonError(w, r, err)
		return
	}
	in, err := apichannel.Parse(body)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	res, err := s.Inbox.Ingest(r.Context(), ch, in)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": res.Message.ID, "conversation_id": res.ConversationID, "duplicate": res.Duplicate})
}

type apiDesk struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type apiContact struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
}

type apiMessage struct {
	ID            int64           `json:"id"`
	Direction     string          `json:"direction"`
	Text          string          `json:"text"`
	Author        string          `json:"author,omitempty"`
	SentAt        time.Time       `json:"sent_at"`
	Delivery      string          `json:"delivery,omitempty"`
	DeliveryError string          `json:"delivery_error,omitempty"`
	CreatedAt     *time.Time      `json:"created_at,omitempty"`
	Attachments   []apiAttachment `json:"attachments,omitempty"`
	// EditedAt and DeletedAt: the citizen changed or deleted it on the
	// platform; Versions are the texts an edit replaced, oldest first.
	EditedAt  *time.Time   `json:"edited_at,omitempty"`
	DeletedAt *time.Time   `json:"deleted_at,omitempty"`
	Versions  []apiVersion `json:"versions,omitempty"`
}

// apiVersion is a text of a message that its author replaced.
type apiVersion struct {
	Text       string    `json:"text"`
	ReplacedAt time.Time `json:"replaced_at"`
}

// apiAttachment is a file of a message; url serves it (same token).
type apiAttachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Status      string `json:"status"`
	Error       string `json:"error,omitempty"`
	URL         string `json:"url,omitempty"`
}

type apiConversation struct {
	ID           int64        `json:"id"`
	ChannelID    int64        `json:"channel_id"`
	Channel      string       `json:"channel"`
	Desk         apiDesk      `json:"desk"`
	Status       string       `json:"status"`
	Assignee     *apiDesk     `json:"assignee"`
	Tags         []string     `json:"tags"`
	Contact      apiContact   `json:"contact"`
	LastMessage  *apiMessage  `json:"last_message"`
	WaitingSince *time.Time   `json:"waiting_since"`
	CreatedAt    time.Time    `json:"created_at"`
	Priority     string       `json:"priority"`
	Public       bool         `json:"public"`
	Flags        []apiFlag    `json:"flags"`
	SLA          *apiSLA      `json:"sla"`
	Snoozed      *apiSnooze   `json:"snoozed"`
	Messages     []apiMessage `json:"messages,omitempty"`
}

// apiSnooze says until when a conversation is put aside; null when it is
// not.
type apiSnooze struct {
	Until      *time.Time `json:"until"`
	UntilReply bool       `json:"until_reply"`
}

// apiFlag is a delicate situation raised on a conversation.
type apiFlag struct {
	Kind      string `json:"kind"`
	Reason    string `json:"reason,omitempty"`
	MessageID int64  `json:"message_id,omitempty"`
	Cleared   bool   `json:"cleared"`
}

// apiSLA is a conversation's response-time targets; null without any.
type apiSLA struct {
	FirstResponseDueAt *time.Time `json:"first_response_due_at"`
	ResolutionDueAt    *time.Time `json:"resolution_due_at"`
	FirstResponseAt    *time.Time `json:"first_response_at"`
	Breached           bool       `json:"breached"`
	Paused             bool       `json:"paused"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func withSLA(out *apiConversation, c *redazione.Conversation, cal *calendar.Calendar) {
	out.Priority = sla.Priority(c.Priority).Label()
	out.Public = c.Public
	out.Flags = []apiFlag{}
	for _, k := range c.Flags {
		out.Flags = append(out.Flags, apiFlag{Kind: k})
	}
	if c.Snoozed(time.Now()) {
		out.Snoozed = &apiSnooze{Until: optTime(c.SnoozedUntil), UntilReply: c.SnoozedUntilReply}
	}
	if c.FirstResponseDue.IsZero() && c.ResolutionDue.IsZero() {
		return
	}
	out.SLA = &apiSLA{FirstResponseDueAt: optTime(c.FirstResponseDue), ResolutionDueAt: optTime(c.ResolutionDue), FirstResponseAt: optTime(c.FirstResponseAt)}
	if v := slaOf("it", cal, c, time.Now()); v != nil {
		out.SLA.Breached, out.SLA.Paused = v.st.Breached, v.st.Paused
	}
}

func toAPIMessage(m *redazione.Message) apiMessage {
	out := apiMessage{ID: m.ID, Direction: string(m.Direction), Text: m.Text, Author: m.AuthorName, SentAt: m.SentAt,
		Delivery: string(m.Delivery), DeliveryError: m.DeliveryError}
	for _, a := range m.Attachments {
		at := apiAttachment{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, Status: string(a.Status), Error: a.Error}
		if a.Status == redazione.AttachmentStored {
			at.URL = "/api/v1/attachments/" + strconv.FormatInt(a.ID, 10)
		}
		out.Attachments = append(out.Attachments, at)
	}
	if !m.EditedAt.IsZero() {
		out.EditedAt = &m.EditedAt
	}
	if !m.DeletedAt.IsZero() {
		out.DeletedAt = &m.DeletedAt
	}
	for _, v := range m.Versions {
		out.Versions = append(out.Versions, apiVersion{Text: v.Text, ReplacedAt: v.ReplacedAt})
	}
	return out
}

func toAPIConversation(c *redazione.Conversation) apiConversation {
	out := apiConversation{ID: c.ID, ChannelID: c.ChannelID, Channel: c.ChannelName, Desk: apiDesk{c.DeskID, c.DeskName}, Status: string(c.Status),
		Tags: c.Tags, Contact: apiContact{c.ContactID, c.Contact.ExternalID, c.Contact.Name}, CreatedAt: c.CreatedAt}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if c.AssigneeID != 0 {
		out.Assignee = &apiDesk{c.AssigneeID, c.AssigneeName}
	}
	if c.LastMessage != nil {
		m := toAPIMessage(c.LastMessage)
		out.LastMessage = &m
	}
	if !c.WaitingSince.IsZero() {
		t := c.WaitingSince
		out.WaitingSince = &t
	}
	return out
}

// apiLimit reads the limit parameter: absent is the default (0), anything
// but a positive number is refused, more than most is most.
func apiLimit(q url.Values, most int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, redazione.FieldError("limit", "limit deve essere un numero da 1 a %d", most)
	}
	return min(n, most), nil
}

// apiConversations lists conversations with the same filters and permission
// rules as the inbox, a page at a time: "next" is the cursor of the page
// after (null on the last), to pass back as ?cursor=.
func (s *Server) apiConversations(w http.ResponseWriter, r *http.Request, u *session) {
	q := r.URL.Query()
	f := store.InboxFilter{Status: q.Get("status"), Tag: q.Get("tag"), Due: q.Get("due"), Cursor: q.Get("cursor")}
	switch q.Get("sort") {
	case "", "waiting":
	case "due":
		f.SortDue = true
	case "created":
		f.SortID = true
	default:
		s.jsonError(w, r, redazione.FieldError("sort", "ordine non valido: waiting, due o created"))
		return
	}
	var err error
	if f.Limit, err = apiLimit(q, 200); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if f.Due == "soon" {
		cfg, err := s.apiDB().SLA(r.Context(), u.Actor.EnteID)
		if err != nil {
			s.jsonError(w, r, err)
			return
		}
		f.DueBy, _ = cfg.Calendar.Add(time.Now(), sla.ImminentWithin)
	}
	f.DeskID, _ = strconv.ParseInt(q.Get("desk"), 10, 64)
	f.ChannelID, _ = strconv.ParseInt(q.Get("channel"), 10, 64)
	f.AssigneeID, _ = strconv.ParseInt(q.Get("assignee"), 10, 64)
	switch q.Get("view") {
	case "mine":
		f.Mine = true
	case "unassigned":
		f.Unassigned = true
	case "snoozed":
		f.Snoozed = true
	}
	page, err := s.apiDB().InboxPage(r.Context(), u.Actor, f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	convs := page.Conversations
	cfg, err := s.apiDB().SLA(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]apiConversation, 0, len(convs))
	for _, c := range convs {
		ac := toAPIConversation(c)
		withSLA(&ac, c, cfg.Calendar)
		out = append(out, ac)
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": out, "next": cursorOrNull(page.Next)})
}

func (s *Server) apiConversation(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := s.apiDB().Conversation(r.Context(), u.Actor, id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	limit, err := apiLimit(r.URL.Query(), 500)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	mp, err := s.apiDB().MessagesPage(r.Context(), u.Actor, id, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	msgs := mp.Messages
	cfg, err := s.apiDB().SLA(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := toAPIConversation(c)
	withSLA(&out, c, cfg.Calendar)
	flags, err := s.apiDB().Flags(r.Context(), u.Actor, id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out.Flags = make([]apiFlag, 0, len(flags))
	for _, f := range flags {
		out.Flags = append(out.Flags, apiFlag{Kind: f.Kind, Reason: f.Reason, MessageID: f.MessageID, Cleared: !f.ClearedAt.IsZero()})
	}
	out.Messages = make([]apiMessage, 0, len(msgs))
	for _, m := range msgs {
		out.Messages = append(out.Messages, toAPIMessage(m))
	}
	// The thread is walked from its latest page back: "next" is the cursor
	// of the earlier messages.
	writeJSON(w, http.StatusOK, struct {
		apiConversation
		Next *string `json:"next"`
	}{out, cursorOrNull(mp.Earlier)})
}

// cursorOrNull is a cursor for JSON: null when there is no next page.
func cursorOrNull(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}

// readBody reads a webhook's raw body (its signature covers exactly these
// bytes), answering 413 beyond MaxMessageBytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, redazione.MaxMessageBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.jsonError(w, r, redazione.Errorf(redazione.ETOOLARGE, "il corpo supera %d byte", redazione.MaxMessageBytes))
		return nil, false
	}
	if err != nil {
		s.jsonError(w, r, redazione.FieldError("body", "corpo illeggibile"))
		return nil, false
	}
	return body, true
}

// pathChannel finds the channel named by the request path's id, of one of
// kinds; any other is "not found", so a webhook tells nothing about the
// channels it does not serve.
func (s *Server) pathChannel(r *http.Request, kinds ...redazione.ChannelKind) (*redazione.Channel, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		ch, err := s.apiDB().CachedChannel(r.Context(), id)
		if err == nil && slices.Contains(kinds, ch.Kind) {
			return ch, nil
		}
	}
	return nil, redazione.Errorf(redazione.ENOTFOUND, "canale non trovato")
}
