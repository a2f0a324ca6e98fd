//go:build js && wasm

package storage_test

import (
	"testing"

	"github.com/hack-pad/safejs"

	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/storage/storetest"
)

// inBrowser reports whether this test binary runs in a page (web/e2e/storage.test.mjs
// runs it in Chromium) rather than in Node.
func inBrowser() bool {
	doc, err := safejs.Global().Get("document")
	return err == nil && !doc.IsUndefined()
}

// TestRealBrowserStores runs the conformance suite against the browser's own
// localStorage and sessionStorage. In Node (no such globals) it is skipped;
// the end-to-end tests run this binary in Chromium, where it must pass.
func TestRealBrowserStores(t *testing.T) {
	if !inBrowser() {
		t.Skip("not in a browser: run by web/e2e/storage.test.mjs in Chromium")
	}
	for name, open := range map[string]func() (*storage.Browser, error){
		"localStorage": storage.Local, "sessionStorage": storage.Session,
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storage.Store {
				s, err := open()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				keys, err := s.Keys()
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					if err := s.Remove(k); err != nil {
						t.Fatal(err)
					}
				}
				return s
			})
		})
	}
}
