package assistant

import (
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
)

// IsServiceAccount is the default Options.IsServiceAccount of the bridge: an
// access token that token.DecodeUnverified marks as a service account's
// (client credentials) is never posted, and neither is one it cannot decode,
// since it is not known to be a user's.
func IsServiceAccount(accessToken string) bool {
	c, err := token.DecodeUnverified(accessToken)
	return err != nil || c.IsServiceAccount
}

// ProfileOf is the display profile sent with auth: from the ID token, with
// what it lacks (an email outside the requested scopes, say) from the access
// token's claims. It is display only, never an authorization decision; tokens
// that cannot be decoded contribute nothing.
func ProfileOf(r *pkce.TokenResponse) Profile {
	var p Profile
	if r == nil {
		return p
	}
	for _, raw := range []string{r.IDToken, r.AccessToken} {
		if raw == "" {
			continue
		}
		c, err := token.DecodeUnverified(raw)
		if err != nil {
			continue
		}
		if p.Sub == "" {
			p.Sub = c.Subject
		}
		if p.Name == "" {
			p.Name = c.Name
		}
		if p.Email == "" {
			p.Email = c.Email
		}
	}
	return p
}
