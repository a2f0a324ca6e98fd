//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/errcode"
	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/hack-pad/safejs"
)

func init() {
	if err := Init(loaderHooks()); err != nil {
		panic(err)
	}
}

// settle awaits a promise made by the bridge and reports its outcome.
func settle(t *testing.T, p safejs.Value) (safejs.Value, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Await(ctx, p)
}

func codeOf(t *testing.T, err error) string {
	t.Helper()
	var je *JSError
	if !errors.As(err, &je) {
		t.Fatalf("rejection is not a JS error: %v", err)
	}
	return je.Code
}

func TestPanicRejectsWithInternalAndModuleKeepsWorking(t *testing.T) {
	p := NewPromise(func(context.Context) (any, error) {
		var m map[string]int
		//lint:ignore SA5000 the test needs a real runtime panic
		m["boom"]++
		return nil, nil
	})
	_, err := settle(t, p)
	if err == nil {
		t.Fatal("a panicking function resolved")
	}
	if c := codeOf(t, err); c != "internal" {
		t.Fatalf("code %q, want internal", c)
	}
	var je *JSError
	errors.As(err, &je)
	if je.Name != "CortiAuthError" {
		t.Errorf("name %q", je.Name)
	}
	// A panic with a non-error value, as syscall/js raises.
	_, err = settle(t, NewPromise(func(context.Context) (any, error) { panic("syscall/js: call of Value.Get on undefined") }))
	if c := codeOf(t, err); c != "internal" {
		t.Fatalf("string panic: code %q", c)
	}
	// Later calls still work.
	v, err := settle(t, NewPromise(func(context.Context) (any, error) { return map[string]any{"ok": 1}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := mustGet(v, "ok").Int(); n != 1 {
		t.Fatalf("resolved value %v", v)
	}
}

// testObject publishes an object of the loader's Session class whose methods
// are ms, plus an "on" that accepts any listener, with an emitter of its own;
// it ends when the test does.
func testObject(t *testing.T, ms methods) (safejs.Value, *emitter) {
	t.Helper()
	if ms == nil {
		ms = methods{}
	}
	ms["on"] = method{sync: func(a *argReader) (any, error) { return nil, nil }}
	e := newEmitter()
	obj, h := publish("Session", nil, ms, nil)
	e.to(h)
	t.Cleanup(func() { e.stop(); end(h, errors.New("test over")) })
	return obj, e
}

func TestSyncMethodThrowsCortiAuthError(t *testing.T) {
	obj, _ := testObject(t, methods{
		"touch": {sync: func(a *argReader) (any, error) {
			if len(a.args) == 0 {
				return nil, &auth.ConfigError{Key: "x", Reason: "missing"}
			}
			return "fine", nil
		}},
		"close": {sync: func(*argReader) (any, error) { panic(fmt.Errorf("boom")) }},
	})
	f := mustGet(obj, "touch")
	_, err := f.Invoke()
	if err == nil {
		t.Fatal("no throw")
	}
	thrown := jsErrorValue(err)
	if c := str(thrown, "code"); c != "invalid_config" {
		t.Fatalf("thrown code %q", c)
	}
	v, err := f.Invoke(1)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := v.String(); s != "fine" {
		t.Fatalf("value %q", s)
	}
	_, err = mustGet(obj, "close").Invoke()
	if c := str(jsErrorValue(err), "code"); c != "internal" {
		t.Fatalf("panic in a sync method: code %q", c)
	}
	if v, err := f.Invoke(2); err != nil || jsString(v) != "fine" {
		t.Fatalf("the object after a panic: %v, %v", v, err)
	}
}

func TestAwaitRejectionReasons(t *testing.T) {
	fn, _ := safejs.Global().Get("Function")
	for _, tc := range []struct{ src, want string }{
		{"return Promise.reject(new TypeError('Failed to fetch'))", "Failed to fetch"},
		{"return Promise.reject('plain string')", "plain string"},
		{"return Promise.reject(undefined)", "rejected without a reason"},
		{"return Promise.reject({code: 'x'})", "[object Object]"},
	} {
		mk, _ := fn.New(tc.src)
		p, _ := mk.Invoke()
		_, err := settle(t, p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.src, err, tc.want)
		}
	}
	// A context that ends first.
	mk, _ := fn.New("return new Promise(r => setTimeout(r, 2000))")
	p, _ := mk.Invoke()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := Await(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("await with an ended context: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
	}{
		{&pkce.OAuthError{ErrorCode: "invalid_grant", Status: 400}, "oauth_error"},
		{fmt.Errorf("wrapped: %w", auth.ErrStateMismatch), "state_mismatch"},
		{fmt.Errorf("%w: x", ErrNetwork), "network_error"},
		{fmt.Errorf("%w: x", ErrTimeout), "timeout"},
		{&PanicError{Value: "x"}, "internal"},
		{errors.New("something else"), fault.CodeUnknown},
		{fmt.Errorf("%w", pkce.ErrBadResponse), "bad_response"},
	} {
		if c := errcode.Code(tc.err); c != tc.code {
			t.Errorf("errcode.Code(%v) = %q, want %q", tc.err, c, tc.code)
		}
	}
	v := ErrorValue(&pkce.OAuthError{ErrorCode: "access_denied", Description: "user cancelled"})
	if str(v, "oauthError") != "access_denied" || str(v, "description") != "user cancelled" || str(v, "name") != "CortiAuthError" {
		t.Fatalf("oauth error props: %s", jsString(v))
	}
	inst, _ := v.InstanceOf(mustGet(safejs.Global(), "Error"))
	if !inst {
		t.Fatal("not instanceof Error")
	}
}

// jsServer starts a Node HTTP server (the test runs in Node through
// go_js_wasm_exec, which exposes require) answering by path.
func jsServer(t *testing.T) string {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	mk, err := fn.New(`return new Promise((resolve) => {
		const http = require("http");
		const srv = http.createServer((req, res) => {
			let body = "";
			req.on("data", (c) => body += c);
			req.on("end", () => {
				if (req.url === "/hang") return; // never answers
				if (req.url === "/echo") {
					res.setHeader("Content-Type", "application/json");
					return res.end(JSON.stringify({method: req.method, ct: req.headers["content-type"] || "", body, cookie: req.headers.cookie || ""}));
				}
				if (req.url === "/503") { res.statusCode = 503; return res.end("<html>down</html>"); }
				res.statusCode = 404; res.end("{}");
			});
		});
		srv.listen(0, "127.0.0.1", () => { srv.unref(); resolve("http://127.0.0.1:" + srv.address().port); });
	})`)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := mk.Invoke()
	v, err := settle(t, p)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := v.String()
	return s
}

func TestFetcher(t *testing.T) {
	base := jsServer(t)
	ctx := context.Background()
	f := Fetcher{Timeout: 10 * time.Second}

	status, body, err := f.PostForm(ctx, base+"/echo", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"a b"}})
	if err != nil || status != 200 {
		t.Fatalf("echo: %d %v", status, err)
	}
	for _, want := range []string{`"method":"POST"`, `"ct":"application/x-www-form-urlencoded"`, `grant_type=refresh_token`, `refresh_token=a+b`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("echo body %s lacks %s", body, want)
		}
	}
	status, body, err = f.Get(ctx, base+"/503")
	if err != nil || status != 503 {
		t.Fatalf("503: %d %v", status, err)
	}
	if _, err := pkce.ParseTokenEndpointResponse(status, body); errcode.Code(err) != "oauth_error" {
		t.Errorf("503 page: %v", err)
	}
	start := time.Now()
	_, _, err = Fetcher{Timeout: 300 * time.Millisecond}.Get(ctx, base+"/hang")
	if !errors.Is(err, ErrTimeout) || errcode.Code(err) != "timeout" {
		t.Fatalf("hang: %v", err)
	}
	// Which deadline ended it, not how fast: Timeout's 300 ms (never earlier), not DefaultFetchTimeout's 15 s.
	// A loaded machine stretches 300 ms by far less than the 14.7 s between them.
	if d := time.Since(start); d < 300*time.Millisecond || d >= DefaultFetchTimeout {
		t.Fatalf("timeout after %v, want Timeout's 300 ms (not before it, not the %v default)", d, DefaultFetchTimeout)
	}
	_, _, err = f.Get(ctx, "http://127.0.0.1:1/nothing")
	if !errors.Is(err, ErrNetwork) || errcode.Code(err) != "network_error" {
		t.Fatalf("refused: %v", err)
	}
}

func TestUnsubscribeTwiceIsHarmless(t *testing.T) {
	obj, e := testObject(t, nil)
	fn, _ := safejs.Global().Get("Function")
	counter, _ := fn.New("const f = function () { f.n = (f.n || 0) + 1 }; return f")
	listener, _ := counter.Invoke()
	off := call(t, obj, "on", "refreshed", listener)
	e.emit("refreshed", 1)
	waitJS(t, "the first event", func() bool { n, _ := mustGet(listener, "n").Int(); return n == 1 })
	for i := 0; i < 3; i++ {
		if _, err := off.Invoke(); err != nil {
			t.Fatalf("unsubscribe #%d: %v", i+1, err)
		}
	}
	// The emitter delivers in order from one goroutine: once a later probe
	// event reached its own listener, the second "refreshed" has been handled.
	probe, _ := counter.Invoke()
	call(t, obj, "on", "probe", probe)
	e.emit("refreshed", 2)
	e.emit("probe", nil)
	waitJS(t, "the probe event", func() bool { n, _ := mustGet(probe, "n").Int(); return n == 1 })
	if n, _ := mustGet(listener, "n").Int(); n != 1 {
		t.Fatalf("listener called %d times, want 1 (before unsubscribing only)", n)
	}
}

func TestEmitterStopDeliversQueuedThenEnds(t *testing.T) {
	obj, e := testObject(t, nil)
	fn, _ := safejs.Global().Get("Function")
	mk, _ := fn.New("const f = function (d, name) { (f.got = f.got || []).push(name) }; return f")
	listener, _ := mk.Invoke()
	call(t, obj, "on", "*", listener)
	e.emit("refreshed", 1)
	e.emit("ended", map[string]any{"reason": "logout"})
	e.stop()
	e.emit("error", 3) // after stop: dropped
	// The queue delivers only what it holds: an event it refuses now never
	// reaches a listener.
	if e.q.Push(queued{name: "error", detail: 4}) {
		t.Errorf("an event emitted after stop was queued")
	}
	waitJS(t, "the queued events", func() bool { n, _ := mustGet(listener, "got").Length(); return n >= 2 })
	got, _ := JSONOf(mustGet(listener, "got"))
	if string(got) != `["refreshed","ended"]` {
		t.Fatalf("delivered %s, want refreshed then ended only", got)
	}
}

// waitJS polls cond (which reads JS values) every few milliseconds for up to
// 5 s: the JS event loop runs while this goroutine sleeps.
func waitJS(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestFailingGetterReadsNull: a getter whose Go side fails (claims of an
// access token that is no JWT) reads null, as before the loader's classes, not
// undefined.
func TestFailingGetterReadsNull(t *testing.T) {
	obj, _ := testObject(t, methods{
		"claims": {get: func() (any, error) { return nil, errors.New("not a JWT") }},
		"tokens": {get: func() (any, error) { panic("boom") }},
	})
	for _, name := range []string{"claims", "tokens"} {
		if v := mustGet(obj, name); !v.IsNull() {
			t.Errorf("%s reads %v, want null", name, v)
		}
	}
}
