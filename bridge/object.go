//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/hack-pad/safejs"
)

// object builds a plain JS object, method by method. Its methods and getters
// share a scope: release(o.v, err) frees the Go side of all of them.
type object struct {
	v  safejs.Value
	sc *scope
}

func newObject() object {
	v, _ := rt.object.New()
	return object{v, newScope(v)}
}

// set sets a property; a function made by Func, SyncFunc or keep becomes one
// of o's, released with it.
func (o object) set(key string, val any) object {
	if f, ok := val.(safejs.Value); ok && f.Type() == safejs.TypeFunction {
		o.sc.adopt(o.v, key, f)
	}
	_ = o.v.Set(key, val)
	return o
}

// getter defines a read-only, enumerable property computed by fn at each read.
// fn must not block: it runs inside a JS call. Once o is released, the
// property keeps the value it had then.
func (o object) getter(key string, fn func() (any, error)) object {
	get, id := bind(func(safejs.Value, []safejs.Value) any {
		v, err := protect(fn)
		if err != nil {
			return nil
		}
		jv, err := ToJS(v)
		if err != nil {
			return nil
		}
		return jv
	}, modePlain)
	kept.mu.Lock()
	o.sc.ids = append(o.sc.ids, id)
	o.sc.getters[id] = fn
	kept.mu.Unlock()
	desc := map[string]any{"get": get, "enumerable": true, "configurable": false}
	_, _ = rt.object.Call("defineProperty", o.v, key, desc)
	return o
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

// argv reads a JS method's arguments as Go values. After the first argument
// that does not fit, the readers return zero values and Err reports it: an
// invalid_config error naming the method and how it is called.
type argv struct {
	args          []safejs.Value
	method, usage string
	err           error
}

func (a *argv) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// str is args[i] as a non-empty string.
func (a *argv) str(i int) string {
	s, ok := argString(a.args, i, "")
	if !ok || s == "" {
		a.fail(&auth.ConfigError{Key: a.method, Reason: a.usage})
		return ""
	}
	return s
}

// json is args[i] as JSON text (a json.RawMessage), nil when undefined.
func (a *argv) json(i int) any {
	b, err := JSONOf(arg(a.args, i))
	if err != nil {
		a.fail(&auth.ConfigError{Key: "payload", Reason: err.Error()})
		return nil
	}
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// fn is args[i] as a JS function.
func (a *argv) fn(i int) safejs.Value {
	f := arg(a.args, i)
	if f.Type() != safejs.TypeFunction {
		a.fail(&auth.ConfigError{Key: a.method, Reason: a.usage})
	}
	return f
}

// Err is the first argument that did not fit, nil if all did.
func (a *argv) Err() error { return a.err }

// method is one entry of an object's method table: its JS name, how it is
// called (the message of a wrong call) and the named Go function behind it.
type method struct {
	name, usage string
	async       func(ctx context.Context, a *argv) (any, error) // returns a Promise
	sync        func(a *argv) (any, error)                      // answers at once
}

// methods sets a table of methods on o. An async method reads its arguments
// and works in its own goroutine; a sync one runs inside the JS call.
func (o object) methods(table ...method) object {
	for _, m := range table {
		name, usage := m.name, m.usage
		switch {
		case m.async != nil:
			fn := m.async
			o.set(name, Func(func(args []safejs.Value) func(context.Context) (any, error) {
				return func(ctx context.Context) (any, error) {
					return fn(ctx, &argv{args: args, method: name, usage: usage})
				}
			}))
		case m.sync != nil:
			fn := m.sync
			o.set(name, SyncFunc(func(args []safejs.Value) (any, error) {
				return fn(&argv{args: args, method: name, usage: usage})
			}))
		}
	}
	return o
}

// locationHref is window.location.href, "" outside a page.
func locationHref() string {
	loc, err := safejs.Global().Get("location")
	if err != nil || loc.IsUndefined() {
		return ""
	}
	return str(loc, "href")
}
