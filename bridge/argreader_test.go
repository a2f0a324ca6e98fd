//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"testing"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/hack-pad/safejs"
)

func jsv(t *testing.T, v any) safejs.Value {
	t.Helper()
	j, err := safejs.ValueOf(v)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestArgReader: the first argument that cannot be used names the method and
// the reason; absent and null arguments take the default.
func TestArgReader(t *testing.T) {
	fn, _ := safejs.Global().Get("Object")
	a := &argReader{args: []safejs.Value{jsv(t, "x"), safejs.Null(), fn}, key: "m"}
	if s := a.str(0, "d", "r0"); s != "x" {
		t.Errorf("str(0) = %q", s)
	}
	if s := a.str(1, "d", "r1"); s != "d" {
		t.Errorf("str(null) = %q, want the default", s)
	}
	if s := a.str(5, "d", "r5"); s != "d" {
		t.Errorf("str(absent) = %q, want the default", s)
	}
	if f := a.fn(2, "r2"); f.Type() != safejs.TypeFunction || a.err != nil {
		t.Errorf("fn(2): %v, %v", f.Type(), a.err)
	}
	if _, ok := a.object(1); ok {
		t.Error("object(null) counts as an object")
	}
	a.str(2, "", "first reason")
	a.fn(0, "second reason")
	var ce *auth.ConfigError
	if !errors.As(a.err, &ce) || ce.Key != "m" || ce.Reason != "first reason" {
		t.Errorf("err %v, want the first failure naming m", a.err)
	}
}

// TestAsyncMethodRejectsOnArguments: a bad argument rejects the promise and
// the work never runs.
func TestAsyncMethodRejectsOnArguments(t *testing.T) {
	ran := false
	obj, _ := testObject(t, methods{"refresh": {key: "handleCallback", async: func(a *argReader) func(context.Context) (any, error) {
		a.str(0, "", "takes a URL string")
		return func(context.Context) (any, error) { ran = true; return "ok", nil }
	}}})
	m := mustGet(obj, "refresh")
	p, err := m.Invoke(42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := settle(t, p); codeOf(t, err) != "invalid_config" {
		t.Errorf("rejection %v, want invalid_config", err)
	}
	if ran {
		t.Error("the work ran with a bad argument")
	}
	p, _ = m.Invoke("https://app.example/")
	if v, err := settle(t, p); err != nil || !ran {
		t.Errorf("good argument: %v, %v, ran %v", v, err, ran)
	}
}
