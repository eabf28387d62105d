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
	"github.com/redazione/redazione/calendar"
)

// Governance of the ente's social media presence: the internal policy (for
// the staff, acknowledged by each of them) and the external one (for
// citizens, published at a public address), each with the contents it must
// have; the person responsible for each account; the training register.

// Policy kinds.
const (
	PolicyInternal = "internal"
	PolicyExternal = "external"
)

// PolicySections are the contents each policy must have, in order. The
// external ones are those a citizen-facing policy cannot lack; the internal
// ones what the staff must be told (including who answers for each profile
// and what to do in a crisis on a holiday).
var PolicySections = map[string][]string{
	PolicyExternal: {"manager", "purposes", "contents", "behaviour", "privacy", "contacts"},
	PolicyInternal: {"reasons", "conduct", "interaction", "publishing", "licence", "feedback", "devices", "personal", "crisis"},
}

// Policy is one published version of a policy.
type Policy struct {
	ID          int64
	Kind        string
	Version     int
	Sections    map[string]string
	PublishedBy string
	PublishedAt time.Time
}

// Missing lists the required sections a policy lacks.
func Missing(kind string, sections map[string]string) []string {
	var out []string
	for _, s := range PolicySections[kind] {
		if strings.TrimSpace(sections[s]) == "" {
			out = append(out, s)
		}
	}
	return out
}

// Policy returns the latest version of a policy of the ente, nil if none.
func (db *DB) Policy(ctx context.Context, enteID int64, kind string) (*Policy, error) {
	var p Policy
	var raw string
	var at int64
	err := db.reader().row(ctx, `SELECT p.id, p.kind, p.version, p.sections, COALESCE(u.name, ''), p.published_at
	 FROM policies p LEFT JOIN users u ON u.id = p.published_by WHERE p.ente_id = ? AND p.kind = ? ORDER BY p.version DESC LIMIT 1`, enteID, kind).
		Scan(&p.ID, &p.Kind, &p.Version, &raw, &p.PublishedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p.PublishedAt = tm(at)
	if err := json.Unmarshal([]byte(raw), &p.Sections); err != nil {
		return nil, fmt.Errorf("policy sections: %w", err)
	}
	return &p, nil
}

// PublishPolicy publishes a new version of a policy; every required
// section must be there. Administrators only. A new internal version asks
// every user to acknowledge it again.
func (db *DB) PublishPolicy(ctx context.Context, a redazione.Actor, kind string, sections map[string]string) (*Policy, error) {
	if !a.CanAdmin() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "le policy le pubblicano gli amministratori")
	}
	names, ok := PolicySections[kind]
	if !ok {
		return nil, redazione.FieldError("kind", "policy sconosciuta")
	}
	clean := map[string]string{}
	for _, n := range names {
		v := strings.TrimSpace(sections[n])
		if utf8.RuneCountInString(v) > 10000 || strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
			return nil, redazione.FieldError(n, "testo troppo lungo (massimo 10000 caratteri)")
		}
		clean[n] = v
	}
	if miss := Missing(kind, clean); len(miss) > 0 {
		return nil, redazione.FieldError(miss[0], "mancano contenuti obbligatori: %s", strings.Join(miss, ", "))
	}
	raw, _ := json.Marshal(clean)
	now := db.now()
	err := db.inTx(ctx, func(tx conn) error {
		var v int
		if err := tx.row(ctx, "SELECT COALESCE(MAX(version), 0) FROM policies WHERE ente_id = ? AND kind = ?", a.EnteID, kind).Scan(&v); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO policies (ente_id, kind, version, sections, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?)",
			a.EnteID, kind, v+1, string(raw), a.UserID, ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "policy.publish", Target: kind, Detail: fmt.Sprintf("versione %d", v+1)})
	})
	if isUnique(err) {
		return nil, redazione.Errorf(redazione.ECONFLICT, "un'altra versione è stata pubblicata nel frattempo: ricarica la pagina")
	}
	if err != nil {
		return nil, err
	}
	return db.Policy(ctx, a.EnteID, kind)
}

// PolicyToAcknowledge returns the internal policy the user has not yet
// acknowledged, nil if none.
func (db *DB) PolicyToAcknowledge(ctx context.Context, a redazione.Actor) (*Policy, error) {
	p, err := db.Policy(ctx, a.EnteID, PolicyInternal)
	if err != nil || p == nil {
		return nil, err
	}
	var n int
	if err := db.reader().row(ctx, "SELECT COUNT(*) FROM policy_acks WHERE policy_id = ? AND user_id = ?", p.ID, a.UserID).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	return p, nil
}

// AcknowledgePolicy records that the user read and accepts a version of
// the internal policy.
func (db *DB) AcknowledgePolicy(ctx context.Context, a redazione.Actor, policyID int64) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var v int
		if err := tx.row(ctx, "SELECT version FROM policies WHERE id = ? AND ente_id = ? AND kind = 'internal'", policyID, a.EnteID).Scan(&v); err != nil {
			return notFound("policy")
		}
		res, err := tx.exec(ctx, "INSERT INTO policy_acks (policy_id, user_id, acked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", policyID, a.UserID, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "policy.acknowledge", Detail: fmt.Sprintf("versione %d", v)})
	})
}

// PolicyAck says whether a user acknowledged the current internal policy.
type PolicyAck struct {
	UserID  int64
	Name    string
	Role    redazione.Role
	AckedAt time.Time // zero: not yet
}

// PolicyAcks lists the active users and when they acknowledged the
// current internal policy.
func (db *DB) PolicyAcks(ctx context.Context, a redazione.Actor) ([]PolicyAck, error) {
	p, err := db.Policy(ctx, a.EnteID, PolicyInternal)
	if err != nil || p == nil {
		return nil, err
	}
	return queryAll(ctx, db.reader(), func(s scanner) (PolicyAck, error) {
		var k PolicyAck
		var role string
		var at int64
		err := s.Scan(&k.UserID, &k.Name, &role, &at)
		k.Role, k.AckedAt = redazione.Role(role), tm(at)
		return k, err
	}, `SELECT u.id, u.name, u.role, COALESCE(k.acked_at, 0) FROM users u LEFT JOIN policy_acks k ON k.user_id = u.id AND k.policy_id = ?
	 WHERE u.ente_id = ? AND u.disabled = false ORDER BY u.name, u.id`, p.ID, a.EnteID)
}

// SetResponsible names the person who answers for an account (a channel);
// 0 takes the name away. Administrators only.
func (db *DB) SetResponsible(ctx context.Context, a redazione.Actor, channelID, userID int64) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "i responsabili degli account li indicano gli amministratori")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if userID != 0 {
			var id int64
			if err := tx.row(ctx, "SELECT id FROM users WHERE id = ? AND ente_id = ? AND disabled = false", userID, a.EnteID).Scan(&id); err != nil {
				return redazione.FieldError("user", "scegli una persona dell'ente")
			}
		}
		if err := tx.execOne(ctx, "account", "UPDATE channels SET responsible_id = ? WHERE id = ? AND ente_id = ?", userID, channelID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "channel.responsible", Target: fmt.Sprint(channelID), Detail: fmt.Sprint(userID)})
	})
}

// Responsible is an account with the person who answers for it.
type Responsible struct {
	ChannelID   int64
	ChannelName string
	Kind        redazione.ChannelKind
	UserID      int64
	UserName    string
}

// Responsibles lists the ente's accounts and who answers for each.
func (db *DB) Responsibles(ctx context.Context, enteID int64) ([]Responsible, error) {
	return queryAll(ctx, db.reader(), func(s scanner) (Responsible, error) {
		var r Responsible
		var kind string
		err := s.Scan(&r.ChannelID, &r.ChannelName, &kind, &r.UserID, &r.UserName)
		r.Kind = redazione.ChannelKind(kind)
		return r, err
	}, `SELECT c.id, c.name, c.kind, c.responsible_id, COALESCE(u.name, '') FROM channels c LEFT JOIN users u ON u.id = c.responsible_id
	 WHERE c.ente_id = ? ORDER BY c.name, c.id`, enteID)
}

// Training is a course someone of the office attended.
type Training struct {
	ID       int64
	UserID   int64
	UserName string
	Course   string
	Day      string
	Hours    int
}

// AddTraining records a course; administrators and coordinators.
func (db *DB) AddTraining(ctx context.Context, a redazione.Actor, t *Training) error {
	if a.Role != redazione.RoleAdmin && a.Role != redazione.RoleCoordinator {
		return redazione.Errorf(redazione.EFORBIDDEN, "il registro della formazione lo tengono coordinatori e amministratori")
	}
	t.Course = strings.TrimSpace(t.Course)
	if t.Course == "" || utf8.RuneCountInString(t.Course) > 200 {
		return redazione.FieldError("course", "scrivi il nome del corso (massimo 200 caratteri)")
	}
	if _, err := calendar.ParseDate(t.Day); err != nil {
		return redazione.FieldError("day", "data non valida: usa AAAA-MM-GG")
	}
	if t.Hours < 1 || t.Hours > 500 {
		return redazione.FieldError("hours", "le ore vanno da 1 a 500")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var id int64
		if err := tx.row(ctx, "SELECT id FROM users WHERE id = ? AND ente_id = ?", t.UserID, a.EnteID).Scan(&id); err != nil {
			return redazione.FieldError("user", "scegli una persona dell'ente")
		}
		var err error
		if t.ID, err = tx.insert(ctx, "INSERT INTO trainings (ente_id, user_id, course, day, hours, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			a.EnteID, t.UserID, t.Course, t.Day, t.Hours, a.UserID, ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "training.add", Target: fmt.Sprint(t.UserID), Detail: t.Course})
	})
}

// Trainings lists the training register, the latest first.
func (db *DB) Trainings(ctx context.Context, enteID int64) ([]Training, error) {
	return queryAll(ctx, db.reader(), func(s scanner) (Training, error) {
		var t Training
		err := s.Scan(&t.ID, &t.UserID, &t.UserName, &t.Course, &t.Day, &t.Hours)
		return t, err
	}, `SELECT t.id, t.user_id, COALESCE(u.name, ''), t.course, t.day, t.hours FROM trainings t LEFT JOIN users u ON u.id = t.user_id
	 WHERE t.ente_id = ? ORDER BY t.day DESC, t.id DESC`, enteID)
}
