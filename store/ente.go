package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/redazione/redazione"
)

// CreateEnte creates an ente with the five default desks.
func (db *DB) CreateEnte(ctx context.Context, slug, name string) (*redazione.Ente, error) {
	if slug == "" || name == "" {
		return nil, redazione.FieldError("slug", "nome e codice dell'ente sono obbligatori")
	}
	e := &redazione.Ente{Slug: slug, Name: name, CreatedAt: db.now().UTC()}
	err := db.inTx(ctx, func(tx conn) error {
		id, err := tx.insert(ctx, "INSERT INTO entes (slug, name, created_at) VALUES (?, ?, ?)", slug, name, ms(e.CreatedAt))
		if isUnique(err) {
			return redazione.Errorf(redazione.ECONFLICT, "esiste già un ente con codice %q", slug)
		}
		if err != nil {
			return fmt.Errorf("insert ente: %w", err)
		}
		e.ID = id
		var first int64
		for i, d := range redazione.DefaultDesks {
			desk, err := tx.insert(ctx, "INSERT INTO desks (ente_id, slug, name, position) VALUES (?, ?, ?, ?)", id, d.Slug, d.Name, i)
			if err != nil {
				return fmt.Errorf("insert desk: %w", err)
			}
			if i == 0 {
				first = desk
			}
		}
		// The reports a comune usually takes, all to the first desk (URP)
		// until an administrator routes them to the competent offices.
		for _, s := range DefaultServices {
			if _, err := tx.exec(ctx, "INSERT INTO services (ente_id, code, name, description, grp, keywords, desk_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, true, ?)",
				id, s.Code, s.Name, s.Description, s.Group, s.Keywords, first, ms(e.CreatedAt)); err != nil {
				return fmt.Errorf("insert service: %w", err)
			}
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: id, Action: "ente.create", Target: slug})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// EnteBySlug finds an ente.
func (db *DB) EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error) {
	return db.ente(ctx, "slug = ?", slug)
}

// Ente finds an ente by id.
func (db *DB) Ente(ctx context.Context, id int64) (*redazione.Ente, error) {
	return db.ente(ctx, "id = ?", id)
}

func (db *DB) ente(ctx context.Context, where string, arg any) (*redazione.Ente, error) {
	var e redazione.Ente
	var created int64
	err := db.reader().row(ctx, "SELECT id, slug, name, created_at FROM entes WHERE "+where, arg).Scan(&e.ID, &e.Slug, &e.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("ente")
	}
	if err != nil {
		return nil, fmt.Errorf("ente: %w", err)
	}
	e.CreatedAt = tm(created)
	return &e, nil
}

// Entes lists every ente.
func (db *DB) Entes(ctx context.Context) ([]redazione.Ente, error) {
	rows, err := db.reader().query(ctx, "SELECT id, slug, name, created_at FROM entes ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("entes: %w", err)
	}
	defer rows.Close()
	var out []redazione.Ente
	for rows.Next() {
		var e redazione.Ente
		var created int64
		if err := rows.Scan(&e.ID, &e.Slug, &e.Name, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = tm(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Desks lists the desks of an ente in their order.
func (db *DB) Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error) {
	rows, err := db.reader().query(ctx, "SELECT id, ente_id, slug, name, auto_assign FROM desks WHERE ente_id = ? ORDER BY position, id", enteID)
	if err != nil {
		return nil, fmt.Errorf("desks: %w", err)
	}
	defer rows.Close()
	var out []redazione.Desk
	for rows.Next() {
		var d redazione.Desk
		if err := rows.Scan(&d.ID, &d.EnteID, &d.Slug, &d.Name, &d.AutoAssign); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeskBySlug finds a desk of an ente by slug or by name.
func (db *DB) DeskBySlug(ctx context.Context, enteID int64, slug string) (*redazione.Desk, error) {
	var d redazione.Desk
	err := db.reader().row(ctx, "SELECT id, ente_id, slug, name FROM desks WHERE ente_id = ? AND (slug = ? OR name = ?)", enteID, slug, slug).Scan(&d.ID, &d.EnteID, &d.Slug, &d.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("desk")
	}
	if err != nil {
		return nil, fmt.Errorf("desk: %w", err)
	}
	return &d, nil
}

// RenameDesk renames a desk of the actor's ente.
func (db *DB) RenameDesk(ctx context.Context, a redazione.Actor, deskID int64, name string) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può rinominare i desk")
	}
	if name == "" {
		return redazione.FieldError("name", "il nome è obbligatorio")
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "desk", "UPDATE desks SET name = ? WHERE id = ? AND ente_id = ?", name, deskID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "desk.rename", Target: fmt.Sprint(deskID), Detail: name})
	})
}
