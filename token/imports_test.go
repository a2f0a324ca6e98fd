package token

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNoBrowserOrNetworkImports keeps the package pure Go: it is linked into
// the wasm module, fetches only through an injected Fetcher, and is tested
// natively.
func TestNoBrowserOrNetworkImports(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "syscall/js" || path == "net/http" || strings.HasPrefix(path, "net/http/") ||
				strings.HasPrefix(path, "github.com/golang-jwt/jwt/v5/request") {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
