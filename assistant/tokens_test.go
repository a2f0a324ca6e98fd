package assistant

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
)

// jwtOf builds an unsigned-looking JWT with claims: DecodeUnverified does not
// check the signature.
func jwtOf(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(b) + ".c2ln"
}

func TestIsServiceAccount(t *testing.T) {
	for _, tt := range []struct {
		name   string
		claims map[string]any // nil → not a JWT
		want   bool
	}{
		{"user", map[string]any{"sub": "u1", "preferred_username": "doctor", "email": "d@example.com", "sid": "s"}, false},
		{"service-account- prefix", map[string]any{"sub": "u2", "preferred_username": "service-account-ehr"}, true},
		{"no user at all", map[string]any{"sub": "u3", "azp": "ehr"}, true},
		{"not a JWT", nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at := "at-not-a-jwt"
			if tt.claims != nil {
				at = jwtOf(t, tt.claims)
			}
			if got := IsServiceAccount(at); got != tt.want {
				t.Errorf("IsServiceAccount = %v, want %v", got, tt.want)
			}
		})
	}
	if !IsServiceAccount("") {
		t.Error("an empty token counts as a user's")
	}
}

func TestProfileOf(t *testing.T) {
	full := map[string]any{"sub": "id-sub", "name": "Dr Jane Doe", "email": "jane@example.com"}
	noEmail := map[string]any{"sub": "id-sub", "name": "Dr Jane Doe"}
	atClaims := map[string]any{"sub": "at-sub", "name": "AT Name", "email": "at@example.com"}
	for _, tt := range []struct {
		name    string
		id, at  map[string]any // nil → absent; "bad" tokens below
		badID   bool
		want    Profile
		nilResp bool
	}{
		{name: "ID token wins", id: full, at: atClaims, want: Profile{Sub: "id-sub", Name: "Dr Jane Doe", Email: "jane@example.com"}},
		{name: "gaps filled from the access token", id: noEmail, at: atClaims, want: Profile{Sub: "id-sub", Name: "Dr Jane Doe", Email: "at@example.com"}},
		{name: "no ID token", at: atClaims, want: Profile{Sub: "at-sub", Name: "AT Name", Email: "at@example.com"}},
		{name: "undecodable ID token", badID: true, at: atClaims, want: Profile{Sub: "at-sub", Name: "AT Name", Email: "at@example.com"}},
		{name: "nothing decodable", badID: true, want: Profile{}},
		{name: "nil response", nilResp: true, want: Profile{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var r *pkce.TokenResponse
			if !tt.nilResp {
				r = &pkce.TokenResponse{AccessToken: "opaque"}
				if tt.at != nil {
					r.AccessToken = jwtOf(t, tt.at)
				}
				if tt.id != nil {
					r.IDToken = jwtOf(t, tt.id)
				}
				if tt.badID {
					r.IDToken = "not.a.jwt"
				}
			}
			if got := ProfileOf(r); got != tt.want {
				t.Errorf("ProfileOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
