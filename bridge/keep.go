//go:build js && wasm

package bridge

import (
	"sync"

	"github.com/hack-pad/safejs"
)

// The Go functions behind JS methods are not handed to JS one by one (a
// syscall/js Func lives until released, and with it everything its closure
// holds). Every method is instead one bound function of a single dispatcher,
// dispatch.bind(undefined, id, mode, cell, key), and the Go function sits in
// kept.fns under its id. Releasing an object (session.close(), an assistant's
// destroy()) deletes its ids: the Go side then holds nothing of it, while a
// method reference the page kept still answers from what is bound into it —
// a Promise method rejects, and a sync one throws, with the error the object
// ended with (cell.e), close/destroy do nothing, a getter gives its last value
// (cell.g[key]).

type fnMode int

const (
	modePlain   fnMode = iota // a getter or a helper: its last value, or undefined, once released
	modePromise               // returns a Promise; once released, rejects with cell.e
	modeSync                  // returns {v} or {e} for wrapSync; once released, throws cell.e
	modeQuiet                 // close, destroy: once released, a no-op
)

var kept struct {
	mu       sync.Mutex
	next     uint32
	fns      map[uint32]func(this safejs.Value, args []safejs.Value) any
	dispatch safejs.Value
	objs     safejs.Value // WeakMap: object → its scope id in scopes
	funcs    safejs.Value // WeakMap: keep'd function → id
	scopes   map[uint32]*scope
	nextObj  uint32
}

// scope is what one object's methods share.
type scope struct {
	id      uint32
	obj     safejs.Value
	cell    safejs.Value // {e, g}: the end error and the getters' last values
	ids     []uint32
	getters []getterEntry
}

type getterEntry struct {
	key string
	fn  func() (any, error)
}

func initKept() {
	kept.mu.Lock()
	defer kept.mu.Unlock()
	if kept.fns != nil {
		return
	}
	kept.fns = map[uint32]func(safejs.Value, []safejs.Value) any{}
	kept.scopes = map[uint32]*scope{}
	f, err := safejs.FuncOf(dispatch) // the one Go function JS holds, for good
	if err != nil {
		kept.dispatch = safejs.Undefined()
		return
	}
	kept.dispatch = f.Value()
	if wm, err := safejs.Global().Get("WeakMap"); err == nil && wm.Type() == safejs.TypeFunction {
		kept.objs, _ = wm.New()
		kept.funcs, _ = wm.New()
	}
}

// bind registers fn and returns its JS function and id.
func bind(fn func(safejs.Value, []safejs.Value) any, mode fnMode, sc *scope, key string) (safejs.Value, uint32) {
	initKept()
	kept.mu.Lock()
	kept.next++
	id := kept.next
	kept.fns[id] = fn
	cell := safejs.Undefined()
	if sc != nil {
		sc.ids = append(sc.ids, id)
		cell = sc.cell
	}
	kept.mu.Unlock()
	v, err := kept.dispatch.Call("bind", safejs.Undefined(), id, int(mode), cell, key)
	if err != nil {
		return safejs.Undefined(), id
	}
	return v, id
}

func dispatch(this safejs.Value, args []safejs.Value) any {
	n, _ := arg(args, 0).Int()
	kept.mu.Lock()
	fn := kept.fns[uint32(n)]
	kept.mu.Unlock()
	rest := args
	if len(rest) >= 4 {
		rest = rest[4:]
	} else {
		rest = nil
	}
	if fn != nil {
		return fn(this, rest)
	}
	mode, _ := arg(args, 1).Int()
	cell := arg(args, 2)
	if cell.Type() != safejs.TypeObject {
		cell = safejs.Undefined()
	}
	e := safejs.Undefined()
	if !cell.IsUndefined() {
		e = mustGet(cell, "e")
	}
	switch fnMode(mode) {
	case modePromise:
		p, err := jsPromise.Call("reject", e)
		if err != nil {
			return nil
		}
		return p
	case modeSync:
		return map[string]any{"e": safejs.Unsafe(e)}
	case modeQuiet:
		return map[string]any{}
	}
	if key, _ := arg(args, 3).String(); key != "" && !cell.IsUndefined() {
		return mustGet(mustGet(cell, "g"), key)
	}
	return nil
}

// newScope gives obj a scope for its methods.
func newScope(obj safejs.Value) *scope {
	initKept()
	cell, _ := rt.object.New()
	g, _ := rt.object.New()
	_ = cell.Set("g", g)
	kept.mu.Lock()
	kept.nextObj++
	sc := &scope{id: kept.nextObj, obj: obj, cell: cell}
	kept.scopes[sc.id] = sc
	kept.mu.Unlock()
	if kept.objs.Type() == safejs.TypeObject {
		_, _ = kept.objs.Call("set", obj, sc.id)
	}
	return sc
}

// release ends obj, an object made by newObject: the Go functions behind its
// methods are freed, and a method the page still holds rejects (or throws)
// with err; close and destroy do nothing; a getter keeps the value it had
// now. It is idempotent, and does nothing for a value that is not such an
// object.
func release(obj safejs.Value, err error) {
	if kept.objs.Type() != safejs.TypeObject || obj.Type() != safejs.TypeObject {
		return
	}
	v, gerr := kept.objs.Call("get", obj)
	if gerr != nil || v.Type() != safejs.TypeNumber {
		return
	}
	n, _ := v.Int()
	kept.mu.Lock()
	sc := kept.scopes[uint32(n)]
	delete(kept.scopes, uint32(n))
	kept.mu.Unlock()
	if sc == nil {
		return
	}
	_, _ = kept.objs.Call("delete", obj)
	g := mustGet(sc.cell, "g")
	for _, ge := range sc.getters {
		if v, err := protect(ge.fn); err == nil {
			if jv, err := ToJS(v); err == nil {
				_ = g.Set(ge.key, jv)
			}
		}
	}
	_ = sc.cell.Set("e", ErrorValue(err))
	kept.mu.Lock()
	for _, id := range sc.ids {
		delete(kept.fns, id)
	}
	kept.mu.Unlock()
}

// releaseFunc frees a function made by keep; calling it afterwards does
// nothing. Anything else is ignored.
func releaseFunc(f safejs.Value) {
	if kept.funcs.Type() != safejs.TypeObject || f.Type() != safejs.TypeFunction {
		return
	}
	v, err := kept.funcs.Call("get", f)
	if err != nil || v.Type() != safejs.TypeNumber {
		return
	}
	n, _ := v.Int()
	_, _ = kept.funcs.Call("delete", f)
	kept.mu.Lock()
	delete(kept.fns, uint32(n))
	kept.mu.Unlock()
}
