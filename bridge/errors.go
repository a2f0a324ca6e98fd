//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"strings"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/errcode"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// The pure sentinels the bridge raises (package errcode; their JS codes come
// from auth.Code, like every other error's).
var (
	ErrNetwork = errcode.ErrNetwork // fetch rejected or the body could not be read
	ErrTimeout = errcode.ErrTimeout // fetch got no answer in time
	ErrPanic   = errcode.ErrPanic   // a recovered Go panic: code "internal"
	ErrBrowser = errcode.ErrBrowser // a DOM, location or postMessage call threw: code "browser_error"
)

// browserErr reports a failed browser call op (a safejs call's error, which
// holds what JS threw): it wraps ErrBrowser, and the thrown value becomes the
// CortiAuthError's cause.
func browserErr(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrBrowser, op, FromJSError(jsErrorValue(err)))
}

// JSError is an exception thrown or a rejection made by JS code (a user's
// refresh callback, a DOM call). Value is the original thrown value.
type JSError struct {
	Name, Message, Code string
	OAuthError          string // an oauthError property (a CortiAuthError of code oauth_error, or a user's own)
	Value               safejs.Value
}

// ErrorCode is the code property of what was thrown (errcode.Coder): a
// CortiAuthError rethrown by the page's code keeps its code (auth.Code).
func (e *JSError) ErrorCode() string { return e.Code }

func (e *JSError) Error() string {
	if e.Name != "" {
		return "js: " + e.Name + ": " + e.Message
	}
	return "js: " + e.Message
}

// FromJSError reads a rejection reason defensively: it may be an Error, a
// DOMException, a string, undefined or anything else.
func FromJSError(v safejs.Value) error {
	e := &JSError{Value: v}
	switch v.Type() {
	case safejs.TypeObject, safejs.TypeFunction:
		e.Name = str(v, "name")
		e.Message = str(v, "message")
		e.Code = str(v, "code")
		e.OAuthError = str(v, "oauthError")
		if e.Message == "" {
			e.Message = jsString(v)
		}
	case safejs.TypeUndefined, safejs.TypeNull:
		e.Message = "rejected without a reason"
	default:
		e.Message = jsString(v)
	}
	return e
}

// ErrorValue turns a Go error into a JS CortiAuthError — the one place where Go
// errors cross into JS. It carries code, and where they apply oauthError,
// description, status, assistantCode; a JS error thrown by user code is kept as
// its cause.
func ErrorValue(err error) safejs.Value {
	if err == nil {
		return safejs.Undefined()
	}
	props := map[string]any{"code": auth.Code(err)}
	var oe *pkce.OAuthError
	if errors.As(err, &oe) {
		props["oauthError"] = oe.ErrorCode
		if oe.Description != "" {
			props["description"] = oe.Description
		}
		if oe.URI != "" {
			props["errorUri"] = oe.URI
		}
		if oe.Status != 0 {
			props["status"] = oe.Status
		}
	}
	var ae *assistant.Error
	if errors.As(err, &ae) {
		if ae.Code != "" { // an error.triggered without a code has none
			props["assistantCode"] = ae.Code
		}
		if ae.Message != "" {
			props["description"] = ae.Message
		}
	}
	var ie *token.IDTokenError
	if errors.As(err, &ie) {
		props["check"] = ie.Check
	}
	var je *JSError
	if errors.As(err, &je) && !je.Value.IsUndefined() {
		props["cause"] = safejs.Unsafe(je.Value)
	}
	msg := strings.TrimSpace(err.Error())
	if rt.errorClass.Type() == safejs.TypeFunction {
		if v, e := rt.errorClass.New(msg, props); e == nil {
			return v
		}
	}
	ctor, _ := safejs.Global().Get("Error")
	v, e := ctor.New(msg)
	if e != nil {
		s, _ := safejs.ValueOf(msg)
		return s
	}
	_ = v.Set("name", "CortiAuthError")
	for k, p := range props {
		_ = v.Set(k, p)
	}
	return v
}
