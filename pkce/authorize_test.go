package pkce

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

const (
	testEndpoint  = "https://auth.eu.corti.app/realms/base/protocol/openid-connect/auth"
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func validRequest() AuthorizeRequest {
	return AuthorizeRequest{
		Endpoint:    testEndpoint,
		ClientID:    "assistant-web",
		RedirectURI: "https://app.example.com/callback",
		Challenge:   testChallenge,
		State:       "st-123",
		Nonce:       "no-456",
	}
}

func TestAuthorizeURL(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*AuthorizeRequest)
		want   map[string]string // parameters that must be present with these values
		absent []string          // parameters that must not be present
		prefix string            // the URL must start with this
	}{
		{
			name: "minimal",
			want: map[string]string{
				"response_type": "code", "client_id": "assistant-web",
				"redirect_uri": "https://app.example.com/callback", "scope": "openid profile",
				"code_challenge": testChallenge, "code_challenge_method": "S256",
				"state": "st-123", "nonce": "no-456",
			},
			absent: []string{"prompt", "login_hint", "ui_locales", "code_verifier", "client_secret"},
			prefix: testEndpoint + "?response_type=code&",
		},
		{
			name:   "scope normalized",
			modify: func(r *AuthorizeRequest) { r.Scope = "email  profile email" },
			want:   map[string]string{"scope": "openid email profile"},
		},
		{
			name: "optional parameters",
			modify: func(r *AuthorizeRequest) {
				r.Prompt, r.LoginHint, r.UILocales = "login consent", "dr.who@example.com", "da en"
				r.Extra = map[string]string{"kc_idp_hint": "google", "acr_values": "gold"}
			},
			want: map[string]string{
				"prompt": "login consent", "login_hint": "dr.who@example.com", "ui_locales": "da en",
				"kc_idp_hint": "google", "acr_values": "gold",
			},
		},
		{
			name: "step-up: max_age and acr_values",
			modify: func(r *AuthorizeRequest) {
				r.MaxAge, r.ACRValues = new(int64), " gold  silver "
			},
			want: map[string]string{"max_age": "0", "acr_values": "gold silver"},
		},
		{
			name:   "max_age in seconds",
			modify: func(r *AuthorizeRequest) { age := int64(300); r.MaxAge = &age },
			want:   map[string]string{"max_age": "300"},
			absent: []string{"acr_values"},
		},
		{
			name:   "endpoint keeps its query",
			modify: func(r *AuthorizeRequest) { r.Endpoint = testEndpoint + "?kc_locale=de&x=%2F" },
			want:   map[string]string{"kc_locale": "de", "x": "/", "response_type": "code"},
			prefix: testEndpoint + "?kc_locale=de&x=%2F&response_type=code&",
		},
		{
			name: "http on loopback",
			modify: func(r *AuthorizeRequest) {
				r.Endpoint = "http://127.0.0.1:8080/realms/base/protocol/openid-connect/auth"
			},
			prefix: "http://127.0.0.1:8080/realms/base/",
		},
		{
			name:   "http on localhost and [::1]",
			modify: func(r *AuthorizeRequest) { r.Endpoint = "http://[::1]:9000/auth" },
			prefix: "http://[::1]:9000/auth?",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			if tt.modify != nil {
				tt.modify(&r)
			}
			got, err := r.URL()
			if err != nil {
				t.Fatalf("URL() error: %v", err)
			}
			if !strings.HasPrefix(got, tt.prefix) {
				t.Errorf("URL() = %s, want prefix %s", got, tt.prefix)
			}
			if strings.Contains(got, "+") {
				t.Errorf("URL() = %s: spaces must be %%20", got)
			}
			u, _ := url.Parse(got)
			q := u.Query()
			for k, v := range tt.want {
				if q[k] == nil || len(q[k]) != 1 || q[k][0] != v {
					t.Errorf("%s = %q, want exactly [%q]", k, q[k], v)
				}
			}
			for _, k := range tt.absent {
				if q.Has(k) {
					t.Errorf("%s present, want absent", k)
				}
			}
		})
	}
}

func TestAuthorizeURLRefused(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*AuthorizeRequest)
		msg    string // the error message must contain this
	}{
		{"no endpoint", func(r *AuthorizeRequest) { r.Endpoint = "" }, "authorize endpoint is empty"},
		{"relative endpoint", func(r *AuthorizeRequest) { r.Endpoint = "/realms/base/auth" }, "not an absolute URL"},
		{"http endpoint", func(r *AuthorizeRequest) { r.Endpoint = "http://auth.eu.corti.app/auth" }, "only https"},
		{"javascript endpoint", func(r *AuthorizeRequest) { r.Endpoint = "javascript:alert(1)" }, "authorize endpoint"},
		{"ftp endpoint", func(r *AuthorizeRequest) { r.Endpoint = "ftp://auth.example.com/auth" }, "not an http(s) URL"},
		{"endpoint with fragment", func(r *AuthorizeRequest) { r.Endpoint = testEndpoint + "#x" }, "fragment"},
		{"http lookalike host", func(r *AuthorizeRequest) { r.Endpoint = "http://localhost.evil.com/auth" }, "only https"},
		{"no client id", func(r *AuthorizeRequest) { r.ClientID = "" }, "client_id is empty"},
		{"no redirect", func(r *AuthorizeRequest) { r.RedirectURI = "" }, "redirect_uri is empty"},
		{"relative redirect", func(r *AuthorizeRequest) { r.RedirectURI = "/callback" }, "redirect_uri \"/callback\" is not an absolute URL"},
		{"redirect with fragment", func(r *AuthorizeRequest) { r.RedirectURI = "https://app.example.com/cb#x" }, "fragment"},
		{"no challenge", func(r *AuthorizeRequest) { r.Challenge = "" }, "code_challenge is empty"},
		{"padded challenge", func(r *AuthorizeRequest) { r.Challenge = testChallenge + "=" }, "not an S256 challenge"},
		{"hex challenge", func(r *AuthorizeRequest) { r.Challenge = strings.Repeat("ab", 32) }, "not an S256 challenge"},
		{"no state", func(r *AuthorizeRequest) { r.State = "" }, "state is empty"},
		{"no nonce", func(r *AuthorizeRequest) { r.Nonce = "" }, "nonce is empty"},
		{"negative max_age", func(r *AuthorizeRequest) { age := int64(-1); r.MaxAge = &age }, "max_age -1 is negative"},
		{"max_age twice", func(r *AuthorizeRequest) {
			r.MaxAge, r.Extra = new(int64), map[string]string{"max_age": "60"}
		}, "max_age is set by its own option too"},
		{"acr_values twice", func(r *AuthorizeRequest) {
			r.ACRValues, r.Extra = "gold", map[string]string{"acr_values": "silver"}
		}, "acr_values is set by its own option too"},
		{"unknown prompt", func(r *AuthorizeRequest) { r.Prompt = "create" }, `"create" is not one of`},
		{"prompt none with login", func(r *AuthorizeRequest) { r.Prompt = "none login" }, "none cannot be combined"},
		{"response_type token", func(r *AuthorizeRequest) { r.Extra = map[string]string{"response_type": "token"} },
			"only response_type=code is supported (Authorization Code + PKCE)"},
		{"response_type id_token in endpoint", func(r *AuthorizeRequest) { r.Endpoint = testEndpoint + "?response_type=id_token" },
			"only response_type=code is supported"},
		{"plain pkce", func(r *AuthorizeRequest) { r.Extra = map[string]string{"code_challenge_method": "plain"} },
			"plain PKCE is refused; S256 is always used"},
		{"code_verifier", func(r *AuthorizeRequest) { r.Extra = map[string]string{"code_verifier": "x"} }, "code_verifier must never be sent"},
		{"client_secret", func(r *AuthorizeRequest) { r.Extra = map[string]string{"client_secret": "x"} }, "client_secret must never be sent"},
		{"empty extra name", func(r *AuthorizeRequest) { r.Extra = map[string]string{"": "x"} }, "empty name"},
	}
	// Every reserved parameter is refused in Extra, even with a harmless value.
	for _, p := range reservedParams {
		tests = append(tests, struct {
			name   string
			modify func(*AuthorizeRequest)
			msg    string
		}{"extra " + p, func(r *AuthorizeRequest) { r.Extra = map[string]string{"kc_idp_hint": "x", p: "code"} }, p})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.modify(&r)
			got, err := r.URL()
			if !errors.Is(err, ErrInvalidParam) {
				t.Fatalf("URL() = %q, %v; want an error wrapping ErrInvalidParam", got, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "pkce: ") {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}
