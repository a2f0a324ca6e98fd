package pkce

import (
	"errors"
	"fmt"
)

// Sentinel errors of package pkce. Callers test for them with errors.Is.
var (
	// ErrBadResponse reports a token endpoint answer that is not a usable token
	// response: not JSON, not an object, or without an access_token.
	ErrBadResponse = errors.New("pkce: bad token response")
	// ErrInvalidParam reports an authorize request parameter that may not be set
	// or overridden (response_type, code_challenge_method, state, ...).
	ErrInvalidParam = errors.New("pkce: invalid authorize parameter")
	// ErrInvalidCallback reports a callback URL that cannot be parsed.
	ErrInvalidCallback = errors.New("pkce: invalid callback URL")
)

// OAuthError is an error answer of an OAuth 2.0 endpoint: RFC 6749 §5.2 for the
// token endpoint (with the HTTP Status), §4.1.2.1 for the authorization endpoint's
// redirect (Status 0). ErrorCode is empty when a failing token endpoint did not
// answer with an OAuth error object (a 503 page from a proxy, say).
type OAuthError struct {
	ErrorCode   string // "invalid_grant", "access_denied", ...
	Description string // error_description
	URI         string // error_uri
	Status      int    // HTTP status of a token endpoint answer; 0 for a callback
}

func (e *OAuthError) Error() string {
	code := e.ErrorCode
	if code == "" {
		code = fmt.Sprintf("HTTP %d", e.Status)
	}
	msg := "pkce: oauth error " + code
	if e.Status != 0 && e.ErrorCode != "" {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Temporary reports whether the same request may succeed later: a 5xx or 429
// answer. An OAuth error in the 4xx range (invalid_grant, invalid_client) is final.
func (e *OAuthError) Temporary() bool {
	return e.Status >= 500 || e.Status == 429
}
