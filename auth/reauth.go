package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
)

// session.reauthenticate(): the step-up that proves who confirmed. A login in
// a popup with prompt=login, max_age and login_hint = the session's user; its
// callback is checked as every callback is (state, nonce, iss, the ID token,
// auth_time against max_age, acr), and then its ID token must name the
// session's user (sub), issuer and client (azp). What is decided here; the
// bridge opens the popup and installs the tokens.

// ErrUserMismatch reports a re-authentication in which another user signed in
// than the session's (JS code "user_mismatch"). The session keeps its tokens;
// the other user's are revoked.
var ErrUserMismatch = errors.New("auth: another user signed in")

// UserMismatchError names which claim differed (sub, iss or azp). It never
// carries the other user's identity: the page learns only that it was not
// the session's user.
type UserMismatchError struct {
	Claim string
}

func (e *UserMismatchError) Error() string {
	return fmt.Sprintf("%v: the re-authentication's ID token has another %s than the session's: someone other than "+
		"the signed-in clinician confirmed; the session keeps its tokens, theirs were revoked", ErrUserMismatch, e.Claim)
}

func (e *UserMismatchError) Unwrap() error { return ErrUserMismatch }

// Identity is who a session belongs to: the claims a re-authentication's ID
// token must repeat, and the login_hint that asks the provider for this user.
type Identity struct {
	Issuer, ClientID, Subject string
	// LoginHint is preferred_username, else email, else sub.
	LoginHint string
}

// SessionIdentity reads the identity of a session on t pinned to sub (""
// reads it from t): the ID token's claims when t has one, else the access
// token's (both read without verification: they were verified when received).
// iss and azp default to this client's.
func (c *Client) SessionIdentity(t session.Tokens, sub string) Identity {
	id := Identity{Issuer: c.cfg.Issuer(), ClientID: c.cfg.ClientID, Subject: Subject(t, sub)}
	var claims []*token.Claims
	if t.Response != nil {
		for _, raw := range []string{t.Response.IDToken, t.Response.AccessToken} {
			if raw == "" {
				continue
			}
			if cl, err := token.DecodeUnverified(raw); err == nil {
				claims = append(claims, cl)
			}
		}
	}
	for _, cl := range claims {
		if id.Subject == "" {
			id.Subject = cl.Subject
		}
		if cl.Issuer != "" {
			id.Issuer = cl.Issuer
			break
		}
	}
	for _, cl := range claims {
		if cl.ClientID != "" {
			id.ClientID = cl.ClientID
			break
		}
	}
	for _, pick := range []func(*token.Claims) string{
		func(cl *token.Claims) string { return cl.PreferredUsername },
		func(cl *token.Claims) string { return cl.Email },
	} {
		for _, cl := range claims {
			if v := pick(cl); v != "" && id.LoginHint == "" {
				id.LoginHint = v
			}
		}
	}
	if id.LoginHint == "" {
		id.LoginHint = id.Subject
	}
	return id
}

// ReauthOptions are reauthenticate's options.
type ReauthOptions struct {
	MaxAge    *float64  `json:"maxAge"`
	ACRValues SpaceList `json:"acrValues"`
	TimeoutMs *float64  `json:"timeoutMs"`
}

// ParseReauthOptions reads reauthenticate's options (JSON; empty or null for
// none): maxAge a whole number of seconds ≥ 0 (default 0), acrValues as
// login's, timeoutMs as loginWithPopup's. It returns the authorize options of
// the popup login for id (prompt=login, max_age, login_hint, acr_values) and
// the popup's timeout.
func ParseReauthOptions(b []byte, id Identity) (AuthorizeOptions, time.Duration, error) {
	var o ReauthOptions
	if len(b) > 0 && string(b) != "null" {
		if err := json.Unmarshal(b, &o); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				return AuthorizeOptions{}, 0, err
			}
			return AuthorizeOptions{}, 0, &ConfigError{Key: "reauthenticate", Reason: "takes { maxAge?, acrValues?, timeoutMs? }: " + err.Error()}
		}
	}
	age := int64(0)
	if o.MaxAge != nil {
		m := *o.MaxAge
		if !(m >= 0) || m != math.Trunc(m) || m > 1<<31 {
			return AuthorizeOptions{}, 0, &ConfigError{Key: "maxAge", Reason: "must be a whole number of seconds, 0 or more"}
		}
		age = int64(m)
	}
	timeout, err := PopupTimeout(o.TimeoutMs)
	if err != nil {
		return AuthorizeOptions{}, 0, err
	}
	if id.Subject == "" {
		return AuthorizeOptions{}, 0, &ConfigError{Key: "reauthenticate", Reason: "the session's tokens name no user (sub): " +
			"there is nobody to confirm"}
	}
	return AuthorizeOptions{Prompt: "login", LoginHint: id.LoginHint, MaxAge: &age, ACRValues: o.ACRValues}, timeout, nil
}

// CheckSameUser checks a re-authentication's verified result against the
// session's identity: its ID token must be there and name the same sub, iss
// and azp (azp absent: a single aud of this client, as the ID token's checks
// already required). A *UserMismatchError otherwise.
func CheckSameUser(id Identity, res *Result) error {
	if res == nil || res.IDToken == nil {
		return &token.IDTokenError{Check: token.CheckMalformed, Err: errors.New("a re-authentication needs an ID token, and the provider sent none")}
	}
	it := res.IDToken
	iss, _ := it.Raw["iss"].(string)
	azp := it.AuthorizedParty
	if azp == "" && len(it.Audience) == 1 {
		azp = it.Audience[0]
	}
	switch {
	case it.Subject != id.Subject:
		return &UserMismatchError{Claim: "sub"}
	case iss != id.Issuer:
		return &UserMismatchError{Claim: "iss"}
	case azp != id.ClientID:
		return &UserMismatchError{Claim: "azp"}
	}
	return nil
}

// RejectOther undoes another user's re-authentication: their refresh token
// is revoked at once (best effort, within RevokeTimeout; a failure goes to
// revokeFailed), and the request that ends their provider session is returned
// (their ID token as id_token_hint, by form POST, landing on
// postLogoutRedirect), for the popup to submit before it closes, so that
// their SSO cookie signs nobody in later.
func (c *Client) RejectOther(ctx context.Context, res *Result, postLogoutRedirect string, revokeFailed func(error)) (*EndSessionRequest, error) {
	if res == nil || res.Tokens == nil {
		return nil, nil
	}
	if rt := res.Tokens.RefreshToken; rt != "" {
		rctx, cancel := context.WithTimeout(ctx, RevokeTimeout)
		if err := c.Revoke(rctx, rt, "refresh_token"); err != nil && revokeFailed != nil {
			revokeFailed(err)
		}
		cancel()
	}
	if res.Tokens.IDToken == "" {
		return nil, nil
	}
	if err := checkURL(postLogoutRedirect, false); err != nil {
		return nil, &ConfigError{Key: "popupRedirectUri", Reason: err.Error()}
	}
	u, err := pkce.EndSession{
		Endpoint:              c.cfg.Endpoint("logout"),
		IDTokenHint:           res.Tokens.IDToken,
		ClientID:              c.cfg.ClientID,
		PostLogoutRedirectURI: postLogoutRedirect,
		State:                 SignedOutState,
	}.URL()
	if err != nil {
		return nil, err
	}
	return endSessionRequest(u)
}

// SignedOutState is the state of RejectOther's end-session request: the
// provider returns it on the post-logout redirect to popupRedirectUri, where
// it tells the page that it is the popup coming back from signing the other
// user out — dist/callback.html closes itself at once, and the opener closes
// a page of the app's own (a popupRedirectUri calling handleCallback()).
const SignedOutState = "corti-auth-signed-out"
