package main

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Each administration command has its own flags: -h lists those and no
// other, and a flag of another command is refused.
func TestAdminFlagsPerCommand(t *testing.T) {
	t.Setenv("REDAZIONE_DATA_DIR", t.TempDir()) // -h must not need the database
	t.Setenv("REDAZIONE_DATABASE_URL", "")
	for cmd, want := range map[string][]string{
		"user create":          {"desk", "email", "ente", "name", "password-file", "role"},
		"user list":            {"ente"},
		"user reset-factors":   {"email", "ente"},
		"user disable":         {"email", "ente"},
		"token create":         {"ente", "expires", "name", "read-only", "user"},
		"token list":           {"ente", "user"},
		"token revoke":         {"ente"},
		"channel add api":      {"callback-url", "desk", "ente", "name", "set"},
		"channel add webchat":  {"desk", "ente", "name", "set"},
		"channel add telegram": {"desk", "ente", "name", "set"},
		"channel add email":    {"desk", "ente", "name", "set"},
		"channel list":         {"ente"},
		"ente create":          {"ente", "name", "slug"},
		"ente list":            {"ente"},
		"audit verify":         {"ente"},
		"sso set":              {"allowed-domain", "client-id", "client-secret-file", "create-users", "ente", "issuer", "name", "password-login"},
		"sso show":             {"ente"},
		"sso off":              {"ente"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), append(strings.Fields(cmd), "-h"), &out, &errb); err != nil {
			t.Errorf("redazione %s -h: %v", cmd, err)
			continue
		}
		var got []string
		for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(errb.String(), -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) || out.Len() != 0 {
			t.Errorf("redazione %s -h lists %v, want %v (stdout %q):\n%s", cmd, got, want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"user", "list", "--role", "operator"},
		{"token", "create", "--email", "a@b.it"},
		{"channel", "add", "webchat", "--name", "Chat", "--callback-url", "https://example.it"},
		{"ente", "create", "--slug", "x", "--name", "X", "--desk", "contatti"},
	} {
		if err := run(context.Background(), args, &out, &errb); err == nil || !strings.Contains(err.Error(), "flag provided but not defined") {
			t.Errorf("redazione %s: %v, want an unknown flag", strings.Join(args, " "), err)
		}
	}
}
