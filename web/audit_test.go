package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The audit page says whether the chain is whole and where it breaks, with
// the newest hash; administrators, and only they, download each day's last
// hash.
func TestAuditChainBadgeAndAnchors(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := start(t, db)
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		coord := e.newUser(e.ente, redazione.RoleCoordinator)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(admin)

		total, _, err := db.VerifyAudit(ctx, e.ente.ID)
		if err != nil || total == 0 {
			t.Fatalf("VerifyAudit: %d, %v", total, err)
		}
		es, _ := db.AuditLog(ctx, redazione.SystemActor(e.ente.ID), 1)
		head := es[0]
		code, page := b.get("/admin/audit")
		if code != 200 || !strings.Contains(page, fmt.Sprintf("Catena integra (%d voci)", total)) || !strings.Contains(page, head.Hash) ||
			!strings.Contains(page, `href="/admin/audit/ancore.csv"`) {
			t.Fatalf("audit page: %d, no whole-chain badge for %d entries, newest hash or anchors link:\n%s", code, total, page)
		}

		code, csv := b.get("/admin/audit/ancore.csv")
		today := time.Now().In(calendar.Rome).Format(time.DateOnly)
		if want := fmt.Sprintf("%s;%d;%s\n", today, head.ID, head.Hash); code != 200 || !strings.HasPrefix(csv, "Giorno;Voce;Impronta\n") || !strings.HasSuffix(csv, want) {
			t.Errorf("anchors: %d %q, want a line %q", code, csv, want)
		}
		if code, page := e.login(coord).get("/admin/audit"); code != 200 || !strings.Contains(page, "Catena integra") || strings.Contains(page, "ancore.csv") {
			t.Errorf("coordinator's audit page: %d, badge or a link to the anchors missing or shown", code)
		}
		for _, u := range []*redazione.User{coord, op} {
			if code, body := e.login(u).get("/admin/audit/ancore.csv"); code != 403 || strings.Contains(body, head.Hash) {
				t.Errorf("%s downloads the anchors: %d", u.Role, code)
			}
		}

		// An entry changed in the database breaks the chain there.
		lift, change := "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET detail = 'ritoccato' WHERE id = ?"
		if db.Dialect() == store.Postgres {
			lift, change = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change", "UPDATE audit_log SET detail = 'ritoccato' WHERE id = $1"
		}
		if _, err := db.WriteDB().ExecContext(ctx, lift); err != nil {
			t.Fatal(err)
		}
		if _, err := db.WriteDB().ExecContext(ctx, change, head.ID); err != nil {
			t.Fatal(err)
		}
		if _, page := b.get("/admin/audit"); !strings.Contains(page, fmt.Sprintf("Catena interrotta alla voce %d", head.ID)) || strings.Contains(page, "Catena integra") {
			t.Errorf("audit page after a changed entry %d shows no broken chain", head.ID)
		}
	})
}
