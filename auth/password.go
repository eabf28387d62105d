// Package auth hashes passwords with argon2id and makes the random tokens of
// sessions, API access and the web chat.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3 passes).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// cost is the work of one argon2id hash.
type cost struct {
	time, memory uint32
	threads      uint8
}

var (
	productionCost = cost{argonTime, argonMemory, argonThreads}
	// testCost is the cheapest cost argon2id allows: a hash takes
	// microseconds instead of most of a second.
	testCost = cost{time: 1, memory: 8, threads: 1}
	// hashCost is the cost of new hashes; nil means productionCost. Only
	// UseTestCost, which refuses to run outside a test binary, changes it.
	hashCost atomic.Pointer[cost]
)

// UseTestCost makes HashPassword hash at the cheapest argon2id cost, for
// tests that create users by the hundred. CheckPassword is unaffected: it
// reads the cost from each hash, so hashes of either cost verify. It panics
// outside a test binary (testing.Testing), so that a server can never hash
// its users' passwords at the test cost.
func UseTestCost() {
	if !testing.Testing() {
		panic("auth.UseTestCost called outside a test binary")
	}
	hashCost.Store(&testCost)
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	c := productionCost
	if tc := hashCost.Load(); tc != nil {
		c = *tc
	}
	key := argon2.IDKey([]byte(password), salt, c.time, c.memory, c.threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time, c.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash, in
// constant time.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unknown password hash format")
	}
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a random password of 20 characters that is easy
// to read aloud (no 0/O, 1/l).
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewToken returns a random token with a prefix that tells what it is.
func NewToken(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns what is stored of a token: its SHA-256, so a copy of the
// database gives no usable token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
