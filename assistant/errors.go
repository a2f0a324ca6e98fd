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
	// ErrInvalidPayload reports arguments of a typed method that the
	// component's types refuse (setCredentials without a password, navigate
	// without a path, showDeviceLinkQR with tokens lacking a refresh token);
	// nothing is posted.
	ErrInvalidPayload = errors.New("assistant: invalid payload")
)

// Codes of the errors the controller raises itself (Error.Code, with Event
// set), next to the Assistant's own (UNAUTHORIZED, ...).
const (
	// CodeVersionMismatch: embedded.ready announced a protocol version other
	// than v1 (the component raises its error event for it too).
	CodeVersionMismatch = "VERSION_MISMATCH"
	// CodeReloadLimit: the iframe announced embedded.ready after an auth more
	// than ReloadLimit times within ReloadWindow; further readies in the
	// window are not answered with auth.
	CodeReloadLimit = "RELOAD_LIMIT"
)

// EventError is the event by which the Assistant reports an error
// ({message, code?}); the controller hands it to OnError as an *Error.
const EventError = "error.triggered"

// Error is a failed response from the Assistant (success: false, or an error
// member with success: true, as the component judges it), or, with Event set,
// an error reported by an event: error.triggered, or embedded.ready (Code
// CodeVersionMismatch or CodeReloadLimit).
type Error struct {
	Action  string          // the request's action ("auth", ...); "" for an event's error
	Event   string          // EventError or EventReady for an event's error; "" for a response
	Code    string          // errorCode or error.code: "UNAUTHORIZED", "INVALID_PAYLOAD", "INTERNAL_ERROR", ...
	Message string          // error (a string) or error.message
	Details json.RawMessage // errorDetails or error.details; nil when absent
}

func (e *Error) Error() string {
	msg := "assistant: " + e.Action + " failed"
	if e.Event != "" {
		msg = "assistant: " + e.Event
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}
