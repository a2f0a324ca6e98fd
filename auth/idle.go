package auth

import (
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// maxIdleSeconds bounds idleTimeoutSeconds: a day; Keycloak's SSO maximum
// (10 hours by default) ends a session long before.
const maxIdleSeconds = 86400

// checkIdle validates idleTimeoutSeconds (0 or absent: off; else more than 0
// and at most a day) and idleWarningSeconds (more than 0 and less than the
// timeout).
func (c *Config) checkIdle() error {
	switch c.IdleSignOut {
	case "":
		c.IdleSignOut = IdleSignOutLocal
	case IdleSignOutLocal, IdleSignOutProvider:
	default:
		return &ConfigError{Key: "idleSignOut", Reason: `must be "local" (the default: the idle end signs out of this app, the refresh token revoked) ` +
			`or "provider" (it also ends the provider's session, as logout() does)`}
	}
	timeout := 0.0
	if c.IdleTimeoutSec != nil {
		timeout = *c.IdleTimeoutSec
		if !(timeout >= 0 && timeout <= maxIdleSeconds) {
			return &ConfigError{Key: "idleTimeoutSeconds", Reason: fmt.Sprintf(
				"must be 0 (off, the default) or more, at most %d: the seconds without activity after which the session is signed out", maxIdleSeconds)}
		}
	}
	if c.IdleWarningSec == nil {
		return nil
	}
	w := *c.IdleWarningSec
	switch {
	case !(w > 0):
		return &ConfigError{Key: "idleWarningSeconds", Reason: "must be more than 0: the seconds before an idle sign-out that the \"idle\" event warns (default 60)"}
	case timeout > 0 && w >= timeout:
		return &ConfigError{Key: "idleWarningSeconds", Reason: fmt.Sprintf("must be less than idleTimeoutSeconds (%g): the warning comes that long before the sign-out", timeout)}
	}
	return nil
}

// The values of idleSignOut.
const (
	IdleSignOutLocal    = "local"
	IdleSignOutProvider = "provider"
)

// EndsProviderSessionWhenIdle reports idleSignOut "provider": the idle end
// also ends the provider's session (the end-session request of logout(),
// landing on redirectUri).
func (c Config) EndsProviderSessionWhenIdle() bool { return c.IdleSignOut == IdleSignOutProvider }

// IdleTimeout is idleTimeoutSeconds as a duration; 0 means idle sign-out is off.
func (c Config) IdleTimeout() time.Duration {
	if c.IdleTimeoutSec == nil {
		return 0
	}
	return time.Duration(*c.IdleTimeoutSec * float64(time.Second))
}

// IdleWarning is how long before an idle sign-out the "idle" event comes:
// idleWarningSeconds, by default 60 s (at most half the timeout).
func (c Config) IdleWarning() time.Duration {
	w := time.Duration(0)
	if c.IdleWarningSec != nil {
		w = time.Duration(*c.IdleWarningSec * float64(time.Second))
	}
	return session.IdleWarning(c.IdleTimeout(), w)
}

// IdleEnd is what the idle end does besides the revocation (session.Idle's
// OnExpire, with the tokens the session held): it marks the sign-out (it
// sticks, signout.go) and, with idleSignOut "provider", returns the request
// that ends the provider's session as logout() does — the end-session
// endpoint with id_token_hint, by form POST, landing on redirectUri. nil with
// "local", or when the request cannot be made (then the local end stands).
func (c *Client) IdleEnd(held session.Tokens) *EndSessionRequest {
	c.MarkSignedOut(c.now())
	if !c.cfg.EndsProviderSessionWhenIdle() {
		return nil
	}
	hint := ""
	if held.Response != nil {
		hint = held.Response.IDToken
	}
	u, err := c.EndSessionURL(hint, c.cfg.RedirectURI)
	if err != nil {
		return nil
	}
	req, err := endSessionRequest(u)
	if err != nil {
		return nil
	}
	return req
}
