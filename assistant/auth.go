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

// AuthPayload builds the payload of auth: the raw snake_case token response as
// Keycloak sent it (every member of resp.Map(), unknown ones and
// "not-before-policy" included) plus "expires_at" (epoch seconds, when expiresAt
// is set) and, when any of its members is known, "profile" {name, email, sub}.
// It returns an error when resp is nil, has no access token, or a raw member is
// not valid JSON.
func AuthPayload(resp *pkce.TokenResponse, expiresAt time.Time, profile Profile) (json.RawMessage, error) {
	if resp == nil || resp.AccessToken == "" {
		return nil, errors.New("assistant: auth payload without an access token")
	}
	m := resp.Map()
	if !expiresAt.IsZero() {
		m["expires_at"] = expiresAt.Unix()
	}
	if profile != (Profile{}) {
		m["profile"] = struct {
			Name  string `json:"name,omitempty"`
			Email string `json:"email,omitempty"`
			Sub   string `json:"sub,omitempty"`
		}{profile.Name, profile.Email, profile.Sub}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("assistant: auth payload: %w", err)
	}
	return b, nil
}

// parseUser reads {"user":{"id","email","name"?}} from a successful auth
// response. Members of unexpected types are left empty: the Assistant accepted
// the tokens, which is what matters.
func parseUser(payload json.RawMessage) User {
	var p struct {
		User json.RawMessage `json:"user"`
	}
	if json.Unmarshal(payload, &p) != nil || len(p.User) == 0 || p.User[0] != '{' {
		return User{}
	}
	var u struct {
		ID    json.RawMessage `json:"id"`
		Email json.RawMessage `json:"email"`
		Name  json.RawMessage `json:"name"`
	}
	_ = json.Unmarshal(p.User, &u)
	email, _ := str(u.Email)
	name, _ := str(u.Name)
	return User{ID: scalar(u.ID), Email: email, Name: name, Raw: p.User}
}
