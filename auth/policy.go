package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"
)

// commonPasswords are passwords of MinPasswordLen characters or more that
// leaked-password rankings show people choose; see the file for where they
// come from.
//
//go:embed common_passwords.txt
var commonPasswordsFile string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// CheckNewPassword says why a password may not be set, in Italian, or
// returns nil: shorter than MinPasswordLen characters, one character
// repeated, or among the most common passwords (compared without case).
// It applies wherever a password is chosen: the web forms, the command line,
// the first administrator.
func CheckNewPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLen {
		return fmt.Errorf("la password deve avere almeno %d caratteri (ne ha %d)", MinPasswordLen, n)
	}
	if strings.TrimLeft(password, password[:1]) == "" {
		return fmt.Errorf("la password non può essere un solo carattere ripetuto")
	}
	if commonPasswords[strings.ToLower(password)] {
		return fmt.Errorf("è una delle password più usate, la prima che un attaccante prova: scegline un'altra")
	}
	return nil
}
