package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/sla"
)

// BulkMax is the most conversations one bulk action changes: a whole view
// larger than this is done in its first BulkMax conversations, and the
// operator is told so.
const BulkMax = 5000

// bulkChunk is how many conversations one transaction of a bulk action
// changes: a few transactions for the largest action, each short enough
// not to hold SQLite's one writer (and the ingest behind it) for long.
const bulkChunk = 500

// SnoozeUntilReply is the snoozed_until of a conversation put aside until
// the citizen writes: later than any time, so every "snoozed at now"
// condition holds for it.
const SnoozeUntilReply int64 = math.MaxInt64

// Snooze puts a conversation aside until a time or until the citizen
// writes; the zero Snooze wakes it up.
type Snooze struct {
	Until      time.Time
	UntilReply bool
}

func (s Snooze) value() int64 {
	if s.UntilReply {
		return SnoozeUntilReply
	}
	return ms(s.Until)
}

// detail is what the audit trail says of a snooze.
func (s Snooze) detail() string {
	switch {
	case s.UntilReply:
		return "until reply"
	case s.Until.IsZero():
		return "woken by operator"
	}
	return "until " + s.Until.UTC().Format(time.RFC3339)
}

// BulkChanged is a conversation a bulk action changed, with its desk before
// and after (screens of both must redraw it).
type BulkChanged struct {
	ID, DeskID, FromDeskID int64
}

// BulkResult is what a bulk action did.
type BulkResult struct {
	// Done counts the conversations the action was applied to, changed or
	// already as asked.
	Done int
	// Changed are the conversations whose data changed.
	Changed []BulkChanged
}

// bulkRow is what a bulk action reads of a conversation before changing it.
type bulkRow struct {
	clk      clock
	assignee int64
	snoozed  int64
	tags     []string
}

// ViewIDs returns the ids of the conversations of a view, in its order, up
// to max: what "every conversation of this view" meant when the operator
// confirmed, so that conversations entering the view afterwards are not
// changed by an action nobody saw them in.
func (db *DB) ViewIDs(ctx context.Context, a redazione.Actor, f InboxFilter, max int) ([]int64, error) {
	f.Cursor, f.Until = "", ""
	where, args, err := db.inboxWhere(a, f)
	if err != nil {
		return nil, err
	}
	_, segs := f.order()
	keys, err := db.inboxKeys(ctx, where, args, segs, rowKey{}, false, rowKey{}, false, max)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = k.id
	}
	return out, nil
}

// BulkCheck checks that the actor may act on every one of the conversations:
// those of their desks only, as for a single change. It refuses the whole
// selection otherwise, saying how many are out of reach.
func (db *DB) BulkCheck(ctx context.Context, a redazione.Actor, ids []int64) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	if len(ids) == 0 {
		return redazione.FieldError("id", "scegli almeno una conversazione")
	}
	if len(ids) > BulkMax {
		return redazione.FieldError("id", "al massimo %d conversazioni per volta", BulkMax)
	}
	seen := 0
	for chunk := range slices.Chunk(ids, bulkChunk) {
		scope, sargs := deskScope(a, "desk_id")
		var n int
		err := db.reader().row(ctx, "SELECT COUNT(*) FROM conversations WHERE +ente_id = ? AND id IN ("+placeholders(len(chunk))+")"+scope,
			append(append([]any{a.EnteID}, anys(chunk)...), sargs...)...).Scan(&n)
		if err != nil {
			return fmt.Errorf("bulk check: %w", err)
		}
		seen += n
	}
	if out := len(ids) - seen; out > 0 {
		if out == 1 {
			return redazione.Errorf(redazione.EFORBIDDEN, "una delle conversazioni scelte non è dei tuoi desk (o non esiste più): nessuna modifica fatta")
		}
		return redazione.Errorf(redazione.EFORBIDDEN, "%d delle conversazioni scelte non sono dei tuoi desk (o non esistono più): nessuna modifica fatta", out)
	}
	return nil
}

// BulkChange makes one change to many conversations, with the rules of
// ChangeConversation (the same checks, the same audit entries per
// conversation, the response-time clocks moved the same way) but in a few
// transactions of batched statements. Either every conversation may be
// changed or none is: a selection with conversations out of the actor's
// desks, or an assignee who does not work on one of their desks, is
// refused whole.
func (db *DB) BulkChange(ctx context.Context, a redazione.Actor, ids []int64, ch Change) (*BulkResult, error) {
	ids = uniqueIDs(ids)
	if err := db.BulkCheck(ctx, a, ids); err != nil {
		return nil, err
	}
	if ch.Priority != nil && !ch.Priority.Valid() {
		return nil, redazione.FieldError("priority", "priorità non valida")
	}
	if ch.Status != nil && !ch.Status.Valid() {
		return nil, redazione.FieldError("status", "stato non valido")
	}
	now := db.now()
	if ch.Snooze != nil && !ch.Snooze.UntilReply && !ch.Snooze.Until.IsZero() && !ch.Snooze.Until.After(now) {
		return nil, redazione.FieldError("until", "scegli un momento futuro")
	}
	cfg, err := db.SLA(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	if ch.DeskID != nil {
		var n int
		if err := db.reader().row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", *ch.DeskID, a.EnteID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, redazione.FieldError("desk", "desk inesistente")
		}
	}
	var tags []string
	for _, t := range ch.AddTags {
		if t = redazione.NormalizeTag(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	// Who can take which desk, asked once per pair.
	takes := map[[2]int64]bool{}
	canTake := func(tx conn, user, desk int64) (bool, error) {
		k := [2]int64{user, desk}
		if ok, seen := takes[k]; seen {
			return ok, nil
		}
		ok, err := db.canTake(ctx, tx, a.EnteID, user, desk)
		takes[k] = ok
		return ok, err
	}
	if err := db.bulkAssignable(ctx, a, ids, ch, canTake); err != nil {
		return nil, err
	}
	res := &BulkResult{}
	for chunk := range slices.Chunk(ids, bulkChunk) {
		var changed []BulkChanged
		err := db.inTxRetried(ctx, func(tx conn) error {
			rows, err := loadBulkRows(ctx, tx, a, chunk, tags)
			if err != nil {
				return err
			}
			if len(rows) != len(chunk) {
				// Moved out of the actor's desks since the check.
				return redazione.Errorf(redazione.ECONFLICT, "alcune conversazioni sono cambiate nel frattempo: nessuna modifica fatta in questo gruppo, riprova")
			}
			b := bulkWrites{assign: map[int64][]int64{}}
			for _, id := range chunk {
				r := rows[id]
				if err := b.plan(tx, a, r, ch, tags, cfg, now, canTake); err != nil {
					return err
				}
			}
			if err := b.apply(ctx, tx, a.EnteID, ch, cfg); err != nil {
				return err
			}
			if err := appendAudits(ctx, tx, a.EnteID, now, b.audits); err != nil {
				return err
			}
			changed = b.changed
			return nil
		})
		if err != nil {
			if res.Done > 0 {
				return res, fmt.Errorf("dopo %d conversazioni: %w", res.Done, err)
			}
			return nil, err
		}
		res.Done += len(chunk)
		res.Changed = append(res.Changed, changed...)
	}
	return res, nil
}

// The bulk statements name the ente as +ente_id: the rows are found by
// their ids (a few hundred lookups), and SQLite, which has no statistics,
// would otherwise read a whole index of the ente that also holds the id
// (for the DISTINCT desks, every conversation of a million-row office:
// seconds instead of milliseconds).

// bulkAssignable refuses, before anything is written, an assignment to
// someone who does not work on the desk of one of the conversations (or on
// the desk they are moved to), so that no chunk is changed before another
// is refused.
func (db *DB) bulkAssignable(ctx context.Context, a redazione.Actor, ids []int64, ch Change, canTake func(tx conn, user, desk int64) (bool, error)) error {
	if ch.AssigneeID == nil || *ch.AssigneeID == 0 {
		return nil
	}
	desks := map[int64]bool{}
	if ch.DeskID != nil {
		desks[*ch.DeskID] = true
	} else {
		for chunk := range slices.Chunk(ids, bulkChunk) {
			ds, err := queryAll(ctx, db.reader(), scanID, "SELECT DISTINCT desk_id FROM conversations WHERE +ente_id = ? AND id IN ("+placeholders(len(chunk))+")",
				append([]any{a.EnteID}, anys(chunk)...)...)
			if err != nil {
				return fmt.Errorf("bulk desks: %w", err)
			}
			for _, d := range ds {
				desks[d] = true
			}
		}
	}
	for d := range desks {
		ok, err := canTake(db.reader(), *ch.AssigneeID, d)
		if err != nil {
			return err
		}
		if !ok {
			return redazione.FieldError("assignee", "questa persona non lavora sul desk di alcune delle conversazioni scelte: nessuna modifica fatta")
		}
	}
	return nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// loadBulkRows reads the conversations of a chunk the actor may change, with
// their clocks and, of the tags to add, those they already have.
func loadBulkRows(ctx context.Context, tx conn, a redazione.Actor, ids []int64, tags []string) (map[int64]*bulkRow, error) {
	scope, sargs := deskScope(a, "desk_id")
	q := `SELECT id, ente_id, desk_id, channel_id, status, priority, created_at, sla_first_target, sla_resolution_target,
	 sla_paused, pending_since, first_response_at, resolved_at, assignee_id, snoozed_until
	 FROM conversations WHERE +ente_id = ? AND id IN (` + placeholders(len(ids)) + ")" + scope
	rows, err := tx.query(ctx, q, append(append([]any{a.EnteID}, anys(ids)...), sargs...)...)
	if err != nil {
		return nil, fmt.Errorf("bulk read: %w", err)
	}
	out := make(map[int64]*bulkRow, len(ids))
	for rows.Next() {
		r := &bulkRow{}
		c := &r.clk
		var status string
		var prio int64
		if err := rows.Scan(&c.ID, &c.EnteID, &c.DeskID, &c.ChannelID, &status, &prio, &c.Created, &c.FirstTarget, &c.ResTarget,
			&c.Paused, &c.PendingSince, &c.FirstAt, &c.ResolvedAt, &r.assignee, &r.snoozed); err != nil {
			rows.Close()
			return nil, err
		}
		c.Status, c.Priority = redazione.Status(status), sla.Priority(prio)
		out[c.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(tags) == 0 || len(out) == 0 {
		return out, nil
	}
	trows, err := tx.query(ctx, "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id IN ("+placeholders(len(ids))+") AND tag IN ("+placeholders(len(tags))+")",
		append(anys(ids), anyStrings(tags)...)...)
	if err != nil {
		return nil, fmt.Errorf("bulk tags: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var id int64
		var t string
		if err := trows.Scan(&id, &t); err != nil {
			return nil, err
		}
		if r := out[id]; r != nil {
			r.tags = append(r.tags, t)
		}
	}
	return out, trows.Err()
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// bulkWrites collects what a chunk of a bulk action writes, grouped so that
// each kind of change is one statement for the whole chunk (the clocks,
// different for each conversation, are a statement each).
type bulkWrites struct {
	status, desk, snooze []int64
	assign               map[int64][]int64 // new assignee → conversations
	tags                 [][2]any          // (conversation, tag)
	clocks               []*clock
	audits               []redazione.AuditEntry
	changed              []BulkChanged
}

// plan decides what changes for one conversation, as ChangeConversation
// would, and the audit entries in the same order.
func (b *bulkWrites) plan(tx conn, a redazione.Actor, r *bulkRow, ch Change, tags []string, cfg *SLAConfig, now time.Time, canTake func(tx conn, user, desk int64) (bool, error)) error {
	clk := &r.clk
	id, fromDesk, fromStatus := clk.ID, clk.DeskID, clk.Status
	audit := func(action, detail string) {
		b.audits = append(b.audits, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: fmt.Sprint(id), Detail: detail})
	}
	before := len(b.audits)
	clockChanged := false
	if ch.Priority != nil && *ch.Priority != clk.Priority {
		audit("conversation.priority", clk.Priority.Label()+" → "+ch.Priority.Label())
		clk.Priority, clockChanged = *ch.Priority, true
		clk.pick(cfg)
	}
	if ch.Status != nil && *ch.Status != fromStatus {
		clk.setStatus(cfg.Calendar, *ch.Status, ms(now))
		clockChanged = true
		b.status = append(b.status, id)
		audit("conversation.status", string(fromStatus)+" → "+string(*ch.Status))
	}
	assignee := ch.AssigneeID
	if ch.DeskID != nil && *ch.DeskID != fromDesk {
		clk.DeskID, clockChanged = *ch.DeskID, true
		clk.pick(cfg)
		b.desk = append(b.desk, id)
		audit("conversation.desk", fmt.Sprintf("%d → %d", fromDesk, *ch.DeskID))
		if r.assignee != 0 && assignee == nil {
			ok, err := canTake(tx, r.assignee, *ch.DeskID)
			if err != nil {
				return err
			}
			if !ok {
				zero := int64(0)
				assignee = &zero
			}
		}
	}
	if assignee != nil && *assignee != r.assignee {
		if *assignee != 0 {
			ok, err := canTake(tx, *assignee, clk.DeskID)
			if err != nil {
				return err
			}
			if !ok {
				return redazione.FieldError("assignee", "questa persona non lavora sul desk di alcune delle conversazioni scelte: nessuna modifica fatta")
			}
		}
		b.assign[*assignee] = append(b.assign[*assignee], id)
		audit("conversation.assign", fmt.Sprintf("%d → %d", r.assignee, *assignee))
	}
	for _, t := range tags {
		if !slices.Contains(r.tags, t) {
			b.tags = append(b.tags, [2]any{id, t})
			audit("conversation.tag", "+"+t)
		}
	}
	if ch.Snooze != nil && ch.Snooze.value() != r.snoozed && !(ch.Status != nil && *ch.Status == redazione.StatusResolved) {
		b.snooze = append(b.snooze, id)
		if ch.Snooze.value() == 0 {
			audit("conversation.wake", ch.Snooze.detail())
		} else {
			audit("conversation.snooze", ch.Snooze.detail())
		}
	}
	if clockChanged {
		b.clocks = append(b.clocks, clk)
	}
	if len(b.audits) > before {
		b.changed = append(b.changed, BulkChanged{ID: id, DeskID: clk.DeskID, FromDeskID: fromDesk})
	}
	return nil
}

// apply writes a chunk's changes.
func (b *bulkWrites) apply(ctx context.Context, tx conn, enteID int64, ch Change, cfg *SLAConfig) error {
	in := func(set string, ids []int64, args ...any) error {
		if len(ids) == 0 {
			return nil
		}
		_, err := tx.exec(ctx, "UPDATE conversations SET "+set+" WHERE id IN ("+placeholders(len(ids))+")", append(args, anys(ids)...)...)
		if err != nil {
			return fmt.Errorf("bulk update: %w", err)
		}
		return nil
	}
	if ch.Status != nil {
		set := "status = ?"
		if *ch.Status == redazione.StatusResolved {
			set += ", " + snoozeSet(0) // a resolved case is no longer put aside
		}
		if err := in(set, b.status, string(*ch.Status)); err != nil {
			return err
		}
	}
	if ch.DeskID != nil {
		if err := in("desk_id = ?", b.desk, *ch.DeskID); err != nil {
			return err
		}
	}
	for user, ids := range b.assign {
		if err := in("assignee_id = ?", ids, user); err != nil {
			return err
		}
	}
	if ch.Snooze != nil {
		var args []any
		if v := ch.Snooze.value(); v != 0 {
			args = append(args, v)
		}
		if err := in(snoozeSet(ch.Snooze.value()), b.snooze, args...); err != nil {
			return err
		}
	}
	for part := range slices.Chunk(b.tags, 300) {
		q := "INSERT INTO conversation_tags (conversation_id, ente_id, tag) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(part)), ", ") + " ON CONFLICT DO NOTHING"
		args := make([]any, 0, 3*len(part))
		for _, p := range part {
			args = append(args, p[0], enteID, p[1])
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("bulk tags: %w", err)
		}
	}
	for _, c := range b.clocks {
		if err := c.save(ctx, tx, cfg.Calendar); err != nil {
			return err
		}
	}
	return nil
}

// appendAudits adds entries to the audit trail as appendAudit does one at
// a time (the same rows, chained the same way), with one look at the
// chain's end and multi-row inserts.
func appendAudits(ctx context.Context, tx conn, enteID int64, now time.Time, entries []redazione.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := tx.db.d.lockAudit(ctx, tx, enteID); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	prev := redazione.AuditGenesis
	err := tx.row(ctx, "SELECT hash FROM audit_log WHERE ente_id = ? ORDER BY id DESC LIMIT 1", enteID).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: %w", err)
	}
	at := tm(ms(now))
	for part := range slices.Chunk(entries, 200) {
		args := make([]any, 0, 8*len(part))
		for _, e := range part {
			e.At = at
			h := redazione.AuditHash(prev, e)
			args = append(args, e.EnteID, e.ActorID, e.Action, e.Target, e.Detail, ms(e.At), prev, h)
			prev = h
		}
		q := "INSERT INTO audit_log (ente_id, actor_id, action, target, detail, at, prev_hash, hash) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ")
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return nil
}
