package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Ids the outside world sees are never given twice. PostgreSQL's sequences
// never go back; SQLite gives a new row the largest id plus one, so once
// the newest messages are erased their ids would come round again (and an
// API receiver, which drops repeats by X-Redazione-Delivery, would drop a
// new reply). The tables erasure deletes from are therefore AUTOINCREMENT
// on SQLite: the largest id ever given is remembered. Every other table
// that numbers something the outside sees (conversations, posts, requests,
// reports) never deletes a row.

// reusableTables are the SQLite tables whose rows erasure deletes.
var reusableTables = []string{"messages", "attachments"}

// idsNeverReused makes SQLite's tables that lose rows AUTOINCREMENT, once
// (each start checks): rebuilt the way SQLite documents it (foreign keys
// off, a new table, the rows copied with their ids, the old one dropped,
// the new one renamed, its indexes made again, the foreign keys checked).
// It runs after the migrations, outside them, because foreign keys can only
// be turned off outside a transaction.
func idsNeverReused(ctx context.Context, db *sql.DB) error {
	todo := false
	for _, t := range reusableTables {
		var create string
		if err := db.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", t).Scan(&create); err != nil {
			return fmt.Errorf("ids of %s: %w", t, err)
		}
		todo = todo || !strings.Contains(create, "AUTOINCREMENT")
	}
	if !todo {
		return nil
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer c.ExecContext(context.Background(), "PRAGMA foreign_keys = ON")
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := fkViolations(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range reusableTables {
		if err := autoincrement(ctx, tx, t); err != nil {
			return fmt.Errorf("ids of %s: %w", t, err)
		}
	}
	after, err := fkViolations(ctx, tx)
	if err != nil {
		return err
	}
	if after > before {
		return fmt.Errorf("ids: %d foreign keys no longer hold after the rebuild", after-before)
	}
	return tx.Commit()
}

// fkViolations counts the rows whose foreign key points nowhere.
func fkViolations(ctx context.Context, tx *sql.Tx) (int, error) {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// autoincrement rebuilds one SQLite table as AUTOINCREMENT.
func autoincrement(ctx context.Context, tx *sql.Tx, table string) error {
	var create string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&create); err != nil {
		return err
	}
	if strings.Contains(create, "AUTOINCREMENT") {
		return nil
	}
	const pk = "id INTEGER PRIMARY KEY,"
	if !strings.Contains(create, pk) {
		return fmt.Errorf("unexpected definition %q", create)
	}
	tmp := table + "_ids"
	create = strings.Replace(create, pk, "id INTEGER PRIMARY KEY AUTOINCREMENT,", 1)
	create = strings.Replace(create, "CREATE TABLE "+table, "CREATE TABLE "+tmp, 1)
	var indexes []string
	rows, err := tx.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL", table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		indexes = append(indexes, s)
	}
	rows.Close()
	for _, q := range append([]string{create,
		"INSERT INTO " + tmp + " SELECT * FROM " + table,
		"DROP TABLE " + table,
		"ALTER TABLE " + tmp + " RENAME TO " + table}, indexes...) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	return nil
}
