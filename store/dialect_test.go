package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dialectFiles are the only files of the package that may ask which engine
// is in use.
var dialectFiles = map[string]bool{"dialect.go": true, "dialect_sqlite.go": true, "dialect_postgres.go": true}

// TestDialectSeam keeps what differs between SQLite and PostgreSQL behind
// the dialect interface: outside the dialect files no code names an engine
// or compares the engine in use.
func TestDialectSeam(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || dialectFiles[f] {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range dialectBranches(t, f, string(src)) {
			t.Errorf("%s asks which database is in use: move it behind the dialect interface (dialect.go)", p)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked %d files: is the test run in the store folder?", checked)
	}
}

// TestDialectSeamFinds makes sure the check of TestDialectSeam sees the
// branches it is there to forbid.
func TestDialectSeamFinds(t *testing.T) {
	src := `package store
func (db *DB) f() {
	if db.Dialect() == Postgres {}
	switch db.d.name() {}
	if _, ok := db.d.(sqliteDialect); ok {}
	_ = string(db.d.name()) != "sqlite"
}`
	if got := dialectBranches(t, "bad.go", src); len(got) != 5 {
		t.Errorf("found %d branches in %s, want 5: %v", len(got), src, got)
	}
}

// dialectBranches returns the positions in a Go file where code names an
// engine (SQLite, Postgres, their dialect types) or compares the engine in
// use (DB.Dialect() or dialect.name() in == != or a switch).
func dialectBranches(t *testing.T, name, src string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	asksName := func(e ast.Expr) bool {
		found := false
		ast.Inspect(e, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if s, ok := c.Fun.(*ast.SelectorExpr); ok && (s.Sel.Name == "Dialect" || s.Sel.Name == "name") {
					found = true
				}
			}
			return !found
		})
		return found
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		bad := false
		switch n := n.(type) {
		case *ast.Ident:
			switch n.Name {
			case "SQLite", "Postgres", "sqliteDialect", "postgresDialect":
				bad = true
			}
		case *ast.BinaryExpr:
			bad = (n.Op == token.EQL || n.Op == token.NEQ) && (asksName(n.X) || asksName(n.Y))
		case *ast.SwitchStmt:
			bad = n.Tag != nil && asksName(n.Tag)
		}
		if bad {
			out = append(out, fset.Position(n.Pos()).String())
		}
		return true
	})
	return out
}
