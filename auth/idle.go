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
func (c Config) checkIdle() error {
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
