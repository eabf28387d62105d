package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// redazione user reset-factors removes a user's second factors, ends
// their sessions and tells them, on both databases; the audit trail says
// so. A user of no ente is refused.
func TestResetFactorsCommand(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Setenv("REDAZIONE_DATA_DIR", t.TempDir())
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
			cli(t, "user", "create", "--email", "anna@comune.example.it", "--role", "coordinator", "--desk", "contatti")
			ctx := context.Background()
			db, err := openDB(ctx, configFromEnv())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			u, err := db.UserByEmail(ctx, "anna@comune.example.it")
			if err != nil {
				t.Fatal(err)
			}
			sessions := &auth.Sessions{DB: db}
			key, err := sessions.NewTOTP(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ConfirmTOTP(ctx, u, 1, []string{"h1", "h2"}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateSession(ctx, u, auth.HashToken("sessione"), "csrf", "", ""); err != nil {
				t.Fatal(err)
			}
			if key.Secret() == "" {
				t.Fatal("no secret")
			}

			out := cli(t, "user", "reset-factors", "--email", "anna@comune.example.it")
			if out["email"] != "anna@comune.example.it" || out["factors_reset"] != true || out["mailed"] != false {
				t.Errorf("reset-factors printed %v", out)
			}
			if ok, _ := db.HasFactor(ctx, u.ID); ok {
				t.Error("a factor is left")
			}
			if f, _ := db.Factors(ctx, u.ID); f.RecoveryLeft != 0 || f.TOTPPending {
				t.Errorf("left after the reset: %+v", f)
			}
			if _, _, err := db.SessionUser(ctx, auth.HashToken("sessione")); err == nil {
				t.Error("the session is still open")
			}
			notes, _, err := db.Notifications(ctx, redazione.ActorOf(u), 10)
			if err != nil || len(notes) != 1 || notes[0].Text != store.ResetFactorsNotice {
				t.Errorf("notifications: %v %v", notes, err)
			}
			audit, _ := db.AuditLog(ctx, redazione.SystemActor(u.EnteID), 20)
			found := false
			for _, a := range audit {
				found = found || (a.Action == "mfa.reset" && a.Target == u.Email)
			}
			if !found {
				t.Error("no mfa.reset in the audit trail")
			}
			var o, errb bytes.Buffer
			if err := run(ctx, []string{"user", "reset-factors", "--email", "nessuno@comune.example.it"}, &o, &errb); err == nil {
				t.Error("a reset of no user was accepted")
			}
		})
	}
}
