//go:build js && wasm

// Command corti-auth is the WebAssembly module: it registers the JS namespace
// built by package bridge with the loader (web/loader) and waits for calls.
package main

import (
	"os"

	"github.com/corti-auth/corti-auth/bridge"
	"github.com/hack-pad/safejs"
)

// version is set at build time (-ldflags -X main.version=…).
var version = "dev"

func main() {
	hooks := safejs.Undefined()
	if key := os.Getenv("CORTI_AUTH_HOOKS"); key != "" {
		hooks, _ = safejs.Global().Get(key)
	}
	if err := bridge.Init(hooks); err != nil {
		if !hooks.IsUndefined() {
			if reject, e := hooks.Get("reject"); e == nil {
				_, _ = reject.Invoke(err.Error())
			}
		}
		return
	}
	// Init succeeded, so the loader's hooks are there.
	if resolve, err := hooks.Get("resolve"); err == nil {
		_, _ = resolve.Invoke(bridge.Namespace(version))
	}
	select {}
}
