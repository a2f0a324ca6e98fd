//go:build js && wasm

package bridge

import (
	"encoding/base64"
	"runtime"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

// fakeDOM installs, once, a document, a window message bus and an Assistant
// that answers every request, enough for mountAssistant in Node. It returns
// the pane to mount into.
func fakeDOM(t *testing.T) safejs.Value {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	mk, err := fn.New(`
	if (globalThis.__fakePane) return globalThis.__fakePane;
	const ORIGIN = "https://assistant.eu.corti.app";
	const listeners = new Set();
	globalThis.addEventListener = (n, f) => { if (n === "message") listeners.add(f); };
	globalThis.removeEventListener = (n, f) => { if (n === "message") listeners.delete(f); };
	globalThis.__messageListeners = () => listeners.size;
	const post = (win, data) => setTimeout(() => { for (const f of [...listeners]) f({ source: win, origin: ORIGIN, data }); }, 0);
	const docListeners = new Set();
	globalThis.__docListeners = () => docListeners.size;
	globalThis.document = {
		visibilityState: "visible",
		addEventListener(n, f) { docListeners.add(f); },
		removeEventListener(n, f) { docListeners.delete(f); },
		querySelector() { return null; },
		createElement() {
			const win = {
				postMessage(msg) {
					if (msg.type !== "CORTI_EMBEDDED") return;
					const payload = msg.action === "auth" ? { user: { id: "u1", email: "d@example.com", name: "Dr" } } : {};
					post(win, { type: "CORTI_EMBEDDED_RESPONSE", version: "v1", action: msg.action, requestId: msg.requestId, success: true, payload });
				},
			};
			let src = "";
			return {
				contentWindow: win,
				setAttribute() {},
				remove() {},
				get src() { return src; },
				set src(v) { src = v; post(win, { type: "CORTI_EMBEDDED_EVENT", event: "embedded.ready", payload: { version: "v1" } }); },
			};
		},
	};
	globalThis.__fakePane = { appendChild(c) { return c; } };
	return globalThis.__fakePane;`)
	if err != nil {
		t.Fatal(err)
	}
	pane, err := mk.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	return pane
}

// testClient is createClient's client object for the EU test realm.
func testClient(t *testing.T) safejs.Value {
	t.Helper()
	ns := Namespace("test")
	cfg, _ := parseJSON([]byte(`{"clientId":"ehr","redirectUri":"http://localhost:5173/cb","environment":"eu","tenant":"base"}`))
	cl, err := mustGet(ns, "createClient").Invoke(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// userTokens is a token response for fromTokens with a user's access token.
func userTokens(t *testing.T) safejs.Value {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	exp := time.Now().Add(time.Hour).Unix()
	at := enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"u1","preferred_username":"doctor","email":"d@example.com","name":"Dr","sid":"s1","exp":`+itoa(exp)+`}`)) + ".c2ln"
	v, err := parseJSON([]byte(`{"access_token":"` + at + `","token_type":"Bearer","expires_in":3600}`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func itoa(n int64) string {
	b, _ := ToJS(float64(n))
	return jsString(b)
}

func call(t *testing.T, obj safejs.Value, name string, args ...any) safejs.Value {
	t.Helper()
	v, err := mustGet(obj, name).Invoke(args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// heap reports the live Go heap and the goroutine count once the garbage
// collector and the JS event loop have had their turn: at least three turns,
// and then more (up to 10 s) until at most want goroutines are left — ending
// goroutines and JS callbacks run out at the pace of a loaded machine, so the
// count is polled, not read after a fixed pause. want < 0: three turns only.
func heap(want int) (uint64, int) {
	var ms runtime.MemStats
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		time.Sleep(20 * time.Millisecond) // the JS event loop runs while this goroutine sleeps
		runtime.GC()
		if i >= 2 && (want < 0 || runtime.NumGoroutine() <= want || time.Now().After(deadline)) {
			break
		}
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// Sessions created and closed, and assistants mounted and destroyed, leave
// nothing behind: the Go heap and the goroutine count stay flat over 200 of
// each.
func TestCloseAndDestroyFreeEverything(t *testing.T) {
	pane := fakeDOM(t)
	cl := testClient(t)
	fn, _ := safejs.Global().Get("Function")
	noop, _ := fn.New("")
	cycle := func() {
		s := call(t, cl, "fromTokens", userTokens(t))
		a, err := settle(t, call(t, s, "mountAssistant", pane))
		if err != nil {
			t.Fatalf("mountAssistant: %v", err)
		}
		if _, err := settle(t, call(t, a, "getStatus")); err != nil {
			t.Fatalf("getStatus: %v", err)
		}
		call(t, s, "on", "refreshed", noop)
		call(t, a, "on", "*", noop)
		call(t, a, "destroy")
		call(t, s, "close")
	}
	const n = 200
	for range 20 { // warm up: caches, the runtime's own goroutines
		cycle()
	}
	h0, g0 := heap(-1)
	for range n {
		cycle()
	}
	h1, g1 := heap(g0)
	t.Logf("%d sessions with a mounted assistant, created and ended: Go heap %d → %d bytes (Δ %+d, %+d per cycle), goroutines %d → %d",
		n, h0, h1, int64(h1)-int64(h0), (int64(h1)-int64(h0))/n, g0, g1)
	if g1 > g0 {
		t.Errorf("goroutines grew from %d to %d over %d cycles", g0, g1, n)
	}
	if grow := int64(h1) - int64(h0); grow > 64<<10 {
		t.Errorf("the Go heap grew by %d bytes over %d cycles (%d per cycle)", grow, n, grow/n)
	}
	if l, _ := call(t, safejs.Global(), "__messageListeners").Int(); l != 0 {
		t.Errorf("%d window message listeners left", l)
	}
	if l, _ := call(t, safejs.Global(), "__docListeners").Int(); l != 0 {
		t.Errorf("%d document listeners left", l)
	}
}

// A method reference kept past close() or destroy() still answers: the
// session's reject with session_ended, the assistant's with assistant_error
// (destroyed), close and destroy do nothing, getters keep their last value.
func TestReleasedMethodsStillAnswer(t *testing.T) {
	pane := fakeDOM(t)
	s := call(t, testClient(t), "fromTokens", userTokens(t))
	a, err := settle(t, call(t, s, "mountAssistant", pane))
	if err != nil {
		t.Fatal(err)
	}
	getAccessToken, on, refresh := mustGet(s, "getAccessToken"), mustGet(s, "on"), mustGet(s, "refresh")
	getStatus, aOn := mustGet(a, "getStatus"), mustGet(a, "on")
	if _, err := settle(t, call(t, s, "getAccessToken")); err != nil {
		t.Fatalf("getAccessToken before close: %v", err)
	}
	call(t, a, "destroy")
	call(t, s, "close")
	for _, f := range []safejs.Value{getAccessToken, refresh} {
		p, err := f.Invoke()
		if err != nil {
			t.Fatalf("a kept session method threw: %v", err)
		}
		if _, err := settle(t, p); err == nil || codeOf(t, err) != "session_ended" {
			t.Errorf("a kept session method after close: %v, want session_ended", err)
		}
	}
	fn, _ := safejs.Global().Get("Function")
	noop, _ := fn.New("")
	if _, err := on.Invoke("refreshed", noop); err == nil || str(jsErrorValue(err), "code") != "session_ended" {
		t.Errorf("session.on after close: %v, want a session_ended throw", err)
	}
	p, _ := getStatus.Invoke()
	if _, err := settle(t, p); err == nil || codeOf(t, err) != "assistant_error" {
		t.Errorf("a kept assistant method after destroy: %v, want assistant_error", err)
	}
	if _, err := aOn.Invoke("*", noop); err == nil || str(jsErrorValue(err), "code") != "assistant_error" {
		t.Errorf("assistant.on after destroy: %v", err)
	}
	for _, o := range []safejs.Value{s, a} {
		for _, m := range []string{"close", "destroy"} {
			if f := mustGet(o, m); f.Type() == safejs.TypeFunction {
				if _, err := f.Invoke(); err != nil {
					t.Errorf("%s again: %v", m, err)
				}
			}
		}
	}
	if b, _ := mustGet(s, "ended").Bool(); b {
		t.Error("a closed session reads ended")
	}
	if sub := str(mustGet(s, "claims"), "subject"); sub != "u1" {
		t.Errorf("claims after close: subject %q", sub)
	}
	if id := str(mustGet(a, "user"), "id"); id != "u1" {
		t.Errorf("assistant.user after destroy: %q", id)
	}
}
