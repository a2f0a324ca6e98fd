package assistant

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

const keycloakResponse = `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmM2IxIn0.sig","token_type":"Bearer",` +
	`"expires_in":300,"refresh_expires_in":1800,"refresh_token":"eyJyZWZyZXNoIn0.e30.sig",` +
	`"id_token":"eyJpZCJ9.e30.sig","not-before-policy":0,"session_state":"8d2c9a7e-1b2c",` +
	`"scope":"openid email profile","x_custom":{"nested":[1,"two"]}}`

func mustTokenResponse(t testing.TB, body string) *pkce.TokenResponse {
	t.Helper()
	r, err := pkce.ParseTokenResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuthPayload(t *testing.T) {
	resp := mustTokenResponse(t, keycloakResponse)
	exp := time.Unix(1732800300, 999_000_000)
	tests := []struct {
		name    string
		profile Profile
		exp     time.Time
		extra   map[string]any
	}{
		{"full profile", Profile{Name: "Dr Jane Doe", Email: "jane@example.com", Sub: "f3b1"}, exp, map[string]any{
			"expires_at": 1732800300.0,
			"profile":    map[string]any{"name": "Dr Jane Doe", "email": "jane@example.com", "sub": "f3b1"},
		}},
		{"partial profile", Profile{Sub: "f3b1"}, exp, map[string]any{
			"expires_at": 1732800300.0,
			"profile":    map[string]any{"sub": "f3b1"},
		}},
		{"no profile", Profile{}, exp, map[string]any{"expires_at": 1732800300.0}},
		{"no expiry", Profile{}, time.Time{}, map[string]any{}},
	}
	for _, tt := range tests {
		b, err := AuthPayload(resp, tt.exp, tt.profile)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got, want map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %s: %v", tt.name, b, err)
		}
		_ = json.Unmarshal([]byte(keycloakResponse), &want)
		for k, v := range tt.extra {
			want[k] = v
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: AuthPayload =\n%s\nwant\n%v", tt.name, b, want)
		}
	}
}

// Changes made through the struct (a refreshed access token) show in the payload.
func TestAuthPayloadUsesStructFields(t *testing.T) {
	resp := mustTokenResponse(t, keycloakResponse)
	resp.AccessToken = "new-access"
	b, err := AuthPayload(resp, time.Time{}, Profile{})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	_ = json.Unmarshal(b, &got)
	if string(got["access_token"]) != `"new-access"` || string(got["not-before-policy"]) != `0` ||
		string(got["x_custom"]) != `{"nested":[1,"two"]}` {
		t.Errorf("AuthPayload = %s", b)
	}
}

func TestAuthPayloadRefuses(t *testing.T) {
	if _, err := AuthPayload(nil, time.Now(), Profile{}); err == nil {
		t.Error("nil response accepted")
	}
	if _, err := AuthPayload(&pkce.TokenResponse{TokenType: "Bearer"}, time.Now(), Profile{}); err == nil {
		t.Error("response without an access token accepted")
	}
}

func TestParseUser(t *testing.T) {
	tests := []struct {
		in   string
		want User
	}{
		{`{"user":{"id":"u1","email":"doctor@example.com","name":"Dr Who"}}`,
			User{ID: "u1", Email: "doctor@example.com", Name: "Dr Who", Raw: json.RawMessage(`{"id":"u1","email":"doctor@example.com","name":"Dr Who"}`)}},
		{`{"user":{"id":42,"email":"a@b"}}`, User{ID: "42", Email: "a@b", Raw: json.RawMessage(`{"id":42,"email":"a@b"}`)}},
		{`{"user":null}`, User{}},
		{`{}`, User{}},
		{``, User{}},
		{`[1]`, User{}},
	}
	for _, tt := range tests {
		if got := parseUser(json.RawMessage(tt.in)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseUser(%s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
