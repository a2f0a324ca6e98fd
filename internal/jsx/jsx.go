//go:build js && wasm

// Package jsx holds the safe property readers that bridge/ and the browser
// half of storage/ share: a read of a property a page supplied, whose getter
// may throw, must not end the Go program.
package jsx

import (
	"fmt"

	"github.com/hack-pad/safejs"
)

// Get reads the property p of obj through Reflect.get, and is the one way
// this module reads a property of a JS value that a page supplied or could
// have tampered with (a config object, a thrown value, a storage object). safejs's Get is not enough for a property whose getter
// may throw (window.localStorage in a sandboxed iframe, a getter in a user's
// object): wasm_exec.js reads properties without try/catch, so the exception
// would unwind through the wasm instance and end the Go program. Calls are
// caught, so the read goes through one. It returns an error for a thrown
// exception or when obj is not an object or function.
func Get(obj safejs.Value, p string) (safejs.Value, error) {
	if t := obj.Type(); t != safejs.TypeObject && t != safejs.TypeFunction {
		return safejs.Undefined(), fmt.Errorf("not an object but %s", t)
	}
	reflect, err := safejs.Global().Get("Reflect")
	if err != nil {
		return safejs.Undefined(), err
	}
	return reflect.Call("get", obj, p)
}

// String returns the string property p of v, or "" when v is not an
// object, the property is missing or not a string, or its getter throws.
func String(v safejs.Value, p string) string {
	pv, err := Get(v, p)
	if err != nil || pv.Type() != safejs.TypeString {
		return ""
	}
	s, _ := pv.String()
	return s
}
