//go:build js && wasm

package bridge

import (
	"encoding/base64"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/hack-pad/safejs"
)

// jsGC runs the JS garbage collector (node --expose-gc: make test-wasm sets
// NODE_OPTIONS), the Go one first so that Go's references to JS values are
// released, and lets the event loop run the finalization callbacks.
func jsGC(t *testing.T) {
	t.Helper()
	gc, _ := safejs.Global().Get("gc")
	if gc.Type() != safejs.TypeFunction {
		t.Skip("no gc() in this JS host: run with NODE_OPTIONS=--expose-gc (make test-wasm does)")
	}
	runtime.GC()
	time.Sleep(10 * time.Millisecond) // the event loop turns while this goroutine sleeps
	if _, err := gc.Invoke(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
}

// liveHandles counts the objects Go keeps.
func liveHandles() int {
	handles.mu.Lock()
	defer handles.mu.Unlock()
	return len(handles.m)
}

// shortTokens is a token response for fromTokens whose access token expires
// in secs seconds, with no refresh token: the session ends ("expired") then.
func shortTokens(t *testing.T, secs int) safejs.Value {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	exp := time.Now().Add(time.Duration(secs) * time.Second).Unix()
	at := enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"u1","sid":"s1","exp":`+itoa(exp)+`}`)) + ".c2ln"
	v, err := parseJSON([]byte(`{"access_token":"` + at + `","token_type":"Bearer","expires_in":` + itoa(int64(secs)) + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pollUntil polls cond (running the collectors between polls) for up to 20 s.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 20 s: %s", what)
		}
		jsGC(t)
	}
}

// The objects a page lets go of are forgotten by Go too, so that a page open
// all day on a clinical workstation does not keep every session it ever had:
// a Client at once, a session once it has ended (also without close(), the
// usual end: sign-out, idle, expiry) — but never a live session, whose
// listeners must still hear of its end although the page kept only them.
func TestDroppedObjectsAreForgotten(t *testing.T) {
	jsGC(t) // skips without gc()
	base := liveHandles()

	fn, _ := safejs.Global().Get("Function")
	// Each listener also runs the collector: an object let go before its
	// own queued "ended" is delivered would be taken here, and its
	// listener never called.
	flag, err := fn.New(`globalThis.__endedHeard = (globalThis.__endedHeard || 0) + 1; globalThis.gc();`)
	if err != nil {
		t.Fatal(err)
	}
	safejs.Global().Set("__endedHeard", 0)
	heard := func() int {
		v, _ := safejs.Global().Get("__endedHeard")
		n, _ := v.Int()
		return n
	}

	// n clients, each with a session that ends 3 s from now and an Assistant
	// mounted with it; the page keeps nothing but an "ended" listener of each
	// session and each Assistant.
	pane := fakeDOM(t)
	const n = 5
	var gone []weak.Pointer[jsSession]
	func() {
		for range n {
			cl := testClient(t)
			s := call(t, cl, "fromTokens", shortTokens(t, 3))
			call(t, s, "on", "ended", flag)
			a, err := settle(t, call(t, s, "mountAssistant", pane))
			if err != nil {
				t.Fatalf("mountAssistant: %v", err)
			}
			call(t, a, "on", "ended", flag)
			h := handleOf(s)
			handles.mu.Lock()
			js := handles.m[h].of.(*jsSession)
			handles.mu.Unlock()
			gone = append(gone, weak.Make(js))
		}
	}()
	// (testClient makes a namespace object too, as load() does.)
	if got := liveHandles(); got != base+4*n {
		t.Fatalf("%d handles after creating %d namespaces, clients, sessions and assistants, want %d", got, n, base+4*n)
	}
	// The namespaces and clients are forgotten; the live sessions and
	// assistants are not.
	pollUntil(t, "the dropped namespaces and clients forgotten", func() bool { return liveHandles() <= base+2*n })
	if heard() != 0 {
		t.Fatalf("%d objects ended early", heard())
	}
	if got := liveHandles(); got != base+2*n {
		t.Fatalf("%d handles with %d live sessions and assistants, want %d", got, n, base+2*n)
	}
	// Their end reaches the listeners the page kept, then they go too.
	pollUntil(t, "every ended listener called", func() bool { return heard() == 2*n })
	pollUntil(t, "the ended sessions forgotten", func() bool { return liveHandles() == base })
	pollUntil(t, "the ended sessions' Go side freed", func() bool {
		for _, w := range gone {
			if w.Value() != nil {
				return false
			}
		}
		return true
	})
}
