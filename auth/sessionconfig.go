package auth

import (
	"context"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
)

// The wiring of a session of this client: which refresh it uses, which
// subject it is pinned to. The bridge adds only the page's side (events,
// wake-up signals, the tab channel).

// JWTExpiry reads an access token's exp: the fallback expiry of a response
// without expires_in.
func JWTExpiry(accessToken string) (time.Time, bool) {
	c, err := token.DecodeUnverified(accessToken)
	if err != nil {
		return time.Time{}, false
	}
	return c.ExpiresTime()
}

// SessionTokens fixes the expiries of a token response received at received
// (session.NewTokens with the JWT exp fallback). The error, when not nil, is a
// warning to report (an "error" event), not a refusal: a response with neither
// expires_in nor a JWT exp counts as expiring now.
func SessionTokens(resp *pkce.TokenResponse, received time.Time) (session.Tokens, error) {
	t, ok := session.NewTokens(resp, received, JWTExpiry)
	if !ok {
		return t, &ConfigError{Key: "tokens", Reason: "the token response has neither expires_in nor a JWT exp: it counts as expiring now"}
	}
	return t, nil
}

// SessionOptions are the parts of a session's wiring that do not come from the
// client's configuration.
type SessionOptions struct {
	// Bearer is bearer mode's refresh callback; nil: the refresh_token grant at
	// the token endpoint when the tokens carry a refresh token, else no refresh.
	Bearer *Bearer
	// Subject is the sub of the login's verified ID token; "" reads it (unverified)
	// from the tokens' id_token, if any. A refreshed ID token must name it.
	Subject     string
	Coordinator session.Coordinator // nil: this tab only
	OnEvent     func(session.Event)
}

// SessionConfig is the session.Config of a session of this client on t.
func (c *Client) SessionConfig(t session.Tokens, o SessionOptions) session.Config {
	return session.Config{
		Buffer:      c.cfg.RefreshBuffer(),
		Refresh:     c.refreshFunc(t, o.Bearer, Subject(t, o.Subject)),
		JWTExpiry:   JWTExpiry,
		Coordinator: o.Coordinator,
		OnEvent:     o.OnEvent,
	}
}

// refreshFunc chooses the refresh: the bearer callback when there is one
// (the callback is the token source, whatever the tokens hold), else the
// refresh_token grant when t has a refresh token (each refresh uses the current
// one: rotation), else none (the session ends "expired" at expiry).
func (c *Client) refreshFunc(t session.Tokens, bearer *Bearer, sub string) session.RefreshFunc {
	switch {
	case bearer != nil && bearer.Call != nil:
		b := *bearer
		return func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
			return b.Refresh(ctx, cur.Response)
		}
	case t.Response != nil && t.Response.RefreshToken != "":
		return func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
			resp, _, err := c.Refresh(ctx, cur.Response.RefreshToken, sub)
			return resp, err
		}
	}
	return nil
}

// Subject is the subject a session on t is pinned to: known (a login's verified
// ID token), else the sub of t's id_token read without verification (tokens
// from a sibling tab or fromTokens), else "" (not pinned).
func Subject(t session.Tokens, known string) string {
	if known != "" || t.Response == nil || t.Response.IDToken == "" {
		return known
	}
	if c, err := token.DecodeUnverified(t.Response.IDToken); err == nil {
		return c.Subject
	}
	return ""
}
