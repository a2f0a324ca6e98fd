//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/hack-pad/safejs"
)

// The objects of the API (the namespace, Client, Session, Assistant) are JS
// classes of the loader (web/loader/core.js, makeObjects) around a handle. Go
// keeps, for each live handle, a table of its methods and its Go side, and
// answers every call through one function, dispatch; listeners live in JS. Go
// names the objects by handle and holds none of them (the loader does, while
// Go may emit to them). An object ends (end) at close(), destroy() or an
// Assistant's unload: the loader saves its getters' values and answers from
// them from then on, without calling Go, and the handle is deleted — Go then
// holds nothing of it. A Client, and a session that ended without close(), go
// when the page's garbage collector takes their object (forget).

// method is one member of an object's table: exactly one of async, sync and
// get is set.
type method struct {
	key   string                                                // the ConfigError key of an argument error; "" is the method's name
	async func(a *argReader) func(context.Context) (any, error) // reads its arguments in the caller's turn; the work runs on a goroutine
	sync  func(a *argReader) (any, error)                       // answers at once (an argument error wins over its result)
	get   func() (any, error)                                   // a getter: must not block; an error reads undefined
}

type methods map[string]method

// handle is one live object.
type handle struct {
	ms methods
	of any // the Go side (*jsSession, *mount, …)
}

var handles struct {
	mu   sync.Mutex
	next uint32
	m    map[uint32]*handle
}

// publish makes the JS object of kind (a class of makeObjects) for a new
// handle with the methods ms and the fixed properties props; of is its Go
// side. It returns the object and the handle.
func publish(kind string, of any, ms methods, props map[string]any) (safejs.Value, uint32) {
	init, _ := rt.object.New()
	for k, v := range props {
		_ = init.Set(k, v)
	}
	e := &handle{ms: ms, of: of}
	handles.mu.Lock()
	if handles.m == nil {
		handles.m = map[uint32]*handle{}
	}
	handles.next++
	h := handles.next
	handles.m[h] = e
	handles.mu.Unlock()
	obj, err := rt.make.Invoke(kind, h, init)
	if err != nil {
		obj = safejs.Undefined()
	}
	return obj, h
}

// end ends the object of handle h with err (what its methods answer from now
// on) and forgets it. It is idempotent; h = 0 does nothing.
func end(h uint32, err error) {
	handles.mu.Lock()
	e := handles.m[h]
	handles.mu.Unlock()
	if e == nil {
		return
	}
	_, _ = rt.end.Invoke(h, ErrorValue(err)) // the loader reads the getters through dispatch first
	handles.mu.Lock()
	delete(handles.m, h)
	handles.mu.Unlock()
}

// letGo tells the loader that Go emits nothing more to the object of h (a
// session that ended): the page alone keeps it, and forget drops h once the
// page's garbage collector took it. h = 0 does nothing.
func letGo(h uint32) {
	if h != 0 {
		_, _ = rt.letGo.Invoke(h)
	}
}

// forget is the loader's call when the garbage collector took the object of
// handle args[0]: Go drops its side.
func forget(_ safejs.Value, args []safejs.Value) any {
	defer recovered(nil)
	n, _ := arg(args, 0).Int()
	handles.mu.Lock()
	delete(handles.m, uint32(n))
	handles.mu.Unlock()
	return nil
}

// objectOf is the object of handle h, undefined once collected.
func objectOf(h uint32) safejs.Value {
	v, err := rt.lookup.Invoke(h)
	if err != nil {
		return safejs.Undefined()
	}
	return v
}

// handleOf is the handle of v when it is one of the objects, else 0.
func handleOf(v safejs.Value) uint32 {
	hv, err := rt.handleOf.Invoke(v)
	if err != nil {
		return 0
	}
	n, _ := hv.Int()
	return uint32(n)
}

// liveOf lists the Go sides of the live objects for which keep says yes.
func liveOf[T any](keep func(T, uint32) bool) []T {
	handles.mu.Lock()
	defer handles.mu.Unlock()
	var out []T
	for h, e := range handles.m {
		if v, ok := e.of.(T); ok && keep(v, h) {
			out = append(out, v)
		}
	}
	return out
}

var errGone = errors.New("corti-auth: this object was released")

// dispatch is the one Go function the loader calls: call(handle, method,
// resolve, reject, ...args). An async method settles resolve or reject from a
// goroutine (or answers {e} at once, which the loader turns into the
// rejection); a sync one or a getter answers {v} or {e}. A panic rejects or
// throws with code internal, and the module keeps working.
func dispatch(_ safejs.Value, args []safejs.Value) (out any) {
	defer func() { // outside a method's own guard (protect): answered as a throw, or by the loader as a rejection
		if r := recover(); r != nil {
			out = map[string]any{"e": safejs.Unsafe(ErrorValue(&PanicError{Value: r, Stack: string(debug.Stack())}))}
		}
	}()
	hook("objects.dispatch")
	n, _ := arg(args, 0).Int()
	name, _ := arg(args, 1).String()
	resolve, reject := arg(args, 2), arg(args, 3)
	var rest []safejs.Value
	if len(args) > 4 {
		rest = args[4:]
	}
	handles.mu.Lock()
	e := handles.m[uint32(n)]
	handles.mu.Unlock()
	var m method
	if e != nil {
		m = e.ms[name]
	}
	key := m.key
	if key == "" {
		key = name
	}
	a := &argReader{args: rest, key: key}
	switch {
	case m.async != nil:
		work, err := protect(func() (any, error) { w := m.async(a); return w, a.err })
		if err != nil {
			work = func(context.Context) (any, error) { return nil, err }
		}
		go resolveWith(resolve, reject, work.(func(context.Context) (any, error)))
		return nil
	case m.sync != nil:
		return answer(protect(func() (any, error) {
			v, err := m.sync(a)
			if a.err != nil {
				return nil, a.err
			}
			return v, err
		}))
	case m.get != nil:
		v, err := protect(m.get)
		if err != nil { // a getter does not throw: it reads null, and a panic is reported as internal
			if isPanic(err) {
				goSafe(nil, func() { reportInternal(err) })
			}
			return map[string]any{"v": nil}
		}
		return answer(v, nil)
	}
	err := errGone // the loader ends an object before Go forgets it: a defect
	if e != nil {
		err = fmt.Errorf("corti-auth: %s: no such method", name)
	}
	if resolve.Type() == safejs.TypeFunction {
		go resolveWith(resolve, reject, func(context.Context) (any, error) { return nil, err })
		return nil
	}
	return answer(nil, err)
}

// answer is a sync method's {v} or {e} (thrown by the loader).
func answer(v any, err error) any {
	if err == nil {
		var jv safejs.Value
		if jv, err = ToJS(v); err == nil {
			return map[string]any{"v": safejs.Unsafe(jv)}
		}
	}
	return map[string]any{"e": safejs.Unsafe(ErrorValue(err))}
}
