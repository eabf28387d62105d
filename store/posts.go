package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/publish"
)

// Institutional publishing: a post is written for one account of the ente
// (a channel), passes the checks, is approved by a second person when the
// account or an electoral period asks for it, waits out the undo window and
// goes out once. Every step is in the publication log, a hash chain.

// Post states.
const (
	PostDraft     = "draft"
	PostPending   = "pending" // waiting for a second person's approval
	PostScheduled = "scheduled"
	PostSending   = "sending"
	PostPublished = "published"
	PostFailed    = "failed"
	PostCancelled = "cancelled"
)

// Post is an institutional post.
type Post struct {
	ID            int64
	DeskID        int64
	ChannelID     int64
	ChannelName   string
	ChannelKind   redazione.ChannelKind
	Text          string
	Status        string
	ScheduledAt   time.Time // when the author wants it out (zero: as soon as possible)
	SendAt        time.Time // when it goes: scheduled, or approved plus the undo window
	Justification string    // why a post in an electoral period is impersonal and indispensable
	HoldingID     int64     // the holding statement it publishes unchanged (goes out in a crisis)
	Campaign      string    // the campaign or event it belongs to (editorial calendar)
	// Images are the post's images in the order they go out, each with
	// its alternative text (post_images).
	Images        []PostImage
	NeedsApproval bool
	CreatedBy     int64
	CreatedByName string
	ApprovedBy    int64
	ApproverName  string
	ExternalID    string
	URL           string
	Error         string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	PublishedAt   time.Time
}

// PublishingSettings are the ente's rules for posts.
type PublishingSettings struct {
	Blocklist   []string
	UndoSeconds int
	Periods     []publish.Period
}

// MaxUndoSeconds bounds the undo window.
const MaxUndoSeconds = 3600

// PublishingSettings returns the ente's blocklist, undo window and
// electoral periods.
func (db *DB) PublishingSettings(ctx context.Context, enteID int64) (*PublishingSettings, error) {
	var block string
	s := &PublishingSettings{}
	if err := db.reader().row(ctx, "SELECT blocklist, undo_seconds FROM entes WHERE id = ?", enteID).Scan(&block, &s.UndoSeconds); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("ente")
		}
		return nil, fmt.Errorf("publishing settings: %w", err)
	}
	for _, w := range strings.Split(block, "\n") {
		if w = strings.TrimSpace(w); w != "" {
			s.Blocklist = append(s.Blocklist, w)
		}
	}
	var err error
	s.Periods, err = queryAll(ctx, db.reader(), func(sc scanner) (publish.Period, error) {
		var p publish.Period
		var from, to string
		if err := sc.Scan(&p.ID, &p.Name, &from, &to); err != nil {
			return p, err
		}
		p.From, _ = calendar.ParseDate(from)
		p.To, _ = calendar.ParseDate(to)
		return p, nil
	}, "SELECT id, name, from_day, to_day FROM electoral_periods WHERE ente_id = ? ORDER BY from_day", enteID)
	if err != nil {
		return nil, fmt.Errorf("electoral periods: %w", err)
	}
	return s, nil
}

// SavePublishingSettings sets the blocklist (one word or phrase a line) and
// the undo window; administrators only.
func (db *DB) SavePublishingSettings(ctx context.Context, a redazione.Actor, blocklist []string, undoSeconds int) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "le regole di pubblicazione le decidono gli amministratori")
	}
	if undoSeconds < 10 || undoSeconds > MaxUndoSeconds {
		return redazione.FieldError("undo_seconds", "la finestra per annullare va da 10 a %d secondi", MaxUndoSeconds)
	}
	var words []string
	for _, w := range blocklist {
		if w = strings.TrimSpace(w); w != "" {
			if utf8.RuneCountInString(w) > 100 || strings.ContainsRune(w, 0) {
				return redazione.FieldError("blocklist", "parola o frase troppo lunga (massimo 100 caratteri)")
			}
			words = append(words, w)
		}
	}
	if len(words) > 500 {
		return redazione.FieldError("blocklist", "al massimo 500 parole o frasi")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "UPDATE entes SET blocklist = ?, undo_seconds = ? WHERE id = ?", strings.Join(words, "\n"), undoSeconds, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "publishing.settings",
			Detail: fmt.Sprintf("parole=%d annulla=%ds", len(words), undoSeconds)})
	})
}

// AddElectoralPeriod records an electoral period; administrators only.
func (db *DB) AddElectoralPeriod(ctx context.Context, a redazione.Actor, name, from, to string) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "i periodi elettorali li indicano gli amministratori")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return redazione.FieldError("name", "dai un nome al periodo (per esempio «Elezioni comunali 2027»)")
	}
	f, err1 := calendar.ParseDate(from)
	t, err2 := calendar.ParseDate(to)
	if err1 != nil || err2 != nil {
		return redazione.FieldError("from", "date non valide: usa AAAA-MM-GG")
	}
	if t.String() < f.String() {
		return redazione.FieldError("to", "il periodo finisce prima di cominciare")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "INSERT INTO electoral_periods (ente_id, name, from_day, to_day, created_at) VALUES (?, ?, ?, ?, ?)",
			a.EnteID, name, f.String(), t.String(), ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "electoral.add", Target: name,
			Detail: f.String() + " " + t.String()})
	})
}

// DeleteElectoralPeriod removes a period; administrators only.
func (db *DB) DeleteElectoralPeriod(ctx context.Context, a redazione.Actor, id int64) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "i periodi elettorali li indicano gli amministratori")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "periodo", "DELETE FROM electoral_periods WHERE id = ? AND ente_id = ?", id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "electoral.delete", Target: fmt.Sprint(id)})
	})
}

const postColumns = `p.id, p.desk_id, p.channel_id, ch.name, ch.kind, p.text, p.status, p.scheduled_at, p.send_at, p.justification, p.needs_approval,
 p.created_by, COALESCE(u.name, ''), p.approved_by, COALESCE(v.name, ''), p.external_id, p.url, p.error, p.created_at, p.updated_at, p.published_at, p.holding_id, p.campaign
 FROM posts p JOIN channels ch ON ch.id = p.channel_id LEFT JOIN users u ON u.id = p.created_by LEFT JOIN users v ON v.id = p.approved_by`

func scanPost(s scanner) (*Post, error) {
	var p Post
	var kind string
	var sched, send, created, updated, published int64
	if err := s.Scan(&p.ID, &p.DeskID, &p.ChannelID, &p.ChannelName, &kind, &p.Text, &p.Status, &sched, &send, &p.Justification, &p.NeedsApproval,
		&p.CreatedBy, &p.CreatedByName, &p.ApprovedBy, &p.ApproverName, &p.ExternalID, &p.URL, &p.Error, &created, &updated, &published, &p.HoldingID, &p.Campaign); err != nil {
		return nil, err
	}
	p.ChannelKind = redazione.ChannelKind(kind)
	p.ScheduledAt, p.SendAt, p.CreatedAt, p.UpdatedAt, p.PublishedAt = tm(sched), tm(send), tm(created), tm(updated), tm(published)
	return &p, nil
}

// Post returns a post of the actor's desks.
func (db *DB) Post(ctx context.Context, a redazione.Actor, id int64) (*Post, error) {
	p, err := scanPost(db.reader().row(ctx, "SELECT "+postColumns+" WHERE p.id = ? AND p.ente_id = ?", id, a.EnteID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !a.CanSeeDesk(p.DeskID)) {
		return nil, notFound("pubblicazione")
	}
	if err != nil {
		return nil, fmt.Errorf("post: %w", err)
	}
	if err := db.withImages(ctx, []*Post{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// Posts lists the posts of the actor's desks going out (or gone out)
// between from and to, drafts included, in time order.
func (db *DB) Posts(ctx context.Context, a redazione.Actor, from, to time.Time) ([]*Post, error) {
	scope, sargs := deskScope(a, "p.desk_id")
	args := append([]any{a.EnteID, ms(from), ms(to)}, sargs...)
	out, err := queryAll(ctx, db.reader(), scanPost, "SELECT "+postColumns+`
	 WHERE p.ente_id = ? AND ((p.send_at >= ? AND p.send_at < ?) OR (p.send_at = 0 AND p.status IN ('draft', 'pending')))`+scope+`
	 ORDER BY p.send_at = 0, p.send_at, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("posts: %w", err)
	}
	if err := db.withImages(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// channelForPost returns the account a post goes to, if posts can go there.
func (db *DB) channelForPost(ctx context.Context, a redazione.Actor, id int64) (*redazione.Channel, error) {
	ch, err := db.Channel(ctx, id)
	if err != nil || ch.EnteID != a.EnteID {
		return nil, redazione.FieldError("channel", "scegli un account dell'ente")
	}
	if !publish.Publishable(ch) {
		return nil, redazione.FieldError("channel", "non si pubblica su «%s»", ch.Name)
	}
	return ch, nil
}

// SavePost writes a draft (ID 0: a new one) or changes one. A post waiting
// for approval or failed goes back to draft when changed: what is approved
// is what goes out.
func (db *DB) SavePost(ctx context.Context, a redazione.Actor, p *Post) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	p.Text, p.Justification = strings.TrimSpace(p.Text), strings.TrimSpace(p.Justification)
	if p.Text == "" {
		return redazione.FieldError("text", "scrivi il testo della pubblicazione")
	}
	if utf8.RuneCountInString(p.Text) > redazione.MaxTextRunes || strings.ContainsRune(p.Text, 0) || !utf8.ValidString(p.Text) {
		return redazione.FieldError("text", "testo troppo lungo o con caratteri non ammessi")
	}
	if err := validImages(p.Images); err != nil {
		return err
	}
	p.Campaign = strings.TrimSpace(p.Campaign)
	if utf8.RuneCountInString(p.Campaign) > 100 || strings.ContainsRune(p.Campaign, 0) {
		return redazione.FieldError("campaign", "nome della campagna troppo lungo (massimo 100 caratteri)")
	}
	if utf8.RuneCountInString(p.Justification) > 1000 {
		return redazione.FieldError("justification", "motivazione troppo lunga (massimo 1000 caratteri)")
	}
	if !a.CanSeeDesk(p.DeskID) {
		return redazione.FieldError("desk", "scegli una delle tue aree")
	}
	ch, err := db.channelForPost(ctx, a, p.ChannelID)
	if err != nil {
		return err
	}
	if p.ID != 0 {
		if _, err := db.Post(ctx, a, p.ID); err != nil { // one of the actor's desks
			return err
		}
	}
	if p.HoldingID != 0 {
		h, err := db.holdingStatement(ctx, a.EnteID, p.HoldingID)
		if err != nil {
			return redazione.FieldError("holding", "dichiarazione sconosciuta")
		}
		if h.Text != p.Text {
			p.HoldingID = 0 // changed: no longer the approved text
		}
	}
	if !p.ScheduledAt.IsZero() && p.ScheduledAt.Before(db.now().Add(-time.Minute)) {
		return redazione.FieldError("scheduled_at", "la data di pubblicazione è già passata")
	}
	now := db.now()
	return db.inPublicationTx(ctx, func(tx conn) error {
		var err error
		if p.ID == 0 {
			p.Status = PostDraft
			p.ID, err = tx.insert(ctx, `INSERT INTO posts (ente_id, desk_id, channel_id, text, status, scheduled_at, justification, holding_id, campaign,
			 created_by, created_at, updated_at)
			 VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)`, a.EnteID, p.DeskID, ch.ID, p.Text, ms(p.ScheduledAt), p.Justification, p.HoldingID, p.Campaign,
				a.UserID, ms(now), ms(now))
			if err != nil {
				return err
			}
			if err := writeImages(ctx, tx, p.ID, p.Images); err != nil {
				return err
			}
			return appendPublication(ctx, tx, a.EnteID, p.ID, "created", a.UserID, now, logDetail(ch, p.Text)+imagesDetail(p.Images))
		}
		err = tx.execOne(ctx, "pubblicazione modificabile", `UPDATE posts SET desk_id = ?, channel_id = ?, text = ?, scheduled_at = ?, justification = ?,
		 holding_id = ?, campaign = ?,
		 status = 'draft', send_at = 0, approved_by = 0, error = '', updated_at = ?
		 WHERE id = ? AND ente_id = ? AND status IN ('draft', 'pending', 'failed')`,
			p.DeskID, ch.ID, p.Text, ms(p.ScheduledAt), p.Justification, p.HoldingID, p.Campaign,
			ms(now), p.ID, a.EnteID)
		if err != nil {
			return err
		}
		if err := writeImages(ctx, tx, p.ID, p.Images); err != nil {
			return err
		}
		p.Status = PostDraft
		return appendPublication(ctx, tx, a.EnteID, p.ID, "edited", a.UserID, now, logDetail(ch, p.Text)+imagesDetail(p.Images))
	})
}

func logDetail(ch *redazione.Channel, text string) string {
	return fmt.Sprintf("%s «%s» testo=%s", ch.Kind, ch.Name, publish.Digest(ch.ID, text))
}

// rulesFor are the checks' rules for a post on a channel.
func rulesFor(s *PublishingSettings, kind redazione.ChannelKind) publish.Rules {
	return publish.Rules{Blocklist: s.Blocklist, Periods: s.Periods, MaxLength: publish.MaxLength(kind), Kind: kind}
}

// PostLimits gives the limit a channel's own server sets on a post, where
// it says one (a Mastodon instance's max_characters, and how much a link
// counts): ok false keeps the platform's default (publish.MaxLength).
// fetch false must answer at once, from what is known (a page being
// drawn); true may ask the server (a post being submitted or approved).
type PostLimits func(ctx context.Context, ch *redazione.Channel, fetch bool) (max, perURL int, ok bool)

// SetPostLimits sets where the post checks learn a channel's own limit.
func (db *DB) SetPostLimits(f PostLimits) { db.postLimits.Store(&f) }

// ownLimits sets r's length limit to the channel's own, where known.
func (db *DB) ownLimits(ctx context.Context, r *publish.Rules, channelID int64, fetch bool) {
	if f := db.postLimits.Load(); f == nil || *f == nil || channelID == 0 {
		return
	}
	if ch, err := db.Channel(ctx, channelID); err == nil {
		db.ownLimitsOf(ctx, r, ch, fetch)
	}
}

func (db *DB) ownLimitsOf(ctx context.Context, r *publish.Rules, ch *redazione.Channel, fetch bool) {
	f := db.postLimits.Load()
	if f == nil || *f == nil {
		return
	}
	if max, perURL, ok := (*f)(ctx, ch, fetch); ok {
		r.MaxLength, r.PerURL = max, perURL
	}
}

// PostMaxLength is the longest post a channel takes, as its composer says:
// the channel's own limit where known (from what is known: it does not
// wait for the channel's server), else the platform's.
func (db *DB) PostMaxLength(ctx context.Context, ch *redazione.Channel) int {
	r := publish.Rules{MaxLength: publish.MaxLength(ch.Kind), Kind: ch.Kind}
	db.ownLimitsOf(ctx, &r, ch, false)
	return r.MaxLength
}

// sendDay is the day a post would go out.
func (db *DB) sendDay(p *Post) calendar.Date {
	if !p.ScheduledAt.IsZero() {
		return calendar.DateOf(p.ScheduledAt, calendar.Rome)
	}
	return calendar.DateOf(db.now(), calendar.Rome)
}

// CheckPost runs the checks on a post as it would go out.
func (db *DB) CheckPost(ctx context.Context, a redazione.Actor, p *Post) ([]publish.Finding, error) {
	s, err := db.PublishingSettings(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	return db.checks(ctx, p, s, p.ChannelKind, false), nil
}

// checks are the findings on a post's text and image; fetch: the
// channel's own limit may be asked of its server (PostLimits).
func (db *DB) checks(ctx context.Context, p *Post, s *PublishingSettings, kind redazione.ChannelKind, fetch bool) []publish.Finding {
	rules := rulesFor(s, kind)
	db.ownLimits(ctx, &rules, p.ChannelID, fetch)
	if len(p.Images) > 0 && kind == redazione.ChannelTelegram {
		rules.MaxLength = publish.MaxCaption // Telegram: a photo's (or an album's) caption
	}
	fs := publish.Check(p.Text, db.sendDay(p), p.Justification != "", rules)
	if len(p.Images) > 0 {
		alts := make([]publish.ImageAlt, len(p.Images))
		for i, im := range p.Images {
			alts[i] = publish.ImageAlt{Name: im.Name, Alt: im.Alt}
			if n := utf8.RuneCountInString(im.Alt); kind == redazione.ChannelX && n > publish.XMaxAltText {
				fs = append(fs, publish.Finding{Check: "alt_text", Level: publish.Block,
					Message: fmt.Sprintf("il testo alternativo dell'immagine %d ha %d caratteri: X ne accetta al massimo %d", i+1, n, publish.XMaxAltText)})
			}
		}
		fs = append(fs, publish.CheckImages(kind, alts)...)
	}
	if kind == redazione.ChannelInstagram {
		var types []string
		for _, im := range p.Images {
			types = append(types, im.Type)
		}
		fs = append(fs, publish.CheckInstagram(p.Text, types)...)
	}
	return fs
}

// ErrChecks is returned, with the findings, when checks stop a post.
type ErrChecks struct {
	Findings []publish.Finding
	Blocked  bool // false: the warnings were not confirmed
}

func (e *ErrChecks) Error() string {
	if e.Blocked {
		return "la pubblicazione non supera i controlli"
	}
	return "conferma di aver verificato gli avvisi dei controlli"
}

// SubmitPost sends a draft on its way: checked, then waiting for approval
// (when its account asks for it, or in an electoral period), or scheduled
// after the undo window. checked: the author confirmed the warnings.
func (db *DB) SubmitPost(ctx context.Context, a redazione.Actor, id int64, checked bool) (*Post, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	p, err := db.Post(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if p.Status != PostDraft {
		return nil, redazione.Errorf(redazione.ECONFLICT, "la pubblicazione non è una bozza")
	}
	ch, err := db.channelForPost(ctx, a, p.ChannelID)
	if err != nil {
		return nil, err
	}
	s, err := db.PublishingSettings(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	findings := db.checks(ctx, p, s, ch.Kind, true)
	if publish.Blocks(findings) {
		return nil, &ErrChecks{Findings: findings, Blocked: true}
	}
	if len(findings) > 0 && !checked {
		return nil, &ErrChecks{Findings: findings}
	}
	now := db.now()
	// A holding statement was approved when it was written.
	needs := (ch.Settings["publish_approval"] == "on" && p.HoldingID == 0) || publish.Silence(findings)
	err = db.inPublicationTx(ctx, func(tx conn) error {
		status, send := PostPending, time.Time{}
		if !needs {
			status, send = PostScheduled, sendTime(p.ScheduledAt, now, s.UndoSeconds)
		}
		if err := tx.execOne(ctx, "bozza", "UPDATE posts SET status = ?, send_at = ?, needs_approval = ?, updated_at = ? WHERE id = ? AND ente_id = ? AND status = 'draft'",
			status, ms(send), needs, ms(now), id, a.EnteID); err != nil {
			return err
		}
		detail := logDetail(ch, p.Text)
		if len(findings) > 0 {
			detail += fmt.Sprintf(" avvisi confermati=%d", len(findings))
		}
		if p.Justification != "" {
			detail += " motivazione: " + p.Justification
		}
		if err := appendPublication(ctx, tx, a.EnteID, id, "submitted", a.UserID, now, detail); err != nil {
			return err
		}
		if !needs {
			return appendPublication(ctx, tx, a.EnteID, id, "scheduled", a.UserID, now, send.UTC().Format(time.RFC3339))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.Post(ctx, a, id)
}

// sendTime is when an approved post goes: at its time, but never before the
// undo window has passed.
func sendTime(scheduled, now time.Time, undoSeconds int) time.Time {
	earliest := now.Add(time.Duration(undoSeconds) * time.Second)
	if scheduled.After(earliest) {
		return scheduled
	}
	return earliest
}

// ApprovePost is the second person's approval: a coordinator or an
// administrator who did not write the post. The checks run again.
func (db *DB) ApprovePost(ctx context.Context, a redazione.Actor, id int64) (*Post, error) {
	if a.Role != redazione.RoleAdmin && a.Role != redazione.RoleCoordinator {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "approvano coordinatori e amministratori")
	}
	p, err := db.Post(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if p.Status != PostPending {
		return nil, redazione.Errorf(redazione.ECONFLICT, "la pubblicazione non attende approvazione")
	}
	if p.CreatedBy == a.UserID {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "serve una seconda persona: chi scrive non approva")
	}
	s, err := db.PublishingSettings(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	findings := db.checks(ctx, p, s, p.ChannelKind, true)
	if publish.Blocks(findings) {
		return nil, &ErrChecks{Findings: findings, Blocked: true}
	}
	now := db.now()
	send := sendTime(p.ScheduledAt, now, s.UndoSeconds)
	err = db.inPublicationTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "pubblicazione in attesa", "UPDATE posts SET status = 'scheduled', approved_by = ?, send_at = ?, updated_at = ? WHERE id = ? AND ente_id = ? AND status = 'pending'",
			a.UserID, ms(send), ms(now), id, a.EnteID); err != nil {
			return err
		}
		if err := appendPublication(ctx, tx, a.EnteID, id, "approved", a.UserID, now, "testo="+publish.Digest(p.ChannelID, p.Text)); err != nil {
			return err
		}
		return appendPublication(ctx, tx, a.EnteID, id, "scheduled", a.UserID, now, send.UTC().Format(time.RFC3339))
	})
	if err != nil {
		return nil, err
	}
	return db.Post(ctx, a, id)
}

// CancelPost stops a post that has not started going out: a draft, one
// waiting for approval, or one scheduled (the undo window).
func (db *DB) CancelPost(ctx context.Context, a redazione.Actor, id int64) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	if _, err := db.Post(ctx, a, id); err != nil {
		return err
	}
	now := db.now()
	return db.inPublicationTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "pubblicazione annullabile (è già partita?)", "UPDATE posts SET status = 'cancelled', updated_at = ? WHERE id = ? AND ente_id = ? AND status IN ('draft', 'pending', 'scheduled')",
			ms(now), id, a.EnteID); err != nil {
			return err
		}
		return appendPublication(ctx, tx, a.EnteID, id, "cancelled", a.UserID, now, "")
	})
}

// ClaimDuePosts takes the scheduled posts whose time has come, each once in
// the whole installation: they are "sending" from then on.
func (db *DB) ClaimDuePosts(ctx context.Context, limit int) ([]*Post, error) {
	now := db.now()
	// In a crisis only holding statements go out; the rest waits.
	due, err := ids(ctx, db.reader(), `SELECT p.id FROM posts p JOIN entes e ON e.id = p.ente_id
	 WHERE p.status = 'scheduled' AND p.send_at <= ? AND (e.crisis_since = 0 OR p.holding_id <> 0) ORDER BY p.send_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due posts: %w", err)
	}
	var out []*Post
	for _, id := range due {
		claimed := false
		var enteID int64
		err := db.inPublicationTx(ctx, func(tx conn) error {
			res, err := tx.exec(ctx, `UPDATE posts SET status = 'sending', updated_at = ? WHERE id = ? AND status = 'scheduled' AND send_at <= ?
			 AND (holding_id <> 0 OR ente_id IN (SELECT id FROM entes WHERE crisis_since = 0))`, ms(now), id, ms(now))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // cancelled meanwhile, or another process took it
			}
			claimed = true
			if err := tx.row(ctx, "SELECT ente_id FROM posts WHERE id = ?", id).Scan(&enteID); err != nil {
				return err
			}
			return appendPublication(ctx, tx, enteID, id, "sending", 0, now, "")
		})
		if err != nil {
			return out, err
		}
		if claimed {
			p, err := db.Post(ctx, redazione.SystemActor(enteID), id)
			if err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// PostSent records how a post's sending ended: published (with the
// platform's id and address) or failed (with the reason).
func (db *DB) PostSent(ctx context.Context, p *Post, externalID, link string, sendErr error) error {
	now := db.now()
	return db.inPublicationTx(ctx, func(tx conn) error {
		var enteID int64
		if err := tx.row(ctx, "SELECT ente_id FROM posts WHERE id = ? AND status = 'sending'", p.ID).Scan(&enteID); err != nil {
			return fmt.Errorf("post %d is not being sent: %w", p.ID, err)
		}
		if sendErr != nil {
			reason := sendErr.Error()
			if _, err := tx.exec(ctx, "UPDATE posts SET status = 'failed', error = ?, updated_at = ? WHERE id = ?", reason, ms(now), p.ID); err != nil {
				return err
			}
			return appendPublication(ctx, tx, enteID, p.ID, "failed", 0, now, reason)
		}
		if _, err := tx.exec(ctx, "UPDATE posts SET status = 'published', external_id = ?, url = ?, published_at = ?, updated_at = ? WHERE id = ?",
			externalID, link, ms(now), ms(now), p.ID); err != nil {
			return err
		}
		return appendPublication(ctx, tx, enteID, p.ID, "published", 0, now, strings.TrimSpace(externalID+" "+link))
	})
}

// inPublicationTx runs fn in a transaction, again when another process took
// the same place in the publication log at the same time.
func (db *DB) inPublicationTx(ctx context.Context, fn func(tx conn) error) error {
	var err error
	for range 5 {
		if err = db.inTx(ctx, fn); !isUnique(err) {
			return err
		}
	}
	return err
}

// appendPublication adds an entry to the ente's publication log, chained to
// the one before.
func appendPublication(ctx context.Context, tx conn, enteID, postID int64, action string, actor int64, at time.Time, detail string) error {
	var seq int64
	var prev string
	err := tx.row(ctx, "SELECT seq, hash FROM publication_log WHERE ente_id = ? ORDER BY seq DESC LIMIT 1", enteID).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("publication log: %w", err)
	}
	e := publish.Entry{Seq: seq + 1, EnteID: enteID, PostID: postID, Action: action, Actor: actor, At: at.UTC().Truncate(time.Millisecond), Detail: detail}
	_, err = tx.exec(ctx, "INSERT INTO publication_log (ente_id, seq, post_id, action, actor_id, at, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		enteID, e.Seq, postID, action, actor, ms(e.At), detail, prev, publish.Hash(prev, e))
	return err
}

// PublicationEntry is an entry of the publication log as read back.
type PublicationEntry struct {
	publish.Entry
	ActorName string
	PrevHash  string
	Hash      string
}

// PublicationLog returns the ente's publication log, newest first, and
// whether its chain is intact (brokenAt: the first entry that does not
// match, 0 when none).
func (db *DB) PublicationLog(ctx context.Context, a redazione.Actor, postID int64) (entries []PublicationEntry, brokenAt int64, err error) {
	all, err := queryAll(ctx, db.reader(), func(s scanner) (PublicationEntry, error) {
		var e PublicationEntry
		var at int64
		err := s.Scan(&e.Seq, &e.EnteID, &e.PostID, &e.Action, &e.Actor, &e.ActorName, &at, &e.Detail, &e.PrevHash, &e.Hash)
		e.At = tm(at)
		return e, err
	}, `SELECT l.seq, l.ente_id, l.post_id, l.action, l.actor_id, COALESCE(u.name, ''), l.at, l.detail, l.prev_hash, l.hash
	 FROM publication_log l LEFT JOIN users u ON u.id = l.actor_id WHERE l.ente_id = ? ORDER BY l.seq`, a.EnteID)
	if err != nil {
		return nil, 0, fmt.Errorf("publication log: %w", err)
	}
	prev := ""
	for i, e := range all {
		if brokenAt == 0 && (e.Seq != int64(i+1) || e.PrevHash != prev || publish.Hash(prev, e.Entry) != e.Hash) {
			brokenAt = e.Seq
		}
		prev = e.Hash
	}
	for i := len(all) - 1; i >= 0; i-- {
		if postID == 0 || all[i].PostID == postID {
			entries = append(entries, all[i])
		}
	}
	return entries, brokenAt, nil
}

// Campaigns lists the campaigns and events the ente's posts belong to.
func (db *DB) Campaigns(ctx context.Context, enteID int64) ([]string, error) {
	return queryAll(ctx, db.reader(), func(s scanner) (string, error) {
		var c string
		err := s.Scan(&c)
		return c, err
	}, "SELECT DISTINCT campaign FROM posts WHERE ente_id = ? AND campaign <> '' ORDER BY campaign", enteID)
}
