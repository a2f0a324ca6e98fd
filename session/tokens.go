package session

import (
	"encoding/json"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// maxLifetime bounds expires_in and refresh_expires_in so that absurd values do
// not overflow time.Duration.
const maxLifetime = 100 * 365 * 24 * time.Hour

// Tokens is a token response with its expiries fixed at receipt.
type Tokens struct {
	Response *pkce.TokenResponse
	// ReceivedAt is the instant the expiries are dated from (wall clock, no
	// monotonic reading): for an answer of the token endpoint, when its request
	// was sent, less ExpLoss — never later than the provider's issue time.
	ReceivedAt time.Time
	// ExpiresAt is ReceivedAt + expires_in; without expires_in the JWT exp (via
	// Config.JWTExpiry); without both it equals ReceivedAt ("expiring now").
	ExpiresAt time.Time
	// RefreshExpiresAt is ReceivedAt + refresh_expires_in; zero when unknown
	// (refresh_expires_in 0 or absent).
	RefreshExpiresAt time.Time
}

// NewTokens fixes the expiries of resp at receivedAt (see ReceivedAt: the
// Session passes the send time less ExpLoss): dated on the local clock, they do
// not depend on it agreeing with the server's.
// jwtExpiry (may be nil) reads the access token's exp when expires_in is
// missing. The bool reports whether an expiry was found; when it is false the
// token counts as expiring now (ExpiresAt = ReceivedAt) and the caller should
// say why (the Session emits an "error" event wrapping ErrNoExpiry for the
// tokens it refreshes). A nil resp gives an empty response and false.
func NewTokens(resp *pkce.TokenResponse, receivedAt time.Time, jwtExpiry func(accessToken string) (time.Time, bool)) (Tokens, bool) {
	receivedAt = receivedAt.Round(0)
	if resp == nil {
		return Tokens{Response: &pkce.TokenResponse{}, ReceivedAt: receivedAt, ExpiresAt: receivedAt}, false
	}
	t := Tokens{Response: resp, ReceivedAt: receivedAt, ExpiresAt: receivedAt}
	found := false
	if resp.ExpiresIn > 0 {
		t.ExpiresAt = receivedAt.Add(seconds(resp.ExpiresIn))
		found = true
	} else if jwtExpiry != nil && resp.AccessToken != "" {
		if exp, ok := jwtExpiry(resp.AccessToken); ok && !exp.IsZero() {
			t.ExpiresAt = exp.Round(0)
			found = true
		}
	}
	if resp.RefreshExpiresIn > 0 {
		t.RefreshExpiresAt = receivedAt.Add(seconds(resp.RefreshExpiresIn))
	}
	return t, found
}

func seconds(n int64) time.Duration {
	if n > int64(maxLifetime/time.Second) {
		return maxLifetime
	}
	return time.Duration(n) * time.Second
}

// Lifetime is ExpiresAt − ReceivedAt: expires_in, the lifetime the refresh
// buffer is capped against.
func (t Tokens) Lifetime() time.Duration { return t.ExpiresAt.Sub(t.ReceivedAt) }

// AccessToken is the access token, "" without a response.
func (t Tokens) AccessToken() string {
	if t.Response == nil {
		return ""
	}
	return t.Response.AccessToken
}

// carryOver applies refresh token rotation (RFC 6749 §6): a response with a new
// refresh_token replaces the old one; a response without keeps the old one, and
// its expiry when the response gives none. The ID token is kept the same way.
// Kept members are copied into Raw too, so that the response handed on (to the
// Assistant) is complete. resp is cloned before it is changed.
func carryOver(old, t Tokens) Tokens {
	if old.Response == nil || t.Response == nil {
		return t
	}
	keepRT := t.Response.RefreshToken == "" && old.Response.RefreshToken != ""
	keepID := t.Response.IDToken == "" && old.Response.IDToken != ""
	if !keepRT && !keepID {
		return t
	}
	r := t.Response.Clone()
	if keepRT {
		r.RefreshToken = old.Response.RefreshToken
		setRaw(r, "refresh_token", old.Response.RefreshToken)
		if t.RefreshExpiresAt.IsZero() {
			t.RefreshExpiresAt = old.RefreshExpiresAt
		}
	}
	if keepID {
		r.IDToken = old.Response.IDToken
		setRaw(r, "id_token", old.Response.IDToken)
	}
	t.Response = r
	return t
}

func setRaw(r *pkce.TokenResponse, k, v string) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if r.Raw == nil {
		r.Raw = map[string]json.RawMessage{}
	}
	r.Raw[k] = b
}
