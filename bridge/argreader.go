//go:build js && wasm

package bridge

import (
	"context"
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

// asyncMethod makes a JS method that returns a Promise: read runs at call time,
// reads the arguments and returns the work, which runs in its own goroutine.
// An argument read rejects the promise with its error.
func asyncMethod(key string, read func(a *argReader) func(ctx context.Context) (any, error)) safejs.Value {
	return Func(func(args []safejs.Value) func(context.Context) (any, error) {
		a := &argReader{args: args, key: key}
		work := read(a)
		if err := a.err; err != nil {
			return func(context.Context) (any, error) { return nil, err }
		}
		return work
	})
}

// syncMethod makes a JS method that answers at once (SyncFunc). fn checks
// a.err itself before acting on what it read; an argument error wins anyway.
func syncMethod(key string, fn func(a *argReader) (any, error)) safejs.Value {
	return SyncFunc(func(args []safejs.Value) (any, error) {
		a := &argReader{args: args, key: key}
		v, err := fn(a)
		if a.err != nil {
			return nil, a.err
		}
		return v, err
	})
}
