package assistant

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
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
	full := Profile{Name: "Dr Jane Doe", Email: "jane@example.com", Sub: "f3b1"}
	exp := time.Unix(1732800300, 999_000_000)
	keycloak := map[string]any{
		"access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmM2IxIn0.sig", "token_type": "Bearer",
		"expires_in": 300.0, "refresh_expires_in": 1800.0, "refresh_token": "eyJyZWZyZXNoIn0.e30.sig",
		"id_token": "eyJpZCJ9.e30.sig", "not-before-policy": 0.0, "session_state": "8d2c9a7e-1b2c",
		"scope": "openid email profile",
	}
	with := func(base map[string]any, kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	profileJSON := map[string]any{"name": "Dr Jane Doe", "email": "jane@example.com", "sub": "f3b1"}
	tests := []struct {
		name    string
		body    string
		profile Profile
		exp     time.Time
		want    map[string]any
	}{
		{"the component's 11 members, no unknown one", keycloakResponse, full, exp,
			with(keycloak, "expires_at", 1732800300.0, "profile", profileJSON)},
		{"a partial profile is not sent", keycloakResponse, Profile{Sub: "f3b1", Email: "jane@example.com"}, exp,
			with(keycloak, "expires_at", 1732800300.0)},
		{"a profile without a sub is not sent", keycloakResponse, Profile{Name: "Dr Jane Doe", Email: "jane@example.com"}, exp,
			with(keycloak, "expires_at", 1732800300.0)},
		{"no profile, no expiry", keycloakResponse, Profile{}, time.Time{}, keycloak},
		{"token_type Bearer when the provider left it out", `{"access_token":"at","expires_in":60}`, Profile{}, time.Time{},
			map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60.0}},
		{"token_type as the provider spelt it", `{"access_token":"at","token_type":"bearer"}`, Profile{}, time.Time{},
			map[string]any{"access_token": "at", "token_type": "bearer"}},
		{"null and empty members are left out", `{"access_token":"at","token_type":"Bearer","refresh_token":null,"id_token":"",` +
			`"expires_in":null,"refresh_expires_in":0,"not-before-policy":null,"scope":"","session_state":null}`, Profile{}, time.Time{},
			map[string]any{"access_token": "at", "token_type": "Bearer", "refresh_expires_in": 0.0}},
		{"members of other names are not sent", `{"access_token":"at","accessToken":"x","expires_at":1,"profile":{"sub":"s"},"error":"e"}`, Profile{}, time.Time{},
			map[string]any{"access_token": "at", "token_type": "Bearer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AuthPayload(mustTokenResponse(t, tt.body), tt.exp, tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AuthPayload =\n%s\nwant\n%v", b, tt.want)
			}
			if len(got) > 11 {
				t.Errorf("%d members, the component sends at most 11", len(got))
			}
		})
	}
}

// Changes made through the struct (a refreshed access token) show in the payload.
func TestAuthPayloadUsesStructFields(t *testing.T) {
	resp := mustTokenResponse(t, keycloakResponse)
	resp.AccessToken = "new-access"
	resp.ExpiresIn = 120
	b, err := AuthPayload(resp, time.Time{}, Profile{})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	_ = json.Unmarshal(b, &got)
	if string(got["access_token"]) != `"new-access"` || string(got["expires_in"]) != `120` || string(got["not-before-policy"]) != `0` {
		t.Errorf("AuthPayload = %s", b)
	}
	if _, ok := got["x_custom"]; ok {
		t.Errorf("an unknown member was sent: %s", b)
	}
}

func TestMissingForAuth(t *testing.T) {
	for _, tt := range []struct {
		body string
		want []string
	}{
		{keycloakResponse, nil},
		{`{"access_token":"at","refresh_token":"rt"}`, []string{"id_token"}},
		{`{"access_token":"at","id_token":"it"}`, []string{"refresh_token"}},
		{`{"access_token":"at"}`, []string{"id_token", "refresh_token"}},
	} {
		if got := MissingForAuth(mustTokenResponse(t, tt.body)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MissingForAuth(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestProfileComplete(t *testing.T) {
	for _, tt := range []struct {
		p    Profile
		want bool
	}{
		{Profile{"n", "e", "s"}, true},
		{Profile{"", "e", "s"}, false},
		{Profile{"n", "", "s"}, false},
		{Profile{"n", "e", ""}, false},
		{Profile{}, false},
	} {
		if got := tt.p.Complete(); got != tt.want {
			t.Errorf("%+v.Complete() = %v", tt.p, got)
		}
	}
}

// The warning about missing tokens comes once per controller, not after every refresh.
func TestWarnMissingOnce(t *testing.T) {
	var mu sync.Mutex
	var warnings []string
	h := newHarness(t, func(o *Options, _ *fakeIframe) {
		o.Warn = func(msg string) { mu.Lock(); warnings = append(warnings, msg); mu.Unlock() }
		o.ShareRefreshToken = true // the refresh token is missed only when it is to be sent
	})
	h.tokens.body = `{"access_token":"at","token_type":"Bearer","expires_in":300}`
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := h.c.Reauth(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "id_token and refresh_token") {
		t.Errorf("warnings = %q, want one naming id_token and refresh_token", warnings)
	}
}

func TestNoWarningWithFullTokens(t *testing.T) {
	warned := false
	h := newHarness(t, func(o *Options, _ *fakeIframe) { o.Warn = func(string) { warned = true } })
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if warned {
		t.Error("warned although id_token and refresh_token were there")
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

// By default the host leaves the refresh token out on purpose: its absence is
// no warning, a missing ID token still is.
func TestWarnMissingHostRefreshes(t *testing.T) {
	var warnings []string
	h := newHarness(t, func(o *Options, _ *fakeIframe) { o.Warn = func(msg string) { warnings = append(warnings, msg) } })
	h.tokens.body = `{"access_token":"at","token_type":"Bearer","expires_in":300}`
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "no id_token;") {
		t.Errorf("warnings = %q, want one naming id_token only", warnings)
	}
	if got := h.c.SentRefreshTokens(); len(got) != 0 {
		t.Errorf("SentRefreshTokens = %q without ShareRefreshToken", got)
	}
}

// With ShareRefreshToken (assistantRefreshes) auth carries the refresh token,
// and the controller remembers the last ones sent, for RefreshConflict.
func TestShareRefreshToken(t *testing.T) {
	h := newHarness(t, func(o *Options, _ *fakeIframe) { o.ShareRefreshToken = true })
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := h.f.requests()
	var p map[string]json.RawMessage
	if err := json.Unmarshal(reqs[len(reqs)-1].Payload, &p); err != nil {
		t.Fatal(err)
	}
	if string(p["refresh_token"]) != `"rt"` {
		t.Errorf("auth refresh_token = %s, want \"rt\"", p["refresh_token"])
	}
	if got := h.c.SentRefreshTokens(); len(got) != 1 || got[0] != "rt" {
		t.Errorf("SentRefreshTokens = %q", got)
	}
	for i := 0; i < 2*maxSentRefresh; i++ {
		if err := h.c.Reauth(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.c.SentRefreshTokens(); len(got) != maxSentRefresh {
		t.Errorf("SentRefreshTokens keeps %d, want at most %d", len(got), maxSentRefresh)
	}
}
