// Package errcode holds the few errors every layer of corti-auth may raise
// without owning the concept: a recovered panic, the transport failures of the
// browser's fetch, and a failed browser call. It imports nothing of the module,
// so that any package can wrap them; the table that turns every error into a JS
// error code is auth.Code.
package errcode

import "errors"

// Sentinel errors; callers wrap them with %w and test for them with errors.Is.
var (
	// ErrPanic marks a recovered Go panic: JS code "internal", and nothing else
	// gives that code.
	ErrPanic = errors.New("corti-auth: internal error (recovered panic)")
	// ErrNetwork reports a request that got no HTTP answer: fetch rejected
	// (offline, DNS, a CORS refusal) or the body could not be read. JS code
	// "network_error".
	ErrNetwork = errors.New("corti-auth: network error")
	// ErrTimeout reports a request that got no answer in time. JS code "timeout".
	ErrTimeout = errors.New("corti-auth: timeout")
	// ErrBrowser reports a browser API call that threw or is missing: the DOM
	// calls that create and attach the Assistant's iframe, postMessage,
	// location.assign, the JS engine's Promise and JSON. JS code "browser_error";
	// the bridge keeps what the browser threw as the error's cause.
	ErrBrowser = errors.New("corti-auth: a browser call failed")
)

// Coder is an error that names its JS error code itself: a value thrown by the
// page's own code (a refresh callback rethrowing a CortiAuthError, say) read
// back by the bridge. auth.Code keeps the code when it is one of the contract's.
type Coder interface {
	error
	ErrorCode() string
}
