package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
)

// insertAttachments stores the attachments of message m and returns the ids
// of those still to be fetched.
func (db *DB) insertAttachments(ctx context.Context, tx conn, enteID, messageID int64, as []redazione.InboundAttachment, now int64) ([]int64, error) {
	var pending []int64
	for _, a := range as {
		status := redazione.AttachmentStored
		if a.BlobKey == "" {
			status = redazione.AttachmentPending
		}
		id, err := tx.insert(ctx, `INSERT INTO attachments (ente_id, message_id, name, content_type, size, blob_key, status, source, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, enteID, messageID, a.Name, a.ContentType, a.Size, a.BlobKey, string(status), a.Source, now)
		if err != nil {
			return nil, fmt.Errorf("insert attachment: %w", err)
		}
		if status == redazione.AttachmentPending {
			pending = append(pending, id)
		}
	}
	return pending, nil
}

const attachmentColumns = "t.id, t.message_id, t.name, t.content_type, t.size, t.blob_key, t.status, t.error"

// scanAttachment reads attachmentColumns, then the extra columns into extra.
func scanAttachment(row interface{ Scan(...any) error }, extra ...any) (redazione.Attachment, error) {
	var a redazione.Attachment
	var status string
	err := row.Scan(append([]any{&a.ID, &a.MessageID, &a.Name, &a.ContentType, &a.Size, &a.BlobKey, &status, &a.Error}, extra...)...)
	a.Status = redazione.AttachmentStatus(status)
	return a, err
}

// loadAttachments fills the attachments of msgs, in one query.
func (db *DB) loadAttachments(ctx context.Context, msgs []*redazione.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	byID := make(map[int64]*redazione.Message, len(msgs))
	args := make([]any, 0, len(msgs))
	for _, m := range msgs {
		byID[m.ID] = m
		args = append(args, m.ID)
	}
	rows, err := db.reader().query(ctx, "SELECT "+attachmentColumns+" FROM attachments t WHERE t.message_id IN ("+placeholders(len(args))+") ORDER BY t.id", args...)
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return err
		}
		m := byID[a.MessageID]
		m.Attachments = append(m.Attachments, a)
	}
	return rows.Err()
}

// Attachment returns an attachment of a conversation the actor may see.
func (db *DB) Attachment(ctx context.Context, a redazione.Actor, id int64) (*redazione.Attachment, error) {
	var conv int64
	at, err := scanAttachment(db.reader().row(ctx, "SELECT "+attachmentColumns+", m.conversation_id FROM attachments t JOIN messages m ON m.id = t.message_id WHERE t.id = ? AND t.ente_id = ?", id, a.EnteID), &conv)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("allegato")
	}
	if err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	if _, err := db.Conversation(ctx, a, conv); err != nil {
		return nil, err
	}
	return &at, nil
}

// PendingAttachment is an attachment still to be fetched from its platform.
type PendingAttachment struct {
	redazione.Attachment
	EnteID    int64
	ChannelID int64
	Source    string
}

// PendingAttachment returns attachment id if it is still to be fetched
// (ENOTFOUND otherwise: already stored, failed or unknown).
func (db *DB) PendingAttachment(ctx context.Context, id int64) (*PendingAttachment, error) {
	var p PendingAttachment
	var status string
	err := db.reader().row(ctx, `SELECT t.id, t.message_id, t.name, t.content_type, t.size, t.status, t.ente_id, m.channel_id, t.source
	 FROM attachments t JOIN messages m ON m.id = t.message_id WHERE t.id = ? AND t.status = 'pending'`, id).
		Scan(&p.ID, &p.MessageID, &p.Name, &p.ContentType, &p.Size, &status, &p.EnteID, &p.ChannelID, &p.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("allegato da scaricare")
	}
	if err != nil {
		return nil, fmt.Errorf("pending attachment: %w", err)
	}
	p.Status = redazione.AttachmentStatus(status)
	return &p, nil
}

// PendingAttachments lists the ids of attachments still to be fetched, oldest
// first, so a restart can enqueue again what a crash left behind.
func (db *DB) PendingAttachments(ctx context.Context, limit int) ([]int64, error) {
	return ids(ctx, db.reader(), "SELECT id FROM attachments WHERE status = 'pending' ORDER BY id LIMIT ?", limit)
}

// AttachmentStored records that a pending attachment's file is kept.
func (db *DB) AttachmentStored(ctx context.Context, id int64, b blob.Blob) error {
	return conn{db: db, q: db.write}.execOne(ctx, "allegato da scaricare",
		"UPDATE attachments SET status = 'stored', blob_key = ?, size = ?, content_type = ?, error = '' WHERE id = ? AND status = 'pending'",
		b.Key, b.Size, b.ContentType, id)
}

// AttachmentFailed records why a pending attachment could not be kept.
func (db *DB) AttachmentFailed(ctx context.Context, id int64, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return conn{db: db, q: db.write}.execOne(ctx, "allegato da scaricare",
		"UPDATE attachments SET status = 'failed', error = ? WHERE id = ? AND status = 'pending'", reason, id)
}

// ContactAttachment returns a file of a citizen's own thread on a channel
// (the web chat serves it to them only): never one of an internal note,
// never one of another contact's conversation.
func (db *DB) ContactAttachment(ctx context.Context, channelID int64, externalID string, id int64) (*redazione.Attachment, error) {
	at, err := scanAttachment(db.reader().row(ctx, `SELECT t.id, t.message_id, t.name, t.content_type, t.size, t.blob_key, t.status, t.error
	 FROM attachments t JOIN messages m ON m.id = t.message_id JOIN conversations c ON c.id = m.conversation_id
	 JOIN contacts k ON k.id = c.contact_id
	 WHERE t.id = ? AND k.channel_id = ? AND k.external_id = ? AND m.direction <> 'note'`, id, channelID, externalID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("allegato")
	}
	if err != nil {
		return nil, fmt.Errorf("contact attachment: %w", err)
	}
	return &at, nil
}

// blobInUse reports whether a stored file is still referred to: by a
// message's attachment or by any image of a post (the blob store keeps each
// content once, whoever brought it).
func blobInUse(ctx context.Context, c conn, key string) (bool, error) {
	var n int
	err := c.row(ctx, "SELECT (SELECT COUNT(*) FROM attachments WHERE blob_key = ?) + (SELECT COUNT(*) FROM post_images WHERE blob_key = ?)", key, key).Scan(&n)
	return n > 0, err
}

// BlobInUse reports whether a stored file is referred to; a file nothing
// refers to may be removed.
func (db *DB) BlobInUse(ctx context.Context, key string) (bool, error) {
	return blobInUse(ctx, db.reader(), key)
}
