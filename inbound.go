package redazione

import (
	"strings"
	"time"
	"unicode/utf8"
)

// What the channel adapters hand over to the inbox (a citizen's message,
// a receipt, a revision) and what storing a message did. The adapters build
// these without knowing the store.

// Inbound is a citizen's message as a channel adapter hands it over.
type Inbound struct {
	ExternalID  string // the platform's id; the same id again is a redelivery
	ContactID   string // the platform's id of the citizen
	ContactName string
	Text        string
	SentAt      time.Time

	// Public marks a public comment or mention: it goes to the contact's
	// public conversation, and personal data in it is flagged.
	Public bool

	// Attachments are the files that came with the message.
	Attachments []InboundAttachment

	// InReplyTo lists the external ids of earlier messages this one answers
	// (an e-mail's In-Reply-To and References): the conversation of the
	// same contact holding one of them takes the message, even if resolved.
	InReplyTo []string
	// Email is the e-mail part of a message of the e-mail channel.
	Email *EmailPart
}

// Validate checks an inbound message and names the first bad field.
func (in *Inbound) Validate() error {
	switch {
	case strings.TrimSpace(in.ContactID) == "":
		return FieldError("contact.external_id", "manca l'identificativo del contatto")
	case strings.TrimSpace(in.Text) == "":
		return FieldError("text", "il testo è vuoto")
	case !utf8.ValidString(in.Text) || !utf8.ValidString(in.ContactName) || !utf8.ValidString(in.ExternalID) || !utf8.ValidString(in.ContactID):
		return FieldError("text", "il testo non è UTF-8 valido")
	case utf8.RuneCountInString(in.Text) > MaxTextRunes:
		return FieldError("text", "il testo supera %d caratteri", MaxTextRunes)
	case len(in.ExternalID) > 255 || len(in.ContactID) > 255 || len(in.ContactName) > 255:
		return FieldError("external_id", "identificativo o nome troppo lungo (massimo 255 byte)")
	case strings.ContainsRune(in.Text+in.ContactName+in.ExternalID+in.ContactID, 0):
		// PostgreSQL cannot store NUL in text; refuse it on both dialects alike.
		return FieldError("text", "il testo contiene caratteri non ammessi (NUL)")
	case len(in.InReplyTo) > maxInReplyTo:
		return FieldError("in_reply_to", "troppi riferimenti (massimo %d)", maxInReplyTo)
	}
	if err := ValidateAttachments(in.Attachments); err != nil {
		return err
	}
	return in.Email.Validate()
}

// Ingested is what storing an inbound message did.
type Ingested struct {
	Message         *Message
	ConversationID  int64
	ContactID       int64
	DeskID          int64
	AssigneeID      int64
	Duplicate       bool // a redelivery: nothing was stored
	Erased          bool // a redelivery of a message erased since (GDPR): nothing was stored
	NewConversation bool
	Flags           []string // kinds of the flags the message raised
	// PendingAttachments are the ids of attachments to fetch from the platform.
	PendingAttachments []int64
}

// MaxAttachments is the most files one message may carry.
const MaxAttachments = 20

// InboundAttachment is a file that came with a citizen's message: either
// already in the blob store (BlobKey, e.g. an e-mail part), or to be fetched
// from the platform after the message is stored (Source: a Telegram file_id,
// a WhatsApp media id, a URL the webhook gave).
type InboundAttachment struct {
	Name        string
	ContentType string // as the platform says; replaced by the sniffed type once stored
	Size        int64
	BlobKey     string
	Source      string
}

// ValidateAttachments checks the files of a message (at most
// MaxAttachments, each with its content or a reference to it).
func ValidateAttachments(as []InboundAttachment) error {
	if len(as) > MaxAttachments {
		return FieldError("attachments", "troppi allegati (massimo %d)", MaxAttachments)
	}
	for _, a := range as {
		switch {
		case a.BlobKey == "" && a.Source == "":
			return FieldError("attachments", "allegato senza contenuto né riferimento")
		case len(a.Name) > 255 || len(a.ContentType) > 255 || len(a.Source) > 2048 || len(a.BlobKey) > 64:
			return FieldError("attachments", "nome o riferimento dell'allegato troppo lungo")
		case !utf8.ValidString(a.Name+a.ContentType+a.Source) || strings.ContainsRune(a.Name+a.ContentType+a.Source, 0):
			return FieldError("attachments", "nome dell'allegato non valido")
		case a.Size < 0:
			return FieldError("attachments", "dimensione dell'allegato non valida")
		}
	}
	return nil
}

// EmailPart is what an e-mail adds to a message: its subject, its HTML
// (already sanitised by the channel), whether it arrived by PEC, and the
// Message-IDs it refers to (its References, which the office's reply
// carries on).
type EmailPart struct {
	Subject    string
	HTML       string
	PEC        bool
	References []string
}

// Limits on the e-mail part of a message.
const (
	MaxEmailHTMLBytes = 1 << 20
	maxSubjectBytes   = 1000
	maxInReplyTo      = 100
)

// Validate checks an e-mail part against the limits; a nil part is valid.
func (p *EmailPart) Validate() error {
	if p == nil {
		return nil
	}
	refs := strings.Join(p.References, " ")
	switch {
	case len(p.HTML) > MaxEmailHTMLBytes:
		return Errorf(ETOOLARGE, "la parte HTML supera %d byte", MaxEmailHTMLBytes)
	case len(p.Subject) > maxSubjectBytes:
		return FieldError("subject", "oggetto troppo lungo (massimo %d byte)", maxSubjectBytes)
	case len(p.References) > maxInReplyTo:
		return FieldError("references", "troppi riferimenti (massimo %d)", maxInReplyTo)
	case !utf8.ValidString(p.Subject + p.HTML + refs):
		return FieldError("subject", "oggetto o HTML non UTF-8")
	case strings.ContainsRune(p.Subject+p.HTML+refs, 0):
		return FieldError("subject", "oggetto o HTML con caratteri non ammessi (NUL)")
	}
	return nil
}

// PEC receipt kinds (X-Ricevuta, DM 2 novembre 2005).
const (
	ReceiptAccepted       = "accettazione"
	ReceiptNotAccepted    = "non-accettazione"
	ReceiptTakenInCharge  = "presa-in-carico"
	ReceiptDelivered      = "avvenuta-consegna"
	ReceiptDeliveryError  = "errore-consegna"
	ReceiptDeliveryNotice = "preavviso-errore-consegna"
	ReceiptVirus          = "rilevazione-virus"
)

// ReceiptKindValid reports whether kind is a PEC receipt kind.
func ReceiptKindValid(kind string) bool {
	switch kind {
	case ReceiptAccepted, ReceiptNotAccepted, ReceiptTakenInCharge, ReceiptDelivered, ReceiptDeliveryError, ReceiptDeliveryNotice, ReceiptVirus:
		return true
	}
	return false
}

// PECReceipt is a PEC receipt: as the e-mail channel hands it over, and as
// it is shown on the message it acknowledges (Kind, Reason and At).
type PECReceipt struct {
	ExternalID string // the receipt's own Message-ID
	Kind       string // X-Ricevuta
	Refers     string // the Message-ID of the office's message it acknowledges
	Reason     string // why, for a failure
	At         time.Time
}

// Failed reports whether the receipt says the message did not get through.
func (r PECReceipt) Failed() bool {
	return r.Kind == ReceiptNotAccepted || r.Kind == ReceiptDeliveryError || r.Kind == ReceiptVirus
}

// Delivery is the delivery state the receipt gives the message: delivered
// once the recipient's provider put it in the mailbox, failed when a
// provider refused it; none for the other receipts.
func (r PECReceipt) Delivery() Delivery {
	switch {
	case r.Kind == ReceiptDelivered:
		return DeliveryDelivered
	case r.Failed():
		return DeliveryFailed
	}
	return DeliveryNone
}

// Receipt is a platform's word on a reply it accepted: it reached the
// citizen's device, the citizen read it, or it failed after all.
type Receipt struct {
	ExternalID string // the platform's id of the reply; empty with Until
	ContactID  string // the citizen's platform id
	State      Delivery
	Reason     string    // why it failed
	Until      time.Time // a watermark: every reply to the contact sent before it
	At         time.Time // when it happened, as the platform says
}

// Revision is a citizen's change, on the platform, to a message already in
// the inbox: a new text (an edited Telegram or Messenger message, an edited
// comment) or its deletion.
type Revision struct {
	ExternalID string // the platform's id of the message, as stored
	Text       string // the new text; unused when Deleted
	Deleted    bool
	At         time.Time // when the author changed it, as the platform says
}

// EmailReplyTo is what the office's reply in a conversation answers: the
// citizen's latest e-mail.
type EmailReplyTo struct {
	MessageID  string // its Message-ID (the message's external id)
	Subject    string
	References []string
}
