//go:build js && wasm

package storage

import (
	"errors"
	"fmt"
	"syscall/js"

	"github.com/corti-auth/corti-auth/internal/jsx"
	"github.com/hack-pad/safejs"
)

// Browser is a Store over a Web Storage object, window.localStorage or
// window.sessionStorage (https://developer.mozilla.org/docs/Web/API/Storage).
// Every JS call goes through safejs; an exception thrown by the browser
// (SecurityError in a sandboxed iframe, QuotaExceededError on a full quota,
// anything else) becomes an error wrapping ErrUnavailable that names the
// DOMException. No method panics.
type Browser struct {
	obj  safejs.Value
	name string
}

// Local returns the Store over window.localStorage. It returns an error
// wrapping ErrUnavailable when the global is missing or reading it throws (a
// SecurityError when storage is denied, as in a sandboxed iframe).
func Local() (*Browser, error) { return global("localStorage") }

// Session returns the Store over window.sessionStorage, failing like Local.
func Session() (*Browser, error) { return global("sessionStorage") }

func global(name string) (b *Browser, err error) {
	defer recoverJS(name, &err)
	v, err := jsx.Get(safejs.Global(), name)
	if err != nil {
		return nil, jsFailure(name, "open", err)
	}
	if t := v.Type(); t != safejs.TypeObject {
		return nil, fmt.Errorf("storage: %s: %w: the global is %s", name, ErrUnavailable, t)
	}
	return &Browser{obj: v, name: name}, nil
}

// NewBrowser returns a Store over any object with the Storage methods getItem,
// setItem, removeItem, key and the length property (a polyfill in tests).
func NewBrowser(storageObject safejs.Value) *Browser {
	return &Browser{obj: storageObject, name: "storage object"}
}

// Get returns the value under key and whether it exists (getItem returns null
// for a missing key).
func (b *Browser) Get(key string) (value string, ok bool, err error) {
	defer recoverJS(b.name, &err)
	v, err := b.obj.Call("getItem", key)
	if err != nil {
		return "", false, jsFailure(b.name, "getItem", err)
	}
	if v.IsNull() || v.IsUndefined() {
		return "", false, nil
	}
	s, err := v.String()
	if err != nil || v.Type() != safejs.TypeString {
		return "", false, fmt.Errorf("storage: %s getItem: %w: returned a %s", b.name, ErrUnavailable, v.Type())
	}
	return s, true, nil
}

// Set stores value under key; a full quota gives an error wrapping
// ErrUnavailable that names QuotaExceededError.
func (b *Browser) Set(key, value string) (err error) {
	defer recoverJS(b.name, &err)
	if _, err := b.obj.Call("setItem", key, value); err != nil {
		return jsFailure(b.name, "setItem", err)
	}
	return nil
}

// Remove deletes key; removing a missing key is not an error.
func (b *Browser) Remove(key string) (err error) {
	defer recoverJS(b.name, &err)
	if _, err := b.obj.Call("removeItem", key); err != nil {
		return jsFailure(b.name, "removeItem", err)
	}
	return nil
}

// Keys lists every key through length and key(i).
func (b *Browser) Keys() (keys []string, err error) {
	defer recoverJS(b.name, &err)
	lv, err := jsx.Get(b.obj, "length")
	if err != nil {
		return nil, jsFailure(b.name, "length", err)
	}
	n, err := lv.Int()
	if err != nil {
		return nil, fmt.Errorf("storage: %s length: %w: not a number", b.name, ErrUnavailable)
	}
	keys = make([]string, 0, n)
	for i := 0; i < n; i++ {
		k, err := b.obj.Call("key", i)
		if err != nil {
			return nil, jsFailure(b.name, "key", err)
		}
		if k.Type() != safejs.TypeString {
			continue // removed meanwhile by another tab
		}
		s, err := k.String()
		if err != nil {
			return nil, jsFailure(b.name, "key", err)
		}
		keys = append(keys, s)
	}
	return keys, nil
}

// jsFailure maps an error from safejs (usually a thrown DOMException) to an
// error wrapping ErrUnavailable with the exception's name and message.
func jsFailure(store, op string, err error) error {
	return fmt.Errorf("storage: %s %s: %w: %s", store, op, ErrUnavailable, describe(err))
}

// describe names a thrown JS value without ever panicking. safejs hands a
// thrown value back as a syscall/js Error (safejs has no accessor for the
// thrown value itself, hence the one syscall/js import); its Error method
// panics for a thrown primitive, so it is not called.
func describe(err error) (s string) {
	defer func() {
		if recover() != nil {
			s = "JavaScript exception"
		}
	}()
	var jsErr js.Error
	if !errors.As(err, &jsErr) {
		return err.Error()
	}
	v := safejs.Safe(jsErr.Value)
	switch v.Type() {
	case safejs.TypeObject, safejs.TypeFunction:
	case safejs.TypeString:
		str, _ := v.String()
		return "thrown " + str
	default:
		return "thrown " + v.Type().String()
	}
	name, message := jsx.String(v, "name"), jsx.String(v, "message")
	switch {
	case name == "" && message == "":
		return "JavaScript exception"
	case name == "":
		return message
	case message == "":
		return name
	}
	return name + ": " + message
}

// recoverJS turns a panic escaping a method into an error wrapping
// ErrUnavailable; a panic must never leave the Go program in a JS callback.
func recoverJS(store string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("storage: %s: %w: unexpected failure: %v", store, ErrUnavailable, r)
	}
}
