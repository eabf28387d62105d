package auth

import (
	"strings"
	"testing"
)

func TestCheckNewPassword(t *testing.T) {
	for _, tc := range []struct {
		pw, why string
	}{
		{"corto", "almeno 12 caratteri"},
		{"àèìòùàèìòù1", "almeno 12 caratteri"}, // 11 characters, more bytes
		{"password123", "almeno 12 caratteri"},
		{"qwertyuiop12", "più usate"},
		{"123456789012", "più usate"},
		{"Password1234", "più usate"},
		{"FORZAJUVENTUS", "più usate"},
		{"zzzzzzzzzzzzzz", "ripetuto"},
		{"cavallo batteria graffetta", ""},
		{GeneratePassword(), ""},
	} {
		err := CheckNewPassword(tc.pw)
		switch {
		case tc.why == "" && err != nil:
			t.Errorf("%q refused: %v", tc.pw, err)
		case tc.why != "" && (err == nil || !strings.Contains(err.Error(), tc.why)):
			t.Errorf("%q: got %v, want a refusal saying %q", tc.pw, err, tc.why)
		}
	}
	if len(commonPasswords) < 300 {
		t.Errorf("only %d common passwords loaded", len(commonPasswords))
	}
	for pw := range commonPasswords {
		if len([]rune(pw)) < MinPasswordLen {
			t.Errorf("%q in the list is shorter than the minimum, refused anyway", pw)
		}
	}
}
