//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"strings"

	"github.com/corti-auth/corti-auth/errcode"
	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/hack-pad/safejs"
)

// The pure sentinels the bridge raises (package internal/fault; their JS codes
// come from errcode.Code, like every other error's).
var (
	ErrNetwork = fault.ErrNetwork // fetch rejected or the body could not be read
	ErrTimeout = fault.ErrTimeout // fetch got no answer in time
	ErrPanic   = fault.ErrPanic   // a recovered Go panic: code "internal"
	ErrBrowser = fault.ErrBrowser // a DOM, location or postMessage call threw: code "browser_error"
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

// ErrorCode is the code property of what was thrown (fault.Coder): a
// CortiAuthError rethrown by the page's code keeps its code (errcode.Code).
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
// errors cross into JS. Its properties are errcode.Props(err) (code, and where
// they apply oauthError, description, errorUri, status, assistantCode, check); a
// JS error thrown by user code is kept as its cause.
func ErrorValue(err error) safejs.Value {
	if err == nil {
		return safejs.Undefined()
	}
	props := errcode.Props(err)
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
