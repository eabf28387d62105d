package email_test

import (
	"os"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
)

// TestMain copies the PostgreSQL test databases from a template migrated
// once (testdb.Run).
func TestMain(m *testing.M) {
	os.Exit(testdb.Run(m))
}
