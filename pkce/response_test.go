package pkce

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// keycloakResponse is a token response as Keycloak 26 sends it, with an
// unknown member (upgraded_token) that must survive.
const keycloakResponse = `{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln","expires_in":300,` +
	`"refresh_expires_in":1800,"refresh_token":"eyJhbGciOiJIUzUxMiJ9.eyJ0eXAiOiJSZWZyZXNoIn0.c2ln",` +
	`"token_type":"Bearer","id_token":"eyJhbGciOiJSUzI1NiJ9.eyJub25jZSI6Im4ifQ.c2ln","not-before-policy":1700000000,` +
	`"session_state":"5b8c7f1e-0d2a-4c44-9b8e-2f1d3a9c0e11","scope":"openid email profile",` +
	`"upgraded_token":{"a":[1,2,{"b":null}]}}`

func TestParseTokenResponse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want TokenResponse // Raw is not compared
	}{
		{"keycloak", keycloakResponse, TokenResponse{
			AccessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", TokenType: "Bearer", ExpiresIn: 300,
			RefreshToken: "eyJhbGciOiJIUzUxMiJ9.eyJ0eXAiOiJSZWZyZXNoIn0.c2ln", RefreshExpiresIn: 1800,
			IDToken: "eyJhbGciOiJSUzI1NiJ9.eyJub25jZSI6Im4ifQ.c2ln", Scope: "openid email profile",
			SessionState: "5b8c7f1e-0d2a-4c44-9b8e-2f1d3a9c0e11", NotBeforePolicy: 1700000000}},
		{"numbers as strings", `{"access_token":"a","expires_in":"300","refresh_expires_in":"0","not-before-policy":"7"}`,
			TokenResponse{AccessToken: "a", ExpiresIn: 300, NotBeforePolicy: 7}},
		{"float numbers", `{"access_token":"a","expires_in":299.9,"refresh_expires_in":1.8e3}`,
			TokenResponse{AccessToken: "a", ExpiresIn: 299, RefreshExpiresIn: 1800}},
		{"null members", `{"access_token":"a","refresh_token":null,"expires_in":null,"id_token":null,"scope":null}`,
			TokenResponse{AccessToken: "a"}},
		{"minimal", `{"access_token":"a"}`, TokenResponse{AccessToken: "a"}},
		{"surrounding whitespace", " \n{\"access_token\":\"a\"}\n", TokenResponse{AccessToken: "a"}},
	}
	for _, tt := range tests {
		got, err := ParseTokenResponse([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: ParseTokenResponse error %v", tt.name, err)
			continue
		}
		g := *got
		g.Raw = nil
		if !reflect.DeepEqual(g, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, g, tt.want)
		}
	}
}

func TestTokenResponseRoundTrip(t *testing.T) {
	tr, err := ParseTokenResponse([]byte(keycloakResponse))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	json.Unmarshal(out, &got)
	json.Unmarshal([]byte(keycloakResponse), &want)
	if len(got) != len(want) {
		t.Errorf("MarshalJSON = %s: %d members, want %d", out, len(got), len(want))
	}
	for k := range want {
		if g, w := mustJSON(got[k]), mustJSON(want[k]); g != w {
			t.Errorf("member %s = %s, want %s", k, g, w)
		}
	}

	// A change made through the struct shows; a clone is independent.
	c := tr.Clone()
	c.AccessToken = "new"
	c.Raw["upgraded_token"][2] = 'X'
	if tr.AccessToken == "new" || strings.Contains(string(tr.Raw["upgraded_token"]), "X") {
		t.Error("Clone shares state with the original")
	}
	if m := c.Map(); m["access_token"] != "new" {
		t.Errorf("Map()[access_token] = %v after a change, want new", m["access_token"])
	}

	// Numbers sent as strings come back as numbers; nulls stay null.
	tr, _ = ParseTokenResponse([]byte(`{"access_token":"a","expires_in":"60","refresh_token":null}`))
	out, _ = json.Marshal(tr)
	if got := string(out); got != `{"access_token":"a","expires_in":60,"refresh_token":null}` {
		t.Errorf("MarshalJSON = %s", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestParseTokenResponseRefused(t *testing.T) {
	tests := []struct{ name, body, msg string }{
		{"missing access_token", `{"token_type":"Bearer","expires_in":300}`, "no access_token"},
		{"empty access_token", `{"access_token":""}`, "no access_token"},
		{"null access_token", `{"access_token":null}`, "no access_token"},
		{"array", `[{"access_token":"a"}]`, "not a JSON object"},
		{"string", `"a"`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"number", `42`, "not a JSON object"},
		{"empty", ``, "not a JSON object"},
		{"html", `<html><body>Bad Gateway</body></html>`, "not a JSON object"},
		{"truncated", `{"access_token":"a"`, "not a JSON object"},
		{"trailing object", `{"access_token":"a"}{}`, "trailing data"},
		{"trailing bracket", `{"access_token":"a"}]`, "trailing data"},
		{"access_token number", `{"access_token":42}`, "access_token is not a string"},
		{"expires_in bool", `{"access_token":"a","expires_in":true}`, "expires_in is not a number"},
		{"expires_in word", `{"access_token":"a","expires_in":"soon"}`, "expires_in is not a number"},
		{"expires_in NaN", `{"access_token":"a","expires_in":"NaN"}`, "expires_in is not a number"},
		{"expires_in huge", `{"access_token":"a","expires_in":1e300}`, "expires_in is not a number"},
		{"scope array", `{"access_token":"a","scope":["openid"]}`, "scope is not a string"},
		{"huge", `{"access_token":"a","pad":"` + strings.Repeat("x", 1<<20) + `"}`, "bytes"},
	}
	for _, tt := range tests {
		got, err := ParseTokenResponse([]byte(tt.body))
		if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: ParseTokenResponse = %+v, %v; want ErrBadResponse with %q", tt.name, got, err, tt.msg)
		}
	}
}

func TestParseTokenEndpointResponse(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		want      OAuthError
		msg       string
		temporary bool
	}{
		{"invalid_grant", 400, `{"error":"invalid_grant","error_description":"Code not valid"}`,
			OAuthError{ErrorCode: "invalid_grant", Description: "Code not valid", Status: 400},
			"pkce: oauth error invalid_grant (HTTP 400): Code not valid", false},
		{"unauthorized", 401, `{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials","error_uri":"https://x/e"}`,
			OAuthError{ErrorCode: "unauthorized_client", Description: "Invalid client or Invalid client credentials", URI: "https://x/e", Status: 401},
			"pkce: oauth error unauthorized_client (HTTP 401): Invalid client or Invalid client credentials", false},
		{"503 html", 503, `<html><head><title>503 Service Unavailable</title></head></html>`,
			OAuthError{Status: 503}, "pkce: oauth error HTTP 503", true},
		{"429 empty", 429, ``, OAuthError{Status: 429}, "pkce: oauth error HTTP 429", true},
		{"500 json error", 500, `{"error":"server_error"}`,
			OAuthError{ErrorCode: "server_error", Status: 500}, "pkce: oauth error server_error (HTTP 500)", true},
		{"400 wrong types", 400, `{"error":42}`, OAuthError{Status: 400}, "pkce: oauth error HTTP 400", false},
	}
	for _, tt := range tests {
		tr, err := ParseTokenEndpointResponse(tt.status, []byte(tt.body))
		var oe *OAuthError
		if tr != nil || !errors.As(err, &oe) {
			t.Errorf("%s: got %+v, %v; want *OAuthError", tt.name, tr, err)
			continue
		}
		if *oe != tt.want || err.Error() != tt.msg || oe.Temporary() != tt.temporary {
			t.Errorf("%s: got %+v %q temporary=%v; want %+v %q temporary=%v",
				tt.name, *oe, err, oe.Temporary(), tt.want, tt.msg, tt.temporary)
		}
	}
	if tr, err := ParseTokenEndpointResponse(200, []byte(keycloakResponse)); err != nil || tr.ExpiresIn != 300 {
		t.Errorf("200: got %+v, %v", tr, err)
	}
	if _, err := ParseTokenEndpointResponse(200, []byte(`{"error":"invalid_grant"}`)); !errors.Is(err, ErrBadResponse) {
		t.Errorf("200 with an error object: %v, want ErrBadResponse", err)
	}
}
