package store

import (
	"strings"
	"time"
)

// SetQueryObserver has f told, after each statement the store's query
// helpers run, its kind (select, insert, update, delete, with, other) and
// how long it took (for a query, until its rows are ready to read). The
// metrics' database histogram is fed so; nil stops it. The kind is read
// from the statement's first word, so the cost is two clock readings.
func (db *DB) SetQueryObserver(f func(op string, d time.Duration)) {
	if f == nil {
		db.observe.Store(nil)
		return
	}
	db.observe.Store(&f)
}

// startTimer is the time a statement starts, or zero when no one observes.
func (db *DB) startTimer() time.Time {
	if db.observe.Load() == nil {
		return time.Time{}
	}
	return time.Now()
}

// observeSince tells the observer how long q took since start.
func (db *DB) observeSince(q string, start time.Time) {
	if start.IsZero() {
		return
	}
	if f := db.observe.Load(); f != nil {
		(*f)(statementKind(q), time.Since(start))
	}
}

var statementKinds = [...]string{"select", "insert", "update", "delete", "with"}

// statementKind is the lower-case first word of q among a few known, so
// that the metric's labels stay few.
func statementKind(q string) string {
	q = strings.TrimLeft(q, " \t\r\n(")
	end := strings.IndexAny(q, " \t\r\n")
	if end < 0 {
		end = len(q)
	}
	// Compared without lower-casing a copy: this runs for every statement.
	for _, k := range statementKinds {
		if strings.EqualFold(q[:end], k) {
			return k
		}
	}
	return "other"
}
