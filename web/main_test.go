package web_test

import (
	"os"
	"testing"

	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
)

// TestMain copies the PostgreSQL test databases from a template migrated
// once (testdb.Run), and hashes the test users' passwords at the test cost:
// a production hash takes most of a second, and the tests create users by the hundred.
func TestMain(m *testing.M) {
	auth.UseTestCost()
	os.Exit(testdb.Run(m))
}
