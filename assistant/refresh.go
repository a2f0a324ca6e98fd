package assistant

import (
	"errors"
	"fmt"
	"maps"

	"github.com/corti-auth/corti-auth/pkce"
)

// Who refreshes the clinician's tokens (issue 15 §3).
//
// The host refreshes its session on a schedule and sends auth again after
// each refresh. Corti's older API reference says the Assistant also refreshes
// by itself, with the refresh token it was given. Two holders of one refresh
// token chain are safe only while the provider does not rotate refresh
// tokens: with rotation, the first refresh consumes the token the other
// holder still has, and its refresh is a reuse, which makes the provider
// revoke the whole grant (oidc-provider, Keycloak with "Revoke Refresh
// Token"): both sides lose the session.
//
// So by default the host is the only refresher: auth carries no refresh token
// (nor refresh_expires_in), and the Assistant stays signed in because the host
// sends auth with each new access token. This loses no session with rotation
// on or off, whether the Assistant refreshes by itself or not. The mount
// option assistantRefreshes hands the Assistant the refresh token as well (as
// Corti's component does); it is safe only with rotation off (Keycloak's
// default), and when the provider then refuses the host's refresh token that
// the Assistant also holds, RefreshConflict names the cause.

// ErrRefreshConflict reports that the provider refused a refresh token the
// host had also handed to an Assistant mounted with assistantRefreshes: true.
// Its likely cause is refresh token rotation with two refreshers (the
// Assistant's own refresh consumed the token, or the host's consumed the
// Assistant's, and the reuse revoked the grant); a revocation at the provider
// while the token was shared gives it too.
var ErrRefreshConflict = errors.New("assistant: refresh token shared with the Assistant was refused")

// ForAuth is the token response to send with auth: resp itself when share is
// set (assistantRefreshes), else a copy without refresh_token and
// refresh_expires_in, so that the host stays the only one refreshing the
// chain. resp is never changed.
func ForAuth(resp *pkce.TokenResponse, share bool) *pkce.TokenResponse {
	if resp == nil || share {
		return resp
	}
	c := *resp
	c.RefreshToken, c.RefreshExpiresIn = "", 0
	if c.Raw != nil {
		c.Raw = maps.Clone(c.Raw)
		delete(c.Raw, "refresh_token")
		delete(c.Raw, "refresh_expires_in")
	}
	return &c
}

// RefreshConflict judges a failed refresh of the host: when err is final
// invalid_grant and refused (the refresh token the host sent) is one that was
// handed to an Assistant (shared holds the refresh tokens sent with auth by
// mounts with assistantRefreshes), it returns an error wrapping
// ErrRefreshConflict that says so, with err's text (not err itself: its code
// is the conflict's, not oauth_error's); otherwise nil.
func RefreshConflict(err error, refused string, shared []string) error {
	var oe *pkce.OAuthError
	if refused == "" || !errors.As(err, &oe) || oe.ErrorCode != "invalid_grant" {
		return nil
	}
	for _, s := range shared {
		if s == refused {
			return fmt.Errorf("%w (assistantRefreshes: true): a provider that rotates refresh tokens revokes the session "+
				"when the host and the Assistant both refresh one chain; mount the Assistant without assistantRefreshes "+
				"(the host then stays the only refresher), or turn rotation off; the provider said: %v", ErrRefreshConflict, err)
		}
	}
	return nil
}
