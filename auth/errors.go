// Package auth is corti-auth's client: configuration, the authorize request, the
// callback and code exchange, refresh, the password grant, revocation and logout.
// It is pure Go: HTTP goes through a Fetcher (the browser's fetch in the bridge),
// storage through storage.Store, time through an injected clock.
package auth

import (
	"errors"
	"fmt"
)

// Sentinel errors of package auth. Callers test for them with errors.Is.
var (
	// ErrInvalidConfig reports a client configuration that cannot be used.
	ErrInvalidConfig = errors.New("auth: invalid config")
	// ErrNoPendingLogin reports a callback for which no login is waiting: it was
	// already handled (a replayed callback), or it was started in another browser.
	ErrNoPendingLogin = errors.New("auth: no pending login")
	// ErrStateMismatch reports a callback whose state matches none of the logins
	// waiting in this browser (a forged or tampered callback).
	ErrStateMismatch = errors.New("auth: state mismatch")
	// ErrLoginExpired reports a pending login older than its TTL.
	ErrLoginExpired = errors.New("auth: login expired")
	// ErrIssMismatch reports a callback whose iss parameter (RFC 9207) is not the
	// realm issuer: a mix-up attack, or a misconfigured authBaseURL.
	ErrIssMismatch = errors.New("auth: iss mismatch")
	// ErrPasswordGrantDisabled reports loginWithPassword without allowPasswordGrant.
	ErrPasswordGrantDisabled = errors.New("auth: password grant disabled")
	// ErrNotCallback reports a URL that carries no authorization response.
	ErrNotCallback = errors.New("auth: not a callback URL")
)

// ConfigError names the configuration key that is wrong and what to do instead.
// It wraps ErrInvalidConfig.
type ConfigError struct {
	Key    string
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return "auth: invalid config: " + e.Reason
	}
	return fmt.Sprintf("auth: invalid config: %s: %s", e.Key, e.Reason)
}

func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
