package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
	"github.com/redazione/redazione/store"
)

// This file loads the large synthetic data sets of the benchmark straight
// into SQLite. It writes the rows the store's Ingest, AddMessage and
// ChangeConversation would write, without their per-message transactions:
// never use it on a database a server has open. When the store changes what
// it writes, change this too (schemaFingerprint then makes cached data sets
// be generated again).

// bulkMessage is one message of a bulk-loaded conversation, oldest first.
type bulkMessage struct {
	Direction  redazione.Direction
	AuthorID   int64 // operator of a reply or note
	ExternalID string
	Text       string
	Doc        string // search.Document(Text); computed when empty
	SentAt     time.Time
	Delivery   redazione.Delivery
}

// bulkConversation is one conversation to bulk-load.
type bulkConversation struct {
	ChannelID int64
	DeskID    int64
	// ContactID reuses an existing contact, ReusePrevious the contact of
	// the previous conversation (a returning citizen); otherwise a contact is
	// created from ContactExternalID and ContactName. bulkLoad sets ContactID.
	ContactID         int64
	ReusePrevious     bool
	ContactExternalID string
	ContactName       string
	Status            redazione.Status // the status an operator left it in
	AssigneeID        int64
	Tags              []string
	Messages          []bulkMessage
	ID                int64 // set by bulkLoad
}

// bulkStats counts what bulkLoad wrote.
type bulkStats struct {
	Conversations, Messages, Contacts int64
}

// bulkLoad writes, into the SQLite database at path (already migrated, not
// open elsewhere), the conversations next hands over until it returns false.
// It commits every batch conversations, with the journal off during the
// load, and leaves the database in WAL mode.
func bulkLoad(ctx context.Context, path string, enteID int64, batch int, next func(*bulkConversation) bool) (bulkStats, error) {
	var st bulkStats
	if batch <= 0 {
		batch = 500
	}
	d, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(OFF)&_pragma=cache_size(-1000000)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return st, err
	}
	defer d.Close()
	d.SetMaxOpenConns(1)
	c, err := d.Conn(ctx)
	if err != nil {
		return st, err
	}
	defer c.Close()
	for _, p := range []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF"} {
		if _, err := c.ExecContext(ctx, p); err != nil {
			return st, fmt.Errorf("%s: %w", p, err)
		}
	}
	var convID, msgID, contactID int64
	for q, v := range map[string]*int64{
		"SELECT COALESCE(MAX(id), 0) FROM conversations": &convID,
		"SELECT COALESCE(MAX(id), 0) FROM messages":      &msgID,
		"SELECT COALESCE(MAX(id), 0) FROM contacts":      &contactID,
	} {
		if err := c.QueryRowContext(ctx, q).Scan(v); err != nil {
			return st, err
		}
	}

	var tx *sql.Tx
	var insContact, insContactFTS, insConv, insMsg, insFTS, insTag *sql.Stmt
	begin := func() error {
		var err error
		if tx, err = c.BeginTx(ctx, nil); err != nil {
			return err
		}
		prep := func(q string) *sql.Stmt {
			if err != nil {
				return nil
			}
			var s *sql.Stmt
			s, err = tx.PrepareContext(ctx, q)
			return s
		}
		insContact = prep("INSERT INTO contacts (id, ente_id, channel_id, external_id, name, created_at) VALUES (?, ?, ?, ?, ?, ?)")
		insContactFTS = prep("INSERT INTO contacts_fts (rowid, doc) VALUES (?, ?)")
		insConv = prep(`INSERT INTO conversations (id, ente_id, channel_id, contact_id, desk_id, status, assignee_id, waiting_since,
		 last_message_at, queue_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		insMsg = prep(`INSERT INTO messages (id, ente_id, channel_id, conversation_id, direction, author_id, external_id, text,
		 sent_at, created_at, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		insFTS = prep("INSERT INTO messages_fts (rowid, doc) VALUES (?, ?)")
		insTag = prep("INSERT INTO conversation_tags (conversation_id, ente_id, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
		return err
	}
	if err := begin(); err != nil {
		return st, err
	}
	inBatch := 0
	var prevContact int64
	var bc bulkConversation
	for {
		bc = bulkConversation{Messages: bc.Messages[:0], Tags: bc.Tags[:0]}
		if !next(&bc) {
			break
		}
		if len(bc.Messages) == 0 {
			return st, fmt.Errorf("bulk: conversation without messages")
		}
		first := bc.Messages[0].SentAt.UnixMilli()
		if bc.ReusePrevious && prevContact != 0 {
			bc.ContactID = prevContact
		}
		if bc.ContactID == 0 {
			contactID++
			if _, err := insContact.ExecContext(ctx, contactID, enteID, bc.ChannelID, bc.ContactExternalID, bc.ContactName, first); err != nil {
				return st, fmt.Errorf("bulk contact: %w", err)
			}
			// as the store indexes a contact
			if _, err := insContactFTS.ExecContext(ctx, contactID, bc.ContactName+" "+bc.ContactExternalID); err != nil {
				return st, fmt.Errorf("bulk contact index: %w", err)
			}
			bc.ContactID = contactID
			st.Contacts++
		}
		prevContact = bc.ContactID
		convID++
		bc.ID = convID
		// What Ingest and AddMessage do to the conversation, message by message.
		var waiting, last int64
		for _, m := range bc.Messages {
			msgID++
			t := m.SentAt.UnixMilli()
			if _, err := insMsg.ExecContext(ctx, msgID, enteID, bc.ChannelID, convID, string(m.Direction), m.AuthorID, m.ExternalID, m.Text,
				t, t, string(m.Delivery)); err != nil {
				return st, fmt.Errorf("bulk message: %w", err)
			}
			doc := m.Doc
			if doc == "" {
				doc = search.Document(m.Text)
			}
			if _, err := insFTS.ExecContext(ctx, msgID, doc); err != nil {
				return st, fmt.Errorf("bulk index: %w", err)
			}
			switch m.Direction {
			case redazione.DirIn:
				if waiting == 0 {
					waiting = t
				}
			case redazione.DirOut:
				waiting = 0
			}
			last = t
			st.Messages++
		}
		status := bc.Status
		if status == "" {
			status = redazione.StatusOpen
		}
		if _, err := insConv.ExecContext(ctx, convID, enteID, bc.ChannelID, bc.ContactID, bc.DeskID, string(status), bc.AssigneeID,
			waiting, last, store.QueueKey(waiting, last), first); err != nil {
			return st, fmt.Errorf("bulk conversation: %w", err)
		}
		for _, tag := range bc.Tags {
			if _, err := insTag.ExecContext(ctx, convID, enteID, redazione.NormalizeTag(tag)); err != nil {
				return st, fmt.Errorf("bulk tag: %w", err)
			}
		}
		st.Conversations++
		if inBatch++; inBatch >= batch {
			if err := tx.Commit(); err != nil {
				return st, err
			}
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if err := begin(); err != nil {
				return st, err
			}
			inBatch = 0
		}
	}
	if err := tx.Commit(); err != nil {
		return st, err
	}
	if _, err := c.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return st, fmt.Errorf("back to WAL: %w", err)
	}
	return st, nil
}
