package token

import (
	"slices"
	"strings"
	"time"
)

// CheckAuthentication checks a verified ID token against the step-up
// parameters its authorization request sent (OpenID Connect Core 1.0
// §3.1.2.1, §3.1.3.7 items 12-13): maxAge (seconds; nil when max_age was not
// sent) and acrValues (space-separated; "" when acr_values was not sent).
//
// With maxAge, auth_time is required ("auth_time" when absent), may not lie
// more than v.Leeway in the future, and may be at most maxAge + v.Leeway
// seconds old: the user authenticated actively within max_age. With
// acrValues, acr must be one of them ("acr"): a provider that could not meet
// the requested class returns another one, or none, and the caller must not
// treat the login as stepped up. Errors are *IDTokenError.
func (v *IDTokenVerifier) CheckAuthentication(t *IDToken, maxAge *int64, acrValues string) error {
	now, leeway := v.Now, v.Leeway
	if now == nil {
		now = time.Now
	}
	if leeway <= 0 {
		leeway = defaultLeeway
	}
	if maxAge != nil {
		if t.AuthTime.IsZero() {
			return idTokenErr(CheckAuthTime, "max_age was sent and the ID token carries no auth_time")
		}
		at := now()
		if t.AuthTime.After(at.Add(leeway)) {
			return idTokenErr(CheckAuthTime, "auth_time %s is in the future", t.AuthTime.UTC().Format(time.RFC3339))
		}
		if limit := time.Duration(*maxAge)*time.Second + leeway; at.Sub(t.AuthTime) > limit {
			return idTokenErr(CheckAuthTime, "authenticated %s ago, more than max_age %ds (+%s leeway)",
				at.Sub(t.AuthTime).Round(time.Second), *maxAge, leeway)
		}
	}
	if wanted := strings.Fields(acrValues); len(wanted) > 0 && !slices.Contains(wanted, t.ACR) {
		if t.ACR == "" {
			return idTokenErr(CheckACR, "acr_values %q was sent and the ID token carries no acr", acrValues)
		}
		return idTokenErr(CheckACR, "acr %q is not one of the requested %q", t.ACR, acrValues)
	}
	return nil
}
