package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

// unsignedJWT is a JWT with claims c (the signature is not what fromTokens checks).
func unsignedJWT(t testing.TB, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("not-a-real-key-not-a-real-key-32"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantOAuth checks for a final OAuth error with code.
func wantOAuth(code, desc string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var oe *pkce.OAuthError
		if !errors.As(err, &oe) || oe.ErrorCode != code || oe.Status != 400 || oe.Temporary() || oe.Description != desc {
			t.Errorf("got %v (%#v), want a final *pkce.OAuthError %q %q", err, oe, code, desc)
		}
	}
}

func TestBearerAnswer(t *testing.T) {
	tests := []struct {
		name, answer string
		wantToken    string // "" when an error is expected
		check        func(*testing.T, error)
	}{
		{"undefined", "", "", wantIs(pkce.ErrBadResponse)},
		{"null", "null", "", wantIs(pkce.ErrBadResponse)},
		{"empty object", "{}", "", wantIs(pkce.ErrBadResponse)},
		{"a string", `"not a token response"`, "", wantIs(pkce.ErrBadResponse)},
		{"a number for access_token", `{"access_token":42}`, "", wantIs(pkce.ErrBadResponse)},
		{"an array", `[{"access_token":"a"}]`, "", wantIs(pkce.ErrBadResponse)},
		{"a token response", `{"access_token":"at-2","expires_in":300,"token_type":"Bearer"}`, "at-2", nil},
		{"an OAuth error", `{"error":"invalid_grant","error_description":"Session not active"}`, "", wantOAuth("invalid_grant", "Session not active")},
		{"an OAuth error without description", `{"error":"invalid_client"}`, "", wantOAuth("invalid_client", "")},
		// An error member next to a token is not an error answer.
		{"error and access_token", `{"error":"invalid_grant","access_token":"at-3"}`, "at-3", nil},
		// An empty access_token next to an error: still an error answer.
		{"error and empty access_token", `{"error":"invalid_grant","access_token":""}`, "", wantOAuth("invalid_grant", "")},
		{"a non-string error", `{"error":42}`, "", wantIs(pkce.ErrBadResponse)},
		{"an empty error", `{"error":""}`, "", wantIs(pkce.ErrBadResponse)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := BearerAnswer([]byte(tt.answer))
			if tt.wantToken != "" {
				if err != nil || resp == nil || resp.AccessToken != tt.wantToken {
					t.Fatalf("BearerAnswer(%s) = %+v, %v; want access token %q", tt.answer, resp, err, tt.wantToken)
				}
				return
			}
			if resp != nil {
				t.Errorf("BearerAnswer(%s) gave a response %+v", tt.answer, resp)
			}
			tt.check(t, err)
		})
	}
}

func TestCallbackError(t *testing.T) {
	cause := errors.New("js: Error: backend unavailable")
	thrown := func(th Thrown) error { th.Err = cause; return &th }
	passedOn := func(want error) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			t.Helper()
			if err != want {
				t.Errorf("got %v, want the error itself (%v)", err, want)
			}
		}
	}
	badResponse := func(t *testing.T, err error) {
		t.Helper()
		var th *Thrown
		if !errors.Is(err, pkce.ErrBadResponse) || !errors.Is(err, cause) && !errors.As(err, &th) {
			t.Errorf("got %v, want bad_response keeping the thrown value", err)
		}
		var oe *pkce.OAuthError
		if errors.As(err, &oe) {
			t.Errorf("got an OAuth error %v: it would end the session", oe)
		}
	}
	networkErr := thrown(Thrown{Code: "network_error", Message: "offline"})
	canceled := context.Canceled
	deadline := context.DeadlineExceeded
	tests := []struct {
		name  string
		err   error
		check func(*testing.T, error)
	}{
		{"oauthError invalid_grant", thrown(Thrown{OAuthError: "invalid_grant", Message: "revoked"}), wantOAuth("invalid_grant", "revoked")},
		{"code invalid_grant (not a corti-auth code)", thrown(Thrown{Code: "invalid_grant", Message: "m"}), wantOAuth("invalid_grant", "m")},
		{"a CortiAuthError oauth_error with oauthError invalid_grant", thrown(Thrown{Code: "oauth_error", OAuthError: "invalid_grant"}), wantOAuth("invalid_grant", "")},
		{"oauthError that is not a token endpoint code", thrown(Thrown{OAuthError: "access_denied"}), badResponse},
		{"oauthError server_error (temporary)", thrown(Thrown{OAuthError: "server_error"}), badResponse},
		{"a corti-auth code of its own", networkErr, passedOn(networkErr)},
		{"an unknown code", thrown(Thrown{Code: "E_BACKEND"}), badResponse},
		{"internal is the module's own", thrown(Thrown{Code: "internal"}), badResponse},
		{"a plain thrown Error", thrown(Thrown{Message: "backend unavailable"}), badResponse},
		{"not a Thrown", cause, badResponse},
		{"cancelled", canceled, passedOn(canceled)},
		{"deadline", deadline, passedOn(deadline)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, CallbackError(tt.err)) })
	}
}

func TestIsOAuthCode(t *testing.T) {
	for _, c := range []string{"invalid_grant", "invalid_client", "unauthorized_client", "invalid_request", "invalid_scope", "unsupported_grant_type"} {
		if !IsOAuthCode(c) {
			t.Errorf("IsOAuthCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "access_denied", "server_error", "temporarily_unavailable", "network_error", "INVALID_GRANT", "invalid_token"} {
		if IsOAuthCode(c) {
			t.Errorf("IsOAuthCode(%q) = true", c)
		}
	}
}

func TestBearerRefresh(t *testing.T) {
	cur := &pkce.TokenResponse{AccessToken: "at-1", RefreshToken: "rt-1"}
	var got *pkce.TokenResponse
	b := Bearer{Call: func(_ context.Context, c *pkce.TokenResponse) ([]byte, error) {
		got = c
		return []byte(`{"access_token":"at-2","expires_in":60}`), nil
	}}
	resp, err := b.Refresh(context.Background(), cur)
	if err != nil || resp.AccessToken != "at-2" || resp.ExpiresIn != 60 {
		t.Fatalf("Refresh = %+v, %v", resp, err)
	}
	if got != cur {
		t.Error("the callback did not get the current tokens")
	}
	b.Call = func(context.Context, *pkce.TokenResponse) ([]byte, error) {
		return nil, &Thrown{OAuthError: "invalid_grant", Err: errors.New("js: revoked")}
	}
	_, err = b.Refresh(context.Background(), cur)
	wantOAuth("invalid_grant", "")(t, err)
	b.Call = func(context.Context, *pkce.TokenResponse) ([]byte, error) { return []byte(`{}`), nil }
	if _, err := b.Refresh(context.Background(), cur); !errors.Is(err, pkce.ErrBadResponse) {
		t.Errorf("an empty answer: %v, want bad_response", err)
	}
}

func TestParseBearerTokens(t *testing.T) {
	at := unsignedJWT(t, jwt.MapClaims{"sub": "u-1", "exp": 2000000000, "preferred_username": "dr"})
	resp, err := ParseBearerTokens([]byte(`{"access_token":"` + at + `","expires_in":300}`))
	if err != nil || resp.AccessToken != at || resp.ExpiresIn != 300 {
		t.Fatalf("ParseBearerTokens = %+v, %v", resp, err)
	}
	for _, tt := range []struct {
		in   string
		want error
	}{
		{"", ErrInvalidConfig},
		{"{}", pkce.ErrBadResponse},
		{`"a string"`, pkce.ErrBadResponse},
		{`{"access_token":"opaque-token","expires_in":300}`, token.ErrInvalidToken},
	} {
		if _, err := ParseBearerTokens([]byte(tt.in)); !errors.Is(err, tt.want) {
			t.Errorf("ParseBearerTokens(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
	if _, err := ParseBearerTokens(nil); err == nil || !strings.Contains(err.Error(), "fromTokens") {
		t.Errorf("no token response: %v, want an error naming fromTokens", err)
	}
}
