//go:build js && wasm

package bridge

import (
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

// locationHref is window.location.href, "" outside a page.
func locationHref() string {
	loc, err := safejs.Global().Get("location")
	if err != nil || loc.IsUndefined() {
		return ""
	}
	return str(loc, "href")
}
