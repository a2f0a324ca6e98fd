//go:build js && wasm

package bridge

import (
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"
)

// on adds fn as target's listener of event name, with addEventListener's
// options opts (nil: none), under funcOf's guard at site (a panic in fn is
// reported to report and the page goes on). off removes the listener and
// releases the function; calling it again does nothing. A target that is not
// an object, or an addEventListener that throws, adds nothing: off is then a
// no-op, and err says why (most callers go on without the listener). Every
// DOM listener the module adds goes through here.
func on(target safejs.Value, name, site string, report func(error), opts map[string]any, fn func(ev safejs.Value)) (off func(), err error) {
	nop := func() {}
	if t := target.Type(); t != safejs.TypeObject && t != safejs.TypeFunction {
		return nop, fmt.Errorf("no %s target", name)
	}
	f, err := funcOf(site, report, func(_ safejs.Value, args []safejs.Value) any {
		fn(arg(args, 0))
		return nil
	})
	if err != nil {
		return nop, err
	}
	args := []any{name, f.Value()}
	if opts != nil {
		o, err := ToJS(opts)
		if err != nil {
			f.Release()
			return nop, err
		}
		args = append(args, o)
	}
	if _, err := target.Call("addEventListener", args...); err != nil {
		f.Release()
		return nop, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_, _ = target.Call("removeEventListener", args...)
			f.Release()
		})
	}, nil
}

// onChannel listens on a new BroadcastChannel of name, passing each message's
// data to fn under funcOf's guard at site. off stops listening and closes the
// channel (idempotent). Without BroadcastChannel it listens to nothing.
func onChannel(name, site string, report func(error), fn func(data safejs.Value)) (off func()) {
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || bc.Type() != safejs.TypeFunction {
		return func() {}
	}
	ch, err := bc.New(name)
	if err != nil {
		return func() {}
	}
	f, err := funcOf(site, report, func(_ safejs.Value, args []safejs.Value) any {
		fn(mustGet(arg(args, 0), "data"))
		return nil
	})
	if err != nil {
		_, _ = ch.Call("close")
		return func() {}
	}
	_ = ch.Set("onmessage", f.Value())
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = ch.Set("onmessage", safejs.Null())
			_, _ = ch.Call("close")
			f.Release()
		})
	}
}
