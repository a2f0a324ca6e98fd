//go:build js && wasm

package bridge

import (
	"errors"
	"runtime/debug"

	"github.com/hack-pad/safejs"
)

// Every goroutine and JS callback the module starts recovers a panic (issue
// 22 §6): an unrecovered one would end the Go program, and with it every
// session on the page. The panic becomes an "error" event with code
// "internal" (a *PanicError) where it belongs — the session's, the
// Assistant's — or, where nothing owns it, on every live session; the module
// keeps working.

// panicAt is a test hook: when set, each guarded site calls it with its name
// first, so that a test can make that site panic. Nil in the module.
var panicAt func(site string)

// hook calls panicAt.
func hook(site string) {
	if panicAt != nil {
		panicAt(site)
	}
}

// recovered is deferred directly (defer recovered(report)): it recovers a
// panic of the goroutine or callback and hands report a *PanicError. A nil
// report, or one that panics itself, leaves a console line only.
func recovered(report func(error)) {
	if r := recover(); r != nil {
		reportPanic(report, &PanicError{Value: r, Stack: string(debug.Stack())})
	}
}

func reportPanic(report func(error), err error) {
	defer func() {
		if r := recover(); r != nil {
			console("error", "corti-auth: internal error:", err.Error())
		}
	}()
	if report == nil {
		console("error", "corti-auth: internal error:", err.Error())
		return
	}
	report(err)
}

// goSafe runs fn on its own goroutine, recovering a panic into report.
func goSafe(report func(error), fn func()) {
	go func() {
		defer recovered(report)
		fn()
	}()
}

// funcOf is safejs.FuncOf with the callback guarded: a panic in fn is
// recovered into report (fn's result is then undefined). site names it for
// panicAt.
func funcOf(site string, report func(error), fn func(this safejs.Value, args []safejs.Value) any) (safejs.Func, error) {
	return safejs.FuncOf(func(this safejs.Value, args []safejs.Value) (out any) {
		defer recovered(report)
		hook(site)
		return fn(this, args)
	})
}

// reportInternal is the report of a site that no session or Assistant owns
// (the tab channel, a login's handoff): an "error" event on every live
// session, or a console line when there is none.
func reportInternal(err error) {
	live := liveOf(func(js *jsSession, _ uint32) bool { return !js.isReleased() })
	if len(live) == 0 {
		console("error", "corti-auth: internal error:", err.Error())
		return
	}
	for _, js := range live {
		js.ev.emit("error", err)
	}
}

// isPanic reports whether err is a recovered panic.
func isPanic(err error) bool { return errors.Is(err, ErrPanic) }
