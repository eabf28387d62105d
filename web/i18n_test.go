package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// Every text a template asks for by a literal key is in the catalogue, in
// Italian and in English: a missing key would show the key itself to users.
func TestTemplatesKeysTranslated(t *testing.T) {
	t.Parallel()
	keyRe := regexp.MustCompile(`\bt (?:\.Lang|\$lang|\$\.Lang) "([^"]+)"`)
	n := 0
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := templateFS.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			n++
			tr, ok := catalog[m[1]]
			if !ok {
				t.Errorf("%s: key %q is not in the catalogue", path, m[1])
				continue
			}
			if tr[0] == "" || tr[1] == "" {
				t.Errorf("%s: key %q lacks its Italian or English text", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d keys found: the pattern no longer matches the templates", n)
	}
}
