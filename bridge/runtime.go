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
	once       safejs.Value // once(f, ...args): a function that calls f(...args) the first time only
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
	rt.once = safejs.Undefined()
	if !hooks.IsUndefined() && !hooks.IsNull() {
		rt.errorClass, _ = hooks.Get("CortiAuthError")
		rt.wrapSync, _ = hooks.Get("wrapSync")
		rt.once, _ = hooks.Get("once")
	}
	// A host without the loader (the GOOS=js tests in Node) gets the helpers
	// from Function; pages always get them from the loader, so that a strict
	// Content-Security-Policy (no 'unsafe-eval') holds.
	fn, _ := g.Get("Function")
	if rt.once.Type() != safejs.TypeFunction {
		if rt.once, err = fn.New("f", "a", "b", "let done = false; return function () { if (!done) { done = true; f(a, b); } };"); err != nil {
			return errors.New("bridge: the loader gave no once() helper")
		}
	}
	if rt.wrapSync.Type() != safejs.TypeFunction {
		if rt.wrapSync, err = fn.New("fn", "return function(...a){const r=fn.apply(this,a);if(r.e!==undefined)throw r.e;return r.v}"); err != nil {
			return errors.New("bridge: the loader gave no wrapSync() helper")
		}
	}
	return nil
}
