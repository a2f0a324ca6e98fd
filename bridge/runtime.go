//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// rt holds the JS values the bridge needs, looked up once by Init (never at
// package init, so the package also loads where they are missing).
var rt struct {
	errorClass safejs.Value // the loader's CortiAuthError class
	make       safejs.Value // makeObjects' make(kind, handle, props): a new object (objects.go)
	end        safejs.Value // end(handle, error): its object answers from its saved state from now on
	emit       safejs.Value // emit(handle, name, detail): its object's listeners of name and "*"
	letGo      safejs.Value // letGo(handle): Go will emit no more to it; the page alone keeps it
	lookup     safejs.Value // object(handle): its object, undefined once collected
	handleOf   safejs.Value // handleOf(value): the handle of one of the objects, else 0
	json       safejs.Value
	object     safejs.Value
}

var jsPromise safejs.Value

// Init reads the globals and the loader's hooks: an object with the
// CortiAuthError class and makeObjects of web/loader/core.js, their only copy
// (the bridge builds no function from source, which a strict
// Content-Security-Policy would forbid anyway); makeObjects gets the one Go
// function of the objects' methods, dispatch (objects.go). It fails when
// Promise or JSON is missing, or when a hook is not a function.
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
	const noHook = "bridge: the loader gave no %s (load the module through corti-auth.js or corti-auth.global.js)"
	rt.errorClass = mustGet(hooks, "CortiAuthError")
	mk := mustGet(hooks, "makeObjects")
	for name, v := range map[string]safejs.Value{"CortiAuthError": rt.errorClass, "makeObjects": mk} {
		if v.Type() != safejs.TypeFunction {
			return fmt.Errorf(noHook, name)
		}
	}
	d, err := safejs.FuncOf(dispatch) // the one Go function the objects' methods call, for good
	if err != nil {
		return err
	}
	f, err := safejs.FuncOf(forget) // and the one the loader calls when the page's garbage collector took one
	if err != nil {
		return err
	}
	objs, err := mk.Invoke(d.Value(), f.Value())
	if err != nil {
		return fmt.Errorf("bridge: makeObjects: %w", err)
	}
	for name, v := range map[string]*safejs.Value{"make": &rt.make, "end": &rt.end, "emit": &rt.emit, "letGo": &rt.letGo,
		"object": &rt.lookup, "handleOf": &rt.handleOf} {
		if *v = mustGet(objs, name); v.Type() != safejs.TypeFunction {
			return fmt.Errorf(noHook, "makeObjects()."+name)
		}
	}
	return nil
}
