package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
)

// The README's two PostgreSQL roles, made by docs/postgres-roles.sql: the
// owner migrates, the server runs as the other and works, and that role
// cannot change the audit trail or the publication log, nor the schema.
func TestServerRunsAsDataOnlyRole(t *testing.T) {
	roles, err := os.ReadFile("../../docs/postgres-roles.sql")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, roles) {
		t.Error("README.md does not hold docs/postgres-roles.sql as it is: copy the file into its section \"PostgreSQL: two roles\"")
	}

	// Roles belong to the whole server: names of this test's own, dropped
	// at the end, after the database that holds their rights.
	base := testdb.Server(t)
	b := make([]byte, 5)
	rand.Read(b)
	suffix := hex.EncodeToString(b)
	owner, appRole, dbName := "rdz_owner_"+suffix, "rdz_app_"+suffix, "rdz_roles_"+suffix
	admin := pgOpen(t, base)
	t.Cleanup(func() {
		ctx := context.Background()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
		for _, r := range []string{appRole, owner} {
			if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+r); err != nil {
				t.Errorf("drop role %s: %v", r, err)
			}
		}
	})
	script := regexp.MustCompile(`\bredazione_owner\b`).ReplaceAllString(string(roles), owner)
	script = regexp.MustCompile(`\bredazione_app\b`).ReplaceAllString(script, appRole)
	script = regexp.MustCompile(`\bredazione\b`).ReplaceAllString(script, dbName)
	runScript(t, base, script)

	ownerURL, appURL := pgURL(t, base, owner, dbName), pgURL(t, base, appRole, dbName)
	dir := t.TempDir()
	t.Setenv("REDAZIONE_DATA_DIR", dir)
	t.Setenv("REDAZIONE_DEMO", "false")
	t.Setenv("REDAZIONE_ADMIN_PASSWORD", "password-del-ruolo-ridotto")
	t.Setenv("REDAZIONE_PUBLIC_URL", "")
	t.Setenv("REDAZIONE_DATABASE_URL", appURL)
	t.Setenv("REDAZIONE_MIGRATE_DATABASE_URL", "")
	ctx := context.Background()

	// The server's role cannot migrate...
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"migrate"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("redazione migrate as the server's role: %v; want permission denied", err)
	}
	// ...the owner does, Redazione's tables and the job queue's.
	t.Setenv("REDAZIONE_MIGRATE_DATABASE_URL", ownerURL)
	out.Reset()
	if err := run(ctx, []string{"migrate"}, &out, &errb); err != nil || !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("redazione migrate as the owner: %v\n%s%s", err, out.String(), errb.String())
	}
	super := pgOpen(t, pgURL(t, base, "", dbName))
	var tables []string
	rows, err := super.QueryContext(ctx, "SELECT tablename || ' ' || tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tables = append(tables, s)
	}
	rows.Close()
	for _, want := range []string{"audit_log " + owner, "publication_log " + owner, "river_job " + owner, "messages " + owner} {
		if !slices.Contains(tables, want) {
			t.Fatalf("after the migrations, tables and owners are %v; want %q among them", tables, want)
		}
	}

	// The server, started with both URLs, works as the server's role: the
	// first start makes the ente and its administrator; a channel and a
	// token are added from the shell; a message comes in through the API
	// and is in the inbox.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := startServer(t, addr)
	var users []string
	rows, err = super.QueryContext(ctx, "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND usename <> current_user", dbName)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		users = append(users, s)
	}
	rows.Close()
	if !slices.Equal(users, []string{appRole}) {
		t.Errorf("the running server is connected as %v; want only %s", users, appRole)
	}
	ch := cli(t, "channel", "add", "api", "--name", "Sportello")
	id, secret := int64(ch["id"].(float64)), ch["secret"].(string)
	tok := cli(t, "token", "create", "--user", "admin@example.it")["token"].(string)
	body := []byte(`{"external_id":"e1","contact":{"external_id":"c1","name":"Mario"},"text":"Il lampione di via Roma è spento","sent_at":"2026-11-23T09:00:00Z"}`)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, id), bytes.NewReader(body))
	req.Header.Set(apichannel.SignatureHeader, apichannel.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("a citizen's message through the API: %v %v\n%s", resp, err, srv.log())
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", srv.base+"/api/v1/conversations", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "lampione") {
		t.Fatalf("the inbox, as the server's role: %d %s\n%s", resp.StatusCode, raw, srv.log())
	}

	// As the server's role, straight in SQL: the two logs take rows and
	// keep them; the schema is the owner's.
	app := pgOpen(t, appURL)
	now := time.Now().UnixMilli()
	for _, q := range []string{
		fmt.Sprintf("INSERT INTO audit_log (ente_id, action, at) VALUES (1, 'prova', %d)", now),
		fmt.Sprintf("INSERT INTO publication_log (ente_id, seq, post_id, action, at, prev_hash, hash) VALUES (1, 999, 1, 'prova', %d, '', 'x')", now),
		"SELECT count(*) FROM audit_log",
	} {
		if _, err := app.ExecContext(ctx, q); err != nil {
			t.Errorf("as the server's role, %s: %v", q, err)
		}
	}
	for _, q := range []string{
		"UPDATE audit_log SET detail = 'cambiato'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"UPDATE publication_log SET detail = 'cambiato'",
		"DELETE FROM publication_log",
		"TRUNCATE publication_log",
		"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
		"DROP TABLE publication_log",
		"CREATE TABLE intrusa (id int)",
		"CREATE TEMP TABLE intrusa (id int)",
		"DROP TABLE river_job",
	} {
		_, err := app.ExecContext(ctx, q)
		if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("as the server's role, %s: %v; want permission denied (42501)", q, err)
		}
	}
	var n int
	if err := super.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'prova'").Scan(&n); err != nil || n != 1 {
		t.Errorf("audit_log rows of the test after the attempts: %d, %v; want 1", n, err)
	}
	if err := super.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action <> 'prova'").Scan(&n); err != nil || n == 0 {
		t.Errorf("the server wrote no audit rows as its role (%d, %v)", n, err)
	}
}

// pgOpen opens a pool on url, closed when the test ends.
func pgOpen(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pgURL is base with another user (unless empty) and database.
func pgURL(t *testing.T, base, user, database string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		u.User = url.User(user)
	}
	u.Path = "/" + database
	return u.String()
}

// runScript runs a psql script of plain statements, one per ";" at a
// line's end, and \connect lines, as the superuser of base.
func runScript(t *testing.T, base, script string) {
	t.Helper()
	db := pgOpen(t, base)
	var stmt strings.Builder
	for line := range strings.Lines(script) {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "--"):
			continue
		case strings.HasPrefix(trimmed, `\connect `):
			db = pgOpen(t, pgURL(t, base, "", strings.TrimSpace(strings.TrimPrefix(trimmed, `\connect `))))
			continue
		}
		stmt.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			if _, err := db.ExecContext(context.Background(), stmt.String()); err != nil {
				t.Fatalf("docs/postgres-roles.sql: %s: %v", strings.TrimSpace(stmt.String()), err)
			}
			stmt.Reset()
		}
	}
	if strings.TrimSpace(stmt.String()) != "" {
		t.Fatalf("docs/postgres-roles.sql ends in the middle of a statement: %s", stmt.String())
	}
}
