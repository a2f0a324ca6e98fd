//go:build js && wasm

package bridge

import (
	"strings"
	"testing"

	"github.com/hack-pad/safejs"
)

// hostile builds JS values whose property getters throw. wasm_exec.js reads a
// property without try/catch, so a plain Get on one of them would end the Go
// program; these tests pass only if every read of a user's value is safe.
func hostile(t *testing.T, src string) safejs.Value {
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

const throwingConfig = `return {
	clientId: "web",
	get redirectUri() { throw new Error("getter says no"); },
}`

// A thrown value whose every property getter throws, and whose toString does too.
const throwingError = `return {
	get name() { throw new Error("name getter"); },
	get message() { throw "message getter"; },
	get code() { throw 1; },
	get oauthError() { throw undefined; },
	toString() { throw new Error("toString"); },
}`

func TestThrowingGetterOnConfigObject(t *testing.T) {
	ns := Namespace("test")
	create := mustGet(ns, "createClient")
	_, err := create.Invoke(hostile(t, throwingConfig))
	if err == nil {
		t.Fatal("createClient accepted a config whose redirectUri getter throws")
	}
	if c := str(jsErrorValue(err), "code"); c != "invalid_config" {
		t.Fatalf("code %q, want invalid_config (%v)", c, err)
	}
	// The module is alive: a valid config still gives a client.
	ok := hostile(t, `return {clientId: "web", redirectUri: "https://app.example.com/cb"}`)
	if c, err := create.Invoke(ok); err != nil || c.Type() != safejs.TypeObject {
		t.Fatalf("createClient after the throwing getter: %v, %v", c, err)
	}
}

func TestThrowingGettersOnThrownValue(t *testing.T) {
	v := hostile(t, throwingError)
	err := FromJSError(v)
	je, ok := err.(*JSError)
	if !ok {
		t.Fatalf("FromJSError = %T", err)
	}
	if je.Name != "" || je.Code != "" || je.OAuthError != "" {
		t.Errorf("read %+v from throwing getters", je)
	}
	if je.Message == "" || strings.Contains(je.Message, "getter") {
		t.Errorf("message %q, want a neutral description", je.Message)
	}
	// The same value as a rejection reason, through Await.
	reject := hostile(t, `const v = (function () { `+throwingError+` })(); return Promise.reject(v)`)
	if _, err := settle(t, reject); err == nil {
		t.Fatal("a rejected promise resolved")
	}
	if s := str(v, "name"); s != "" {
		t.Errorf("str over a throwing getter = %q", s)
	}
	if p := mustGet(v, "message"); !p.IsUndefined() {
		t.Errorf("mustGet over a throwing getter = %v", p)
	}
}
