package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzUploadName(f *testing.F) {
	for _, s := range []string{"mappa.png", "", "  ", "a\x00b\r\n.pdf", "\xff\xfe.jpg", strings.Repeat("è", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name := uploadName(raw)
		if name == "" || len(name) > 200 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n") {
			t.Fatalf("uploadName(%q) = %q", raw, name)
		}
	})
}
