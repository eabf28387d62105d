package web

import (
	"strings"
	"testing"

	"github.com/redazione/redazione/auth"
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
