package pkce

import (
	"errors"
	"testing"
)

func TestEndSessionURL(t *testing.T) {
	const ep = "https://auth.eu.corti.app/realms/base/protocol/openid-connect/logout"
	tests := []struct {
		name    string
		e       EndSession
		want    string
		wantErr bool
	}{
		{"endpoint only", EndSession{Endpoint: ep}, ep, false},
		{"all", EndSession{Endpoint: ep, IDTokenHint: "eyJ.a.b", ClientID: "web", PostLogoutRedirectURI: "https://app.example.com/bye?x=1", State: "s 1"},
			ep + "?id_token_hint=eyJ.a.b&client_id=web&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye%3Fx%3D1&state=s%201", false},
		{"client id only", EndSession{Endpoint: ep, ClientID: "web", PostLogoutRedirectURI: "http://127.0.0.1:3000/"},
			ep + "?client_id=web&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2F", false},
		{"existing query kept", EndSession{Endpoint: ep + "?ui_locales=da", ClientID: "web"}, ep + "?ui_locales=da&client_id=web", false},
		{"redirect without hint or client", EndSession{Endpoint: ep, PostLogoutRedirectURI: "https://app.example.com/"}, "", true},
		{"relative redirect", EndSession{Endpoint: ep, ClientID: "web", PostLogoutRedirectURI: "/bye"}, "", true},
		{"http endpoint", EndSession{Endpoint: "http://auth.example.com/logout"}, "", true},
		{"no endpoint", EndSession{ClientID: "web"}, "", true},
	}
	for _, tt := range tests {
		got, err := tt.e.URL()
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidParam) {
				t.Errorf("%s: URL() = %q, %v; want ErrInvalidParam", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: URL() = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
