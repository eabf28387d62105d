package store

import "testing"

// TestStatementKind keeps the query metric's labels to a few known words,
// whatever the case and the leading space of a statement.
func TestStatementKind(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT 1":                               "select",
		"\n\t select id FROM messages":           "select",
		"INSERT INTO messages (id) VALUES (1)":   "insert",
		"Update conversations SET x = 1":         "update",
		"DELETE FROM contacts_fts":               "delete",
		"(WITH x AS (SELECT 1) SELECT * FROM x)": "with",
		"PRAGMA wal_checkpoint(TRUNCATE)":        "other",
		"SELECTED":                               "other",
		"":                                       "other",
	} {
		if got := statementKind(q); got != want {
			t.Errorf("statementKind(%q) = %q, want %q", q, got, want)
		}
	}
}
