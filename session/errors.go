package session

import (
	"context"
	"errors"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
)

// Sentinel errors of package session. Callers test for them with errors.Is.
var (
	// ErrEnded reports a call on a session that has ended (or was closed). The
	// error returned is an *EndedError carrying the reason.
	ErrEnded = errors.New("session: ended")
	// ErrClosed reports a call on a session after Close. It is returned as an
	// *EndedError that also matches ErrEnded.
	ErrClosed = errors.New("session: closed")
	// ErrNoRefresh reports that the tokens cannot be refreshed: the session has
	// no RefreshFunc (no refresh token, no bearer-mode callback).
	ErrNoRefresh = errors.New("session: no way to refresh the tokens")
	// ErrNoExpiry reports a token response whose expiry is unknown (no
	// expires_in, no JWT exp) or already past: the token counts as expiring now.
	// AccessToken also wraps it for a refreshed token with less than
	// MinValidity left, in a message that says how much.
	ErrNoExpiry = errors.New("session: token response without a usable expiry")
	// ErrRefreshExpired is the cause given with the "refresh_expired" end: the
	// refresh token is known to be past its refresh_expires_in.
	ErrRefreshExpired = errors.New("session: refresh token expired")
	// ErrExpired is the cause given with the "expired" end: the access token
	// expired and there was no way to refresh it.
	ErrExpired = errors.New("session: access token expired")
)

// EndedError is returned by the calls made after the session ended or was
// closed. It matches ErrEnded, and ErrClosed as well when Closed is set.
type EndedError struct {
	Reason string // the end's reason ("logout", "invalid_grant", ...); "closed" after Close
	Closed bool
}

func (e *EndedError) Error() string {
	if e.Closed && e.Reason == "closed" {
		return "session: closed"
	}
	return "session: ended: " + e.Reason
}

// Is makes errors.Is(err, ErrEnded) hold for every EndedError, and
// errors.Is(err, ErrClosed) for one returned after Close.
func (e *EndedError) Is(target error) bool {
	return target == ErrEnded || e.Closed && target == ErrClosed
}

// FinalError marks an error of a RefreshFunc or of Config.Validate that must end
// the session, with Reason as the "ended" event's reason, instead of being
// retried.
type FinalError struct {
	Reason string
	Err    error
}

// Final wraps err so that it ends the session with reason.
func Final(reason string, err error) error { return &FinalError{Reason: reason, Err: err} }

func (e *FinalError) Error() string {
	if e.Err == nil {
		return "session: " + e.Reason
	}
	return e.Err.Error()
}

func (e *FinalError) Unwrap() error { return e.Err }

// Reasons the session ends with on its own (End takes any reason).
const (
	ReasonInvalidGrant   = "invalid_grant"    // the OAuth error code of a final token endpoint error
	ReasonRefreshFailed  = "refresh_failed"   // a final 4xx without an OAuth error code
	ReasonRefreshExpired = "refresh_expired"  // the refresh token is known to be past its expiry
	ReasonExpired        = "expired"          // the access token expired, no RefreshFunc
	ReasonIDTokenInvalid = "id_token_invalid" // Validate failed, or a refreshed ID token did not verify
	ReasonLogout         = "logout"
	ReasonIdle           = "idle"         // no activity for idleTimeoutSeconds (see Idle)
	ReasonUserChanged    = "user_changed" // another user signed in on the tab channel (Tabs)
	// ReasonClosed is the reason of a mounted Assistant's "ended" when its
	// session is closed (Close): the session itself emits no "ended" then.
	ReasonClosed = "closed"
)

// classify tells a final refresh error (no retry: the session ends with reason)
// from a temporary one (retried with backoff):
//   - a *FinalError ends with its Reason;
//   - an error wrapping token.ErrIDTokenInvalid (a refreshed ID token that does
//     not verify, or is for another sub) ends with "id_token_invalid" — except
//     the checks "jwks" and "kid" (keys not fetched, or not yet fetched again
//     after a rotation), which are temporary;
//   - a *pkce.OAuthError that is not Temporary (a 4xx such as invalid_grant)
//     ends with its error code, or "refresh_failed" without one;
//   - anything else (network, timeout, 5xx, 429, bad_response, a JS callback's
//     error) is temporary.
func classify(err error) (reason string, final bool) {
	var fe *FinalError
	if errors.As(err, &fe) {
		if fe.Reason == "" {
			return ReasonRefreshFailed, true
		}
		return fe.Reason, true
	}
	var ie *token.IDTokenError
	if errors.As(err, &ie) && (ie.Check == token.CheckJWKS || ie.Check == token.CheckKID) {
		// The keys could not be fetched (a network blip), or the token's key is
		// not in a JWKS fetched moments ago (a rotation): both may pass.
		return "", false
	}
	if errors.Is(err, token.ErrIDTokenInvalid) {
		return ReasonIDTokenInvalid, true
	}
	var oe *pkce.OAuthError
	if errors.As(err, &oe) && !oe.Temporary() {
		if oe.ErrorCode == "" {
			return ReasonRefreshFailed, true
		}
		return oe.ErrorCode, true
	}
	return "", false
}

// UnverifiedError is what a RefreshFunc returns when the token endpoint
// answered but the new ID token could not be verified yet: its keys could not
// be fetched (a network blip), or the key was rotated moments ago (checks
// "jwks" and "kid"). With refresh token rotation the old refresh token is spent
// by now and only Response's works, so the Session keeps Response and retries
// only Verify (with the usual backoff) instead of the refresh; once Verify
// succeeds the new tokens are installed. A final error of Verify ends the
// session "id_token_invalid". When the kept tokens come inside the buffer
// before they are verified, the next attempt refreshes with their refresh token.
type UnverifiedError struct {
	Response *pkce.TokenResponse
	Verify   func(ctx context.Context) error
	Err      error // why the ID token could not be verified
}

func (e *UnverifiedError) Error() string {
	if e.Err == nil {
		return "session: the refreshed ID token is not verified yet"
	}
	return e.Err.Error()
}

func (e *UnverifiedError) Unwrap() error { return e.Err }
