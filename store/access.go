package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/calendar"
)

// AccessFilter selects requests in the register.
type AccessFilter struct {
	State string // "pending" (any pending term), "overdue", "decided", "" all
	Kind  string
	Year  int
	Today calendar.Date // for "overdue"
	Limit int
}

const accessColumns = `id, desk_id, year, seq, kind, received_on, protocol, subject, document,
 requester_name, requester_address, COALESCE(conversation_id, 0), counterparties, opposed, suspended_days, due_on,
 outcome, decided_on, reason, review_on, review_due_on, review_outcome, review_decided_on, review_reason,
 appeal_on, appeal_outcome, created_at, updated_at, COALESCE(fiscal_code, ''), appio_notify`

func scanAccess(s scanner) (*accesso.Request, error) {
	var r accesso.Request
	var created, updated int64
	err := s.Scan(&r.ID, &r.DeskID, &r.Year, &r.Seq, &r.Kind, &r.ReceivedOn, &r.Protocol, &r.Subject, &r.Document,
		&r.RequesterName, &r.RequesterAddress, &r.ConversationID, &r.Counterparties, &r.Opposed, &r.SuspendedDays, &r.DueOn,
		&r.Outcome, &r.DecidedOn, &r.Reason, &r.ReviewOn, &r.ReviewDueOn, &r.ReviewOutcome, &r.ReviewDecidedOn, &r.ReviewReason,
		&r.AppealOn, &r.AppealOutcome, &created, &updated, &r.FiscalCode, &r.AppIONotify)
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = tm(created), tm(updated)
	return &r, nil
}

// AccessRequests lists the requests of the actor's desks, the most recently
// received first.
func (db *DB) AccessRequests(ctx context.Context, a redazione.Actor, f AccessFilter) ([]*accesso.Request, error) {
	var where strings.Builder
	args := []any{a.EnteID}
	where.WriteString(" WHERE ente_id = ?")
	scope, sargs := deskScope(a, "desk_id")
	where.WriteString(scope)
	args = append(args, sargs...)
	switch f.State {
	case "pending":
		where.WriteString(" AND (outcome = '' OR (review_on <> '' AND review_outcome = ''))")
	case "overdue":
		today := f.Today.String()
		where.WriteString(" AND ((outcome = '' AND due_on < ?) OR (review_on <> '' AND review_outcome = '' AND review_due_on < ?))")
		args = append(args, today, today)
	case "decided":
		where.WriteString(" AND outcome <> '' AND (review_on = '' OR review_outcome <> '')")
	}
	if f.Kind != "" {
		where.WriteString(" AND kind = ?")
		args = append(args, f.Kind)
	}
	if f.Year != 0 {
		where.WriteString(" AND year = ?")
		args = append(args, f.Year)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	args = append(args, limit)
	out, err := queryAll(ctx, db.reader(), scanAccess, "SELECT "+accessColumns+" FROM access_requests"+where.String()+" ORDER BY received_on DESC, id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("access requests: %w", err)
	}
	return out, nil
}

// AccessDue counts the requests of the actor's desks whose pending term
// (decision or riesame) ends within accesso.SoonDays of today, or has ended.
func (db *DB) AccessDue(ctx context.Context, a redazione.Actor, today calendar.Date) (int, error) {
	limit := accesso.AddDays(today, accesso.SoonDays).String()
	scope, sargs := deskScope(a, "desk_id")
	var n int
	err := db.reader().row(ctx, `SELECT COUNT(*) FROM access_requests WHERE ente_id = ?`+scope+`
	 AND ((outcome = '' AND due_on <= ?) OR (review_on <> '' AND review_outcome = '' AND review_due_on <= ?))`,
		append(append([]any{a.EnteID}, sargs...), limit, limit)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("access due: %w", err)
	}
	return n, nil
}

// accesso.Request returns one request of the actor's desks.
func (db *DB) AccessRequest(ctx context.Context, a redazione.Actor, id int64) (*accesso.Request, error) {
	r, err := scanAccess(db.reader().row(ctx, "SELECT "+accessColumns+" FROM access_requests WHERE id = ? AND ente_id = ?", id, a.EnteID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !a.CanSeeDesk(r.DeskID)) {
		return nil, notFound("richiesta di accesso")
	}
	if err != nil {
		return nil, fmt.Errorf("access request: %w", err)
	}
	return r, nil
}

// ConversationAccessRequests returns the requests registered from a
// conversation the actor may see.
func (db *DB) ConversationAccessRequests(ctx context.Context, a redazione.Actor, convID int64) ([]*accesso.Request, error) {
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, db.reader(), scanAccess, "SELECT "+accessColumns+" FROM access_requests WHERE conversation_id = ? AND ente_id = ? ORDER BY id", convID, a.EnteID)
	if err != nil {
		return nil, fmt.Errorf("conversation access requests: %w", err)
	}
	return out, nil
}

// requesterKey tells requesters apart for §8.2: the person behind a
// conversation (merged contacts are one), else the address, else the name.
func requesterKey(ctx context.Context, c conn, enteID int64, r *accesso.Request) (string, error) {
	if r.ConversationID != 0 {
		var person int64
		err := c.row(ctx, `SELECT CASE WHEN ct.person_id <> 0 THEN ct.person_id ELSE ct.id END
		 FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE cv.id = ? AND cv.ente_id = ?`, r.ConversationID, enteID).Scan(&person)
		if err != nil {
			return "", fmt.Errorf("requester: %w", err)
		}
		return fmt.Sprintf("contact:%d", person), nil
	}
	if a := strings.ToLower(r.RequesterAddress); a != "" {
		return "address:" + a, nil
	}
	return "name:" + strings.ToLower(strings.Join(strings.Fields(r.RequesterName), " ")), nil
}

// CreateAccessRequest registers a request, numbering it in the year it was
// received, and computes its term. A request from a conversation lands on
// the conversation's desk.
func (db *DB) CreateAccessRequest(ctx context.Context, a redazione.Actor, r *accesso.Request) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	if r.ConversationID != 0 {
		c, err := db.Conversation(ctx, a, r.ConversationID)
		if err != nil {
			return err
		}
		r.DeskID = c.DeskID
	}
	if !a.CanSeeDesk(r.DeskID) {
		return redazione.FieldError("desk", "scegli una delle tue aree")
	}
	cfg, err := db.SLA(ctx, a.EnteID)
	if err != nil {
		return err
	}
	key, err := accesso.Check(r, cfg.Calendar)
	if err != nil {
		return err
	}
	received, _ := calendar.ParseDate(r.ReceivedOn) // validated above
	r.Year = received.Year
	now := db.now()
	r.CreatedAt, r.UpdatedAt = now.UTC().Truncate(time.Millisecond), now.UTC().Truncate(time.Millisecond)
	// Two registrations at once in PostgreSQL may take the same number: the
	// unique index refuses the second, which takes the next one.
	for try := 0; ; try++ {
		err = db.inTx(ctx, func(tx conn) error {
			var desk int64
			if err := tx.row(ctx, "SELECT id FROM desks WHERE id = ? AND ente_id = ?", r.DeskID, a.EnteID).Scan(&desk); err != nil {
				return redazione.FieldError("desk", "area sconosciuta")
			}
			who, err := requesterKey(ctx, tx, a.EnteID, r)
			if err != nil {
				return err
			}
			if err := tx.row(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM access_requests WHERE ente_id = ? AND year = ?", a.EnteID, r.Year).Scan(&r.Seq); err != nil {
				return err
			}
			var conv any
			if r.ConversationID != 0 {
				conv = r.ConversationID
			}
			r.ID, err = tx.insert(ctx, `INSERT INTO access_requests (ente_id, desk_id, year, seq, kind, received_on, protocol, subject, document, document_key,
			 requester_name, requester_address, requester_key, conversation_id, counterparties, opposed, suspended_days, due_on,
			 outcome, decided_on, reason, review_on, review_due_on, review_outcome, review_decided_on, review_reason, appeal_on, appeal_outcome,
			 created_by, created_at, updated_at, fiscal_code, appio_notify)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				a.EnteID, r.DeskID, r.Year, r.Seq, r.Kind, r.ReceivedOn, r.Protocol, r.Subject, r.Document, key,
				r.RequesterName, r.RequesterAddress, who, conv, r.Counterparties, r.Opposed, r.SuspendedDays, r.DueOn,
				r.Outcome, r.DecidedOn, r.Reason, r.ReviewOn, r.ReviewDueOn, r.ReviewOutcome, r.ReviewDecidedOn, r.ReviewReason, r.AppealOn, r.AppealOutcome,
				a.UserID, ms(now), ms(now), nullText(r.FiscalCode), r.AppIONotify)
			if err != nil {
				return err
			}
			return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "access.create",
				Target: r.Number(), Detail: r.Kind})
		})
		if isUnique(err) && try < 5 {
			continue
		}
		return err
	}
}

// UpdateAccessRequest records what happened to a request: its data, the
// controinteressati, the decision, the riesame and the ricorso. The number
// and the conversation stay.
func (db *DB) UpdateAccessRequest(ctx context.Context, a redazione.Actor, r *accesso.Request) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	old, err := db.AccessRequest(ctx, a, r.ID)
	if err != nil {
		return err
	}
	cfg, err := db.SLA(ctx, a.EnteID)
	if err != nil {
		return err
	}
	r.ConversationID, r.DeskID, r.Year, r.Seq, r.CreatedAt = old.ConversationID, old.DeskID, old.Year, old.Seq, old.CreatedAt
	key, err := accesso.Check(r, cfg.Calendar)
	if err != nil {
		return err
	}
	now := db.now()
	r.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	return db.inTx(ctx, func(tx conn) error {
		who, err := requesterKey(ctx, tx, a.EnteID, r)
		if err != nil {
			return err
		}
		if err := tx.execOne(ctx, "richiesta di accesso", `UPDATE access_requests SET kind = ?, received_on = ?, protocol = ?, subject = ?, document = ?, document_key = ?,
		 requester_name = ?, requester_address = ?, requester_key = ?, counterparties = ?, opposed = ?, suspended_days = ?, due_on = ?,
		 outcome = ?, decided_on = ?, reason = ?, review_on = ?, review_due_on = ?, review_outcome = ?, review_decided_on = ?, review_reason = ?,
		 appeal_on = ?, appeal_outcome = ?, updated_at = ?, fiscal_code = ?, appio_notify = ? WHERE id = ? AND ente_id = ?`,
			r.Kind, r.ReceivedOn, r.Protocol, r.Subject, r.Document, key, r.RequesterName, r.RequesterAddress, who, r.Counterparties, r.Opposed, r.SuspendedDays, r.DueOn,
			r.Outcome, r.DecidedOn, r.Reason, r.ReviewOn, r.ReviewDueOn, r.ReviewOutcome, r.ReviewDecidedOn, r.ReviewReason,
			r.AppealOn, r.AppealOutcome, ms(now), nullText(r.FiscalCode), r.AppIONotify, r.ID, a.EnteID); err != nil {
			return err
		}
		detail := r.Outcome
		if r.ReviewOutcome != "" {
			detail += " riesame=" + r.ReviewOutcome
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "access.update",
			Target: r.Number(), Detail: strings.TrimSpace(detail)})
	})
}

// AccessRepeat is a document asked for more than accesso.RepeatThreshold
// times by different people within a year: §8.2 proposes publishing it.
type AccessRepeat struct {
	Key        string
	Document   string // as the latest request describes it
	Requesters int    // different people
	Requests   int
	Last       string // latest request received on
	Numbers    []string
}

// AccessRepeats returns the documents to propose for proactive
// publication on today: asked for by more than accesso.RepeatThreshold
// different people in the year before, and not yet published. Every desk's
// requests count: a document is the ente's, whoever was asked.
func (db *DB) AccessRepeats(ctx context.Context, a redazione.Actor, today calendar.Date) ([]AccessRepeat, error) {
	since := accesso.AddDays(today, -accesso.RepeatWindow).String()
	rows, err := db.reader().query(ctx, `SELECT r.document_key, r.document, r.subject, r.requester_key, r.received_on, r.year, r.seq
	 FROM access_requests r
	 WHERE r.ente_id = ? AND r.received_on > ? AND r.received_on <= ? AND r.document_key <> ''
	 AND r.document_key IN (SELECT document_key FROM access_requests WHERE ente_id = ? AND received_on > ? AND received_on <= ?
	   GROUP BY document_key HAVING COUNT(DISTINCT requester_key) > ?)
	 AND NOT EXISTS (SELECT 1 FROM access_publications p WHERE p.ente_id = r.ente_id AND p.document_key = r.document_key)
	 ORDER BY r.document_key, r.received_on, r.id`,
		a.EnteID, since, today.String(), a.EnteID, since, today.String(), accesso.RepeatThreshold)
	if err != nil {
		return nil, fmt.Errorf("access repeats: %w", err)
	}
	defer rows.Close()
	var out []AccessRepeat
	seen := map[string]bool{}
	for rows.Next() {
		var key, doc, subject, who, received string
		var year, seq int
		if err := rows.Scan(&key, &doc, &subject, &who, &received, &year, &seq); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Key != key {
			out = append(out, AccessRepeat{Key: key})
			clear(seen)
		}
		rp := &out[len(out)-1]
		if doc == "" {
			doc = subject
		}
		rp.Document, rp.Last = doc, received
		rp.Requests++
		rp.Numbers = append(rp.Numbers, fmt.Sprintf("%d/%d", year, seq))
		if !seen[who] {
			seen[who] = true
			rp.Requesters++
		}
	}
	return out, rows.Err()
}

// PublishAccessDocument records that a repeatedly asked document is now
// published at url, so it is no longer proposed. It returns the
// conversations the document was asked for in, the actor may see, so that
// the requesters can be told on the channel they used (§8.2).
func (db *DB) PublishAccessDocument(ctx context.Context, a redazione.Actor, key, document, link string) ([]int64, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	key, document, link = strings.TrimSpace(key), strings.TrimSpace(document), strings.TrimSpace(link)
	if key == "" || utf8.RuneCountInString(key) > accesso.ShortMax*2 || utf8.RuneCountInString(document) > accesso.ShortMax {
		return nil, redazione.FieldError("document", "documento non valido")
	}
	if u, err := url.Parse(link); link != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return nil, redazione.FieldError("url", "l'indirizzo della pubblicazione deve iniziare con https://")
	}
	now := db.now()
	var convs []int64
	err := db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "DELETE FROM access_publications WHERE ente_id = ? AND document_key = ?", a.EnteID, key); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO access_publications (ente_id, document_key, document, url, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?)",
			a.EnteID, key, document, link, a.UserID, ms(now)); err != nil {
			return err
		}
		scope, sargs := deskScope(a, "desk_id")
		rows, err := tx.query(ctx, "SELECT DISTINCT conversation_id FROM access_requests WHERE ente_id = ? AND document_key = ? AND conversation_id IS NOT NULL"+scope+" ORDER BY conversation_id",
			append([]any{a.EnteID, key}, sargs...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			convs = append(convs, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "access.publish", Target: document, Detail: link})
	})
	if err != nil {
		return nil, err
	}
	return convs, nil
}

// PublicAccessEntry is a register entry as published: no requester, no
// conversation, personal data in the texts replaced by detect.Omissis.
type PublicAccessEntry struct {
	Number, Kind, ReceivedOn, Subject string
	Counterparties                    bool
	Outcome, DecidedOn, Reason        string
	ReviewOn, ReviewOutcome           string
	ReviewDecidedOn, ReviewReason     string
	AppealOn, AppealOutcome           string
}

// PublicAccessRegister returns the ente's whole register as it may be
// published (§9; Allegato 3 §4), the most recent request first.
func (db *DB) PublicAccessRegister(ctx context.Context, enteID int64) ([]PublicAccessEntry, error) {
	rs, err := queryAll(ctx, db.reader(), scanAccess, "SELECT "+accessColumns+" FROM access_requests WHERE ente_id = ? ORDER BY received_on DESC, id DESC", enteID)
	if err != nil {
		return nil, fmt.Errorf("public access register: %w", err)
	}
	var out []PublicAccessEntry
	for _, r := range rs {
		out = append(out, PublicAccessEntry{Number: r.Number(), Kind: r.Kind, ReceivedOn: r.ReceivedOn,
			Subject: accesso.Redact(r.Subject), Counterparties: r.Counterparties,
			Outcome: r.Outcome, DecidedOn: r.DecidedOn, Reason: accesso.Redact(r.Reason),
			ReviewOn: r.ReviewOn, ReviewOutcome: r.ReviewOutcome, ReviewDecidedOn: r.ReviewDecidedOn, ReviewReason: accesso.Redact(r.ReviewReason),
			AppealOn: r.AppealOn, AppealOutcome: r.AppealOutcome})
	}
	return out, nil
}
