package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redazione/redazione"
)

// PersonContact is one of the contacts of a citizen, on some channel.
type PersonContact struct {
	ID          int64
	ChannelName string
	ExternalID  string
	Name        string
	Merged      bool // merged into another contact (can be separated)
}

// person returns the person id of a contact of the ente: the contact it was
// merged into, or itself.
func (db *DB) person(ctx context.Context, c conn, enteID, contactID int64) (int64, error) {
	var person int64
	err := c.row(ctx, "SELECT CASE WHEN person_id <> 0 THEN person_id ELSE id END FROM contacts WHERE id = ? AND ente_id = ?", contactID, enteID).Scan(&person)
	if err != nil {
		return 0, notFound("contatto")
	}
	return person, nil
}

// PersonContacts lists the contacts of the same citizen as contactID
// (itself included), first the one the others were merged into.
func (db *DB) PersonContacts(ctx context.Context, enteID, contactID int64) ([]PersonContact, error) {
	person, err := db.person(ctx, db.reader(), enteID, contactID)
	if err != nil {
		return nil, err
	}
	// Two index lookups: the person's own row, and the rows merged into it
	// ("person_id <> 0" lets SQLite use the partial index on person_id).
	rows, err := db.reader().query(ctx, `SELECT ct.id, COALESCE(ch.name, ''), ct.external_id, ct.name, ct.person_id <> 0
	 FROM contacts ct LEFT JOIN channels ch ON ch.id = ct.channel_id WHERE ct.id = ? AND ct.ente_id = ?
	 UNION ALL
	 SELECT ct.id, COALESCE(ch.name, ''), ct.external_id, ct.name, ct.person_id <> 0
	 FROM contacts ct LEFT JOIN channels ch ON ch.id = ct.channel_id WHERE ct.person_id = ? AND ct.person_id <> 0 AND ct.ente_id = ?`,
		person, enteID, person, enteID)
	if err != nil {
		return nil, fmt.Errorf("person contacts: %w", err)
	}
	defer rows.Close()
	var out []PersonContact
	for rows.Next() {
		var p PersonContact
		if err := rows.Scan(&p.ID, &p.ChannelName, &p.ExternalID, &p.Name, &p.Merged); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MergeCandidates suggests other contacts of the ente that may be the same
// citizen: the same name, on another channel or id. The name is matched as
// written, all lower or upper case, and with capitalised words ("Lucia
// Ferri", "lucia ferri", "LUCIA FERRI"), through the ente's index on names:
// one indexed statement for every page of a conversation, where the name's
// words in the full-text index cost milliseconds for common names at a
// million contacts. At most 20 are suggested (the first 20 the index
// gives, shown oldest first). Names cased otherwise ("LUCIA ferri") are
// not suggested; the search still finds them.
func (db *DB) MergeCandidates(ctx context.Context, enteID, contactID int64) ([]PersonContact, error) {
	var name string
	var person int64
	if err := db.reader().row(ctx, "SELECT name, CASE WHEN person_id <> 0 THEN person_id ELSE id END FROM contacts WHERE id = ? AND ente_id = ?",
		contactID, enteID).Scan(&name, &person); err != nil {
		return nil, notFound("contatto")
	}
	variants := nameVariants(name)
	if len(variants) == 0 {
		return nil, nil
	}
	args := []any{enteID}
	for _, v := range variants {
		args = append(args, v)
	}
	args = append(args, person, person)
	rows, err := db.reader().query(ctx, `SELECT ct.id, COALESCE(ch.name, ''), ct.external_id, ct.name, ct.person_id <> 0
	 FROM contacts ct LEFT JOIN channels ch ON ch.id = ct.channel_id
	 WHERE ct.ente_id = ? AND ct.name IN (`+placeholders(len(variants))+`) AND ct.id <> ? AND ct.person_id <> ?
	 LIMIT 20`, args...)
	if err != nil {
		return nil, fmt.Errorf("merge candidates: %w", err)
	}
	defer rows.Close()
	var out []PersonContact
	for rows.Next() {
		var p PersonContact
		if err := rows.Scan(&p.ID, &p.ChannelName, &p.ExternalID, &p.Name, &p.Merged); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	// Sorted here: with ORDER BY, PostgreSQL walks the primary key through
	// every contact of the ente looking for 20 with the name (0.6 s at a
	// million when there are none).
	slices.SortFunc(out, func(a, b PersonContact) int { return cmp.Compare(a.ID, b.ID) })
	return out, rows.Err()
}

// nameVariants is a name as written (and trimmed), in lower and upper case,
// and with each word capitalised, without repeats; none for a blank name.
func nameVariants(name string) []string {
	trimmed := strings.TrimSpace(name)
	if trimmed == "" {
		return nil
	}
	words := strings.Fields(strings.ToLower(trimmed))
	for i, w := range words {
		r := []rune(w)
		words[i] = strings.ToUpper(string(r[:1])) + string(r[1:])
	}
	var out []string
	for _, v := range []string{name, trimmed, strings.ToLower(trimmed), strings.ToUpper(trimmed), strings.Join(words, " ")} {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// MergeContacts makes other the same citizen as into: other (and whatever
// was merged into it) joins into's person.
func (db *DB) MergeContacts(ctx context.Context, a redazione.Actor, into, other int64) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	return db.inTx(ctx, func(tx conn) error {
		p1, err := db.person(ctx, tx, a.EnteID, into)
		if err != nil {
			return err
		}
		p2, err := db.person(ctx, tx, a.EnteID, other)
		if err != nil {
			return err
		}
		if p1 == p2 {
			return redazione.Errorf(redazione.ECONFLICT, "i contatti sono già uniti")
		}
		if _, err := tx.exec(ctx, "UPDATE contacts SET person_id = ? WHERE ente_id = ? AND (id = ? OR person_id = ?)", p1, a.EnteID, p2, p2); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "contact.merge", Target: fmt.Sprint(p1), Detail: fmt.Sprint(p2)})
	})
}

// SeparateContact undoes a merge: the contact is on its own again.
func (db *DB) SeparateContact(ctx context.Context, a redazione.Actor, contactID int64) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "contatto unito", "UPDATE contacts SET person_id = 0 WHERE id = ? AND ente_id = ? AND person_id <> 0", contactID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "contact.separate", Target: fmt.Sprint(contactID)})
	})
}
