package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
)

// Bearer mode (fromTokens): the page hands in a token response, and optionally
// a refresh callback that obtains the next one (typically from its backend).
// This file decides what the callback's answers mean; the bridge only calls it
// and hands back what it returned or threw.

// DefaultCallbackTimeout bounds one call of a bearer-mode refresh callback: the
// same 15 s as one request of the built-in refresh (the bridge's fetch
// timeout), so that a promise that never settles cannot hang getAccessToken()
// or hold the cross-tab refresh lock for ever.
const DefaultCallbackTimeout = 15 * time.Second

// MaxCallbackTimeout bounds the refreshTimeoutMs option.
const MaxCallbackTimeout = 5 * time.Minute

// ErrCallbackTimeout reports a refresh callback that did not settle within its
// time limit. It wraps context.DeadlineExceeded (code "timeout"); the session
// treats it as a temporary failure and retries after its backoff.
var ErrCallbackTimeout = fmt.Errorf("auth: the refresh callback did not settle in time: %w", context.DeadlineExceeded)

// BearerCallback calls the page's refresh callback with the current token
// response and returns the JSON of the value its promise resolved with (nil
// for undefined), or the error it threw or rejected with (a *Thrown when the
// thrown value could be read). ctx ends when the time limit passes or the
// session ends; the call should return then.
type BearerCallback func(ctx context.Context, current *pkce.TokenResponse) ([]byte, error)

// Thrown is what a refresh callback threw or rejected with, as read by the
// bridge: its code and oauthError properties and its message. Err is the error
// that carries the thrown value (kept as the JS error's cause); Thrown wraps it.
type Thrown struct {
	Code       string // the thrown value's code property, "" if none
	OAuthError string // its oauthError property, "" if none
	Message    string
	Err        error
}

func (t *Thrown) Error() string {
	if t.Err != nil {
		return t.Err.Error()
	}
	return "auth: the refresh callback threw: " + t.Message
}

func (t *Thrown) Unwrap() error { return t.Err }

// Bearer is a bearer-mode refresh: Call with a time limit, its answer read by
// BearerAnswer and its failures by CallbackError.
type Bearer struct {
	Call    BearerCallback
	Timeout time.Duration // 0 → DefaultCallbackTimeout
}

// Refresh runs one callback call. It returns when the callback answers, when
// Timeout passes (ErrCallbackTimeout, even if the callback never returns) or
// when ctx ends (ctx's error). A panic in Call becomes an error.
func (b Bearer) Refresh(ctx context.Context, current *pkce.TokenResponse) (*pkce.TokenResponse, error) {
	limit := b.Timeout
	if limit <= 0 {
		limit = DefaultCallbackTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type answer struct {
		b   []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- answer{err: fmt.Errorf("auth: the refresh callback panicked: %v", r)}
			}
		}()
		b, err := b.Call(cctx, current)
		done <- answer{b, err}
	}()
	timedOut := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w (%v)", ErrCallbackTimeout, limit)
	}
	select {
	case a := <-done:
		if a.err != nil {
			if cctx.Err() != nil {
				return nil, timedOut()
			}
			return nil, CallbackError(a.err)
		}
		return BearerAnswer(a.b)
	case <-cctx.Done():
		return nil, timedOut()
	}
}

// BearerAnswer reads the value a refresh callback resolved with (its JSON):
// a token response; or a token endpoint's error answer ({"error":
// "invalid_grant", ...}, as a backend may pass it on), which is final (an
// *pkce.OAuthError with status 400: the session ends with that reason); or
// anything else, which is pkce.ErrBadResponse (retried).
func BearerAnswer(b []byte) (*pkce.TokenResponse, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, fmt.Errorf("%w: the refresh callback returned no token response", pkce.ErrBadResponse)
	}
	if oe := returnedOAuthError(b); oe != nil {
		return nil, oe
	}
	return pkce.ParseTokenResponse(b)
}

// returnedOAuthError reads an answer shaped like a token endpoint's error: an
// error member and no access_token.
func returnedOAuthError(b []byte) error {
	var o struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Token       string `json:"access_token"`
	}
	if json.Unmarshal(b, &o) != nil || o.Error == "" || o.Token != "" {
		return nil
	}
	return &pkce.OAuthError{ErrorCode: o.Error, Description: o.Description, Status: 400}
}

// CallbackError reports a refresh callback that threw or rejected. The callback
// is the token source in bearer mode and it gave no token response, so this is
// pkce.ErrBadResponse (retried), unless
//   - it threw an OAuth error on purpose (oauthError: "invalid_grant", or a code
//     that is an RFC 6749 §5.2 error code): final, an *pkce.OAuthError with status
//     400, so the session ends with that reason;
//   - it threw a CortiAuthError of a code of its own (network_error, ...; not
//     internal, which only the module's own panics give): passed on as it is;
//   - the context ended (the time limit, the session's end): passed on.
//
// The thrown value stays in the chain (the JS error's cause).
func CallbackError(err error) error {
	var th *Thrown
	if errors.As(err, &th) {
		oauth := th.OAuthError
		if oauth == "" && th.Code != "" && !fault.KnownCode(th.Code) {
			oauth = th.Code
		}
		if IsOAuthCode(oauth) {
			return &pkce.OAuthError{ErrorCode: oauth, Description: th.Message, Status: 400}
		}
		if fault.ThrownCodeKept(th.Code) {
			return err
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: the refresh callback failed: %w", pkce.ErrBadResponse, err)
}

// IsOAuthCode reports the RFC 6749 §5.2 token endpoint error codes that end a
// session when a refresh callback reports them.
func IsOAuthCode(c string) bool {
	switch c {
	case "invalid_grant", "invalid_client", "unauthorized_client", "invalid_request", "invalid_scope", "unsupported_grant_type":
		return true
	}
	return false
}

// ParseBearerTokens reads fromTokens' token response (its JSON): a token
// response whose access token is a JWT (decoded, not verified: it came from
// the page's own backend). Errors: a *ConfigError for no object,
// pkce.ErrBadResponse for a malformed response, token.ErrInvalidToken for an
// access token that is not a JWT.
func ParseBearerTokens(b []byte) (*pkce.TokenResponse, error) {
	if len(b) == 0 {
		return nil, &ConfigError{Key: "fromTokens", Reason: "takes a token response object {access_token, expires_in, ...}"}
	}
	resp, err := pkce.ParseTokenResponse(b)
	if err != nil {
		return nil, err
	}
	if _, err := token.DecodeUnverified(resp.AccessToken); err != nil {
		return nil, err
	}
	return resp, nil
}

// CallbackTimeout reads the refreshTimeoutMs option of fromTokens: unset (nil)
// gives DefaultCallbackTimeout; otherwise a number of milliseconds from 1 to
// MaxCallbackTimeout.
func CallbackTimeout(ms *float64) (time.Duration, error) {
	if ms == nil {
		return DefaultCallbackTimeout, nil
	}
	if !(*ms >= 1 && *ms <= float64(MaxCallbackTimeout.Milliseconds())) { // NaN fails too
		return 0, &ConfigError{Key: "refreshTimeoutMs", Reason: fmt.Sprintf("must be a number of milliseconds from 1 to %d", MaxCallbackTimeout.Milliseconds())}
	}
	return time.Duration(*ms * float64(time.Millisecond)), nil
}
