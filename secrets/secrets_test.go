package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New("una passphrase abbastanza lunga")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("123456:ABC-token-del-bot"))
	if err != nil || strings.Contains(sealed, "token-del-bot") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	again, _ := b.Seal([]byte("123456:ABC-token-del-bot"))
	if again == sealed {
		t.Error("the same secret sealed twice gives the same text (no nonce)")
	}
	got, err := b.Open(sealed)
	if err != nil || string(got) != "123456:ABC-token-del-bot" {
		t.Fatalf("open: %q %v", got, err)
	}
	other, _ := New("un'altra passphrase lunga")
	if _, err := other.Open(sealed); err == nil {
		t.Error("opened with another key")
	}
	if _, err := b.Open(sealed[:len(sealed)-2] + "AA"); err == nil {
		t.Error("an altered secret opened")
	}
	if _, err := New("corta"); err == nil {
		t.Error("a short key accepted")
	}
	if Mask("123456:ABC-token-del-bot") != "••••-bot" || Mask("abc") != "••••" {
		t.Errorf("mask: %q", Mask("123456:ABC-token-del-bot"))
	}
}

func TestKeyFileMadeOnce(t *testing.T) {
	dir := t.TempDir()
	a, err := FromEnv("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	sealed, _ := a.Seal([]byte("x"))
	b, _ := FromEnv("", dir)
	if got, err := b.Open(sealed); err != nil || string(got) != "x" {
		t.Fatal("the key file is not reused on the next start")
	}
}
