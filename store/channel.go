package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
)

const channelColumns = "id, ente_id, kind, name, desk_id, secret, callback_url, disabled, created_at, settings, last_event_at, last_error, last_error_at, credentials_expire_at, last_error_cleared_at"

// Sealer seals channel settings at rest, and makes keyed hashes (package
// secrets).
type Sealer interface {
	Seal(plaintext []byte) (string, error)
	Open(sealed string) ([]byte, error)
	MAC(data string) string
}

// SetSealer sets how channel settings are sealed; without one, channels
// cannot hold settings.
func (db *DB) SetSealer(s Sealer) { db.sealer = s }

func (db *DB) scanChannel(row interface{ Scan(...any) error }) (*redazione.Channel, error) {
	var c redazione.Channel
	var kind, settings string
	var created, lastEvent, lastErr, expire, cleared int64
	if err := row.Scan(&c.ID, &c.EnteID, &kind, &c.Name, &c.DeskID, &c.Secret, &c.CallbackURL, &c.Disabled, &created, &settings,
		&lastEvent, &c.LastError, &lastErr, &expire, &cleared); err != nil {
		return nil, err
	}
	if strings.HasPrefix(c.Secret, sealedPrefix) {
		if db.sealer == nil {
			return nil, errors.New("channel secrets are sealed and no master key is set")
		}
		plain, err := db.sealer.Open(c.Secret)
		if err != nil {
			return nil, fmt.Errorf("channel %d secret: %w", c.ID, err)
		}
		c.Secret = string(plain)
	}
	c.Kind, c.CreatedAt = redazione.ChannelKind(kind), tm(created)
	c.LastEventAt, c.LastErrorAt, c.CredentialsExpireAt, c.LastErrorClearedAt = tm(lastEvent), tm(lastErr), tm(expire), tm(cleared)
	if settings != "" {
		if db.sealer == nil {
			return nil, errors.New("channel settings are sealed and no master key is set")
		}
		plain, err := db.sealer.Open(settings)
		if err != nil {
			return nil, fmt.Errorf("channel %d settings: %w", c.ID, err)
		}
		if err := json.Unmarshal(plain, &c.Settings); err != nil {
			return nil, fmt.Errorf("channel %d settings: %w", c.ID, err)
		}
	}
	if day, err := time.ParseInLocation(time.DateOnly, c.Settings[CredentialsExpireSetting], calendar.Rome); err == nil && c.CredentialsExpireAt.IsZero() {
		c.CredentialsExpireAt = day.UTC()
	}
	return &c, nil
}

// sealedPrefix starts every value the Sealer made (package secrets): a
// channel secret without it is one stored before secrets were sealed.
const sealedPrefix = "v1:"

// sealSecret returns the stored form of a channel's secret (the API
// channel's signing key, the Telegram webhook's secret_token): sealed, so a
// copy of the database cannot forge citizens' messages.
func (db *DB) sealSecret(secret string) (string, error) {
	if db.sealer == nil {
		return "", errors.New("no master key to seal the channel's secret (REDAZIONE_SECRET_KEY)")
	}
	return db.sealer.Seal([]byte(secret))
}

// SealChannelSecrets seals the channel secrets an earlier version stored in
// plaintext, and returns how many it sealed; run at every start, it finds
// none after the first.
func (db *DB) SealChannelSecrets(ctx context.Context) (int, error) {
	type plain struct {
		id     int64
		secret string
	}
	var todo []plain
	rows, err := db.reader().query(ctx, "SELECT id, secret FROM channels WHERE secret NOT LIKE 'v1:%'")
	if err != nil {
		return 0, fmt.Errorf("channel secrets: %w", err)
	}
	for rows.Next() {
		var p plain
		if err := rows.Scan(&p.id, &p.secret); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range todo {
		sealed, err := db.sealSecret(p.secret)
		if err != nil {
			return 0, err
		}
		err = db.inTx(ctx, func(tx conn) error {
			_, err := tx.exec(ctx, "UPDATE channels SET secret = ? WHERE id = ? AND secret = ?", sealed, p.id, p.secret)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("seal channel %d secret: %w", p.id, err)
		}
	}
	return len(todo), nil
}

// sealSettings returns the stored form of a channel's settings.
func (db *DB) sealSettings(s map[string]string) (string, error) {
	if len(s) == 0 {
		return "", nil
	}
	if db.sealer == nil {
		return "", errors.New("no master key to seal channel settings (REDAZIONE_SECRET_KEY)")
	}
	b, _ := json.Marshal(s)
	return db.sealer.Seal(b)
}

// CreateChannel adds a channel to the actor's ente. Its secret must be set by
// the caller; DeskID 0 means the first desk.
func (db *DB) CreateChannel(ctx context.Context, a redazione.Actor, c *redazione.Channel) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può aggiungere canali")
	}
	if !c.Kind.Valid() {
		return redazione.FieldError("kind", "tipo di canale non supportato: %q", c.Kind)
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return redazione.FieldError("name", "il nome del canale è obbligatorio")
	}
	if err := checkCallbackURL(c.CallbackURL); err != nil {
		return err
	}
	if c.Secret == "" {
		return redazione.FieldError("secret", "manca il segreto del canale")
	}
	if err := checkExpiry(c.Settings); err != nil {
		return err
	}
	sealed, err := db.sealSettings(c.Settings)
	if err != nil {
		return err
	}
	secret, err := db.sealSecret(c.Secret)
	if err != nil {
		return err
	}
	c.EnteID, c.CreatedAt = a.EnteID, db.now().UTC()
	return db.inTx(ctx, func(tx conn) error {
		if c.DeskID == 0 {
			if err := tx.row(ctx, "SELECT id FROM desks WHERE ente_id = ? ORDER BY position, id LIMIT 1", a.EnteID).Scan(&c.DeskID); err != nil {
				return fmt.Errorf("default desk: %w", err)
			}
		} else {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", c.DeskID, a.EnteID).Scan(&n); err != nil || n == 0 {
				return redazione.FieldError("desk", "desk inesistente")
			}
		}
		id, err := tx.insert(ctx, "INSERT INTO channels (ente_id, kind, name, desk_id, secret, callback_url, created_at, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			c.EnteID, string(c.Kind), c.Name, c.DeskID, secret, c.CallbackURL, ms(c.CreatedAt), sealed)
		if err != nil {
			return fmt.Errorf("insert channel: %w", err)
		}
		c.ID = id
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "channel.create", Target: fmt.Sprint(id), Detail: string(c.Kind) + " " + c.Name})
	})
}

// checkCallbackURL accepts an empty URL or an absolute http(s) one.
func checkCallbackURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return redazione.FieldError("callback_url", "l'indirizzo di callback deve essere un URL http o https")
	}
	return nil
}

// UpdateChannel changes name, desk, callback URL and the disabled flag.
func (db *DB) UpdateChannel(ctx context.Context, a redazione.Actor, c *redazione.Channel) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può modificare i canali")
	}
	// The same checks as CreateChannel: an update must not store what a
	// creation would refuse.
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return redazione.FieldError("name", "il nome del canale è obbligatorio")
	}
	if err := checkCallbackURL(c.CallbackURL); err != nil {
		return err
	}
	defer db.channels.Delete(c.ID)
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "canale", "UPDATE channels SET name = ?, desk_id = ?, callback_url = ?, disabled = ? WHERE id = ? AND ente_id = ? AND desk_id IN (SELECT id FROM desks WHERE ente_id = ?) AND ? IN (SELECT id FROM desks WHERE ente_id = ?)",
			c.Name, c.DeskID, c.CallbackURL, c.Disabled, c.ID, a.EnteID, a.EnteID, c.DeskID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "channel.update", Target: fmt.Sprint(c.ID),
			Detail: fmt.Sprintf("name=%s desk=%d disabled=%v", c.Name, c.DeskID, c.Disabled)})
	})
}

// UpdateChannelSettings replaces the settings of a channel of the actor's
// ente (tokens, addresses), sealed at rest. The audit trail names the
// settings changed, never their values.
func (db *DB) UpdateChannelSettings(ctx context.Context, a redazione.Actor, id int64, settings map[string]string) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può modificare i canali")
	}
	if err := checkExpiry(settings); err != nil {
		return err
	}
	old, err := db.Channel(ctx, id)
	if err != nil || old.EnteID != a.EnteID {
		return notFound("canale")
	}
	var changed []string
	for k, v := range settings {
		if old.Settings[k] != v {
			changed = append(changed, k)
		}
	}
	for k := range old.Settings {
		if _, ok := settings[k]; !ok {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	slices.Sort(changed)
	sealed, err := db.sealSettings(settings)
	if err != nil {
		return err
	}
	defer db.channels.Delete(id)
	return db.inTx(ctx, func(tx conn) error {
		// New credentials: ask the platform about them again.
		if err := tx.execOne(ctx, "canale", "UPDATE channels SET settings = ?, credentials_checked_at = 0, credentials_expire_at = 0 WHERE id = ? AND ente_id = ?",
			sealed, id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "channel.settings", Target: fmt.Sprint(id),
			Detail: "impostazioni cambiate: " + strings.Join(changed, ", ")})
	})
}

// Channel finds a channel by id in any ente: ingest learns the ente from it.
func (db *DB) Channel(ctx context.Context, id int64) (*redazione.Channel, error) {
	c, err := db.scanChannel(db.reader().row(ctx, "SELECT "+channelColumns+" FROM channels WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("canale")
	}
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	return c, nil
}

// Channels lists the channels of an ente.
func (db *DB) Channels(ctx context.Context, enteID int64) ([]*redazione.Channel, error) {
	return db.queryChannels(ctx, "ente_id = ?", enteID)
}

// queryChannels lists the channels matching where, by id.
func (db *DB) queryChannels(ctx context.Context, where string, args ...any) ([]*redazione.Channel, error) {
	rows, err := db.reader().query(ctx, "SELECT "+channelColumns+" FROM channels WHERE "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("channels: %w", err)
	}
	defer rows.Close()
	var out []*redazione.Channel
	for rows.Next() {
		c, err := db.scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// channelCacheTTL bounds how long a change made by another process to a
// channel (its secret, its desk, disabling it) takes to reach this one's
// ingest; this process's own changes apply at once.
const channelCacheTTL = 5 * time.Second

type cachedChannel struct {
	c  redazione.Channel
	at time.Time
}

// CachedChannel is Channel for the ingest paths, which look the channel up
// on every message: a copy, kept a few seconds.
func (db *DB) CachedChannel(ctx context.Context, id int64) (*redazione.Channel, error) {
	if v, ok := db.channels.Load(id); ok {
		if e := v.(cachedChannel); time.Since(e.at) < channelCacheTTL {
			c := e.c
			return &c, nil
		}
	}
	c, err := db.Channel(ctx, id)
	if err != nil {
		return nil, err
	}
	db.channels.Store(id, cachedChannel{*c, time.Now()})
	return c, nil
}

// Forget drops what this process cached of an ente's settings (its
// channels, routing rules, calendar and response-time targets), when
// another process says it changed them (events.SettingsChanged); the
// cache's few seconds bound the wait when that word is lost.
func (db *DB) Forget(enteID int64) {
	db.channels.Range(func(k, v any) bool {
		if v.(cachedChannel).c.EnteID == enteID {
			db.channels.Delete(k)
		}
		return true
	})
	db.forgetRules(enteID)
	db.deskAuto.Range(func(k, v any) bool {
		if v.(cachedDeskAuto).ente == enteID {
			db.deskAuto.Delete(k)
		}
		return true
	})
	db.sla.mu.Lock()
	delete(db.sla.m, enteID)
	db.sla.mu.Unlock()
}

// ChannelsOfKind lists the enabled channels of a kind in every ente (for
// the pollers of platforms without webhooks).
func (db *DB) ChannelsOfKind(ctx context.Context, kind redazione.ChannelKind) ([]*redazione.Channel, error) {
	return db.queryChannels(ctx, "kind = ? AND disabled = ?", string(kind), false)
}

// Lease makes sure that, of several processes on one PostgreSQL database,
// one only does a job named by key (polling a mailbox, holding a stream):
// it reports whether this process has it, and release gives it up. The
// returned context ends when release is called, when ctx ends, or when the
// lease is lost: the holder asks its connection every LeaseCheck whether
// the lock is still its own, and stops the job if not (the database
// restarted, the network went), before another process can take it. On
// SQLite there is one process: it always has it.
//
// The lease is a PostgreSQL advisory lock (pg_try_advisory_lock) held by a
// dedicated connection, not a row with a holder and an expiry: the database
// releases it the moment the holder's session ends, so a node that dies
// hands its jobs over at the next look of the others, with no expiry to
// wait for and no clock to trust.
func (db *DB) Lease(ctx context.Context, key int64) (leased context.Context, release func(), ok bool, err error) {
	check, free, ok, err := db.d.lease(ctx, db.write, key)
	if err != nil || !ok {
		return nil, nil, ok, err
	}
	lctx, cancel := context.WithCancel(ctx)
	every := time.Duration(db.leaseCheck.Load())
	if every <= 0 {
		every = DefaultLeaseCheck
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
			cctx, stop := context.WithTimeout(lctx, every/2+time.Second)
			err := check(cctx)
			stop()
			if err != nil && lctx.Err() == nil {
				cancel() // lost, or cannot tell: stop the job
				return
			}
		}
	}()
	var once sync.Once
	return lctx, func() {
		once.Do(func() {
			cancel()
			<-done
			free()
		})
	}, true, nil
}

// DefaultLeaseCheck is how often a lease's holder checks that it still
// holds it.
const DefaultLeaseCheck = 10 * time.Second

// SetLeaseCheck sets how often the holders of leases check them (tests
// shorten it); 0 restores DefaultLeaseCheck.
func (db *DB) SetLeaseCheck(every time.Duration) { db.leaseCheck.Store(int64(every)) }

// healthEvery bounds how often a channel's last event is written: a busy
// channel costs one small write every few seconds, not one per message.
const healthEvery = 10 * time.Second

// ChannelEvent records that a channel brought a message (so it works).
func (db *DB) ChannelEvent(ctx context.Context, channelID int64) {
	db.ChannelWorks(ctx, channelID)
	now := db.now()
	if v, ok := db.health.Load(channelID); ok && now.Sub(v.(time.Time)) < healthEvery {
		return
	}
	db.health.Store(channelID, now)
	conn{db: db, q: db.write}.exec(ctx, "UPDATE channels SET last_event_at = ? WHERE id = ? AND last_event_at < ?", ms(now), channelID, ms(now))
}

// ChannelError records a channel's latest error (a refused delivery, an
// unreachable platform); it must hold no secret.
func (db *DB) ChannelError(ctx context.Context, channelID int64, msg string) {
	if len(msg) > 500 {
		msg = msg[:500]
	}
	// The next success is written at once, not after ChannelWorks' pause.
	db.working.Delete(channelID)
	conn{db: db, q: db.write}.exec(ctx, "UPDATE channels SET last_error = ?, last_error_at = ?, last_error_cleared_at = 0 WHERE id = ?", msg, ms(db.now()), channelID)
}

// ChannelWorks records that a channel worked (a poll answered, a reply
// delivered, a webhook received): its last error, if one stands, is kept
// but marked past, with the time. A working channel costs one conditional
// write every healthEvery at most, on each process: the error may have
// been written by another.
func (db *DB) ChannelWorks(ctx context.Context, channelID int64) {
	now := db.now()
	if v, ok := db.working.Load(channelID); ok && now.Sub(v.(time.Time)) < healthEvery {
		return
	}
	db.working.Store(channelID, now)
	conn{db: db, q: db.write}.exec(ctx, "UPDATE channels SET last_error_cleared_at = ? WHERE id = ? AND last_error <> '' AND last_error_cleared_at = 0",
		ms(now), channelID)
}

// CredentialsExpireSetting is the channel setting where an administrator
// writes when credentials the platform cannot be asked about expire (a mail
// password's renewal date, say), as YYYY-MM-DD.
const CredentialsExpireSetting = "credentials_expire_at"

// checkExpiry refuses a credentials expiry date that is not YYYY-MM-DD.
func checkExpiry(settings map[string]string) error {
	if v := settings[CredentialsExpireSetting]; v != "" {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return redazione.FieldError(CredentialsExpireSetting, "la data di scadenza delle credenziali va scritta come AAAA-MM-GG")
		}
	}
	return nil
}

// CredentialsToCheck lists the enabled channels of the kinds given whose
// credentials were last checked before since.
func (db *DB) CredentialsToCheck(ctx context.Context, since time.Time, kinds ...redazione.ChannelKind) ([]*redazione.Channel, error) {
	args := []any{false, ms(since)}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	return db.queryChannels(ctx, "disabled = ? AND credentials_checked_at < ? AND kind IN ("+placeholders(len(kinds))+")", args...)
}

// CredentialsChecked records when a channel's credentials expire, as the
// platform says (zero: never).
func (db *DB) CredentialsChecked(ctx context.Context, channelID int64, expire time.Time) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE channels SET credentials_expire_at = ?, credentials_checked_at = ? WHERE id = ?",
		ms(expire), ms(db.now()), channelID)
	db.channels.Delete(channelID)
	return err
}

// TelegramOffset is where a Telegram channel in polling mode has read up
// to: the offset for its next getUpdates (0 at first: Telegram's earliest
// unconfirmed update).
func (db *DB) TelegramOffset(ctx context.Context, channelID int64) (int64, error) {
	var off int64
	err := db.reader().row(ctx, "SELECT next_offset FROM telegram_offsets WHERE channel_id = ?", channelID).Scan(&off)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("telegram offset: %w", err)
	}
	return off, nil
}

// SaveTelegramOffset records the offset of a Telegram channel's next
// getUpdates, once the updates before it are stored. It may go down:
// Telegram numbers updates afresh after a week without any.
func (db *DB) SaveTelegramOffset(ctx context.Context, channelID, offset int64) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, `INSERT INTO telegram_offsets (channel_id, next_offset) VALUES (?, ?)
	 ON CONFLICT (channel_id) DO UPDATE SET next_offset = excluded.next_offset`, channelID, offset)
	if err != nil {
		return fmt.Errorf("save telegram offset: %w", err)
	}
	return nil
}
