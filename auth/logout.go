package auth

import (
	"context"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// RevokeTimeout bounds the revocation at logout: it is best effort and must not
// keep the user from signing out.
const RevokeTimeout = 5 * time.Second

// LogoutOptions are logout's options.
type LogoutOptions struct {
	// RedirectURI is the post_logout_redirect_uri ("" for none).
	RedirectURI string
	// Navigate: return where to send the browser (the realm's end-session
	// endpoint); false ends the session here only.
	Navigate bool
	// RevokeFailed receives a failed revocation (reported, not a blocker); nil
	// drops it.
	RevokeFailed func(error)
}

// EndSessionRequest is where logout sends the browser: the realm's RP-Initiated
// Logout endpoint.
type EndSessionRequest struct {
	URL string // a GET navigation
}

// Logout signs the user out of s, in this order: it revokes the refresh token
// (RFC 7009; best effort, within RevokeTimeout: a failure goes to
// o.RevokeFailed), ends the session with reason "logout" (here and, through the
// session's Coordinator, in the sibling tabs, which lets a mounted Assistant be
// torn down), and, with o.Navigate, returns the end-session request that ends
// the provider's session. It returns nil without o.Navigate. Errors: a
// *ConfigError for a RedirectURI that cannot be used (the session has ended
// all the same).
func (c *Client) Logout(ctx context.Context, s *session.Session, o LogoutOptions) (*EndSessionRequest, error) {
	cur := s.Current()
	hint := ""
	if cur.Response != nil {
		hint = cur.Response.IDToken
		if rt := cur.Response.RefreshToken; rt != "" {
			rctx, cancel := context.WithTimeout(ctx, RevokeTimeout)
			if err := c.Revoke(rctx, rt, "refresh_token"); err != nil && o.RevokeFailed != nil {
				o.RevokeFailed(err)
			}
			cancel()
		}
	}
	s.End(session.ReasonLogout)
	if !o.Navigate {
		return nil, nil
	}
	u, err := c.EndSessionURL(hint, o.RedirectURI)
	if err != nil {
		return nil, err
	}
	return &EndSessionRequest{URL: u}, nil
}
