package assistant

import (
	"encoding/json"
	"errors"
)

// Sentinel errors of package assistant. Callers test for them with errors.Is;
// the package wraps them with what failed (the action, the timeout, ...).
var (
	// ErrTimeout reports that embedded.ready or a response did not arrive in time.
	ErrTimeout = errors.New("assistant: timeout")
	// ErrDestroyed reports a request made or pending when the controller was destroyed.
	ErrDestroyed = errors.New("assistant: destroyed")
	// ErrEnded reports a request made or pending when the session ended.
	ErrEnded = errors.New("assistant: session ended")
	// ErrUnknownMessage reports an incoming message that is not a v1 request,
	// response or event; callers ignore such messages silently.
	ErrUnknownMessage = errors.New("assistant: unknown message")
	// ErrInvalidBaseURL reports an Assistant base URL that cannot host the iframe.
	ErrInvalidBaseURL = errors.New("assistant: invalid base URL")
	// ErrNotUserToken reports an access token of a service account (client
	// credentials), which the embedded Assistant does not accept.
	ErrNotUserToken = errors.New("assistant: not a user token")
	// ErrActionNotAllowed reports an action Request refuses to send: the internal
	// _init, the deprecated configure and configureSession, and auth (sent only
	// by Start, Reauth and after a reload, with fresh tokens).
	ErrActionNotAllowed = errors.New("assistant: action not allowed")
	// ErrInvalidOptions reports Options that NewController cannot work with.
	ErrInvalidOptions = errors.New("assistant: invalid options")
)

// Error is a failed response (success: false) from the Assistant.
type Error struct {
	Action  string          // the request's action ("auth", ...)
	Code    string          // errorCode or error.code: "UNAUTHORIZED", "INVALID_PAYLOAD", "INTERNAL_ERROR", ...
	Message string          // error (a string) or error.message
	Details json.RawMessage // errorDetails or error.details; nil when absent
}

func (e *Error) Error() string {
	msg := "assistant: " + e.Action + " failed"
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}
