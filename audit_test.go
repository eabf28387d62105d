package redazione

import (
	"testing"
	"time"
)

// Every field is in the hash, and text moved from one field to the next
// (across the separator) makes another hash.
func TestAuditHash(t *testing.T) {
	e := AuditEntry{EnteID: 1, ActorID: 2, Action: "login", Target: "a", Detail: "b", At: time.UnixMilli(1741593600000)}
	h := AuditHash(AuditGenesis, e)
	if len(h) != 64 || AuditHash(AuditGenesis, e) != h {
		t.Fatalf("hash %q is not a stable hex SHA-256", h)
	}
	for name, f := range map[string]func(*AuditEntry){
		"ente":    func(e *AuditEntry) { e.EnteID = 3 },
		"actor":   func(e *AuditEntry) { e.ActorID = 3 },
		"action":  func(e *AuditEntry) { e.Action = "logout" },
		"target":  func(e *AuditEntry) { e.Target = "c" },
		"detail":  func(e *AuditEntry) { e.Detail = "c" },
		"at":      func(e *AuditEntry) { e.At = e.At.Add(time.Millisecond) },
		"shifted": func(e *AuditEntry) { e.Target, e.Detail = "a\n1:b", "" },
		"id only": func(e *AuditEntry) { e.ID = 99 }, // not hashed: must not change it
	} {
		x := e
		f(&x)
		if changed := AuditHash(AuditGenesis, x) != h; changed == (name == "id only") {
			t.Errorf("%s: hash changed = %v", name, changed)
		}
	}
	if AuditHash(h, e) == h {
		t.Error("the previous hash is not in the hash")
	}
}
