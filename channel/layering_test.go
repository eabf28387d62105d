package channel

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The adapters speak the domain's types (the root package), not the
// store's: no adapter, nor this package, imports the persistence package
// (tests may, to run against a real database).
func TestAdaptersDoNotImportTheStore(t *testing.T) {
	t.Parallel()
	const storePkg = "github.com/redazione/redazione/store"
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		n++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == storePkg {
				t.Errorf("%s imports %s", path, storePkg)
			}
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("read %d files: %v", n, err)
	}
}
