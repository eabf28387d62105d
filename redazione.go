// Package redazione holds the domain of Redazione, the social communication
// desk of an Italian public administration: enti, desks, users, channels,
// contacts, conversations and messages, and the errors shared by every layer.
// Storage, HTTP, channels and jobs live in their own packages and speak these
// types.
package redazione

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Error codes shared by every layer; the HTTP layer maps them to statuses in
// one place.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ETOOLARGE     = "too_large"
	ETOOMANY      = "too_many" // too many requests in a short time
)

// Error is a domain error: a code, a message a user may read, and the field
// it is about, if any.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns a domain error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, EINTERNAL for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of a domain error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Errore interno."
}

// Role is what a user may do.
type Role string

// The four roles.
const (
	RoleAdmin       Role = "admin"
	RoleCoordinator Role = "coordinator"
	RoleOperator    Role = "operator"
	RoleAnalyst     Role = "analyst"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleCoordinator, RoleOperator, RoleAnalyst:
		return true
	}
	return false
}

// ParseRole reads a role by its name, in any case: "administrator", the
// name the product's documents use, is the same as "admin". An unknown
// name gives a role that is not Valid.
func ParseRole(name string) Role {
	r := Role(strings.ToLower(strings.TrimSpace(name)))
	if r == "administrator" {
		return RoleAdmin
	}
	return r
}

// Ente is a tenant: one public administration.
type Ente struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

// Desk is one of the five desks of the redazione unica (renamable).
type Desk struct {
	ID     int64
	EnteID int64
	Slug   string
	Name   string
	// AutoAssign gives new conversations to the desk's available
	// operators in turn.
	AutoAssign bool
}

// DefaultDesks are seeded for every new ente, in this order.
var DefaultDesks = []Desk{
	{Slug: "contatti", Name: "Contatti e accesso civico"},
	{Slug: "notizie", Name: "Notizie e media"},
	{Slug: "partecipazione", Name: "Citizen satisfaction e partecipazione"},
	{Slug: "campagne", Name: "Campagne ed eventi"},
	{Slug: "interna", Name: "Comunicazione interna"},
}

// User is an operator of an ente.
type User struct {
	ID           int64
	EnteID       int64
	Email        string
	Name         string
	Role         Role
	DeskIDs      []int64
	PasswordHash string
	Disabled     bool
	FailedLogins int
	LockedUntil  time.Time
	Lang         string
	CreatedAt    time.Time
	Available    bool // takes new conversations by automatic assignment
	MaxOpen      int  // most open conversations assigned automatically (0: no cap)
}

// Actor is who is asking: every read and write is scoped by it.
type Actor struct {
	EnteID  int64
	UserID  int64 // 0 for the system (channels, jobs)
	Role    Role
	DeskIDs []int64
}

// ActorOf returns the actor for a user.
func ActorOf(u *User) Actor {
	return Actor{EnteID: u.EnteID, UserID: u.ID, Role: u.Role, DeskIDs: u.DeskIDs}
}

// SystemActor acts for the platform inside one ente (ingest, jobs).
func SystemActor(enteID int64) Actor {
	return Actor{EnteID: enteID, Role: RoleAdmin}
}

// SeesAllDesks reports whether the actor sees every desk of the ente.
func (a Actor) SeesAllDesks() bool {
	return a.Role == RoleAdmin || a.Role == RoleCoordinator || a.Role == RoleAnalyst
}

// CanSeeDesk reports whether the actor sees the work of desk.
func (a Actor) CanSeeDesk(desk int64) bool {
	return a.SeesAllDesks() || slices.Contains(a.DeskIDs, desk)
}

// CanWrite reports whether the actor may change conversations.
func (a Actor) CanWrite() bool { return a.Role != RoleAnalyst }

// CanAdmin reports whether the actor may manage users, desks and channels.
func (a Actor) CanAdmin() bool { return a.Role == RoleAdmin }

// CanTake reports whether u may be given a conversation of desk: an active
// user who writes and sees that desk.
func (u *User) CanTake(desk int64) bool {
	if u == nil || u.Disabled {
		return false
	}
	a := ActorOf(u)
	return a.CanWrite() && a.CanSeeDesk(desk)
}

// ChannelKind names a channel adapter.
type ChannelKind string

// Valid reports whether k is a channel kind Redazione has an adapter for.
func (k ChannelKind) Valid() bool {
	switch k {
	case ChannelWebChat, ChannelAPI, ChannelTelegram, ChannelWhatsApp, ChannelMessenger, ChannelInstagram, ChannelMastodon, ChannelEmail, ChannelAppIO, ChannelX, ChannelBluesky:
		return true
	}
	return false
}

// The channel kinds of the first release.
const (
	ChannelWebChat   ChannelKind = "webchat"
	ChannelAPI       ChannelKind = "api"
	ChannelTelegram  ChannelKind = "telegram"
	ChannelWhatsApp  ChannelKind = "whatsapp"
	ChannelMessenger ChannelKind = "messenger"
	ChannelInstagram ChannelKind = "instagram"
	ChannelMastodon  ChannelKind = "mastodon"
	ChannelEmail     ChannelKind = "email" // e-mail and PEC
	// ChannelAppIO is a service of the ente on App IO (PagoPA): it only
	// sends, to citizens known by their codice fiscale.
	ChannelAppIO ChannelKind = "appio"
	// ChannelX is the ente's account on X (formerly Twitter): publishing,
	// and its mentions where the ente's API access allows reading them.
	ChannelX ChannelKind = "x"
	// ChannelBluesky is the ente's account on Bluesky (AT Protocol):
	// publishing, mentions and replies, and direct messages.
	ChannelBluesky ChannelKind = "bluesky"
)

// Channel is one inbound and outbound route to citizens.
type Channel struct {
	ID          int64
	EnteID      int64
	Kind        ChannelKind
	Name        string
	DeskID      int64 // where its new conversations land
	Secret      string
	CallbackURL string
	Disabled    bool
	// Settings are the platform's settings and credentials (token,
	// app_secret, api_base_url...), sealed at rest.
	Settings  map[string]string
	CreatedAt time.Time
	// Health: when the channel last brought a message, and its last error.
	LastEventAt time.Time
	LastError   string
	LastErrorAt time.Time
	// LastErrorClearedAt is when the channel worked again after its last
	// error (a poll, a delivery, a webhook that succeeded); zero while the
	// error stands.
	LastErrorClearedAt time.Time
	// CredentialsExpireAt is when the channel's token or password stops
	// working (zero: never, or not known).
	CredentialsExpireAt time.Time
}

// Contact is a citizen as a channel knows them.
type Contact struct {
	ID         int64
	EnteID     int64
	ChannelID  int64
	ExternalID string
	Name       string
	CreatedAt  time.Time
	ErasedAt   time.Time // the citizen's identity was erased then (GDPR)
}

// Status of a conversation.
type Status string

// Conversation statuses.
const (
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusResolved Status = "resolved"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusOpen || s == StatusPending || s == StatusResolved
}

// Conversation is one thread of a citizen on one channel.
type Conversation struct {
	ID            int64
	EnteID        int64
	ChannelID     int64
	ChannelKind   ChannelKind
	ChannelName   string
	ContactID     int64
	Contact       Contact
	DeskID        int64
	DeskName      string
	Status        Status
	AssigneeID    int64
	AssigneeName  string
	Tags          []string
	WaitingSince  time.Time // zero when the last word was the office's
	LastMessageAt time.Time
	LastMessage   *Message
	CreatedAt     time.Time

	// Response-time targets (zero: none); see package sla.
	Priority         int
	FirstResponseAt  time.Time
	FirstResponseDue time.Time
	ResolutionDue    time.Time
	PendingSince     time.Time
	FirstTarget      time.Duration
	ResolutionTarget time.Duration

	// Public: a public comment or mention, answered in public.
	Public bool
	// Flags are the kinds of the open flags (personal_data, urgent).
	Flags []string
	// ErasedAt: its messages were erased then (retention, or the citizen's
	// request); the conversation stays for the reports.
	ErasedAt time.Time
	// SnoozedUntil: put aside (Rimanda) until then; zero when it is not.
	// SnoozedUntilReply: put aside until the citizen writes again.
	SnoozedUntil      time.Time
	SnoozedUntilReply bool
}

// Snoozed reports whether the conversation is put aside at now.
func (c *Conversation) Snoozed(now time.Time) bool {
	return c.SnoozedUntilReply || c.SnoozedUntil.After(now)
}

// Direction of a message.
type Direction string

// Message directions; a note is internal and never leaves Redazione.
const (
	DirIn   Direction = "in"
	DirOut  Direction = "out"
	DirNote Direction = "note"
)

// Delivery state of an outgoing message.
type Delivery string

// Delivery states.
const (
	DeliveryNone   Delivery = ""
	DeliveryQueued Delivery = "queued"
	DeliverySent   Delivery = "sent"
	DeliveryFailed Delivery = "failed"
	// Receipts from the platform: the citizen's device has it, or they read it.
	DeliveryDelivered Delivery = "delivered"
	DeliveryRead      Delivery = "read"
)

// Message is one message or internal note of a conversation.
type Message struct {
	ID             int64
	EnteID         int64
	ConversationID int64
	Direction      Direction
	AuthorID       int64
	AuthorName     string
	ExternalID     string
	Text           string
	SentAt         time.Time
	CreatedAt      time.Time
	Delivery       Delivery
	DeliveryError  string
	Attempts       int
	Attachments    []Attachment
	// Hidden: the office hid this public comment on the platform.
	Hidden bool
	// PrivateReplyTo is, on a private reply, the platform id of the public
	// comment it answers (Meta delivers it to the comment's author).
	PrivateReplyTo string
	// EditedAt: the citizen last changed the text on the platform then;
	// Versions are the texts it replaced, oldest first (on the thread).
	EditedAt time.Time
	Versions []MessageVersion
	// DeletedAt: the citizen deleted it on the platform then; the text is
	// what the office received.
	DeletedAt time.Time
	// DeclaredSentAt is the sending time the platform or the sender gave
	// when it was not plausible (over 30 days old, or in the future): the
	// message is filed at the time it came (SentAt) and this is shown.
	DeclaredSentAt time.Time
}

// MessageVersion is a text of a message that its author later replaced.
type MessageVersion struct {
	Text       string
	ReplacedAt time.Time
}

// Attachment is a file that came with a message.
type Attachment struct {
	ID          int64
	MessageID   int64
	Name        string
	ContentType string // sniffed from the content once stored
	Size        int64
	BlobKey     string
	Status      AttachmentStatus
	Error       string // why it could not be kept, when failed
}

// AttachmentStatus tells whether an attachment's file is kept.
type AttachmentStatus string

// Attachment states: a platform's file is fetched after the message is
// stored (pending), then kept (stored) or not (failed, with the reason).
const (
	AttachmentPending AttachmentStatus = "pending"
	AttachmentStored  AttachmentStatus = "stored"
	AttachmentFailed  AttachmentStatus = "failed"
)

// AuditEntry records who did what; the trail is append-only.
type AuditEntry struct {
	ID      int64
	EnteID  int64
	ActorID int64
	Action  string
	Target  string
	Detail  string
	At      time.Time
	// PrevHash and Hash chain the entry to the one before (AuditHash), so
	// that an entry added, changed or removed outside the application
	// shows.
	PrevHash string
	Hash     string
}

// Notification tells a user something happened for them (an @mention).
type Notification struct {
	ID             int64
	EnteID         int64
	UserID         int64
	ConversationID int64
	Text           string
	CreatedAt      time.Time
	ReadAt         time.Time
}

// Limits on what citizens and integrations may send.
const (
	MaxMessageBytes = 1 << 20 // a request body
	MaxTextRunes    = 20000
)
