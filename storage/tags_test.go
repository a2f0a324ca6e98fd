//go:build !(js && wasm)

package storage_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The browser half must carry the js && wasm constraint as its first line, or
// `go test ./...` stops building natively (and a _wasm suffix alone also
// matches wasip1).
func TestBrowserFilesAreTagged(t *testing.T) {
	files, err := filepath.Glob("browser*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no browser files found: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("//go:build js && wasm\n\npackage storage")) {
			t.Errorf("%s does not start with //go:build js && wasm, a blank line and the package clause", f)
		}
	}
}
