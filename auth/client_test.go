package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

func TestAuthorizeURL(t *testing.T) {
	h := newHarness(t, "")
	raw, err := h.client.AuthorizeURL(AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.pendingCount(t); n != 1 {
		t.Fatalf("%d pending logins stored, want 1", n)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, h.realm.issuer+"/protocol/openid-connect/auth"; got != want {
		t.Errorf("authorize endpoint %q, want %q", got, want)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": testClientID, "redirect_uri": testRedirect,
		"scope": "openid profile", "code_challenge_method": "S256",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	state, nonce, challenge := q.Get("state"), q.Get("nonce"), q.Get("code_challenge")
	if len(state) < 22 || len(nonce) < 22 {
		t.Errorf("state %q or nonce %q shorter than 128 bits", state, nonce)
	}
	if state == nonce {
		t.Error("state and nonce are the same value")
	}
	// The stored entry is keyed by state and holds what the callback needs.
	login, ok, err := (&storage.Pending{Store: h.store, Now: h.clock.Now}).Peek(state)
	if err != nil || !ok {
		t.Fatalf("no pending login under the URL's state: ok=%v err=%v", ok, err)
	}
	if pkce.S256Challenge(login.Verifier) != challenge {
		t.Error("code_challenge is not S256 of the stored verifier")
	}
	if login.Nonce != nonce || login.RedirectURI != testRedirect || login.ClientID != testClientID ||
		login.Issuer != h.realm.issuer || !login.CreatedAt.Equal(h.clock.Now()) {
		t.Errorf("stored pending login %+v does not match the request", login)
	}
	for _, p := range []string{"code_verifier", "client_secret"} {
		if q.Has(p) || strings.Contains(raw, login.Verifier) {
			t.Errorf("the authorize URL carries %s or the verifier: %s", p, raw)
		}
	}

	// A second login (another tab) gets its own entry and keeps the first.
	raw2, err := h.client.AuthorizeURL(AuthorizeOptions{Prompt: "login", LoginHint: "dr.jensen", UILocales: "da en",
		ExtraParams: map[string]string{"kc_idp_hint": "hospital-sso"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.pendingCount(t); n != 2 {
		t.Errorf("%d pending logins after two authorize URLs, want 2", n)
	}
	q2, _ := url.ParseQuery(strings.SplitN(raw2, "?", 2)[1])
	if q2.Get("state") == state || q2.Get("nonce") == nonce || q2.Get("code_challenge") == challenge {
		t.Error("the second login reuses state, nonce or challenge")
	}
	for k, want := range map[string]string{"prompt": "login", "login_hint": "dr.jensen", "ui_locales": "da en", "kc_idp_hint": "hospital-sso"} {
		if q2.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q2.Get(k), want)
		}
	}
}

func TestAuthorizeURLRefusals(t *testing.T) {
	h := newHarness(t, "")
	for _, o := range []AuthorizeOptions{
		{ExtraParams: map[string]string{"state": "mine"}},
		{ExtraParams: map[string]string{"code_challenge_method": "plain"}},
		{ExtraParams: map[string]string{"client_secret": "s"}},
		{ExtraParams: map[string]string{"redirect_uri": "https://evil.example/cb"}},
		{Prompt: "none login"},
		{Prompt: "always"},
	} {
		_, err := h.client.AuthorizeURL(o)
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("AuthorizeURL(%+v) = %v, want a *ConfigError", o, err)
		}
	}
	if n := h.pendingCount(t); n != 0 {
		t.Errorf("refused requests left %d pending logins", n)
	}
}

func TestAuthorizeURLStorageUnavailable(t *testing.T) {
	realm := newFakeRealm(t, &testClock{now: time.Now()})
	f := httpFetcher{c: realm.srv.Client()}
	c := NewClient(realm.config(t, ""), f, storage.Failing{}, token.NewKeySets(f.Get), nil)
	if _, err := c.AuthorizeURL(AuthorizeOptions{}); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("AuthorizeURL with failing storage = %v, want storage.ErrUnavailable", err)
	}
}

func TestHandleCallbackSuccess(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	state := param(t, cb, "state")
	h.realm.onToken = func(url.Values) *tokenReply {
		// The pending login must be gone before the code is exchanged, so a
		// callback replayed while this request is in flight finds nothing.
		if _, ok, _ := h.store.Get(storage.PendingPrefix + state); ok {
			t.Error("the pending login is still stored during the token request")
		}
		return nil
	}
	res, err := h.client.HandleCallback(context.Background(), cb)
	if err != nil {
		t.Fatal(err)
	}
	if n := h.realm.tokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	form := h.realm.lastTokenForm()
	for k, want := range map[string]string{"grant_type": "authorization_code", "client_id": testClientID,
		"redirect_uri": testRedirect, "code": param(t, cb, "code")} {
		if form.Get(k) != want {
			t.Errorf("token form %s = %q, want %q", k, form.Get(k), want)
		}
	}
	if len(form.Get("code_verifier")) != 43 || form.Has("client_secret") {
		t.Errorf("token form %v: want a 43-char code_verifier and no client_secret", form)
	}
	if res.Tokens.AccessToken == "" || res.Tokens.RefreshToken == "" || res.Tokens.ExpiresIn != 300 {
		t.Errorf("tokens %+v", res.Tokens)
	}
	if want := h.clock.Now().Add(-session.ExpLoss); !res.ReceivedAt.Equal(want) {
		t.Errorf("ReceivedAt %v, want the injected clock's %v less ExpLoss", res.ReceivedAt, want)
	}
	if res.IDToken == nil || res.IDToken.Subject != testSub || res.IDToken.PreferredUsername != "dr.jensen" {
		t.Fatalf("IDToken %+v", res.IDToken)
	}
	if n := h.pendingCount(t); n != 0 {
		t.Errorf("%d pending logins left", n)
	}
}

func TestHandleCallbackReplay(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), cb); err != nil {
		t.Fatal(err)
	}
	_, err := h.client.HandleCallback(context.Background(), cb)
	if !errors.Is(err, ErrNoPendingLogin) {
		t.Errorf("replayed callback: %v, want ErrNoPendingLogin", err)
	}
	if n := h.realm.tokenRequests(); n != 1 {
		t.Errorf("%d token requests, want exactly 1 (no second exchange)", n)
	}
}

func TestHandleCallbackState(t *testing.T) {
	h := newHarness(t, "")
	_, cbA := h.startLogin(t)
	h.startLogin(t) // another login waits too
	tampered := withParam(t, cbA, "state", param(t, cbA, "state")[:10]+"AAAAAAAAAAAA")
	if _, err := h.client.HandleCallback(context.Background(), tampered); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("tampered state: %v, want ErrStateMismatch", err)
	}
	if n := h.realm.tokenRequests(); n != 0 {
		t.Errorf("tampered state led to %d token requests", n)
	}
	if n := h.pendingCount(t); n != 2 {
		t.Errorf("a tampered callback consumed a waiting login: %d left, want 2", n)
	}
	// The genuine callback still works afterwards.
	if _, err := h.client.HandleCallback(context.Background(), cbA); err != nil {
		t.Errorf("genuine callback after a tampered one: %v", err)
	}

	// With nothing waiting, an unknown state is a callback handled already.
	h2 := newHarness(t, "")
	_, cb := h2.startLogin(t)
	h2.store.Remove(storage.PendingPrefix + param(t, cb, "state"))
	if _, err := h2.client.HandleCallback(context.Background(), cb); !errors.Is(err, ErrNoPendingLogin) {
		t.Errorf("unknown state, nothing waiting: %v, want ErrNoPendingLogin", err)
	}
}

func TestHandleCallbackExpired(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	h.clock.Add(storage.PendingTTL + time.Second)
	if _, err := h.client.HandleCallback(context.Background(), cb); !errors.Is(err, ErrLoginExpired) {
		t.Errorf("callback after the TTL: %v, want ErrLoginExpired", err)
	}
	if n := h.realm.tokenRequests(); n != 0 {
		t.Errorf("expired login led to %d token requests", n)
	}
	if n := h.pendingCount(t); n != 0 {
		t.Errorf("the expired login is still stored")
	}
}

// TestHandleCallbackRefusals: callbacks that must fail before any code
// exchange, each consuming its pending login.
func TestHandleCallbackRefusals(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t *testing.T, cb, issuer string) string
		check func(t *testing.T, err error)
	}{
		{"access_denied", func(t *testing.T, cb, iss string) string {
			return testRedirect + "?" + url.Values{"error": {"access_denied"}, "error_description": {"User cancelled"},
				"state": {param(t, cb, "state")}, "iss": {iss}}.Encode()
		}, func(t *testing.T, err error) {
			var oe *pkce.OAuthError
			if !errors.As(err, &oe) || oe.ErrorCode != "access_denied" || oe.Description != "User cancelled" || oe.Status != 0 {
				t.Errorf("got %v, want *pkce.OAuthError access_denied with Status 0", err)
			}
		}},
		{"iss of another issuer", func(t *testing.T, cb, _ string) string {
			return withParam(t, cb, "iss", "https://auth.us.corti.app/realms/base")
		}, wantIs(ErrIssMismatch)},
		{"iss with a trailing slash (simple string comparison)", func(t *testing.T, cb, iss string) string {
			return withParam(t, cb, "iss", iss+"/")
		}, wantIs(ErrIssMismatch)},
		{"iss of another realm", func(t *testing.T, cb, iss string) string {
			return withParam(t, cb, "iss", strings.TrimSuffix(iss, "base")+"master")
		}, wantIs(ErrIssMismatch)},
		// RFC 9207 §2.4: "For error responses, clients MUST NOT assume that the
		// error originates from the intended authorization server."
		{"error response with a foreign iss", func(t *testing.T, cb, _ string) string {
			return testRedirect + "?" + url.Values{"error": {"access_denied"}, "error_description": {"Call 555-0100 for help"},
				"state": {param(t, cb, "state")}, "iss": {"https://evil.example/realms/base"}}.Encode()
		}, wantIs(ErrIssMismatch)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			_, cb := h.startLogin(t)
			_, err := h.client.HandleCallback(context.Background(), tt.edit(t, cb, h.realm.issuer))
			tt.check(t, err)
			if n := h.realm.tokenRequests(); n != 0 {
				t.Errorf("%d token requests, want none", n)
			}
			if n := h.pendingCount(t); n != 0 {
				t.Errorf("the pending login was not consumed")
			}
		})
	}
}

func TestHandleCallbackNotACallback(t *testing.T) {
	h := newHarness(t, "")
	for _, u := range []string{testRedirect, testRedirect + "?code=abc", testRedirect + "?state=abc", testRedirect + "#/home"} {
		if _, err := h.client.HandleCallback(context.Background(), u); !errors.Is(err, ErrNotCallback) {
			t.Errorf("HandleCallback(%q) = %v, want ErrNotCallback", u, err)
		}
	}
	if _, err := h.client.HandleCallback(context.Background(), testRedirect+"?code=a&code=b&state=s"); !errors.Is(err, pkce.ErrInvalidCallback) {
		t.Errorf("repeated code: %v, want pkce.ErrInvalidCallback", err)
	}
}

// TestHandleCallbackTokenEndpoint: answers of the token endpoint, each sent
// to exactly one request (a code is never exchanged twice).
func TestHandleCallbackTokenEndpoint(t *testing.T) {
	tests := []struct {
		name  string
		reply func(h *harness) *tokenReply
		check func(t *testing.T, err error)
	}{
		{"400 invalid_grant", func(*harness) *tokenReply {
			return &tokenReply{400, map[string]string{"error": "invalid_grant", "error_description": "Code not valid"}}
		}, func(t *testing.T, err error) {
			var oe *pkce.OAuthError
			if !errors.As(err, &oe) || oe.Status != 400 || oe.ErrorCode != "invalid_grant" || oe.Description != "Code not valid" || oe.Temporary() {
				t.Errorf("got %v, want *pkce.OAuthError{invalid_grant, Status 400}", err)
			}
		}},
		{"503 is not retried", func(*harness) *tokenReply { return &tokenReply{503, []byte("<html>Service Unavailable</html>")} },
			func(t *testing.T, err error) {
				var oe *pkce.OAuthError
				if !errors.As(err, &oe) || oe.Status != 503 || !oe.Temporary() {
					t.Errorf("got %v, want *pkce.OAuthError{Status 503}", err)
				}
			}},
		{"500 with an OAuth error body", func(*harness) *tokenReply {
			return &tokenReply{500, map[string]string{"error": "server_error"}}
		}, func(t *testing.T, err error) {
			var oe *pkce.OAuthError
			if !errors.As(err, &oe) || oe.Status != 500 || oe.ErrorCode != "server_error" {
				t.Errorf("got %v, want *pkce.OAuthError{server_error, Status 500}", err)
			}
		}},
		{"200 with HTML", func(*harness) *tokenReply { return &tokenReply{200, []byte("<html>captive portal</html>")} },
			wantIs(pkce.ErrBadResponse)},
		{"200 without access_token", func(*harness) *tokenReply { return &tokenReply{200, map[string]any{"token_type": "Bearer"}} },
			wantIs(pkce.ErrBadResponse)},
		{"200 with expires_in a word", func(*harness) *tokenReply {
			return &tokenReply{200, map[string]any{"access_token": "a.b.c", "expires_in": "soon"}}
		}, wantIs(pkce.ErrBadResponse)},
		{"no id_token for scope openid", func(h *harness) *tokenReply {
			tok := h.realm.tokens("", testSub)
			delete(tok, "id_token")
			return &tokenReply{200, tok}
		}, wantIs(token.ErrIDTokenInvalid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			_, cb := h.startLogin(t)
			h.realm.onToken = func(url.Values) *tokenReply { return tt.reply(h) }
			_, err := h.client.HandleCallback(context.Background(), cb)
			tt.check(t, err)
			if n := h.realm.tokenRequests(); n != 1 {
				t.Errorf("%d token requests, want exactly 1", n)
			}
			if _, err := h.client.HandleCallback(context.Background(), cb); !errors.Is(err, ErrNoPendingLogin) {
				t.Errorf("retrying the callback: %v, want ErrNoPendingLogin", err)
			}
			if n := h.realm.tokenRequests(); n != 1 {
				t.Errorf("%d token requests after a retry, want still 1", n)
			}
		})
	}
}

func TestHandleCallbackTransportError(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	h.realm.srv.Close()
	_, err := h.client.HandleCallback(context.Background(), cb)
	var oe *pkce.OAuthError
	if err == nil || errors.As(err, &oe) || errors.Is(err, ErrNoPendingLogin) {
		t.Errorf("provider down: %v, want the Fetcher's transport error", err)
	}
}

// TestHandleCallbackIDToken: an ID token that fails a check of OpenID Connect
// Core §3.1.3.7 gives no session, and the error names the check.
func TestHandleCallbackIDToken(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c jwt.MapClaims, h *harness)
		check string
	}{
		{"wrong nonce", func(c jwt.MapClaims, _ *harness) { c["nonce"] = "n-from-another-login" }, token.CheckNonce},
		{"no nonce", func(c jwt.MapClaims, _ *harness) { delete(c, "nonce") }, token.CheckNonce},
		{"wrong iss", func(c jwt.MapClaims, _ *harness) { c["iss"] = "https://auth.eu.corti.app/realms/base" }, token.CheckIssuer},
		{"wrong aud", func(c jwt.MapClaims, _ *harness) { c["aud"] = "another-client" }, token.CheckAudience},
		{"azp of another client", func(c jwt.MapClaims, _ *harness) { c["azp"] = "another-client" }, token.CheckAZP},
		{"expired beyond the leeway", func(c jwt.MapClaims, h *harness) {
			c["exp"] = h.clock.Now().Add(-61 * time.Second).Unix()
		}, token.CheckExpiry},
		{"iat in the future beyond the leeway", func(c jwt.MapClaims, h *harness) {
			c["iat"] = h.clock.Now().Add(2 * time.Minute).Unix()
		}, token.CheckIssuedAt},
		{"no sub", func(c jwt.MapClaims, _ *harness) { delete(c, "sub") }, token.CheckSubject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.realm.idClaims = func(c jwt.MapClaims) { tt.edit(c, h) }
			_, cb := h.startLogin(t)
			res, err := h.client.HandleCallback(context.Background(), cb)
			var ie *token.IDTokenError
			if !errors.As(err, &ie) || !errors.Is(err, token.ErrIDTokenInvalid) {
				t.Fatalf("got %v (%+v), want a *token.IDTokenError", err, res)
			}
			if ie.Check != tt.check {
				t.Errorf("Check = %q, want %q (%v)", ie.Check, tt.check, err)
			}
		})
	}
}

func TestHandleCallbackIDTokenSignedByAnotherKey(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	h.realm.onToken = func(url.Values) *tokenReply {
		tok := h.realm.tokens("", testSub)
		// Same kid, another key: a forged token.
		parts := strings.Split(tok["id_token"].(string), ".")
		forged := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": h.realm.issuer, "aud": testClientID,
			"sub": "attacker", "exp": h.clock.Now().Add(time.Minute).Unix(), "iat": h.clock.Now().Unix()})
		forged.Header["kid"] = "kc-rsa-1"
		s, err := forged.SignedString(otherKey)
		if err != nil {
			t.Error(err)
		}
		tok["id_token"] = parts[0] + "." + strings.Split(s, ".")[1] + "." + strings.Split(s, ".")[2]
		return &tokenReply{200, tok}
	}
	_, err := h.client.HandleCallback(context.Background(), cb)
	var ie *token.IDTokenError
	if !errors.As(err, &ie) || ie.Check != token.CheckSignature {
		t.Errorf("got %v, want IDTokenError check %q", err, token.CheckSignature)
	}
}

// login runs a complete sign-in and returns its result.
func (h *harness) login(t *testing.T) *Result {
	t.Helper()
	_, cb := h.startLogin(t)
	res, err := h.client.HandleCallback(context.Background(), cb)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRefresh(t *testing.T) {
	h := newHarness(t, "")
	res := h.login(t)
	h.clock.Add(4 * time.Minute)
	resp, received, err := h.client.Refresh(context.Background(), res.Tokens.RefreshToken, res.IDToken.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if resp.AccessToken == "" || resp.AccessToken == res.Tokens.AccessToken || !received.Equal(h.clock.Now().Add(-session.ExpLoss)) {
		t.Errorf("refresh: %+v received %v", resp, received)
	}
	form := h.realm.lastTokenForm()
	want := url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "refresh_token": {res.Tokens.RefreshToken}}
	if form.Encode() != want.Encode() {
		t.Errorf("refresh form %v, want %v", form, want)
	}
}

func TestRefreshIDTokenOfAnotherSubject(t *testing.T) {
	h := newHarness(t, "")
	res := h.login(t)
	h.realm.idClaims = func(c jwt.MapClaims) { c["sub"] = "another-user" }
	_, _, err := h.client.Refresh(context.Background(), res.Tokens.RefreshToken, res.IDToken.Subject)
	var ie *token.IDTokenError
	if !errors.As(err, &ie) || ie.Check != token.CheckSubject || !errors.Is(err, token.ErrIDTokenInvalid) {
		t.Errorf("refreshed id_token of another sub: %v, want IDTokenError check %q", err, token.CheckSubject)
	}
	// Without a known subject (bearer mode) only the token itself is checked.
	if _, _, err := h.client.Refresh(context.Background(), res.Tokens.RefreshToken, ""); err != nil {
		t.Errorf("refresh without a previous subject: %v", err)
	}
}

func TestRefreshErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply *tokenReply
		edit  func(jwt.MapClaims)
		check func(t *testing.T, err error)
	}{
		{"invalid_grant", &tokenReply{400, map[string]string{"error": "invalid_grant", "error_description": "Session not active"}}, nil,
			func(t *testing.T, err error) {
				var oe *pkce.OAuthError
				if !errors.As(err, &oe) || oe.ErrorCode != "invalid_grant" || oe.Status != 400 {
					t.Errorf("got %v, want invalid_grant", err)
				}
			}},
		{"refreshed id_token of another audience", nil, func(c jwt.MapClaims) { c["aud"] = "x" }, func(t *testing.T, err error) {
			var ie *token.IDTokenError
			if !errors.As(err, &ie) || ie.Check != token.CheckAudience {
				t.Errorf("got %v, want IDTokenError aud", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			res := h.login(t)
			if tt.reply != nil {
				h.realm.onToken = func(url.Values) *tokenReply { return tt.reply }
			}
			h.realm.idClaims = tt.edit
			before := h.realm.tokenRequests()
			_, _, err := h.client.Refresh(context.Background(), res.Tokens.RefreshToken, res.IDToken.Subject)
			tt.check(t, err)
			if n := h.realm.tokenRequests() - before; n != 1 {
				t.Errorf("%d refresh requests, want 1 (retries are the session's decision)", n)
			}
		})
	}
}

func TestPasswordLogin(t *testing.T) {
	h := newHarness(t, "")
	_, err := h.client.PasswordLogin(context.Background(), "dr.jensen", "correct-horse")
	if !errors.Is(err, ErrPasswordGrantDisabled) {
		t.Errorf("without allowPasswordGrant: %v, want ErrPasswordGrantDisabled", err)
	}
	if n := h.realm.tokenRequests(); n != 0 {
		t.Errorf("the disabled grant sent %d token requests", n)
	}

	h = newHarness(t, `,"allowPasswordGrant":true,"scope":"email"`)
	res, err := h.client.PasswordLogin(context.Background(), "dr.jensen", "correct-horse")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"grant_type": {"password"}, "client_id": {testClientID}, "username": {"dr.jensen"},
		"password": {"correct-horse"}, "scope": {"openid email"}}
	if form := h.realm.lastTokenForm(); form.Encode() != want.Encode() {
		t.Errorf("password form %v, want %v (and no client_secret)", form, want)
	}
	if res.IDToken == nil || res.IDToken.Subject != testSub || res.Tokens.AccessToken == "" {
		t.Errorf("result %+v", res)
	}
	if _, err := h.client.PasswordLogin(context.Background(), "dr.jensen", ""); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty password: %v, want ErrInvalidConfig", err)
	}
	if n := h.realm.tokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	h.realm.idClaims = func(c jwt.MapClaims) { c["iss"] = "https://evil.example/realms/base" }
	if _, err := h.client.PasswordLogin(context.Background(), "dr.jensen", "correct-horse"); !errors.Is(err, token.ErrIDTokenInvalid) {
		t.Errorf("password grant with a bad id_token: %v, want ErrIDTokenInvalid", err)
	}
}

func TestRevoke(t *testing.T) {
	h := newHarness(t, "")
	if err := h.client.Revoke(context.Background(), "rt-123", "refresh_token"); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"token": {"rt-123"}, "client_id": {testClientID}, "token_type_hint": {"refresh_token"}}
	h.realm.mu.Lock()
	got := h.realm.revokeForms[0]
	h.realm.mu.Unlock()
	if got.Encode() != want.Encode() {
		t.Errorf("revoke form %v, want %v", got, want)
	}
	err := h.client.Revoke(context.Background(), "", "")
	var oe *pkce.OAuthError
	if !errors.As(err, &oe) || oe.Status != 400 || oe.ErrorCode != "invalid_request" {
		t.Errorf("revoke refused: %v, want *pkce.OAuthError{invalid_request, 400}", err)
	}
	h.realm.srv.Close()
	if err := h.client.Revoke(context.Background(), "rt-123", ""); err == nil {
		t.Error("revoke with the provider down succeeded")
	}
}

func TestEndSessionURL(t *testing.T) {
	h := newHarness(t, "")
	u, err := h.client.EndSessionURL("id.token.hint", "https://app.example-hospital.dk/bye")
	if err != nil {
		t.Fatal(err)
	}
	want := h.realm.issuer + "/protocol/openid-connect/logout?id_token_hint=id.token.hint&client_id=" + testClientID +
		"&post_logout_redirect_uri=https%3A%2F%2Fapp.example-hospital.dk%2Fbye"
	if u != want {
		t.Errorf("EndSessionURL = %q\nwant %q", u, want)
	}
	if u, err := h.client.EndSessionURL("", ""); err != nil || u != h.realm.issuer+"/protocol/openid-connect/logout?client_id="+testClientID {
		t.Errorf("EndSessionURL without hint = %q, %v", u, err)
	}
	for _, bad := range []string{"http://app.example.com/bye", "/bye", "https://app.example.com/bye#x"} {
		if _, err := h.client.EndSessionURL("h", bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("EndSessionURL(%q) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func wantIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("got %v, want %v", err, target)
		}
	}
}

// TestHandleCallbackConcurrent: the same callback handled concurrently (React
// StrictMode runs an effect twice) exchanges the code once; the others find
// no pending login.
func TestHandleCallbackConcurrent(t *testing.T) {
	for i := range 200 {
		h := newHarness(t, "")
		_, cb := h.startLogin(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, err := h.client.HandleCallback(context.Background(), cb)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrNoPendingLogin):
				t.Errorf("run %d: %v, want nil or ErrNoPendingLogin", i, err)
			}
		}
		if n := h.realm.tokenRequests(); n != 1 || ok != 1 {
			t.Fatalf("run %d: %d token requests and %d sessions, want 1 and 1", i, n, ok)
		}
	}
}

// TestHandleCallbackFetchesKeysDuringTheExchange: the realm's JWKS is fetched
// while the code exchange is on its way, not after it (one round trip less for
// a sign-in), and only once.
func TestHandleCallbackFetchesKeysDuringTheExchange(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	h.realm.onToken = func(url.Values) *tokenReply {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			h.realm.mu.Lock()
			n := h.realm.certsCalls
			h.realm.mu.Unlock()
			if n > 0 {
				return nil
			}
			time.Sleep(time.Millisecond)
		}
		t.Error("the JWKS was not requested while the token request was in flight")
		return nil
	}
	if _, err := h.client.HandleCallback(context.Background(), cb); err != nil {
		t.Fatal(err)
	}
	h.realm.mu.Lock()
	n := h.realm.certsCalls
	h.realm.mu.Unlock()
	if n != 1 {
		t.Errorf("%d JWKS requests, want 1", n)
	}
}
