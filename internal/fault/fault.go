// Package fault holds the few errors every layer of corti-auth may raise
// without owning the concept: a recovered panic, the transport failures of the
// browser's fetch, and a failed browser call; and the list of JS error codes,
// which auth needs to judge a code thrown by the page. It imports nothing, so that any
// package can wrap them; the table that turns every error into a JS error code
// is errcode.Code (errcode imports the packages whose errors it names, so they
// cannot import it).
package fault

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
// back by the bridge. errcode.Code keeps the code when it is one of the contract's.
type Coder interface {
	error
	ErrorCode() string
}

// Codes lists every code a CortiAuthError can carry, in README's order
// (errcode.Codes; contract_test.go checks README and the .d.ts against it).
var Codes = []string{
	"invalid_config",
	"storage_unavailable",
	"no_pending_login",
	"state_mismatch",
	"login_expired",
	"iss_mismatch",
	"oauth_error",
	"network_error",
	"timeout",
	"bad_response",
	"invalid_token",
	"id_token_invalid",
	"not_user_token",
	"session_ended",
	"assistant_timeout",
	"assistant_error",
	"assistant_refresh_conflict",
	"password_grant_disabled",
	"popup_blocked",
	"popup_closed",
	"user_mismatch",
	"browser_error",
	"internal",
}

// CodeInternal is the code of a recovered Go panic (ErrPanic), and of
// nothing else.
const CodeInternal = "internal"

// CodeUnknown is the code of an error that carries no sentinel of errcode's
// table. Every sentinel of the pure packages is mapped (errcode's tests check it), so such
// an error can only come from the bridge, whose errors are browser calls:
// "browser_error", with the message saying what failed.
const CodeUnknown = "browser_error"

// KnownCode reports whether c is one of Codes.
func KnownCode(c string) bool {
	for _, k := range Codes {
		if k == c {
			return true
		}
	}
	return false
}

// ThrownCodeKept reports whether a code named by a Coder (a value the
// page's own code threw) is kept: one of Codes, except "internal", which only
// the module's own recovered panics give.
func ThrownCodeKept(c string) bool { return c != CodeInternal && KnownCode(c) }
