package pkce

import (
	"net/url"
	"reflect"
	"testing"
)

func TestForms(t *testing.T) {
	tests := []struct {
		name string
		got  url.Values
		want url.Values
	}{
		{"code", CodeForm("web", "c0de", "https://app.example.com/cb", "v3rifier"), url.Values{
			"grant_type": {"authorization_code"}, "client_id": {"web"}, "code": {"c0de"},
			"redirect_uri": {"https://app.example.com/cb"}, "code_verifier": {"v3rifier"}}},
		{"refresh", RefreshForm("web", "rt", ""), url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"web"}, "refresh_token": {"rt"}}},
		{"refresh with scope", RefreshForm("web", "rt", "openid email"), url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"web"}, "refresh_token": {"rt"}, "scope": {"openid email"}}},
		{"password", PasswordForm("web", "dr", "p@ss w&rd", ""), url.Values{
			"grant_type": {"password"}, "client_id": {"web"}, "username": {"dr"}, "password": {"p@ss w&rd"},
			"scope": {"openid profile"}}},
		{"password scope normalized", PasswordForm("web", "dr", "pw", "email"), url.Values{
			"grant_type": {"password"}, "client_id": {"web"}, "username": {"dr"}, "password": {"pw"},
			"scope": {"openid email"}}},
		{"revoke", RevokeForm("web", "rt", "refresh_token"), url.Values{
			"token": {"rt"}, "client_id": {"web"}, "token_type_hint": {"refresh_token"}}},
		{"revoke without hint", RevokeForm("web", "at", ""), url.Values{"token": {"at"}, "client_id": {"web"}}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: form = %v, want %v", tt.name, tt.got, tt.want)
		}
		if tt.got.Has("client_secret") {
			t.Errorf("%s: form carries a client_secret", tt.name)
		}
		// The encoded form round-trips exactly (special characters survive).
		back, err := url.ParseQuery(tt.got.Encode())
		if err != nil || !reflect.DeepEqual(back, tt.want) {
			t.Errorf("%s: encoded form %q decodes to %v, %v", tt.name, tt.got.Encode(), back, err)
		}
	}
}
