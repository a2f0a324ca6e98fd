//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/hack-pad/safejs"
)

// Issue 22 §6: every goroutine and JS callback the module starts recovers a
// panic; it becomes an "error" event with code "internal" and the module keeps
// working. Each test makes one site panic once (panicAt) and checks both.

// panicOnce makes site panic the first time it is reached.
func panicOnce(t *testing.T, site string) {
	t.Helper()
	var once sync.Once
	panicAt = func(s string) {
		if s == site {
			once.Do(func() { panic("injected at " + s) })
		}
	}
	t.Cleanup(func() { panicAt = nil })
}

// recorder is a JS listener that records (name, detail.code) pairs in f.got.
func recorder(t *testing.T) safejs.Value {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	mk, _ := fn.New(`const f = function (d, name) { (f.got = f.got || []).push(name + ":" + (d && d.code || "")) }; return f`)
	l, err := mk.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func recorded(l safejs.Value) string {
	b, _ := JSONOf(mustGet(l, "got"))
	return string(b)
}

// liveSession registers a stand-in session, the target of reportInternal, and
// returns its recorder of "error" events.
func liveSession(t *testing.T) safejs.Value {
	t.Helper()
	js := &jsSession{ev: newEmitter()}
	obj, h := publish("Session", js, methods{"on": {sync: func(*argReader) (any, error) { return nil, nil }}}, nil)
	js.ev.to(h)
	t.Cleanup(func() { js.ev.stop(); end(h, errors.New("test over")) })
	l := recorder(t)
	call(t, obj, "on", "error", l)
	return l
}

func TestEmitterLoopRecoversAPanic(t *testing.T) {
	panicOnce(t, "events.loop")
	obj, e := testObject(t, nil)
	l := recorder(t)
	call(t, obj, "on", "*", l)
	e.emit("refreshed", 1) // panics on its way: an internal error instead
	e.emit("probe", 2)     // and the loop goes on
	waitJS(t, "the probe", func() bool { n, _ := mustGet(l, "got").Length(); return n >= 2 })
	if got := recorded(l); got != `["probe:","error:internal"]` && got != `["error:internal","probe:"]` {
		t.Fatalf("delivered %s, want the probe and an internal error", got)
	}
}

func TestTabChannelPumpRecoversAPanic(t *testing.T) {
	errs := liveSession(t)
	panicOnce(t, "tabs.pump")
	got := make(chan string, 10)
	a, err := openChannel("corti-auth:guard", func([]byte) {})
	if err != nil {
		t.Skipf("no BroadcastChannel here: %v", err)
	}
	defer a.Close()
	b, err := openChannel("corti-auth:guard", func(m []byte) { got <- string(m) })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Post([]byte("first"))  // its delivery panics
	a.Post([]byte("second")) // still delivered
	select {
	case m := <-got:
		if m != "second" {
			t.Fatalf("got %q, want the second message", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the pump stopped at the panic")
	}
	waitJS(t, "the internal error", func() bool { return recorded(errs) == `["error:internal"]` })
}

func TestHandoffListenerRecoversAPanic(t *testing.T) {
	errs := liveSession(t)
	panicOnce(t, "handoff.channel")
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || bc.Type() != safejs.TypeFunction {
		t.Skip("no BroadcastChannel here")
	}
	const state = "st-guard"
	h := listenHandoff("http://localhost:5173", state, func() safejs.Value { return safejs.Null() })
	defer h.close()
	ch, _ := bc.New(auth.HandoffChannel)
	defer ch.Call("close")
	msg, _ := ToJS(map[string]any{"type": auth.HandoffType, "url": "http://localhost:5173/cb?code=c&state=" + state})
	_, _ = ch.Call("postMessage", msg) // its delivery panics
	waitJS(t, "the internal error", func() bool { return recorded(errs) == `["error:internal"]` })
	_, _ = ch.Call("postMessage", msg) // the listener still works
	select {
	case u := <-h.C:
		if u == "" {
			t.Fatal("empty callback")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handoff listener stopped at the panic")
	}
}

// The Assistant's window message listener: a panic in it is the assistant's
// "error" event (internal), and the next message (getStatus's answer) still
// reaches it.
func TestMountMessageListenerRecoversAPanic(t *testing.T) {
	_, _, a := mountedAssistant(t)
	l := recorder(t)
	call(t, a, "on", "error", l)
	panicOnce(t, "mount.message")
	// getStatus's answer is the message that panics (the request then waits
	// for its timeout, or the session's close); the next request works.
	fn, _ := safejs.Global().Get("Function")
	noop, _ := fn.New("")
	if _, err := call(t, a, "getStatus").Call("catch", noop); err != nil { // rejected at destroy: handled
		t.Fatal(err)
	}
	waitJS(t, "the internal error", func() bool { return recorded(l) == `["error:internal"]` })
	if _, err := settle(t, call(t, a, "getTemplates")); err != nil {
		t.Fatalf("getTemplates after the panic: %v", err)
	}
}

// mountedAssistant is a client, a bearer session of it and an Assistant
// mounted by that session in the fake DOM; the session is closed and the
// Assistant destroyed when the test ends.
func mountedAssistant(t *testing.T) (cl, s, a safejs.Value) {
	t.Helper()
	pane := fakeDOM(t)
	cl = testClient(t)
	s = call(t, cl, "fromTokens", userTokens(t))
	t.Cleanup(func() { call(t, s, "close") })
	a, err := settle(t, call(t, s, "mountAssistant", pane))
	if err != nil {
		t.Fatalf("mountAssistant: %v", err)
	}
	t.Cleanup(func() { call(t, a, "destroy") })
	return cl, s, a
}

// A panic in the dispatcher itself, before any method's guard: a sync method
// throws and an async one rejects, each with code internal, and the next call
// works.
func TestDispatchRecoversAPanic(t *testing.T) {
	obj, _ := testObject(t, methods{
		"touch": {sync: func(*argReader) (any, error) { return "ok", nil }},
		"refresh": {async: func(*argReader) func(context.Context) (any, error) {
			return func(context.Context) (any, error) { return "ok", nil }
		}},
	})
	panicOnce(t, "objects.dispatch")
	if _, err := mustGet(obj, "touch").Invoke(); err == nil || str(jsErrorValue(err), "code") != "internal" {
		t.Errorf("a sync method through a panicking dispatcher: %v, want an internal throw", err)
	}
	panicOnce(t, "objects.dispatch")
	if _, err := settle(t, call(t, obj, "refresh")); err == nil || codeOf(t, err) != "internal" {
		t.Errorf("an async method through a panicking dispatcher: %v, want an internal rejection", err)
	}
	if v := call(t, obj, "touch"); jsString(v) != "ok" {
		t.Errorf("after the panics: %v", v)
	}
	if v, err := settle(t, call(t, obj, "refresh")); err != nil || jsString(v) != "ok" {
		t.Errorf("async after the panics: %v, %v", v, err)
	}
}
