package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// redazione audit verify prints whether each ente's chain is whole and
// exits 0 when it is, 1 at the first broken entry, on both databases.
func TestAuditVerify(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("REDAZIONE_DATA_DIR", dir)
			url := ""
			if d == store.Postgres {
				url = testdb.URL(t, d)
			}
			t.Setenv("REDAZIONE_DATABASE_URL", url)
			cli(t, "ente", "create", "--slug", "comune-di-esempio", "--name", "Comune di Esempio")
			cli(t, "ente", "create", "--slug", "altro", "--name", "Altro Comune")
			cli(t, "user", "create", "--ente", "comune-di-esempio", "--email", "anna@comune.example.it", "--role", "operator")
			cli(t, "user", "create", "--ente", "comune-di-esempio", "--email", "bruno@comune.example.it", "--role", "operator")

			verify := func(args ...string) (string, int) {
				t.Helper()
				c := exec.Command(os.Args[0], "-test.run=^$")
				c.Env = append(os.Environ(), childEnv+"=cli", childArgsEnv+"="+strings.Join(append([]string{"audit", "verify"}, args...), " "))
				var out, errb bytes.Buffer
				c.Stdout, c.Stderr = &out, &errb
				err := c.Run()
				var exit *exec.ExitError
				if err != nil && !errors.As(err, &exit) {
					t.Fatal(err)
				}
				return out.String(), c.ProcessState.ExitCode()
			}
			if out, code := verify("--ente", "comune-di-esempio"); code != 0 || !strings.HasPrefix(out, "catena integra: ") || strings.Count(out, "\n") != 1 {
				t.Fatalf("whole chain: exit %d, printed %q", code, out)
			}

			db, err := store.Open(context.Background(), url, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			lift := "DROP TRIGGER audit_log_no_update"
			if d == store.Postgres {
				lift = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
			}
			var id int64
			if err := db.WriteDB().QueryRow(rebind(d, "SELECT MIN(id) FROM audit_log WHERE target = ?"), "anna@comune.example.it").Scan(&id); err != nil || id == 0 {
				t.Fatalf("no audit entry for the created user: %v", err)
			}
			if _, err := db.WriteDB().Exec(lift); err != nil {
				t.Fatal(err)
			}
			if _, err := db.WriteDB().Exec(rebind(d, "UPDATE audit_log SET target = 'mallory@example.it' WHERE id = ?"), id); err != nil {
				t.Fatal(err)
			}
			want := "catena interrotta alla voce " + strconv.FormatInt(id, 10) + " (ente comune-di-esempio)\n"
			if out, code := verify("--ente", "comune-di-esempio"); code != 1 || out != want {
				t.Errorf("changed entry: exit %d, printed %q, want 1 and %q", code, out, want)
			}
			// Without --ente, every ente: the other one is whole.
			out, code := verify()
			if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "catena integra: ") || !strings.Contains(out, "(ente altro)") {
				t.Errorf("every ente: exit %d, printed %q", code, out)
			}
			if out, code := verify("--ente", "altro"); code != 0 || !strings.HasPrefix(out, "catena integra: ") {
				t.Errorf("the other ente: exit %d, printed %q", code, out)
			}
		})
	}
}
