//go:build js && wasm

package bridge

import (
	"os"
	"testing"

	"github.com/hack-pad/safejs"
)

// loaderHooks builds the hooks object as the loader does, from the loader's
// own source (web/loader/core.js, read through Node's fs): the tests run the
// helpers the pages get, not a copy.
func loaderHooks() safejs.Value {
	src, err := os.ReadFile("../web/loader/core.js")
	if err != nil {
		panic(err)
	}
	fn, err := safejs.Global().Get("Function")
	if err != nil {
		panic(err)
	}
	mk, err := fn.New(string(src) + `
const loader = makeLoader(() => "corti-auth.wasm");
return { CortiAuthError: loader.CortiAuthError, makeObjects };`)
	if err != nil {
		panic(err)
	}
	hooks, err := mk.Invoke()
	if err != nil {
		panic(err)
	}
	return hooks
}

func TestInitRefusesIncompleteHooks(t *testing.T) {
	defer func() {
		if err := Init(loaderHooks()); err != nil {
			t.Fatalf("Init with the loader's hooks: %v", err)
		}
	}()
	if err := Init(safejs.Undefined()); err == nil {
		t.Error("Init without hooks succeeded")
	}
	for _, drop := range []string{"CortiAuthError", "makeObjects"} {
		h := loaderHooks()
		if err := h.Delete(drop); err != nil {
			t.Fatal(err)
		}
		if err := Init(h); err == nil {
			t.Errorf("Init without %s succeeded", drop)
		}
	}
}
