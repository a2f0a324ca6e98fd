//go:build js && wasm

package bridge

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/hack-pad/safejs"
)

// PanicError is a recovered panic with its value and stack.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("%v: %v", ErrPanic, e.Value) }
func (e *PanicError) Unwrap() error { return ErrPanic }

// protect runs fn and turns a panic into a *PanicError. It never asserts the
// recovered value's type: syscall/js panics with strings and *js.ValueError.
func protect(fn func() (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &PanicError{Value: r, Stack: string(debug.Stack())}
		}
	}()
	return fn()
}

// NewPromise returns a JS Promise settled by fn, which runs in its own goroutine
// (never inside the JS callback). A panic in fn rejects with code "internal";
// the module keeps working.
func NewPromise(fn func(ctx context.Context) (any, error)) safejs.Value {
	var resolve, reject safejs.Value
	exec, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) >= 2 {
			resolve, reject = args[0], args[1]
		}
		return nil
	})
	if err != nil {
		return safejs.Undefined()
	}
	p, err := jsPromise.New(exec.Value())
	exec.Release()
	if err != nil {
		return safejs.Undefined()
	}
	go resolveWith(resolve, reject, fn)
	return p
}

// resolveWith calls fn and then resolve with its value or reject with its error;
// a panic in fn, in converting its value or in settling rejects with code
// "internal" (the goroutine that runs it recovers whatever happens).
func resolveWith(resolve, reject safejs.Value, fn func(ctx context.Context) (any, error)) {
	defer recovered(func(err error) { _, _ = reject.Invoke(ErrorValue(err)) })
	jv, err := protect(func() (any, error) {
		v, err := fn(context.Background())
		if err != nil {
			return nil, err
		}
		return ToJS(v)
	})
	if err != nil {
		_, _ = reject.Invoke(ErrorValue(err))
		return
	}
	_, _ = resolve.Invoke(jv)
}

// Await waits for a JS promise (or thenable), after net/http's roundtrip_js.go:
// one then(onOK, onErr), 1-buffered channels, both funcs released. When ctx ends
// first, the funcs stay alive until the promise settles (a released func that JS
// still calls would only log), so nothing leaks into a dead callback.
func Await(ctx context.Context, p safejs.Value) (safejs.Value, error) {
	okc := make(chan safejs.Value, 1)
	errc := make(chan safejs.Value, 1)
	onOK, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		okc <- arg(args, 0)
		return nil
	})
	if err != nil {
		return safejs.Undefined(), browserErr("await", err)
	}
	onErr, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		errc <- arg(args, 0)
		return nil
	})
	if err != nil {
		onOK.Release()
		return safejs.Undefined(), browserErr("await", err)
	}
	release := func() { onOK.Release(); onErr.Release() }
	// Promise.resolve(p) accepts plain values and thenables alike.
	pr, err := jsPromise.Call("resolve", p)
	if err == nil {
		_, err = pr.Call("then", onOK.Value(), onErr.Value())
	}
	if err != nil {
		release()
		return safejs.Undefined(), browserErr("await", err)
	}
	select {
	case v := <-okc:
		release()
		return v, nil
	case e := <-errc:
		release()
		return safejs.Undefined(), FromJSError(e)
	case <-ctx.Done():
		go func() {
			select {
			case <-okc:
			case <-errc:
			}
			release()
		}()
		return safejs.Undefined(), ctx.Err()
	}
}

func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}
