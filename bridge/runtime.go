//go:build js && wasm

package bridge

import (
	"errors"

	"github.com/hack-pad/safejs"
)

// rt holds the JS values the bridge needs, looked up once by Init (never at
// package init, so the package also loads where they are missing).
var rt struct {
	errorClass safejs.Value // the loader's CortiAuthError class
	wrapSync   safejs.Value // the loader's wrapSync(fn)
	json       safejs.Value
	object     safejs.Value
}

var jsPromise safejs.Value

// Init reads the globals and the loader's hooks (an object with CortiAuthError
// and wrapSync). It fails when Promise or JSON is missing.
func Init(hooks safejs.Value) error {
	g := safejs.Global()
	var err error
	if jsPromise, err = g.Get("Promise"); err != nil || jsPromise.IsUndefined() {
		return errors.New("bridge: no Promise in this JS host")
	}
	if rt.json, err = g.Get("JSON"); err != nil || rt.json.IsUndefined() {
		return errors.New("bridge: no JSON in this JS host")
	}
	rt.object, _ = g.Get("Object")
	rt.errorClass = safejs.Undefined()
	rt.wrapSync = safejs.Undefined()
	if !hooks.IsUndefined() && !hooks.IsNull() {
		rt.errorClass, _ = hooks.Get("CortiAuthError")
		rt.wrapSync, _ = hooks.Get("wrapSync")
	}
	if rt.wrapSync.Type() != safejs.TypeFunction {
		// A host without the loader (the GOOS=js tests): errors come back as
		// values, which the tests read.
		w, _ := g.Get("Function")
		rt.wrapSync, _ = w.New("fn", "return function(...a){const r=fn.apply(this,a);if(r.e!==undefined)throw r.e;return r.v}")
	}
	return nil
}
