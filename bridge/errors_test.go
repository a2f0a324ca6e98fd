//go:build js && wasm

package bridge

import (
	"errors"
	"testing"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/errcode"
	"github.com/hack-pad/safejs"
)

// jsObject evaluates a JS expression (the body of a function returning it).
func jsObject(t *testing.T, src string) safejs.Value {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	mk, err := fn.New(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := mk.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantBrowserError checks that err is a browser call's failure: code
// browser_error (never internal), with what JS threw kept as the cause.
func wantBrowserError(t *testing.T, err error, thrown string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, ErrBrowser) {
		t.Errorf("%v does not wrap ErrBrowser", err)
	}
	if c := errcode.Code(err); c != "browser_error" {
		t.Errorf("code %q, want browser_error", c)
	}
	v := ErrorValue(err)
	if c := str(v, "code"); c != "browser_error" {
		t.Errorf("JS code %q", c)
	}
	cause, _ := v.Get("cause")
	if m := str(cause, "message"); m != thrown {
		t.Errorf("cause message %q, want %q (the thrown value)", m, thrown)
	}
}

// A navigation that the browser refuses (location.assign throws) is a browser
// call's failure, not a Go panic.
func TestNavigateFailureIsBrowserError(t *testing.T) {
	g := safejs.Global()
	old, _ := g.Get("location")
	t.Cleanup(func() { _ = g.Set("location", old) })
	_ = g.Set("location", jsObject(t, `return {href: "", assign() { throw new Error("navigation blocked") }}`))
	wantBrowserError(t, navigate("https://auth.example/realms/x/protocol/openid-connect/auth"), "navigation blocked")
}

// postMessage throwing (a message the browser cannot clone, a detached frame)
// is a browser call's failure.
func TestPostFailureIsBrowserError(t *testing.T) {
	iframe := jsObject(t, `return {contentWindow: {postMessage() { throw new Error("DataCloneError") }}}`)
	m := &mount{iframe: iframe, frame: assistant.Frame{Origin: "https://assistant.example"}}
	wantBrowserError(t, m.post([]byte(`{"type":"CORTI_EMBEDDED"}`)), "DataCloneError")
}
