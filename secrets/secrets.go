// Package secrets encrypts channel credentials at rest (AES-256-GCM) with a
// master key from REDAZIONE_SECRET_KEY, REDAZIONE_SECRET_KEY_FILE, or a key
// file made on first start in the data directory. Keys and plaintexts are
// never logged.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Box seals and opens secrets with one master key.
type Box struct {
	aead   cipher.AEAD
	macKey []byte // for MAC, derived from the master key
}

// New makes a Box from a master key: 32 bytes in base64 or hex, or any
// passphrase of at least 16 characters (hashed to 32 bytes).
func New(key string) (*Box, error) {
	key = strings.TrimSpace(key)
	var k []byte
	if b, err := base64.StdEncoding.DecodeString(key); err == nil && len(b) == 32 {
		k = b
	} else if len(key) >= 16 {
		h := sha256.Sum256([]byte(key))
		k = h[:]
	} else {
		return nil, errors.New("REDAZIONE_SECRET_KEY: serve una chiave di almeno 16 caratteri")
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mk := sha256.Sum256(append([]byte("redazione mac\x00"), k...))
	return &Box{aead: aead, macKey: mk[:]}, nil
}

// FromEnv returns the Box of the key in env (already read from a _FILE if
// given), or of the key file in dataDir, made with a new random key on
// first use.
func FromEnv(key, dataDir string) (*Box, error) {
	if key != "" {
		return New(key)
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		if err := os.WriteFile(path, []byte(enc+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		return New(enc)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return New(string(b))
}

// Seal encrypts plaintext; the result is text, safe to store.
func (b *Box) Seal(plaintext []byte) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plaintext, nil)), nil
}

// Open decrypts what Seal made; a wrong key or altered text is an error.
func (b *Box) Open(sealed string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return nil, errors.New("segreto in un formato sconosciuto")
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return nil, errors.New("segreto illeggibile")
	}
	out, err := b.aead.Open(nil, data[:b.aead.NonceSize()], data[b.aead.NonceSize():], nil)
	if err != nil {
		return nil, errors.New("segreto illeggibile: chiave diversa da quella usata per cifrarlo?")
	}
	return out, nil
}

// MAC is a keyed hash of data (HMAC-SHA-256 under a key derived from the
// master key), in hex: it tells whether the same data comes again without
// keeping the data, and cannot be computed from a copy of the database.
func (b *Box) MAC(data string) string {
	h := hmac.New(sha256.New, b.macKey)
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil))
}

// Mask shows the last 4 characters of a secret, never more.
func Mask(s string) string {
	if len(s) <= 8 {
		return "••••"
	}
	return "••••" + s[len(s)-4:]
}
