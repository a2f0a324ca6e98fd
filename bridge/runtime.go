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

// Init reads the globals and the loader's hooks: an object with the
// CortiAuthError class and the wrapSync and once helpers of web/loader/core.js,
// their only copy (the bridge builds no function from source, which a strict
// Content-Security-Policy would forbid anyway). It fails when Promise or JSON
// is missing, or when a hook is not a function.
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
	for _, h := range []struct {
		name string
		v    *safejs.Value
	}{{"CortiAuthError", &rt.errorClass}, {"wrapSync", &rt.wrapSync}, {"once", &rt.once}} {
		*h.v = mustGet(hooks, h.name)
		if h.v.Type() != safejs.TypeFunction {
			return errors.New("bridge: the loader gave no " + h.name + " (load the module through corti-auth.js or corti-auth.global.js)")
		}
	}
	return nil
}
