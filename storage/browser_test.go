//go:build js && wasm

package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"

	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/storage/storetest"
)

// polyfillSource builds a Web Storage object over a Map. mode selects a
// failure: "security" throws a DOMException-like plain object on every call,
// "quota" makes setItem throw a real QuotaExceededError DOMException, "string"
// throws a bare string, "wrongtype" makes getItem return a number.
const polyfillSource = `
const mode = arguments[0];
const data = new Map();
const check = (op) => {
	if (mode === "security") throw {name: "SecurityError", message: "The operation is insecure."};
	if (mode === "string") throw "boom";
	if (mode === "quota" && op === "setItem")
		throw new DOMException("Setting the value of 'k' exceeded the quota.", "QuotaExceededError");
};
return {
	getItem(k) { check("getItem"); k = String(k); if (mode === "wrongtype") return 42; return data.has(k) ? data.get(k) : null; },
	setItem(k, v) { check("setItem"); data.set(String(k), String(v)); },
	removeItem(k) { check("removeItem"); data.delete(String(k)); },
	key(i) { check("key"); const ks = [...data.keys()]; return i < ks.length ? ks[i] : null; },
	get length() { check("length"); return data.size; },
	clear() { data.clear(); },
};`

func polyfill(t *testing.T, mode string) safejs.Value {
	t.Helper()
	fn, err := safejs.Global().Get("Function")
	if err != nil {
		t.Fatal(err)
	}
	factory, err := fn.New(polyfillSource)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := factory.Invoke(mode)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestBrowserPolyfill(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store { return storage.NewBrowser(polyfill(t, "")) })
}

// Local and Session read the globals; here they are the polyfill.
func TestBrowserGlobals(t *testing.T) {
	if inBrowser() {
		t.Skip("replaces the storage globals: Node only")
	}
	for name, open := range map[string]func() (*storage.Browser, error){
		"localStorage": storage.Local, "sessionStorage": storage.Session,
	} {
		t.Run(name, func(t *testing.T) {
			g := safejs.Global()
			defer g.Delete(name)
			storetest.Run(t, func(t *testing.T) storage.Store {
				if err := g.Set(name, polyfill(t, "")); err != nil {
					t.Fatal(err)
				}
				s, err := open()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return s
			})
		})
	}
}

func TestBrowserGlobalUnavailable(t *testing.T) {
	if inBrowser() {
		t.Skip("needs a host without the storage globals: Node only")
	}
	g := safejs.Global()
	// Node has no localStorage: missing global.
	if _, err := storage.Local(); !errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), "localStorage") {
		t.Errorf("Local() without the global = %v, want ErrUnavailable naming localStorage", err)
	}
	// A sandboxed iframe: reading the global throws a SecurityError.
	define, err := safejs.Global().Get("Function")
	if err != nil {
		t.Fatal(err)
	}
	install, err := define.New(`Object.defineProperty(globalThis, "sessionStorage", {configurable: true,
		get() { throw new DOMException("Access is denied for this document.", "SecurityError"); }});`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := install.Invoke(); err != nil {
		t.Fatal(err)
	}
	defer g.Delete("sessionStorage")
	_, err = storage.Session()
	if !errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), "SecurityError: Access is denied") {
		t.Errorf("Session() in a sandbox = %v, want ErrUnavailable naming the SecurityError", err)
	}
}

func TestBrowserFailures(t *testing.T) {
	tests := []struct {
		mode, op, msg string
	}{
		{"security", "get", "SecurityError: The operation is insecure."},
		{"security", "set", "SecurityError"},
		{"security", "remove", "SecurityError"},
		{"security", "keys", "SecurityError"},
		{"security", "pending", "SecurityError"},
		{"quota", "set", "QuotaExceededError: Setting the value"},
		{"quota", "pending", "QuotaExceededError"},
		{"string", "get", "thrown boom"},
		{"string", "keys", "thrown boom"},
		{"wrongtype", "get", "returned a number"},
	}
	for _, tt := range tests {
		s := storage.NewBrowser(polyfill(t, tt.mode))
		var err error
		switch tt.op {
		case "get":
			_, _, err = s.Get("k")
		case "set":
			err = s.Set("k", "v")
		case "remove":
			err = s.Remove("k")
		case "keys":
			_, err = s.Keys()
		case "pending":
			err = (&storage.Pending{Store: s}).Save(storage.PendingLogin{State: "s", Verifier: "v"})
		}
		if !errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s %s: %v, want ErrUnavailable containing %q", tt.mode, tt.op, err, tt.msg)
		}
	}
	// An object that is not a Storage at all: errors, never a panic.
	for _, v := range []safejs.Value{safejs.Null(), safejs.Undefined()} {
		s := storage.NewBrowser(v)
		if _, _, err := s.Get("k"); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("Get on %v: %v, want ErrUnavailable", v.Type(), err)
		}
		if _, err := s.Keys(); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("Keys on %v: %v, want ErrUnavailable", v.Type(), err)
		}
	}
}
