package store

import (
	"context"
	"strings"
	"testing"
)

// An existing installation's messages and attachments are rebuilt as
// AUTOINCREMENT at start, keeping every row, id and link.
func TestIdsNeverReusedMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, w, p := unmigratedSQLite(t)
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"PRAGMA foreign_keys = OFF", // rows of an older installation, without their conversation
		"INSERT INTO messages (id, ente_id, channel_id, conversation_id, direction, text, sent_at, created_at) VALUES (7, 1, 1, 1, 'in', 'uno', 1, 1), (9, 1, 1, 1, 'in', 'due', 2, 2)",
		"INSERT INTO attachments (id, ente_id, message_id, name, content_type, size, blob_key, status, source, created_at) VALUES (3, 1, 9, 'a.png', 'image/png', 1, 'k', 'stored', '', 2)",
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := idsNeverReused(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := idsNeverReused(ctx, w); err != nil { // at the next start: nothing to do
		t.Fatal(err)
	}
	for _, table := range reusableTables {
		var create string
		w.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE name = ?", table).Scan(&create)
		if !strings.Contains(create, "AUTOINCREMENT") {
			t.Errorf("%s is not AUTOINCREMENT: %s", table, create)
		}
	}
	var text string
	var msg int64
	if err := w.QueryRowContext(ctx, "SELECT m.text, a.message_id FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = 3").Scan(&text, &msg); err != nil || text != "due" || msg != 9 {
		t.Errorf("the rows after the rebuild: %q %d %v", text, msg, err)
	}
	// The newest erased, the next one still takes a new id.
	w.ExecContext(ctx, "PRAGMA foreign_keys = OFF")
	w.ExecContext(ctx, "DELETE FROM attachments")
	w.ExecContext(ctx, "DELETE FROM messages WHERE id = 9")
	res, err := w.ExecContext(ctx, "INSERT INTO messages (ente_id, channel_id, conversation_id, direction, text, sent_at, created_at) VALUES (1, 1, 1, 'in', 'tre', 3, 3)")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := res.LastInsertId(); id != 10 {
		t.Errorf("the new message got id %d, want 10 (9 was given before)", id)
	}
	var idx int
	w.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'").Scan(&idx)
	if idx == 0 {
		t.Error("the messages' indexes were not made again")
	}
}
