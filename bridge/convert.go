//go:build js && wasm

package bridge

import (
	"encoding/json"
	"fmt"

	"github.com/corti-auth/corti-auth/internal/jsx"
	"github.com/hack-pad/safejs"
)

// ToJS converts a Go value for JS: JS values pass through; nil is undefined;
// strings, numbers and bools directly; anything else through JSON.
func ToJS(v any) (safejs.Value, error) {
	switch x := v.(type) {
	case nil:
		return safejs.Undefined(), nil
	case safejs.Value:
		return x, nil
	case string, bool, int, int64, float64:
		return safejs.ValueOf(x)
	case json.RawMessage:
		return parseJSON(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return safejs.Undefined(), fmt.Errorf("bridge: cannot convert %T for JS: %w", v, err)
	}
	return parseJSON(b)
}

func parseJSON(b []byte) (safejs.Value, error) {
	if len(b) == 0 {
		return safejs.Undefined(), nil
	}
	v, err := rt.json.Call("parse", string(b))
	if err != nil {
		return safejs.Undefined(), browserErr("JSON.parse", err)
	}
	return v, nil
}

// JSONOf serialises a JS value with JSON.stringify (functions and undefined
// members are dropped, as JSON does). undefined gives nil.
func JSONOf(v safejs.Value) ([]byte, error) {
	if v.IsUndefined() {
		return nil, nil
	}
	s, err := rt.json.Call("stringify", v)
	if err != nil {
		return nil, err
	}
	if s.IsUndefined() {
		return nil, nil
	}
	str, err := s.String()
	return []byte(str), err
}

// str reads a property as a string, "" when absent, not a string, or when its
// getter throws (jsx.String: a plain Get on a throwing getter would end
// the Go program).
func str(v safejs.Value, key string) string { return jsx.String(v, key) }

// mustGet reads a property through jsx.Get, undefined when the read
// throws or v is not an object.
func mustGet(v safejs.Value, key string) safejs.Value {
	p, err := jsx.Get(v, key)
	if err != nil {
		return safejs.Undefined()
	}
	return p
}

// jsString is String(v), defensively: "JavaScript value" when String throws (a
// toString that throws, a Symbol's description aside).
func jsString(v safejs.Value) string {
	f, err := safejs.Global().Get("String")
	if err != nil {
		return "JavaScript value"
	}
	s, err := f.Invoke(v)
	if err != nil {
		return "JavaScript value"
	}
	out, _ := s.String()
	return out
}

// boolOf reads a property as a boolean: true only when it is the boolean true
// (absent, another type, or a getter that throws give false).
func boolOf(v safejs.Value, key string) bool {
	p := mustGet(v, key)
	if p.Type() != safejs.TypeBoolean {
		return false
	}
	b, err := p.Bool()
	return err == nil && b
}
