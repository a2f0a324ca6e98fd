//go:build js && wasm

package bridge

import (
	"errors"
	"sync"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/session"
	"github.com/hack-pad/safejs"
)

// The Go functions behind JS methods are not handed to JS one by one (a
// syscall/js Func lives until released, and with it everything its closure
// holds). Every one is instead a bound function of a single dispatcher,
// dispatch.bind(undefined, id, mode, cell), with the Go function in kept.fns
// under its id. Releasing an object deletes the ids of its methods and
// getters: Go then holds nothing of it, while a function the page kept still
// answers from what is bound into it — a Promise method rejects, and a sync
// one throws, with the error the object ended with (cell.e); close and destroy
// do nothing (cell.q); a getter gives its last value (cell.v).
//
// An object ends when its close or destroy method returns (or release is
// called): a session's kept methods then reject with session_ended, an
// assistant's with assistant_error (destroyed).

type fnMode int

const (
	modePlain   fnMode = iota // a getter or a helper: once released, its last value or undefined
	modePromise               // returns a Promise; once released, rejects with cell.e
	modeSync                  // returns {v} or {e} for wrapSync; once released, throws cell.e
)

var kept struct {
	mu       sync.Mutex
	next     uint32
	fns      map[uint32]func(this safejs.Value, args []safejs.Value) any
	cells    map[uint32]safejs.Value
	scopes   map[uint32]*scope
	nextObj  uint32
	dispatch safejs.Value
	objs     safejs.Value // WeakMap: object → its scope id
	funcs    safejs.Value // WeakMap: function → its id
}

// scope is the functions of one object.
type scope struct {
	id      uint32
	ids     []uint32
	getters map[uint32]func() (any, error)
}

// endErrors: what a kept method of an object ended by this method rejects with.
var endErrors = map[string]error{
	"close":   session.ErrClosed,      // session_ended
	"destroy": assistant.ErrDestroyed, // assistant_error
}

func initKept() {
	kept.mu.Lock()
	defer kept.mu.Unlock()
	if kept.fns != nil {
		return
	}
	kept.fns = map[uint32]func(safejs.Value, []safejs.Value) any{}
	kept.cells = map[uint32]safejs.Value{}
	kept.scopes = map[uint32]*scope{}
	kept.dispatch = safejs.Undefined()
	if f, err := safejs.FuncOf(dispatch); err == nil { // the one Go function JS holds, for good
		kept.dispatch = f.Value()
	}
	if wm, err := safejs.Global().Get("WeakMap"); err == nil && wm.Type() == safejs.TypeFunction {
		kept.objs, _ = wm.New()
		kept.funcs, _ = wm.New()
	}
}

// bind registers fn and returns its JS function and id.
func bind(fn func(safejs.Value, []safejs.Value) any, mode fnMode) (safejs.Value, uint32) {
	initKept()
	cell, _ := rt.object.New()
	kept.mu.Lock()
	kept.next++
	id := kept.next
	kept.fns[id] = fn
	kept.cells[id] = cell
	kept.mu.Unlock()
	v, err := kept.dispatch.Call("bind", safejs.Undefined(), id, int(mode), cell)
	if err != nil {
		return safejs.Undefined(), id
	}
	remember(v, id)
	return v, id
}

// remember maps the JS function f to id (f may wrap the bound function).
func remember(f safejs.Value, id uint32) {
	if kept.funcs.Type() == safejs.TypeObject {
		_, _ = kept.funcs.Call("set", f, id)
	}
}

// idOf is the id of a function made by bind, or 0.
func idOf(f safejs.Value) uint32 {
	if kept.funcs.Type() != safejs.TypeObject || f.Type() != safejs.TypeFunction {
		return 0
	}
	v, err := kept.funcs.Call("get", f)
	if err != nil || v.Type() != safejs.TypeNumber {
		return 0
	}
	n, _ := v.Int()
	return uint32(n)
}

func dispatch(this safejs.Value, args []safejs.Value) any {
	n, _ := arg(args, 0).Int()
	kept.mu.Lock()
	fn := kept.fns[uint32(n)]
	kept.mu.Unlock()
	if fn != nil {
		var rest []safejs.Value
		if len(args) > 3 {
			rest = args[3:]
		}
		return fn(this, rest)
	}
	mode, _ := arg(args, 1).Int()
	cell := arg(args, 2)
	if cell.Type() != safejs.TypeObject {
		return nil
	}
	switch fnMode(mode) {
	case modePromise:
		p, err := jsPromise.Call("reject", mustGet(cell, "e"))
		if err != nil {
			return nil
		}
		return p
	case modeSync:
		if q, _ := mustGet(cell, "q").Bool(); q {
			return map[string]any{}
		}
		return map[string]any{"e": safejs.Unsafe(mustGet(cell, "e"))}
	}
	return mustGet(cell, "v")
}

// newScope gives obj a scope for its functions.
func newScope(obj safejs.Value) *scope {
	initKept()
	kept.mu.Lock()
	kept.nextObj++
	sc := &scope{id: kept.nextObj, getters: map[uint32]func() (any, error){}}
	kept.scopes[sc.id] = sc
	kept.mu.Unlock()
	if kept.objs.Type() == safejs.TypeObject {
		_, _ = kept.objs.Call("set", obj, sc.id)
	}
	return sc
}

// adopt makes the function f, set on obj under key, one of obj's. A close or
// destroy method ends obj when it returns, and stays a quiet no-op after.
func (sc *scope) adopt(obj safejs.Value, key string, f safejs.Value) {
	id := idOf(f)
	if id == 0 {
		return
	}
	kept.mu.Lock()
	defer kept.mu.Unlock()
	sc.ids = append(sc.ids, id)
	endErr, ends := endErrors[key]
	fn := kept.fns[id]
	if !ends || fn == nil {
		return
	}
	_ = kept.cells[id].Set("q", true)
	kept.fns[id] = func(this safejs.Value, args []safejs.Value) any {
		defer release(obj, endErr)
		return fn(this, args)
	}
}

// release ends obj, an object made by newObject: the Go functions behind its
// methods and getters are freed; a method the page still holds rejects (or
// throws) with err, close and destroy do nothing, a getter keeps the value it
// has now. It is idempotent and ignores anything else.
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
	if err == nil {
		err = errors.New("bridge: released")
	}
	ev := ErrorValue(err)
	for _, id := range sc.ids {
		kept.mu.Lock()
		cell := kept.cells[id]
		get := sc.getters[id]
		delete(kept.fns, id)
		delete(kept.cells, id)
		kept.mu.Unlock()
		if cell.Type() != safejs.TypeObject {
			continue
		}
		_ = cell.Set("e", ev)
		if get != nil {
			if v, err := protect(get); err == nil {
				if jv, err := ToJS(v); err == nil {
					_ = cell.Set("v", jv)
				}
			}
		}
	}
}

// releaseFunc frees a function made by keep; calling it afterwards does
// nothing. Anything else is ignored.
func releaseFunc(f safejs.Value) {
	id := idOf(f)
	if id == 0 {
		return
	}
	_, _ = kept.funcs.Call("delete", f)
	kept.mu.Lock()
	delete(kept.fns, id)
	delete(kept.cells, id)
	kept.mu.Unlock()
}
