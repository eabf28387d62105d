package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/rules"
)

// Rules lists the ente's rules in evaluation order.
func (db *DB) Rules(ctx context.Context, enteID int64) ([]rules.Rule, error) {
	rows, err := db.reader().query(ctx, "SELECT id, position, name, enabled, conditions, actions, fired FROM routing_rules WHERE ente_id = ? ORDER BY position, id", enteID)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	defer rows.Close()
	var out []rules.Rule
	for rows.Next() {
		var r rules.Rule
		var cond, act string
		if err := rows.Scan(&r.ID, &r.Position, &r.Name, &r.Enabled, &cond, &act, &r.Fired); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(cond), &r.Conditions)
		json.Unmarshal([]byte(act), &r.Actions)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRule creates (ID 0) or updates a rule; administrators only.
func (db *DB) SaveRule(ctx context.Context, a redazione.Actor, r *rules.Rule) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare le regole")
	}
	if err := rules.Check(r); err != nil {
		return err
	}
	c, act := &r.Conditions, &r.Actions
	cond, _ := json.Marshal(c)
	acts, _ := json.Marshal(act)
	err := db.inTx(ctx, func(tx conn) error {
		if act.DeskID != 0 {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", act.DeskID, a.EnteID).Scan(&n); err != nil || n == 0 {
				return redazione.FieldError("desk", "desk inesistente")
			}
		}
		if act.AssigneeID != 0 {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM users WHERE id = ? AND ente_id = ?", act.AssigneeID, a.EnteID).Scan(&n); err != nil || n == 0 {
				return redazione.FieldError("assignee", "utente inesistente")
			}
		}
		action := "rule.update"
		if r.ID == 0 {
			if err := tx.row(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM routing_rules WHERE ente_id = ?", a.EnteID).Scan(&r.Position); err != nil {
				return err
			}
			id, err := tx.insert(ctx, "INSERT INTO routing_rules (ente_id, position, name, enabled, conditions, actions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				a.EnteID, r.Position, r.Name, r.Enabled, string(cond), string(acts), ms(db.now()))
			if err != nil {
				return err
			}
			r.ID, action = id, "rule.create"
		} else {
			if err := tx.execOne(ctx, "regola", "UPDATE routing_rules SET name = ?, enabled = ?, conditions = ?, actions = ? WHERE id = ? AND ente_id = ?",
				r.Name, r.Enabled, string(cond), string(acts), r.ID, a.EnteID); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: fmt.Sprint(r.ID), Detail: r.Name})
	})
	db.forgetRules(a.EnteID)
	return err
}

// SetRuleEnabled switches a rule on or off.
func (db *DB) SetRuleEnabled(ctx context.Context, a redazione.Actor, id int64, on bool) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare le regole")
	}
	err := db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "regola", "UPDATE routing_rules SET enabled = ? WHERE id = ? AND ente_id = ?", on, id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "rule.enable", Target: fmt.Sprint(id), Detail: fmt.Sprint(on)})
	})
	db.forgetRules(a.EnteID)
	return err
}

// DeleteRule removes a rule.
func (db *DB) DeleteRule(ctx context.Context, a redazione.Actor, id int64) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare le regole")
	}
	err := db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "regola", "DELETE FROM routing_rules WHERE id = ? AND ente_id = ?", id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "rule.delete", Target: fmt.Sprint(id)})
	})
	db.forgetRules(a.EnteID)
	return err
}

// ActiveRules are the enabled rules of an ente, cached like the SLA
// configuration (each citizen's message reads them).
func (db *DB) ActiveRules(ctx context.Context, enteID int64) ([]rules.Rule, error) {
	if v, ok := db.rules.Load(enteID); ok {
		if e := v.(cachedRules); time.Since(e.at) < slaCacheTTL {
			return e.rules, nil
		}
	}
	all, err := db.Rules(ctx, enteID)
	if err != nil {
		return nil, err
	}
	var on []rules.Rule
	for _, r := range all {
		if r.Enabled {
			on = append(on, r)
		}
	}
	db.rules.Store(enteID, cachedRules{on, time.Now()})
	return on, nil
}

type cachedRules struct {
	rules []rules.Rule
	at    time.Time
}

func (db *DB) forgetRules(enteID int64) { db.rules.Delete(enteID) }

// RuleFired counts the firings of rules.
func (db *DB) RuleFired(ctx context.Context, enteID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{enteID}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE routing_rules SET fired = fired + 1 WHERE ente_id = ? AND id IN ("+placeholders(len(ids))+")", args...)
	return err
}

// RecentInbound returns the ente's latest citizens' messages as rule inputs,
// to try a rule before switching it on.
func (db *DB) RecentInbound(ctx context.Context, a redazione.Actor, limit int) ([]rules.Input, []int64, error) {
	rows, err := db.reader().query(ctx, `SELECT m.channel_id, c.public, m.text, ct.external_id, ct.name, m.sent_at, c.id,
	 CASE WHEN m.id = (SELECT MIN(m2.id) FROM messages m2 WHERE m2.conversation_id = c.id) THEN 1 ELSE 0 END
	 FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
	 WHERE m.ente_id = ? AND m.direction = 'in' ORDER BY m.id DESC LIMIT ?`, a.EnteID, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("recent messages: %w", err)
	}
	defer rows.Close()
	var ins []rules.Input
	var convs []int64
	for rows.Next() {
		var in rules.Input
		var sent, conv int64
		var first int
		if err := rows.Scan(&in.ChannelID, &in.Public, &in.Text, &in.ContactID, &in.ContactName, &sent, &conv, &first); err != nil {
			return nil, nil, err
		}
		in.At, in.New = tm(sent), first == 1
		ins = append(ins, in)
		convs = append(convs, conv)
	}
	return ins, convs, rows.Err()
}

// NextAssignee picks, by round robin, the next available operator of a desk
// with automatic assignment, under their cap of open conversations; 0 when
// the desk assigns by hand or nobody can take more.
func (db *DB) NextAssignee(ctx context.Context, enteID, deskID int64) (int64, error) {
	// Most desks assign by hand: find out without taking the write lock,
	// and without a query per new conversation (deskAutoAssign).
	if auto, err := db.deskAutoAssign(ctx, enteID, deskID); err != nil || !auto {
		return 0, err
	}
	var chosen int64
	err := db.inTx(ctx, func(tx conn) error {
		var auto bool
		var last int64
		if err := tx.row(ctx, "SELECT auto_assign, last_assigned FROM desks WHERE id = ? AND ente_id = ?", deskID, enteID).Scan(&auto, &last); err != nil || !auto {
			return err
		}
		rows, err := tx.query(ctx, `SELECT u.id FROM users u JOIN user_desks ud ON ud.user_id = u.id
		 WHERE ud.desk_id = ? AND u.ente_id = ? AND u.role = ? AND u.disabled = ? AND u.available = ?
		 AND (u.max_open = 0 OR (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status <> 'resolved') < u.max_open)
		 ORDER BY u.id`, deskID, enteID, string(redazione.RoleOperator), false, true)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return nil
		}
		chosen = ids[0]
		for _, id := range ids {
			if id > last {
				chosen = id
				break
			}
		}
		_, err = tx.exec(ctx, "UPDATE desks SET last_assigned = ? WHERE id = ?", chosen, deskID)
		return err
	})
	return chosen, err
}

// deskAutoAssign reports whether a desk assigns new conversations by
// itself. It is asked for every new conversation, so the answer is kept
// for slaCacheTTL, as the routing rules are (ActiveRules): this process
// forgets it when it changes the desk, the other nodes when the settings
// service tells them (Forget), and at the latest after that time. A stale
// "on" costs only the check NextAssignee makes again in its transaction.
func (db *DB) deskAutoAssign(ctx context.Context, enteID, deskID int64) (bool, error) {
	if v, ok := db.deskAuto.Load(deskID); ok {
		if e := v.(cachedDeskAuto); e.ente == enteID && time.Since(e.at) < slaCacheTTL {
			return e.on, nil
		}
	}
	var auto bool
	if err := db.reader().row(ctx, "SELECT auto_assign FROM desks WHERE id = ? AND ente_id = ?", deskID, enteID).Scan(&auto); err != nil {
		return false, err
	}
	db.deskAuto.Store(deskID, cachedDeskAuto{ente: enteID, on: auto, at: time.Now()})
	return auto, nil
}

type cachedDeskAuto struct {
	ente int64
	on   bool
	at   time.Time
}

// SetDeskAutoAssign switches round-robin assignment on a desk.
func (db *DB) SetDeskAutoAssign(ctx context.Context, a redazione.Actor, deskID int64, on bool) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare i desk")
	}
	defer db.deskAuto.Delete(deskID)
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "desk", "UPDATE desks SET auto_assign = ? WHERE id = ? AND ente_id = ?", on, deskID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "desk.auto_assign", Target: fmt.Sprint(deskID), Detail: fmt.Sprint(on)})
	})
}

// SetAvailability records whether a user takes new conversations, and
// (administrators only, for others) their cap of open ones.
func (db *DB) SetAvailability(ctx context.Context, a redazione.Actor, userID int64, available bool, maxOpen int) error {
	if userID != a.UserID && !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "puoi cambiare solo la tua disponibilità")
	}
	if maxOpen < 0 || maxOpen > 10000 {
		return redazione.FieldError("max_open", "numero non valido")
	}
	return db.inTx(ctx, func(tx conn) error {
		q, args := "UPDATE users SET available = ? WHERE id = ? AND ente_id = ?", []any{available, userID, a.EnteID}
		if a.CanAdmin() {
			q, args = "UPDATE users SET available = ?, max_open = ? WHERE id = ? AND ente_id = ?", []any{available, maxOpen, userID, a.EnteID}
		}
		if err := tx.execOne(ctx, "utente", q, args...); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "user.availability", Target: fmt.Sprint(userID), Detail: fmt.Sprintf("available=%v max_open=%d", available, maxOpen)})
	})
}

// Availability returns whether a user takes new conversations, and their cap.
func (db *DB) Availability(ctx context.Context, enteID, userID int64) (bool, int, error) {
	var on bool
	var max int
	err := db.reader().row(ctx, "SELECT available, max_open FROM users WHERE id = ? AND ente_id = ?", userID, enteID).Scan(&on, &max)
	return on, max, err
}
