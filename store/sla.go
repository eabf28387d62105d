package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/sla"
)

// SLAConfig is an ente's calendar and response-time policies.
type SLAConfig struct {
	Settings calendar.Settings
	Calendar *calendar.Calendar
	Policies []sla.Policy
}

// slaCacheTTL bounds how long another process's change to the calendar or
// the policies takes to apply here; this process's own changes apply at once.
const slaCacheTTL = 5 * time.Second

type slaEntry struct {
	cfg *SLAConfig
	at  time.Time
}

type slaCache struct {
	mu sync.Mutex
	m  map[int64]slaEntry
}

// SLA returns the ente's calendar and policies (cached for a few seconds:
// every new conversation reads them).
func (db *DB) SLA(ctx context.Context, enteID int64) (*SLAConfig, error) {
	db.sla.mu.Lock()
	e, ok := db.sla.m[enteID]
	db.sla.mu.Unlock()
	if ok && time.Since(e.at) < slaCacheTTL {
		return e.cfg, nil
	}
	cfg, err := db.loadSLA(ctx, db.reader(), enteID)
	if err != nil {
		return nil, err
	}
	db.sla.mu.Lock()
	if db.sla.m == nil {
		db.sla.m = map[int64]slaEntry{}
	}
	db.sla.m[enteID] = slaEntry{cfg, time.Now()}
	db.sla.mu.Unlock()
	return cfg, nil
}

func (db *DB) forgetSLA(enteID int64) {
	db.sla.mu.Lock()
	delete(db.sla.m, enteID)
	db.sla.mu.Unlock()
}

func (db *DB) loadSLA(ctx context.Context, c conn, enteID int64) (*SLAConfig, error) {
	var raw string
	if err := c.row(ctx, "SELECT calendar FROM entes WHERE id = ?", enteID).Scan(&raw); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("ente")
		}
		return nil, fmt.Errorf("calendar: %w", err)
	}
	cfg := &SLAConfig{Settings: calendar.StandardSettings()}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &cfg.Settings); err != nil {
			return nil, fmt.Errorf("calendar of ente %d: %w", enteID, err)
		}
	}
	cal, err := cfg.Settings.Calendar()
	if err != nil {
		return nil, fmt.Errorf("calendar of ente %d: %w", enteID, err)
	}
	cfg.Calendar = cal
	rows, err := c.query(ctx, `SELECT id, name, desk_id, channel_id, priority, first_response_minutes, resolution_minutes
	 FROM sla_policies WHERE ente_id = ? ORDER BY id`, enteID)
	if err != nil {
		return nil, fmt.Errorf("sla policies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p sla.Policy
		var prio sql.NullInt64
		var first, res int64
		if err := rows.Scan(&p.ID, &p.Name, &p.DeskID, &p.ChannelID, &prio, &first, &res); err != nil {
			return nil, err
		}
		if prio.Valid {
			pr := sla.Priority(prio.Int64)
			p.Priority = &pr
		}
		p.FirstResponse, p.Resolution = time.Duration(first)*time.Minute, time.Duration(res)*time.Minute
		cfg.Policies = append(cfg.Policies, p)
	}
	return cfg, rows.Err()
}

// SaveCalendar replaces the ente's calendar; only administrators may.
func (db *DB) SaveCalendar(ctx context.Context, a redazione.Actor, s calendar.Settings) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare gli orari dell'ente")
	}
	for i, v := range s.Week {
		s.Week[i] = strings.TrimSpace(v)
	}
	if _, err := s.Calendar(); err != nil {
		var fe *calendar.FieldError
		if errors.As(err, &fe) {
			return redazione.FieldError(fe.Field, "%s", fe.Err.Error())
		}
		return redazione.FieldError("calendar", "%s", err.Error())
	}
	b, _ := json.Marshal(s)
	err := db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "UPDATE entes SET calendar = ? WHERE id = ?", string(b), a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "calendar.update", Detail: string(b)})
	})
	db.forgetSLA(a.EnteID)
	return err
}

// SavePolicy creates (ID 0) or updates a response-time policy.
func (db *DB) SavePolicy(ctx context.Context, a redazione.Actor, p *sla.Policy) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare i tempi di risposta")
	}
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case p.Name == "":
		return redazione.FieldError("name", "il nome è obbligatorio")
	case p.FirstResponse < 0 || p.Resolution < 0:
		return redazione.FieldError("first_response", "i tempi non possono essere negativi")
	case p.FirstResponse == 0 && p.Resolution == 0:
		return redazione.FieldError("first_response", "indica almeno un tempo: prima risposta o risoluzione")
	case p.Resolution > 0 && p.Resolution < p.FirstResponse:
		return redazione.FieldError("resolution", "la risoluzione non può essere prima della prima risposta")
	case p.Priority != nil && !p.Priority.Valid():
		return redazione.FieldError("priority", "priorità non valida")
	case p.FirstResponse > 365*24*time.Hour || p.Resolution > 365*24*time.Hour:
		return redazione.FieldError("resolution", "tempo troppo lungo")
	}
	var prio any
	if p.Priority != nil {
		prio = int64(*p.Priority)
	}
	err := db.inTx(ctx, func(tx conn) error {
		if p.DeskID != 0 {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", p.DeskID, a.EnteID).Scan(&n); err != nil || n == 0 {
				return redazione.FieldError("desk", "desk inesistente")
			}
		}
		if p.ChannelID != 0 {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM channels WHERE id = ? AND ente_id = ?", p.ChannelID, a.EnteID).Scan(&n); err != nil || n == 0 {
				return redazione.FieldError("channel", "canale inesistente")
			}
		}
		first, res := int64(p.FirstResponse/time.Minute), int64(p.Resolution/time.Minute)
		action := "sla.update"
		if p.ID == 0 {
			id, err := tx.insert(ctx, `INSERT INTO sla_policies (ente_id, name, desk_id, channel_id, priority, first_response_minutes, resolution_minutes, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.EnteID, p.Name, p.DeskID, p.ChannelID, prio, first, res, ms(db.now()))
			if err != nil {
				return err
			}
			p.ID, action = id, "sla.create"
		} else {
			if err := tx.execOne(ctx, "politica", `UPDATE sla_policies SET name = ?, desk_id = ?, channel_id = ?, priority = ?, first_response_minutes = ?, resolution_minutes = ?
			 WHERE id = ? AND ente_id = ?`, p.Name, p.DeskID, p.ChannelID, prio, first, res, p.ID, a.EnteID); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: fmt.Sprint(p.ID),
			Detail: fmt.Sprintf("%s: prima risposta %d min, risoluzione %d min", p.Name, first, res)})
	})
	db.forgetSLA(a.EnteID)
	return err
}

// DeletePolicy removes a policy; conversations keep the targets they had.
func (db *DB) DeletePolicy(ctx context.Context, a redazione.Actor, id int64) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare i tempi di risposta")
	}
	err := db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "politica", "DELETE FROM sla_policies WHERE id = ? AND ente_id = ?", id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "sla.delete", Target: fmt.Sprint(id)})
	})
	db.forgetSLA(a.EnteID)
	return err
}

// clock is the response-time state of one conversation, as stored.
type clock struct {
	ID, EnteID, DeskID, ChannelID int64
	Status                        redazione.Status
	Priority                      sla.Priority
	Created                       int64 // ms
	FirstTarget, ResTarget        int64 // ms of business time; 0: no target
	Paused                        int64 // ms of business time spent pending
	PendingSince                  int64
	FirstAt                       int64 // first reply, 0: not yet
	ResolvedAt                    int64
}

func loadClock(ctx context.Context, tx conn, id int64) (*clock, error) {
	c := &clock{ID: id}
	var status string
	var prio int64
	err := tx.row(ctx, `SELECT ente_id, desk_id, channel_id, status, priority, created_at, sla_first_target, sla_resolution_target,
	 sla_paused, pending_since, first_response_at, resolved_at FROM conversations WHERE id = ?`, id).
		Scan(&c.EnteID, &c.DeskID, &c.ChannelID, &status, &prio, &c.Created, &c.FirstTarget, &c.ResTarget, &c.Paused, &c.PendingSince, &c.FirstAt, &c.ResolvedAt)
	if err != nil {
		return nil, fmt.Errorf("conversation clock: %w", err)
	}
	c.Status, c.Priority = redazione.Status(status), sla.Priority(prio)
	return c, nil
}

// pick fixes the targets of the policy that now applies.
func (c *clock) pick(cfg *SLAConfig) {
	c.FirstTarget, c.ResTarget = 0, 0
	if p := sla.Pick(cfg.Policies, c.DeskID, c.ChannelID, c.Priority); p != nil {
		c.FirstTarget, c.ResTarget = p.FirstResponse.Milliseconds(), p.Resolution.Milliseconds()
	}
}

// setStatus moves the clock with a status change at now: pending pauses it,
// anything else resumes it; resolved stops it.
func (c *clock) setStatus(cal *calendar.Calendar, s redazione.Status, now int64) {
	if c.Status == redazione.StatusPending && s != redazione.StatusPending && c.PendingSince > 0 {
		c.Paused += cal.Between(tm(c.PendingSince), tm(now)).Milliseconds()
		c.PendingSince = 0
	}
	if s == redazione.StatusPending && c.PendingSince == 0 {
		c.PendingSince = now
	}
	c.ResolvedAt = 0
	if s == redazione.StatusResolved {
		c.ResolvedAt = now
	}
	c.Status = s
}

// dues returns the due instants (ms; 0: no target) and the next one.
func (c *clock) dues(cal *calendar.Calendar) (first, res, next int64) {
	due := func(target int64) int64 {
		if target <= 0 {
			return 0
		}
		t, ok := cal.Add(tm(c.Created), time.Duration(target+c.Paused)*time.Millisecond)
		if !ok {
			return 0
		}
		return ms(t)
	}
	first, res = due(c.FirstTarget), due(c.ResTarget)
	switch {
	case c.Status == redazione.StatusResolved:
		next = 0
	case c.FirstAt == 0 && first > 0:
		next = first
	default:
		next = res
	}
	return first, res, next
}

func (c *clock) save(ctx context.Context, tx conn, cal *calendar.Calendar) error {
	first, res, next := c.dues(cal)
	_, err := tx.exec(ctx, `UPDATE conversations SET priority = ?, sla_first_target = ?, sla_resolution_target = ?, sla_paused = ?,
	 pending_since = ?, first_response_at = ?, resolved_at = ?, first_response_due = ?, resolution_due = ?, sla_next_due = ?,
	 sla_notified = CASE WHEN sla_next_due = ? THEN sla_notified ELSE 0 END WHERE id = ?`,
		int64(c.Priority), c.FirstTarget, c.ResTarget, c.Paused, c.PendingSince, c.FirstAt, c.ResolvedAt, first, res, next, next, c.ID)
	if err != nil {
		return fmt.Errorf("save conversation clock: %w", err)
	}
	return nil
}

// SLA alert levels, as stored in conversations.sla_notified.
const (
	alertNone     = 0
	alertImminent = 1
	alertBreached = 2
)

// SLAAlert is a notice that a conversation's target is breached or about
// to be, sent to the assignee and the coordinators.
type SLAAlert struct {
	EnteID, ConversationID int64
	UserIDs                []int64
	Breached               bool
	Text                   string // the notice, in Italian
}

// AlertSLA finds, in every ente, the open conversations whose next target
// has just become imminent or breached, notifies their assignee and the
// coordinators, and returns what it sent. Each level is notified once, even with several
// processes sweeping.
func (db *DB) AlertSLA(ctx context.Context) ([]SLAAlert, error) {
	entes, err := db.Entes(ctx)
	if err != nil {
		return nil, err
	}
	now := db.now()
	var out []SLAAlert
	for _, e := range entes {
		cfg, err := db.SLA(ctx, e.ID)
		if err != nil {
			return out, err
		}
		by, ok := cfg.Calendar.Add(now, sla.ImminentWithin)
		if !ok {
			by = now
		}
		rows, err := db.reader().query(ctx, `SELECT c.id, c.assignee_id, c.sla_notified, c.first_response_at, c.first_response_due, c.resolution_due,
		 c.sla_first_target, c.sla_resolution_target, COALESCE(ct.name, '')
		 FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
		 WHERE c.ente_id = ? AND c.status = 'open' AND c.sla_next_due > 0 AND c.sla_next_due <= ? AND c.sla_notified < ?
		 ORDER BY c.sla_next_due LIMIT 500`, e.ID, ms(by), alertBreached)
		if err != nil {
			return out, fmt.Errorf("sla alerts: %w", err)
		}
		type due struct {
			id, assignee int64
			level        int
			contact      string
			first        bool
		}
		var dues []due
		for rows.Next() {
			var d due
			var notified int
			var firstAt, firstDue, resDue, firstTarget, resTarget int64
			if err := rows.Scan(&d.id, &d.assignee, &notified, &firstAt, &firstDue, &resDue, &firstTarget, &resTarget, &d.contact); err != nil {
				rows.Close()
				return out, err
			}
			clk := sla.Clock{FirstResponseDue: tm(firstDue), ResolutionDue: tm(resDue)}
			target := time.Duration(resTarget) * time.Millisecond
			if firstAt == 0 && firstDue > 0 {
				target = time.Duration(firstTarget) * time.Millisecond
			}
			st, ok := clk.Now(cfg.Calendar, firstAt != 0, target, now)
			if !ok {
				continue
			}
			switch {
			case st.Breached:
				d.level = alertBreached
			case st.Imminent:
				d.level = alertImminent
			}
			d.first = st.FirstOnly
			if d.level > notified {
				dues = append(dues, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
		if len(dues) == 0 {
			continue
		}
		var coordinators []int64
		crow, err := db.reader().query(ctx, "SELECT id FROM users WHERE ente_id = ? AND role = ? AND disabled = ?", e.ID, string(redazione.RoleCoordinator), false)
		if err != nil {
			return out, err
		}
		for crow.Next() {
			var id int64
			crow.Scan(&id)
			coordinators = append(coordinators, id)
		}
		crow.Close()
		for _, d := range dues {
			what := "la risoluzione"
			if d.first {
				what = "la prima risposta"
			}
			text := fmt.Sprintf("Sta per scadere il tempo per %s a %s", what, d.contact)
			// The assignee and the desk leads (the coordinators), at both levels.
			users := append([]int64{d.assignee}, coordinators...)
			if d.level == alertBreached {
				text = fmt.Sprintf("È scaduto il tempo per %s a %s", what, d.contact)
			}
			a := SLAAlert{EnteID: e.ID, ConversationID: d.id, Breached: d.level == alertBreached, Text: text}
			err := db.inTx(ctx, func(tx conn) error {
				r, err := tx.exec(ctx, "UPDATE conversations SET sla_notified = ? WHERE id = ? AND sla_notified < ?", d.level, d.id, d.level)
				if err != nil {
					return err
				}
				if n, _ := r.RowsAffected(); n == 0 {
					return nil // another process sent it
				}
				seen := map[int64]bool{}
				for _, u := range users {
					if u == 0 || seen[u] {
						continue
					}
					seen[u] = true
					if _, err := tx.exec(ctx, "INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
						e.ID, u, d.id, text, ms(now)); err != nil {
						return err
					}
					a.UserIDs = append(a.UserIDs, u)
				}
				return nil
			})
			if err != nil {
				return out, fmt.Errorf("sla alert: %w", err)
			}
			if len(a.UserIDs) > 0 {
				out = append(out, a)
			}
		}
	}
	return out, nil
}
