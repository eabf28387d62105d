package auth

import (
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct horse batterY"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if _, err := CheckPassword("plain", "x"); err == nil {
		t.Fatal("malformed hash accepted")
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken("rdz_"), NewToken("rdz_")
	if a == b || len(a) < 40 {
		t.Fatalf("weak tokens %q %q", a, b)
	}
	if h := HashToken(a); h == a || h != HashToken(a) || h == HashToken(b) {
		t.Fatal("token hash not stable or not a hash")
	}
	if p := GeneratePassword(); len(p) != 20 {
		t.Fatalf("password %q", p)
	}
}

// New hashes are made at the production cost unless a test asks for the
// test cost; hashes of either cost verify whatever the current cost is,
// because the cost is read from the hash.
func TestPasswordCost(t *testing.T) {
	prod, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prod, "$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q is not at the production cost", prod)
	}
	UseTestCost()
	defer hashCost.Store(nil)
	cheap, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cheap, "$m=8,t=1,p=1$") {
		t.Fatalf("hash %q is not at the test cost", cheap)
	}
	for _, h := range []string{prod, cheap} {
		if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
			t.Errorf("right password refused by %q: %v %v", h, ok, err)
		}
		if ok, _ := CheckPassword(h, "correct horse batterY"); ok {
			t.Errorf("wrong password accepted by %q", h)
		}
	}
}
