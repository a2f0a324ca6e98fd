//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"strings"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// Transport errors of the browser's fetch.
var (
	ErrNetwork = errors.New("bridge: network error")
	ErrTimeout = errors.New("bridge: timeout")
)

// JSError is an exception thrown or a rejection made by JS code (a user's
// refresh callback, a DOM call). Value is the original thrown value.
type JSError struct {
	Name, Message, Code string
	OAuthError          string // an oauthError property (a CortiAuthError of code oauth_error, or a user's own)
	Value               safejs.Value
}

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

// codes maps sentinel errors of every package to the JS error codes of the API
// contract. The first match wins; order from specific to general.
var codes = []struct {
	err  error
	code string
}{
	{ErrPanic, "internal"},
	{auth.ErrInvalidConfig, "invalid_config"},
	{pkce.ErrInvalidParam, "invalid_config"},
	{assistant.ErrInvalidBaseURL, "invalid_config"},
	{assistant.ErrActionNotAllowed, "invalid_config"},
	{assistant.ErrInvalidOptions, "invalid_config"},
	{storage.ErrUnavailable, "storage_unavailable"},
	{auth.ErrNoPendingLogin, "no_pending_login"},
	{auth.ErrStateMismatch, "state_mismatch"},
	{auth.ErrLoginExpired, "login_expired"},
	{auth.ErrIssMismatch, "iss_mismatch"},
	{auth.ErrNotCallback, "no_pending_login"},
	{pkce.ErrInvalidCallback, "no_pending_login"},
	{auth.ErrPasswordGrantDisabled, "password_grant_disabled"},
	{ErrNetwork, "network_error"},
	{ErrTimeout, "timeout"},
	{context.DeadlineExceeded, "timeout"},
	{pkce.ErrBadResponse, "bad_response"},
	{token.ErrIDTokenInvalid, "id_token_invalid"},
	{token.ErrInvalidToken, "invalid_token"},
	{assistant.ErrNotUserToken, "not_user_token"},
	{assistant.ErrTimeout, "assistant_timeout"},
	{assistant.ErrDestroyed, "assistant_error"},
	{assistant.ErrEnded, "session_ended"},
	{session.ErrEnded, "session_ended"},
	{session.ErrClosed, "session_ended"},
	{session.ErrRefreshExpired, "session_ended"},
	{session.ErrExpired, "session_ended"},
	{session.ErrNoRefresh, "invalid_config"},
	{session.ErrNoExpiry, "bad_response"},
}

// Code returns the JS error code for err.
func Code(err error) string {
	var oe *pkce.OAuthError
	if errors.As(err, &oe) {
		return "oauth_error"
	}
	var ae *assistant.Error
	if errors.As(err, &ae) {
		return "assistant_error"
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	var je *JSError
	if errors.As(err, &je) && knownCode(je.Code) {
		return je.Code
	}
	return "internal"
}

func knownCode(c string) bool {
	switch c {
	case "invalid_config", "storage_unavailable", "no_pending_login", "state_mismatch", "login_expired",
		"iss_mismatch", "oauth_error", "network_error", "timeout", "bad_response", "invalid_token",
		"id_token_invalid", "not_user_token", "session_ended", "assistant_timeout", "assistant_error",
		"password_grant_disabled", "internal":
		return true
	}
	return false
}

// ErrorValue turns a Go error into a JS CortiAuthError — the one place where Go
// errors cross into JS. It carries code, and where they apply oauthError,
// description, status, assistantCode; a JS error thrown by user code is kept as
// its cause.
func ErrorValue(err error) safejs.Value {
	if err == nil {
		return safejs.Undefined()
	}
	props := map[string]any{"code": Code(err)}
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
		props["assistantCode"] = ae.Code
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
