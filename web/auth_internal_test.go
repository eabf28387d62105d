package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The dummy hash of a login for an unknown e-mail costs what a real user's
// hash costs in production, so timing does not tell the two apart.
func TestDummyHashAtProductionCost(t *testing.T) {
	t.Parallel()
	if !strings.Contains(dummyHash, "$m=65536,t=3,p=2$") {
		t.Fatalf("dummy hash %q is not at the production cost", dummyHash)
	}
	if ok, err := auth.CheckPassword(dummyHash, "redazione-dummy-password"); !ok || err != nil {
		t.Fatalf("dummy hash does not verify: %v %v", ok, err)
	}
}

// A read-only token reads (200) and is refused any write (403); a
// read-write token writes; an expired one gets 401.
func TestAPITokenReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, store.SQLite)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	db.SetNow(func() time.Time { return now })
	en, err := db.CreateEnte(ctx, "comune", "Comune")
	if err != nil {
		t.Fatal(err)
	}
	u := &redazione.User{Email: "anna@comune.example.it", Name: "Anna", Role: redazione.RoleOperator, PasswordHash: dummyHash}
	if err := db.CreateUser(ctx, redazione.SystemActor(en.ID), u); err != nil {
		t.Fatal(err)
	}
	tokens := map[bool]string{}
	for _, ro := range []bool{true, false} {
		tokens[ro] = auth.NewToken("rdz_")
		if _, err := db.CreateAPIToken(ctx, u, store.APIToken{Hash: auth.HashToken(tokens[ro]), ReadOnly: ro, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.apiUser(func(w http.ResponseWriter, r *http.Request, _ *session) { w.WriteHeader(http.StatusOK) })
	do := func(method, tok string) (int, string) {
		r := httptest.NewRequest(method, "/api/v1/conversations", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h(w, r)
		return w.Code, w.Body.String()
	}
	if c, _ := do("GET", tokens[true]); c != 200 {
		t.Errorf("read-only token, GET: %d", c)
	}
	if c, body := do("POST", tokens[true]); c != 403 || !strings.Contains(body, "sola lettura") {
		t.Errorf("read-only token, POST: %d %s", c, body)
	}
	if c, _ := do("POST", tokens[false]); c != 200 {
		t.Errorf("read-write token, POST: %d", c)
	}
	now = now.Add(24 * time.Hour)
	if c, _ := do("GET", tokens[false]); c != 401 {
		t.Errorf("expired token: %d, want 401", c)
	}
}
