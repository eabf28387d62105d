package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/channel"
)

// Ingester takes what the poller fetches (inbox.Service).
type Ingester interface {
	Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error)
	PECReceipt(ctx context.Context, ch *redazione.Channel, r redazione.PECReceipt) error
}

// Mailboxes remembers how far each channel's mailbox has been fetched.
type Mailboxes interface {
	MailboxState(ctx context.Context, channelID int64) (uidValidity, lastUID uint32, err error)
	SaveMailboxState(ctx context.Context, channelID int64, uidValidity, lastUID uint32) error
}

// Blobs keeps attachments (blob.Store).
type Blobs interface {
	Put(r io.Reader, max int64) (blob.Blob, error)
}

// Poller fetches a channel's mailbox over IMAP.
type Poller struct {
	Ingester Ingester
	State    Mailboxes
	Blobs    Blobs
	// MaxFileSize is the largest attachment kept (blob.MaxSize when 0).
	MaxFileSize int64
	// TLSConfig is used for STARTTLS and TLS (nil: the system's roots).
	TLSConfig *tls.Config
	Log       interface {
		Warn(msg string, args ...any)
	}
}

// idleRestart bounds one IDLE: servers drop idle clients after 30 minutes
// (RFC 2177). The mailbox is also read again every poll_interval, so that a
// notification lost costs a short wait, not a message.
const idleRestart = 10 * time.Minute

// Run fetches the mailbox until ctx ends: every message not fetched yet,
// then, where the server offers IDLE, whatever it announces, or else what
// arrives by each poll_interval. A message counts as fetched only once
// stored (or found to be a repeat), so a crash or a restart loses nothing
// and fetches nothing twice. Messages are read with BODY.PEEK: the
// mailbox's flags are left to the people who read it too.
func (p Poller) Run(ctx context.Context, ch *redazione.Channel) {
	wait := time.Second
	for ctx.Err() == nil {
		began := time.Now()
		err := p.session(ctx, ch)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.Log.Warn("e-mail imap", "channel", ch.ID, "err", err)
		}
		if time.Since(began) > time.Minute {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Minute)
	}
}

// session is one IMAP connection, kept until ctx ends or an error.
func (p Poller) session(ctx context.Context, ch *redazione.Channel) error {
	srv, err := imapServer(ch.Settings)
	if err != nil {
		return errors.New(redazione.ErrorMessage(err))
	}
	interval, err := time.ParseDuration(ch.Settings[SettingPollInterval])
	if err != nil || interval <= 0 {
		interval = time.Minute
	}
	news := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: tlsFor(p.TLSConfig, srv.host),
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case news <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	switch srv.tls {
	case "implicit":
		c, err = imapclient.DialTLS(srv.addr, opts)
	case "none":
		c, err = imapclient.DialInsecure(srv.addr, opts)
	default:
		c, err = imapclient.DialStartTLS(srv.addr, opts)
	}
	if err != nil {
		return fmt.Errorf("connessione a %s non riuscita: %w", srv.addr, err)
	}
	defer c.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			c.Close() // unblocks whatever command is waiting
		case <-done:
		}
	}()
	if srv.oauth {
		err = srv.xoauth2Login(func(x xoauth2) error { return c.Authenticate(x) })
	} else {
		err = c.Login(srv.user, srv.password).Wait()
	}
	if err != nil {
		return fmt.Errorf("accesso IMAP come %q non riuscito: %w", srv.user, err)
	}
	sel, err := c.Select(srv.mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("casella %q: %w", srv.mailbox, err)
	}
	for ctx.Err() == nil {
		if err := p.sync(ctx, c, ch, sel.UIDValidity); err != nil {
			return err
		}
		channel.Worked(p.Log)
		if c.Caps().Has(imap.CapIdle) {
			// Mail that arrived while syncing: some servers announce it only
			// on the next command, not when IDLE starts, so ask first.
			if err := c.Noop().Wait(); err != nil {
				return fmt.Errorf("NOOP: %w", err)
			}
			select {
			case <-news:
				continue
			default:
			}
			idle, err := c.Idle()
			if err != nil {
				return fmt.Errorf("IDLE: %w", err)
			}
			select {
			case <-news:
			case <-ctx.Done():
			case <-time.After(min(interval, idleRestart)): // a notification lost is not waited for long
			case <-c.Closed():
				return errors.New("il server IMAP ha chiuso la connessione")
			}
			if err := idle.Close(); err != nil {
				return fmt.Errorf("IDLE: %w", err)
			}
			if err := idle.Wait(); err != nil {
				return fmt.Errorf("IDLE: %w", err)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
		if err := c.Noop().Wait(); err != nil {
			return fmt.Errorf("NOOP: %w", err)
		}
	}
	return nil
}

// sync fetches every message after the last one stored.
func (p Poller) sync(ctx context.Context, c *imapclient.Client, ch *redazione.Channel, uidValidity uint32) error {
	validity, last, err := p.State.MailboxState(ctx, ch.ID)
	if err != nil {
		return err
	}
	if validity != uidValidity {
		// A new mailbox (or one rebuilt by the server): its UIDs start
		// again, and the Message-IDs keep what was stored from coming back.
		last = 0
	}
	var set imap.UIDSet
	if last == 0 {
		// The first look at this mailbox (or at a rebuilt one): what arrived
		// since the channel was added, not years of mail handled elsewhere.
		found, err := c.UIDSearch(&imap.SearchCriteria{Since: importSince(ch)}, nil).Wait()
		if err != nil {
			return fmt.Errorf("SEARCH: %w", err)
		}
		uids := found.AllUIDs()
		if len(uids) == 0 {
			return p.State.SaveMailboxState(ctx, ch.ID, uidValidity, 0)
		}
		set.AddNum(uids...)
	} else {
		set.AddRange(imap.UID(last+1), 0) // last+1:*
	}
	heads, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, Envelope: true}).Collect()
	if err != nil {
		return fmt.Errorf("FETCH: %w", err)
	}
	slices.SortFunc(heads, func(a, b *imapclient.FetchMessageBuffer) int { return int(a.UID) - int(b.UID) })
	for _, h := range heads {
		if uint32(h.UID) <= last {
			continue // "n:*" names the last message even when it is older than n
		}
		if err := p.fetchOne(ctx, c, ch, h); err != nil {
			return err
		}
		if err := p.State.SaveMailboxState(ctx, ch.ID, uidValidity, uint32(h.UID)); err != nil {
			return err
		}
	}
	if validity != uidValidity && len(heads) == 0 {
		return p.State.SaveMailboxState(ctx, ch.ID, uidValidity, last)
	}
	return nil
}

// importSince is the day from which a mailbox read for the first time is
// brought in: the setting import_since, or the day before the channel was
// added (IMAP compares days, by the date the server received each message).
func importSince(ch *redazione.Channel) time.Time {
	if d, err := time.ParseInLocation(time.DateOnly, ch.Settings[SettingImportSince], calendar.Rome); err == nil {
		return d
	}
	return ch.CreatedAt.In(calendar.Rome).AddDate(0, 0, -1)
}

// fetchOne fetches and stores one message. It fails only when the message
// could not be stored and must be fetched again.
func (p Poller) fetchOne(ctx context.Context, c *imapclient.Client, ch *redazione.Channel, h *imapclient.FetchMessageBuffer) error {
	var raw []byte
	var reason string
	if h.RFC822Size > MaxMessageBytes {
		reason = fmt.Sprintf("il messaggio è di %d MB, oltre il limite di %d MB", h.RFC822Size>>20, MaxMessageBytes>>20)
	} else {
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(imap.UIDSetNum(h.UID), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return fmt.Errorf("FETCH %d: %w", h.UID, err)
		}
		if len(msgs) == 0 {
			return nil // expunged meanwhile
		}
		raw = msgs[0].FindBodySection(section)
	}
	return p.store(ctx, ch, raw, reason, h.Envelope)
}

// store hands one message to the inbox. A message that cannot be read
// still arrives, as a notice with its sender and subject, so nothing the
// mailbox accepted is lost without a trace.
func (p Poller) store(ctx context.Context, ch *redazione.Channel, raw []byte, reason string, env *imap.Envelope) error {
	var in redazione.Inbound
	var err error
	if reason == "" {
		var m *Mail
		if m, err = Parse(raw, isPEC(ch.Settings)); err == nil {
			if m.Receipt != nil {
				err := p.Ingester.PECReceipt(ctx, ch, *m.Receipt)
				switch redazione.ErrorCode(err) {
				case "", redazione.ENOTFOUND: // about a message sent elsewhere
					return nil
				case redazione.EINTERNAL:
					return err
				}
				p.Log.Warn("e-mail receipt", "channel", ch.ID, "err", err)
				return nil
			}
			if m.Bounce != nil {
				err := p.Ingester.PECReceipt(ctx, ch, *m.Bounce)
				switch redazione.ErrorCode(err) {
				case "":
					return nil
				case redazione.EINTERNAL:
					return err
				}
				// about no message of the office: an e-mail like any other
			}
			if ownAddress(ch, m.From) {
				return nil // the office's own message (a copy, a loop)
			}
			if in, err = m.Inbound(); err == nil {
				err = p.attach(&in, m.Attachments)
				if redazione.ErrorCode(err) == redazione.EINTERNAL {
					return err // the blob store failed: fetch it again later
				}
			}
		}
		if err != nil {
			reason = redazione.ErrorMessage(err)
		}
	}
	if reason != "" {
		if in, err = notice(env, reason); err != nil {
			p.Log.Warn("e-mail message dropped", "channel", ch.ID, "err", err)
			return nil
		}
		if ownAddress(ch, in.ContactID) {
			return nil
		}
	}
	if _, err := p.Ingester.Ingest(ctx, ch, in); err != nil {
		if redazione.ErrorCode(err) == redazione.EINTERNAL {
			return err
		}
		p.Log.Warn("e-mail ingest", "channel", ch.ID, "err", err)
	}
	return nil
}

// attach puts the attachments in the blob store and on the message; one
// over the size limit is named in the text instead.
func (p Poller) attach(in *redazione.Inbound, as []Attachment) error {
	if p.Blobs == nil {
		return nil
	}
	limit := p.MaxFileSize
	if limit <= 0 {
		limit = blob.MaxSize
	}
	for _, a := range as {
		b, err := p.Blobs.Put(bytes.NewReader(a.Data), limit)
		if errors.Is(err, blob.ErrTooLarge) {
			in.Text += fmt.Sprintf("\n[allegato «%s» non acquisito: supera %s]", a.Name, sizeText(limit))
			continue
		}
		if err != nil {
			return fmt.Errorf("allegato %q: %w", a.Name, err)
		}
		in.Attachments = append(in.Attachments, redazione.InboundAttachment{Name: a.Name, ContentType: b.ContentType, Size: b.Size, BlobKey: b.Key})
	}
	return in.Validate()
}

// sizeText writes a size limit for people: "25 MB", "512 KB".
func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", max(n>>10, 1))
}

// notice is the message that stands for an e-mail that cannot be shown.
func notice(env *imap.Envelope, reason string) (redazione.Inbound, error) {
	if env == nil || len(env.From) == 0 || env.From[0].Addr() == "" {
		return redazione.Inbound{}, fmt.Errorf("messaggio senza mittente non acquisito: %s", reason)
	}
	in := redazione.Inbound{
		ExternalID:  trimID(env.MessageID),
		ContactID:   strings.ToLower(env.From[0].Addr()),
		ContactName: truncate(env.From[0].Name, 255),
		Text:        "[Messaggio non mostrato: " + reason + ". Leggilo nella casella di posta del canale.]",
		SentAt:      env.Date,
		InReplyTo:   env.InReplyTo,
		Email:       &redazione.EmailPart{Subject: truncate(env.Subject, 900)},
	}
	if in.ExternalID == "" {
		sum := sha256.Sum256([]byte(in.ContactID + "\n" + env.Date.String() + "\n" + env.Subject))
		in.ExternalID = "sha256-" + hex.EncodeToString(sum[:16]) + "@redazione.invalid"
	}
	for i, id := range in.InReplyTo {
		in.InReplyTo[i] = trimID(id)
	}
	if len(in.InReplyTo) > 50 {
		in.InReplyTo = in.InReplyTo[:50]
	}
	return in, in.Validate()
}

// ownAddress reports whether addr is the channel's own address.
func ownAddress(ch *redazione.Channel, addr string) bool {
	a, err := parseAddress(ch.Settings[SettingAddress])
	return err == nil && strings.EqualFold(a, addr)
}
