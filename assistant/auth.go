package assistant

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// Profile is what the ID token says about the user, sent with auth.
type Profile struct{ Name, Email, Sub string }

// User is the user the Assistant authenticated: the "user" member of a
// successful auth response.
type User struct {
	ID, Email, Name string
	Raw             json.RawMessage // the user object as received
}

// The members of the token response that Corti's component sends with auth
// (CortiEmbedded.auth in @corti/embedded-web builds its payload from exactly
// these, with expires_at and profile: 11 in all) and their types there
// (KeycloakTokenResponse): strings, and numbers.
var (
	authStrings = []string{"access_token", "token_type", "refresh_token", "id_token", "session_state", "scope"}
	authNumbers = []string{"expires_in", "refresh_expires_in", "not-before-policy"}
)

// AuthPayload builds the payload of auth as the component does: only its
// members of the token response (unknown ones are not sent), each only with
// the component's type (a string member empty or of another type, a number
// member null or not a number, is left out); token_type "Bearer" when the
// provider left it out (the component's type requires it); "expires_at"
// (epoch seconds) when expiresAt is set; "profile" {name, email, sub} only
// when all three are known (the component's type requires each as a string).
// It returns an error when resp is nil or has no access token.
func AuthPayload(resp *pkce.TokenResponse, expiresAt time.Time, profile Profile) (json.RawMessage, error) {
	if resp == nil || resp.AccessToken == "" {
		return nil, errors.New("assistant: auth payload without an access token")
	}
	all := resp.Map()
	m := make(map[string]any, len(authStrings)+len(authNumbers)+2)
	for _, k := range authStrings {
		if v, ok := all[k].(string); ok && v != "" {
			m[k] = v
		}
	}
	for _, k := range authNumbers {
		switch v := all[k].(type) {
		case int64:
			m[k] = v
		case json.RawMessage: // a raw twin the struct did not parse: a number, or nothing
			var n json.Number
			if json.Unmarshal(v, &n) == nil && n != "" {
				m[k] = n
			}
		}
	}
	if _, ok := m["token_type"]; !ok {
		m["token_type"] = "Bearer"
	}
	if !expiresAt.IsZero() {
		m["expires_at"] = expiresAt.Unix()
	}
	if profile.Complete() {
		m["profile"] = struct {
			Name  string `json:"name"`
			Email string `json:"email"`
			Sub   string `json:"sub"`
		}{profile.Name, profile.Email, profile.Sub}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("assistant: auth payload: %w", err)
	}
	return b, nil
}

// Complete reports whether the profile has a name, an email and a subject:
// only such a profile is sent with auth.
func (p Profile) Complete() bool { return p.Name != "" && p.Email != "" && p.Sub != "" }

// MissingForAuth names the members Corti's embedded API docs mark required
// that resp lacks (id_token, refresh_token, in this order): the host warns
// about them once, and sends auth anyway (the component does not require
// them).
func MissingForAuth(resp *pkce.TokenResponse) []string {
	if resp == nil {
		return []string{"id_token", "refresh_token"}
	}
	var out []string
	if resp.IDToken == "" {
		out = append(out, "id_token")
	}
	if resp.RefreshToken == "" {
		out = append(out, "refresh_token")
	}
	return out
}

// parseUser reads {"user":{"id","email","name"?}} from a successful auth
// response. Members of unexpected types are left empty: the Assistant accepted
// the tokens, which is what matters.
func parseUser(payload json.RawMessage) User {
	raw := member(payload, "user")
	u, err := members(raw)
	if len(raw) == 0 || raw[0] != '{' || err != nil {
		return User{}
	}
	email, _ := str(u["email"])
	name, _ := str(u["name"])
	return User{ID: scalar(u["id"]), Email: email, Name: name, Raw: raw}
}
