package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
)

// Hit is one message found by a search, with its conversation.
type Hit struct {
	Message      *redazione.Message
	Conversation *redazione.Conversation
}

// SearchResult holds the messages and contacts that match a query.
type SearchResult struct {
	Terms    []string
	Hits     []Hit
	Contacts []*redazione.Conversation // the newest conversation of each matching contact
}

// Search finds messages (Italian stemming: "multa" finds "multe") and contacts
// (by name or id) in the conversations the actor may see, newest first.
func (db *DB) Search(ctx context.Context, a redazione.Actor, q string, limit int) (*SearchResult, error) {
	res := &SearchResult{Terms: search.Query(q)}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	scope, sargs := deskScope(a, "c.desk_id")
	if len(res.Terms) > 0 {
		plans := db.d.searchMessages(a.EnteID, res.Terms)
		for i, p := range plans {
			args := append(p.args[:len(p.args):len(p.args)], sargs...)
			args = append(args, limit)
			rows, err := db.reader().query(ctx, `SELECT m.id, m.conversation_id, m.direction, m.text, m.sent_at
		 `+p.from+` AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id`+scope+`)
		 ORDER BY `+p.order+` LIMIT ?`, args...)
			if err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			res.Hits = res.Hits[:0]
			for rows.Next() {
				m := &redazione.Message{EnteID: a.EnteID}
				var dir string
				var sent int64
				if err := rows.Scan(&m.ID, &m.ConversationID, &dir, &m.Text, &sent); err != nil {
					rows.Close()
					return nil, err
				}
				m.Direction, m.SentAt = redazione.Direction(dir), tm(sent)
				res.Hits = append(res.Hits, Hit{Message: m})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			if len(res.Hits) >= limit || i == len(plans)-1 {
				break
			}
		}
		var ids []any
		seen := map[int64]bool{}
		for _, h := range res.Hits {
			if !seen[h.Message.ConversationID] {
				seen[h.Message.ConversationID] = true
				ids = append(ids, h.Message.ConversationID)
			}
		}
		list, err := db.conversationsByID(ctx, a.EnteID, ids)
		if err != nil {
			return nil, err
		}
		convs := make(map[int64]*redazione.Conversation, len(list))
		for _, c := range list {
			convs[c.ID] = c
		}
		for i, h := range res.Hits {
			res.Hits[i].Conversation = convs[h.Message.ConversationID]
		}
	}
	if prefixes := search.Prefixes(q); len([]rune(strings.Join(prefixes, ""))) >= 2 {
		// Contacts by whole words first (the index streams them newest
		// first and stops early), then, if those are few, by word prefix
		// (which reads every match: "esposito"* can be thousands).
		ids, err := db.contactMatches(ctx, a.EnteID, prefixes, false)
		if err != nil {
			return nil, err
		}
		if len(ids) < 20 {
			more, err := db.contactMatches(ctx, a.EnteID, prefixes, true)
			if err != nil {
				return nil, err
			}
			seen := map[any]bool{}
			for _, id := range ids {
				seen[id] = true
			}
			for _, id := range more {
				if !seen[id] {
					ids = append(ids, id)
				}
			}
		}
		if len(ids) == 0 {
			return res, nil
		}
		// Each contact's newest conversation the actor may see: first the
		// ids (by the contact index), then the rows by primary key, so the
		// planner never walks the ente's conversations.
		scope2, sargs2 := deskScope(a, "c2.desk_id")
		// (the contacts are the ente's; the rows below are checked again)
		args := append([]any{}, ids...)
		args = append(args, sargs2...)
		args = append(args, 20)
		idRows, err := db.reader().query(ctx, `SELECT MAX(c2.id) FROM conversations c2 WHERE c2.contact_id IN (`+placeholders(len(ids))+`)`+scope2+`
		 GROUP BY c2.contact_id ORDER BY 1 DESC LIMIT ?`, args...)
		if err != nil {
			return nil, fmt.Errorf("search contacts: %w", err)
		}
		var convIDs []any
		for idRows.Next() {
			var id int64
			if err := idRows.Scan(&id); err != nil {
				idRows.Close()
				return nil, err
			}
			convIDs = append(convIDs, id)
		}
		idRows.Close()
		if err := idRows.Err(); err != nil {
			return nil, err
		}
		if len(convIDs) == 0 {
			return res, nil
		}
		if res.Contacts, err = db.conversationsByID(ctx, a.EnteID, convIDs); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// contactMatches returns the ids of the ente's newest 200 contacts whose
// name or platform id has the words (or words starting so, with prefix).
func (db *DB) contactMatches(ctx context.Context, enteID int64, words []string, prefix bool) ([]any, error) {
	q, args := db.d.searchContacts(enteID, words, prefix)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search contacts: %w", err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// conversationsByID reads conversations of the ente by id, newest first, with
// their tags and flags.
func (db *DB) conversationsByID(ctx context.Context, enteID int64, ids []any) ([]*redazione.Conversation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// (the unary + keeps SQLite's planner on the primary key instead of
	// walking the ente's index; the ente is still checked)
	return db.queryConversations(ctx, ` WHERE c.id IN (`+placeholders(len(ids))+`) AND +c.ente_id = ? ORDER BY c.id DESC`,
		append(append([]any{}, ids...), enteID)...)
}
