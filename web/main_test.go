package web_test

import (
	"os"
	"testing"

	"github.com/redazione/redazione/auth"
)

// TestMain hashes the test users' passwords at the test cost: a production
// hash takes most of a second, and the tests create users by the hundred.
func TestMain(m *testing.M) {
	auth.UseTestCost()
	os.Exit(m.Run())
}
