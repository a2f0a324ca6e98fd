//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

// stubLocks installs navigator.locks with request implemented by src (the
// body of a function of (name, options, callback)) for the test.
func stubLocks(t *testing.T, src string) {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	mk, err := fn.New(`const prev = Object.getOwnPropertyDescriptor(globalThis, "navigator");
		Object.defineProperty(globalThis, "navigator", {configurable: true, writable: true,
			value: {locks: {request: function (name, options, callback) {` + src + `}}}});
		return function () { if (prev) Object.defineProperty(globalThis, "navigator", prev); else delete globalThis.navigator; };`)
	if err != nil {
		t.Fatal(err)
	}
	restore, err := mk.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = restore.Invoke() })
}

// Where navigator.locks.request rejects (an opaque origin: a sandboxed frame
// without allow-same-origin, file:), f runs without the lock, as without Web
// Locks at all.
func TestWebLockRejectedRunsWithoutTheLock(t *testing.T) {
	stubLocks(t, `return Promise.reject(new Error("SecurityError: the origin is opaque"))`)
	ran := false
	want := errors.New("f's error")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := webLock(ctx, "corti-auth:test", func(context.Context) error { ran = true; return want })
	if !ran || !errors.Is(err, want) {
		t.Fatalf("webLock with a rejecting navigator.locks: ran %v, err %v; want f run and its error", ran, err)
	}
}

// A lock granted runs f inside it; an aborted wait (ctx ended) does not run f.
func TestWebLockGrantedAndAborted(t *testing.T) {
	stubLocks(t, `if (options.signal && options.signal.aborted) return Promise.reject(new Error("AbortError"));
		if (name === "busy") return new Promise((_, reject) => options.signal.addEventListener("abort", () => reject(new Error("AbortError"))));
		return Promise.resolve(callback({name}))`)
	ran := false
	if err := webLock(context.Background(), "free", func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("granted: ran %v, err %v", ran, err)
	}
	ran = false
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := webLock(ctx, "busy", func(context.Context) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("aborted: ran %v, err %v; want context.Canceled and f not run", ran, err)
	}
}

// webClaim asks for the lock only if free (ifAvailable) and keeps it for the
// hold: a free name is won and held until the hold passes, a held one is lost
// at once, and where requests are refused every claim is won.
func TestWebClaim(t *testing.T) {
	stubLocks(t, `if (!options.ifAvailable) return Promise.reject(new Error("want ifAvailable"));
		if (name === "refused") return Promise.reject(new Error("SecurityError: the origin is opaque"));
		globalThis.__claimHeld = globalThis.__claimHeld || {};
		if (globalThis.__claimHeld[name]) return Promise.resolve(callback(null));
		globalThis.__claimHeld[name] = true;
		return Promise.resolve(callback({name})).then((v) => { globalThis.__claimHeld[name] = false; return v; })`)
	held := func(name string) bool {
		m, _ := safejs.Global().Get("__claimHeld")
		v, _ := m.Get(name)
		b, _ := v.Bool()
		return b
	}
	if won, err := webClaim("free", 300*time.Millisecond); !won || err != nil {
		t.Fatalf("free: won %v, err %v", won, err)
	}
	if !held("free") {
		t.Fatal("the claim was let go at once; want it kept for the hold")
	}
	if won, err := webClaim("free", time.Second); won || err != nil {
		t.Fatalf("held by the first claim: won %v, err %v; want lost", won, err)
	}
	for deadline := time.Now().Add(10 * time.Second); held("free"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the claim was never let go")
		}
	}
	if won, err := webClaim("refused", time.Second); !won || err != nil {
		t.Fatalf("refused: won %v, err %v; want won (nothing to claim with)", won, err)
	}
}

// A refresh lock asked for while another holder has it hands f a context
// that says so (session.LockWaited is read by session.Tabs); a free one not.
func TestLockHeldByAnother(t *testing.T) {
	stubLocks(t, `return Promise.resolve(callback({name}))`)
	nav, _ := safejs.Global().Get("navigator")
	locks, _ := nav.Get("locks")
	fn, _ := safejs.Global().Get("Function")
	q, err := fn.New(`return Promise.resolve({held: [{name: "busy", mode: "exclusive"}], pending: []})`)
	if err != nil {
		t.Fatal(err)
	}
	if err := locks.Set("query", q); err != nil {
		t.Fatal(err)
	}
	if !lockHeld(context.Background(), "busy") || lockHeld(context.Background(), "free") {
		t.Fatalf("lockHeld: busy %v, free %v; want true, false", lockHeld(context.Background(), "busy"), lockHeld(context.Background(), "free"))
	}
}

// The BroadcastChannel glue: a message reaches the other channel of the name
// (not the sender), as bytes, in the order posted.
func TestBroadcastChannelGlue(t *testing.T) {
	got := make(chan string, 100)
	a, err := openChannel("corti-auth:glue", func(b []byte) { got <- "a:" + string(b) })
	if err != nil {
		t.Skipf("no BroadcastChannel here: %v", err)
	}
	b, err := openChannel("corti-auth:glue", func(b []byte) { got <- "b:" + string(b) })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := 0; i < 20; i++ {
		a.Post([]byte{'m', byte('a' + i)})
	}
	for i := 0; i < 20; i++ {
		select {
		case m := <-got:
			if want := "b:m" + string(rune('a'+i)); m != want {
				t.Fatalf("message %d: %q, want %q", i, m, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d never arrived", i)
		}
	}
	a.Close()
	a.Close() // idempotent
}
