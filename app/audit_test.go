package app

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Once a day the log gets each ente's audit hash at the end of the day
// before, in Rome.
func TestAnchorAuditLogsYesterdaysLastHash(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, store.SQLite)
	e, err := db.CreateEnte(ctx, "comune-di-esempio", "Comune di Esempio")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 22, 30, 0, 0, time.UTC) // 23:30 of 4 December in Rome
	db.SetNow(func() time.Time { return at })
	db.Audit(ctx, redazione.AuditEntry{EnteID: e.ID, Action: "login", Target: "ieri"})
	at = at.Add(time.Hour) // 00:30 of 5 December
	db.Audit(ctx, redazione.AuditEntry{EnteID: e.ID, Action: "login", Target: "oggi"})
	var logs bytes.Buffer
	a := &App{DB: db, log: slog.New(slog.NewTextHandler(&logs, nil))}
	var done string
	a.anchorAudit(ctx, at, &done)
	es, _ := db.AuditLog(ctx, redazione.SystemActor(e.ID), 10)
	yesterday := es[1] // the newest is today's
	want := "msg=\"audit anchor\" ente=comune-di-esempio day=2026-12-04 id=" + itoa(yesterday.ID) + " hash=" + yesterday.Hash
	if !strings.Contains(logs.String(), want) || strings.Contains(logs.String(), es[0].Hash) {
		t.Fatalf("log:\n%s\nwant %q", logs.String(), want)
	}
	logs.Reset()
	a.anchorAudit(ctx, at.Add(time.Hour), &done)
	if logs.Len() != 0 {
		t.Errorf("anchored twice in a day:\n%s", logs.String())
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
