package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
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

// ParseLogoutOptions reads logout's {redirectUri?, navigate?} as JSON (b empty
// or "null": none): redirectUri defaults to def (the configured redirectUri),
// navigate to true. A redirectUri that is not a string, or a navigate that is
// not a boolean (the string "false" would otherwise navigate), is a
// ConfigError.
func ParseLogoutOptions(b []byte, def string) (LogoutOptions, error) {
	o := LogoutOptions{RedirectURI: def, Navigate: true}
	if t := bytes.TrimSpace(b); len(t) == 0 || string(t) == "null" || t[0] != '{' {
		return o, nil // not an object: no options, as before
	}
	var raw struct {
		RedirectURI json.RawMessage `json:"redirectUri"`
		Navigate    json.RawMessage `json:"navigate"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return LogoutOptions{}, &ConfigError{Key: "logout", Reason: "options must be {redirectUri?: string, navigate?: boolean}"}
	}
	if len(raw.RedirectURI) > 0 && string(raw.RedirectURI) != "null" {
		if err := json.Unmarshal(raw.RedirectURI, &o.RedirectURI); err != nil {
			return LogoutOptions{}, &ConfigError{Key: "logout", Reason: "redirectUri must be a string"}
		}
	}
	if len(raw.Navigate) > 0 && string(raw.Navigate) != "null" {
		if err := json.Unmarshal(raw.Navigate, &o.Navigate); err != nil {
			return LogoutOptions{}, &ConfigError{Key: "logout", Reason: "navigate must be a boolean"}
		}
	}
	return o, nil
}

// EndSessionRequest is where logout sends the browser: the realm's RP-Initiated
// Logout endpoint. With an ID token hint it is a form POST of Form to Action
// (RP-Initiated Logout 1.0 §2 allows POST; Keycloak takes it), so that the ID
// token (name, email, user id) lands in no URL, history entry or access log;
// without one, a GET navigation to URL (Action and Form empty).
type EndSessionRequest struct {
	URL    string
	Action string
	Form   url.Values
}

// Post reports whether the request is a form POST.
func (r *EndSessionRequest) Post() bool { return r.Action != "" }

// endSessionRequest is the request for an end-session URL built by
// EndSessionURL: a POST of its parameters when it carries an id_token_hint.
func endSessionRequest(u string) (*EndSessionRequest, error) {
	p, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	q := p.Query()
	if q.Get("id_token_hint") == "" {
		return &EndSessionRequest{URL: u}, nil
	}
	p.RawQuery = ""
	return &EndSessionRequest{Action: p.String(), Form: q}, nil
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
	c.MarkSignedOut(c.now()) // before the end, so that nothing of this page restores it (signout.go)
	s.End(session.ReasonLogout)
	if !o.Navigate {
		return nil, nil
	}
	u, err := c.EndSessionURL(hint, o.RedirectURI)
	if err != nil {
		return nil, err
	}
	return endSessionRequest(u)
}
