package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/detect"
	"github.com/redazione/redazione/sla"
)

// Kinds of flag.
const (
	FlagPersonalData = "personal_data" // personal data exposed in a public message
	FlagUrgent       = "urgent"        // emergency, threat, self-harm
	FlagAbuse        = "abuse"         // insults or spam, for moderation
)

// Mark is a span of a message's text a flag points at.
type Mark struct {
	Kind  string `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Flag is a delicate situation raised on a conversation.
type Flag struct {
	ID             int64
	ConversationID int64
	MessageID      int64
	Kind           string
	Reason         string
	Marks          []Mark
	CreatedAt      time.Time
	ClearedBy      int64
	ClearedByName  string
	ClearedAt      time.Time
	ClearReason    string
}

// pendingFlag is a flag found in an inbound message, before it is stored.
type pendingFlag struct {
	kind, reason string
	marks        []Mark
}

// flagsOf looks for delicate situations in a citizen's message: personal
// data when the message is public, urgency and danger always.
func flagsOf(in redazione.Inbound) []pendingFlag {
	var out []pendingFlag
	if in.Public {
		if found := detect.PersonalData(in.Text); len(found) > 0 {
			f := pendingFlag{kind: FlagPersonalData}
			var kinds []string
			seen := map[detect.Kind]bool{}
			for _, x := range found {
				f.marks = append(f.marks, Mark{string(x.Kind), x.Start, x.End})
				if !seen[x.Kind] {
					seen[x.Kind] = true
					kinds = append(kinds, personalDataLabel[x.Kind])
				}
			}
			f.reason = "dati personali in un messaggio pubblico: " + strings.Join(kinds, ", ")
			out = append(out, f)
		}
	}
	if found := detect.Abuse(in.Text); len(found) > 0 {
		f := pendingFlag{kind: FlagAbuse, reason: found[0].Reason}
		for _, x := range found {
			f.marks = append(f.marks, Mark{x.Kind, x.Start, x.End})
		}
		out = append(out, f)
	}
	if alarms := detect.Urgency(in.Text); len(alarms) > 0 {
		f := pendingFlag{kind: FlagUrgent, reason: alarms[0].Reason}
		for _, a := range alarms {
			f.marks = append(f.marks, Mark{string(a.Danger), a.Start, a.End})
		}
		out = append(out, f)
	}
	return out
}

var personalDataLabel = map[detect.Kind]string{
	detect.CodiceFiscale: "codice fiscale",
	detect.IBAN:          "IBAN",
	detect.Phone:         "numero di telefono",
	detect.Email:         "indirizzo e-mail",
	detect.IDDocument:    "numero di documento",
}

// raiseFlags stores the flags of a new message; an urgent one raises the
// conversation's priority and notifies the coordinators.
func (db *DB) raiseFlags(ctx context.Context, tx conn, ch *redazione.Channel, convID, msgID int64, flags []pendingFlag, cfg *SLAConfig, now time.Time) error {
	for _, f := range flags {
		detail, _ := json.Marshal(f.marks)
		if _, err := tx.exec(ctx, "INSERT INTO conversation_flags (ente_id, conversation_id, message_id, kind, reason, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			ch.EnteID, convID, msgID, f.kind, f.reason, string(detail), ms(now)); err != nil {
			return fmt.Errorf("flag: %w", err)
		}
		if f.kind != FlagUrgent {
			continue
		}
		c, err := loadClock(ctx, tx, convID)
		if err != nil {
			return err
		}
		if c.Priority < sla.Urgent {
			c.Priority = sla.Urgent
			c.pick(cfg)
			if err := c.save(ctx, tx, cfg.Calendar); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at)
		 SELECT ente_id, id, ?, ?, ? FROM users WHERE ente_id = ? AND role = ? AND disabled = ?`,
			convID, "Messaggio urgente: "+f.reason, ms(now), ch.EnteID, string(redazione.RoleCoordinator), false); err != nil {
			return fmt.Errorf("urgent notification: %w", err)
		}
		// Out of office hours, the people on call too.
		if cfg.Calendar != nil && !cfg.Calendar.IsOpen(now) {
			if _, err := tx.exec(ctx, `INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at)
			 SELECT DISTINCT s.ente_id, s.user_id, CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT) FROM oncall_shifts s JOIN users u ON u.id = s.user_id
			 WHERE s.ente_id = ? AND s.from_at <= ? AND s.to_at > ? AND u.disabled = ? AND u.role <> ?`,
				convID, "Messaggio urgente fuori orario: "+f.reason, ms(now), ch.EnteID, ms(now), ms(now), false, string(redazione.RoleCoordinator)); err != nil {
				return fmt.Errorf("on-call notification: %w", err)
			}
		}
	}
	return nil
}

// Flags lists the flags of a conversation the actor may see, newest first.
func (db *DB) Flags(ctx context.Context, a redazione.Actor, convID int64) ([]Flag, error) {
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return nil, err
	}
	rows, err := db.reader().query(ctx, `SELECT f.id, f.conversation_id, f.message_id, f.kind, f.reason, f.detail, f.created_at, f.cleared_by,
	 COALESCE(u.name, ''), f.cleared_at, f.clear_reason
	 FROM conversation_flags f LEFT JOIN users u ON u.id = f.cleared_by WHERE f.conversation_id = ? AND f.ente_id = ? ORDER BY f.id DESC`, convID, a.EnteID)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	defer rows.Close()
	var out []Flag
	for rows.Next() {
		var f Flag
		var detail string
		var created, cleared int64
		if err := rows.Scan(&f.ID, &f.ConversationID, &f.MessageID, &f.Kind, &f.Reason, &detail, &created, &f.ClearedBy, &f.ClearedByName, &cleared, &f.ClearReason); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(detail), &f.Marks)
		f.CreatedAt, f.ClearedAt = tm(created), tm(cleared)
		out = append(out, f)
	}
	return out, rows.Err()
}

// ClearFlag records that a flag was a false alarm; the flag stays, cleared,
// with who cleared it and why.
func (db *DB) ClearFlag(ctx context.Context, a redazione.Actor, convID, flagID int64, reason string) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return redazione.FieldError("reason", "la motivazione supera 500 caratteri")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "segnalazione", "UPDATE conversation_flags SET cleared_by = ?, cleared_at = ?, clear_reason = ? WHERE id = ? AND conversation_id = ? AND ente_id = ? AND cleared_at = 0",
			a.UserID, ms(now), reason, flagID, convID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "flag.clear",
			Target: fmt.Sprint(convID), Detail: fmt.Sprintf("segnalazione %d: %s", flagID, reason)})
	})
}

// loadFlagKinds sets each conversation's open flag kinds.
func (db *DB) loadFlagKinds(ctx context.Context, convs []*redazione.Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	byID := make(map[int64]*redazione.Conversation, len(convs))
	args := make([]any, len(convs))
	for i, c := range convs {
		byID[c.ID], args[i] = c, c.ID
	}
	rows, err := db.reader().query(ctx, "SELECT DISTINCT conversation_id, kind FROM conversation_flags WHERE conversation_id IN ("+placeholders(len(args))+") AND cleared_at = 0 ORDER BY kind", args...)
	if err != nil {
		return fmt.Errorf("flag kinds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return err
		}
		byID[id].Flags = append(byID[id].Flags, kind)
	}
	return rows.Err()
}
