//go:build js && wasm

package bridge

import (
	"encoding/json"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/hack-pad/safejs"
)

// argReader reads a JS method's arguments by position. The first argument it
// cannot use sets err, an *auth.ConfigError with the method's key and the
// reason given; later reads change nothing.
type argReader struct {
	args []safejs.Value
	key  string
	err  error
}

// fail records reason, unless an earlier read failed.
func (a *argReader) fail(reason string) {
	if a.err == nil {
		a.err = &auth.ConfigError{Key: a.key, Reason: reason}
	}
}

// value is args[i], undefined when absent.
func (a *argReader) value(i int) safejs.Value { return arg(a.args, i) }

// str reads args[i] as a string: undefined and null give def, anything else
// that is not a string fails with reason.
func (a *argReader) str(i int, def, reason string) string {
	s, ok := argString(a.args, i, def)
	if !ok {
		a.fail(reason)
	}
	return s
}

// nonEmpty reads args[i] as a non-empty string, failing with reason otherwise.
func (a *argReader) nonEmpty(i int, reason string) string {
	s := a.str(i, "", reason)
	if s == "" {
		a.fail(reason)
	}
	return s
}

// json reads args[i] as JSON text (a json.RawMessage), nil when undefined.
func (a *argReader) json(i int) any {
	b, err := JSONOf(a.value(i))
	if err != nil {
		if a.err == nil {
			a.err = &auth.ConfigError{Key: "payload", Reason: err.Error()}
		}
		return nil
	}
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// fn reads args[i] as a function, failing with reason otherwise.
func (a *argReader) fn(i int, reason string) safejs.Value {
	v := a.value(i)
	if v.Type() != safejs.TypeFunction {
		a.fail(reason)
	}
	return v
}

// object is args[i] when it is a non-null object, else undefined (an absent
// options argument).
func (a *argReader) object(i int) (safejs.Value, bool) {
	v := a.value(i)
	if v.Type() != safejs.TypeObject || v.IsNull() {
		return safejs.Undefined(), false
	}
	return v, true
}

// argString reads args[i] as a string; undefined and null give def.
func argString(args []safejs.Value, i int, def string) (string, bool) {
	a := arg(args, i)
	switch a.Type() {
	case safejs.TypeUndefined, safejs.TypeNull:
		return def, true
	case safejs.TypeString:
		s, err := a.String()
		return s, err == nil
	}
	return "", false
}
