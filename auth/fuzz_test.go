package auth

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
)

// FuzzBearerAnswer: whatever a refresh callback resolves with, BearerAnswer
// gives exactly one of a token response with an access token, a final OAuth
// error (status 400, a code), or bad_response — and never panics. A thrown
// value with the same fields gives a final OAuth error exactly for the RFC 6749
// §5.2 codes.
func FuzzBearerAnswer(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"not a token response"`, `42`, `true`,
		`{"access_token":"at","expires_in":300,"token_type":"Bearer","refresh_token":"rt","refresh_expires_in":1800}`,
		`{"access_token":42}`, `{"access_token":"at","expires_in":"300"}`, `{"access_token":"at","expires_in":-1}`,
		`{"error":"invalid_grant","error_description":"Session not active"}`,
		`{"error":"invalid_grant","access_token":""}`, `{"error":"invalid_grant","access_token":"at"}`,
		`{"error":42}`, `{"error":""}`, `{"error":"x","error_description":7}`,
		`{"access_token":"at","access_token":"again"}`, `{"access_token":"at"`, "\xff",
		`{"code":"network_error","message":"offline"}`, `{"code":"internal"}`, `{"code":"invalid_grant"}`,
		`{"oauthError":"invalid_grant","code":"oauth_error"}`, `{"oauthError":"access_denied"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := BearerAnswer(b)
		var oe *pkce.OAuthError
		switch {
		case err == nil:
			if resp == nil || resp.AccessToken == "" {
				t.Fatalf("no error and no access token: %+v", resp)
			}
		case resp != nil:
			t.Fatalf("both a response %+v and an error %v", resp, err)
		case errors.As(err, &oe):
			if oe.ErrorCode == "" || oe.Status != 400 || oe.Temporary() {
				t.Fatalf("OAuth error %#v is not final", oe)
			}
			if errors.Is(err, pkce.ErrBadResponse) {
				t.Fatalf("%v is both an OAuth error and bad_response", err)
			}
		case !errors.Is(err, pkce.ErrBadResponse):
			t.Fatalf("error %v is neither an OAuth error nor bad_response", err)
		}

		// The same object thrown instead of returned.
		var o struct {
			Code       string `json:"code"`
			OAuthError string `json:"oauthError"`
			Message    string `json:"message"`
		}
		if json.Unmarshal(b, &o) != nil {
			return
		}
		th := &Thrown{Code: o.Code, OAuthError: o.OAuthError, Message: o.Message, Err: errors.New("js: thrown")}
		got := CallbackError(th)
		oauth := o.OAuthError
		if oauth == "" && o.Code != "" && !fault.KnownCode(o.Code) {
			oauth = o.Code
		}
		isOAuth := errors.As(got, &oe)
		if isOAuth != IsOAuthCode(oauth) || isOAuth && (oe.ErrorCode != oauth || oe.Status != 400) {
			t.Fatalf("thrown %+v → %v: OAuth %v, want %v", o, got, isOAuth, IsOAuthCode(oauth))
		}
		switch {
		case isOAuth:
		case fault.ThrownCodeKept(o.Code):
			if got != error(th) {
				t.Fatalf("thrown %+v → %v, want it passed on", o, got)
			}
		case !errors.Is(got, pkce.ErrBadResponse) || !errors.Is(got, th.Err):
			t.Fatalf("thrown %+v → %v, want bad_response keeping the thrown value", o, got)
		}
	})
}
