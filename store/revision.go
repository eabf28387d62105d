package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
)

// Revised is the message a revision changed.
type Revised struct {
	MessageID, ConversationID int64
	// Flagged: the conversation's flags changed with the new text.
	Flagged bool
}

// ReviseMessage applies a revision to the channel's citizen message it
// names. The text it replaces is kept (MessageVersions) and the search
// index follows the new one; a deleted message keeps its text and is marked
// deleted by its author, since the office keeps what it received. It
// returns nil when nothing changed: an unknown message, the same text, an
// edit older than the one applied, or a message already deleted.
func (db *DB) ReviseMessage(ctx context.Context, ch *redazione.Channel, rev redazione.Revision) (*Revised, error) {
	text := strings.TrimSpace(rev.Text)
	switch {
	case rev.ExternalID == "" || len(rev.ExternalID) > 255:
		return nil, redazione.FieldError("id", "modifica senza un messaggio riconoscibile")
	case rev.Deleted:
	case text == "":
		return nil, redazione.FieldError("text", "il testo modificato è vuoto")
	case !utf8.ValidString(text) || strings.ContainsRune(text, 0):
		return nil, redazione.FieldError("text", "il testo modificato non è UTF-8 valido")
	case utf8.RuneCountInString(text) > redazione.MaxTextRunes:
		return nil, redazione.FieldError("text", "il testo supera %d caratteri", redazione.MaxTextRunes)
	}
	now := db.now().UTC()
	at := rev.At
	if at.IsZero() || at.After(now.Add(5*time.Minute)) {
		at = now
	}
	var doc string
	var found []pendingFlag
	var cfg *SLAConfig
	if !rev.Deleted {
		// Outside the writer, as for Ingest: the index document, and what
		// the new text calls for (personal data, abuse, urgency).
		doc = search.Document(text)
		found = flagsOf(redazione.Inbound{Text: text, Public: true})
		var err error
		if cfg, err = db.SLA(ctx, ch.EnteID); err != nil {
			return nil, err
		}
	}
	var out *Revised
	err := db.inTx(ctx, func(tx conn) error {
		var id, conv, editedAt, deletedAt int64
		var old string
		var public, flagged bool
		err := tx.row(ctx, `SELECT m.id, m.conversation_id, m.text, m.edited_at, m.deleted_at, c.public FROM messages m
		 JOIN conversations c ON c.id = m.conversation_id
		 WHERE m.channel_id = ? AND m.external_id = ? AND m.external_id <> '' AND m.direction = 'in'`, ch.ID, rev.ExternalID).
			Scan(&id, &conv, &old, &editedAt, &deletedAt, &public)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("revise: %w", err)
		}
		switch {
		case deletedAt != 0:
			return nil
		case rev.Deleted:
			if _, err := tx.exec(ctx, "UPDATE messages SET deleted_at = ? WHERE id = ?", ms(at), id); err != nil {
				return fmt.Errorf("revise: %w", err)
			}
		case text == old || ms(at) < editedAt:
			return nil
		default:
			if _, err := tx.exec(ctx, "INSERT INTO message_versions (ente_id, message_id, text, replaced_at) VALUES (?, ?, ?, ?)",
				ch.EnteID, id, old, ms(at)); err != nil {
				return fmt.Errorf("revise: %w", err)
			}
			if _, err := tx.exec(ctx, "UPDATE messages SET text = ?, edited_at = ? WHERE id = ?", text, ms(at), id); err != nil {
				return fmt.Errorf("revise: %w", err)
			}
			if err := db.reindexDoc(ctx, tx, id, doc); err != nil {
				return err
			}
			if flagged, err = db.reflag(ctx, tx, ch, conv, id, public, found, cfg, now); err != nil {
				return err
			}
		}
		out = &Revised{MessageID: id, ConversationID: conv, Flagged: flagged}
		return nil
	})
	return out, err
}

// reflag brings the open flags of an edited message in step with its new
// text: a flag still called for points at the new text, one no longer
// called for stays open (an operator clears it) without marks into a text
// that is gone, and a new one is raised (personal data in an edited public
// comment, say), as for a new message. It reports whether any flag changed.
func (db *DB) reflag(ctx context.Context, tx conn, ch *redazione.Channel, convID, msgID int64, public bool, found []pendingFlag, cfg *SLAConfig, now time.Time) (bool, error) {
	open := map[string]int64{}
	rows, err := tx.query(ctx, "SELECT id, kind FROM conversation_flags WHERE message_id = ? AND cleared_at = 0", msgID)
	if err != nil {
		return false, fmt.Errorf("flags: %w", err)
	}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return false, err
		}
		open[kind] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	changed := len(open) > 0
	var raise []pendingFlag
	for _, f := range found {
		if f.kind == FlagPersonalData && !public {
			continue // personal data matter only where everyone reads them
		}
		id, ok := open[f.kind]
		if !ok {
			raise = append(raise, f)
			continue
		}
		delete(open, f.kind)
		detail, _ := json.Marshal(f.marks)
		if _, err := tx.exec(ctx, "UPDATE conversation_flags SET reason = ?, detail = ? WHERE id = ?", f.reason, string(detail), id); err != nil {
			return false, fmt.Errorf("flag: %w", err)
		}
	}
	for _, id := range open {
		if _, err := tx.exec(ctx, "UPDATE conversation_flags SET detail = '[]' WHERE id = ?", id); err != nil {
			return false, fmt.Errorf("flag: %w", err)
		}
	}
	return changed || len(raise) > 0, db.raiseFlags(ctx, tx, ch, convID, msgID, raise, cfg, now)
}

// reindexDoc replaces a message's full-text document.
func (db *DB) reindexDoc(ctx context.Context, tx conn, id int64, doc string) error {
	return db.d.reindexMessage(ctx, tx, id, doc)
}

// loadVersions fills the earlier texts of the edited messages of msgs, in
// one query.
func (db *DB) loadVersions(ctx context.Context, msgs []*redazione.Message) error {
	byID := map[int64]*redazione.Message{}
	var ids []any
	for _, m := range msgs {
		if !m.EditedAt.IsZero() {
			byID[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := db.reader().query(ctx, "SELECT message_id, text, replaced_at FROM message_versions WHERE message_id IN ("+placeholders(len(ids))+") ORDER BY id", ids...)
	if err != nil {
		return fmt.Errorf("message versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var v redazione.MessageVersion
		if err := rows.Scan(&id, &v.Text, &at); err != nil {
			return err
		}
		v.ReplacedAt = tm(at)
		byID[id].Versions = append(byID[id].Versions, v)
	}
	return rows.Err()
}
