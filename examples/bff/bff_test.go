//go:build !js

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testClientID = "corti-bff"
	testSecret   = "s3cret-with:colon&amp"
)

// fakeProvider is a tiny Keycloak-shaped token, revocation and JWKS endpoint.
// The authorize step is played by the test itself (it reads /login's
// redirect). ID tokens are ES256-signed with key, published under kid "k1".
type fakeProvider struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string
	key    *ecdsa.PrivateKey

	mu         sync.Mutex
	codes      map[string]fakeCode // code → what /auth was asked
	refresh    map[string]bool     // live refresh tokens
	refreshErr int                 // when set, refresh answers this status (400 → invalid_grant)
	grants     map[string]int      // grant_type → count
	revoked    []url.Values
	nonceFor   func(string) string                // lets a test corrupt the ID token's nonce
	idToken    func(claims map[string]any) string // lets a test forge the ID token; default p.sign
	ttl        int
	n          int
}

type fakeCode struct{ challenge, redirectURI, nonce string }

func newFakeProvider(t *testing.T) *fakeProvider {
	p := &fakeProvider{t: t, codes: map[string]fakeCode{}, refresh: map[string]bool{}, grants: map[string]int{}, ttl: 300}
	var err error
	if p.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.issuer = p.srv.URL + "/realms/test"
	return p
}

// issueCode plays the authorize endpoint: it remembers the challenge, redirect
// URI and nonce of an authorize URL and returns a code.
func (p *fakeProvider) issueCode(authURL string) (code string, q url.Values) {
	u, err := url.Parse(authURL)
	if err != nil {
		p.t.Fatal(err)
	}
	q = u.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	code = fmt.Sprintf("code-%d", p.n)
	p.codes[code] = fakeCode{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce")}
	return code, q
}

func (p *fakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	oidc := "/realms/test/protocol/openid-connect"
	if r.URL.Path == oidc+"/certs" { // public, like Keycloak's
		pad := func(b []byte) string {
			return base64.RawURLEncoding.EncodeToString(append(make([]byte, 32-len(b)), b...))
		}
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
			"kid": "k1", "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
			"x": pad(p.key.X.Bytes()), "y": pad(p.key.Y.Bytes()),
		}}})
		return
	}
	id, secret, ok := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if !ok || id != testClientID || secret != testSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.URL.Path {
	case oidc + "/revoke":
		p.revoked = append(p.revoked, r.PostForm)
		delete(p.refresh, r.PostForm.Get("token"))
		w.WriteHeader(http.StatusOK)
	case oidc + "/token":
		gt := r.PostForm.Get("grant_type")
		p.grants[gt]++
		switch gt {
		case "authorization_code":
			c, ok := p.codes[r.PostForm.Get("code")]
			delete(p.codes, r.PostForm.Get("code"))
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if !ok || c.redirectURI != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
				return
			}
			nonce := c.nonce
			if p.nonceFor != nil {
				nonce = p.nonceFor(nonce)
			}
			writeJSON(w, http.StatusOK, p.tokens(nonce))
		case "refresh_token":
			if p.refreshErr >= 500 {
				w.WriteHeader(p.refreshErr)
				return
			}
			if p.refreshErr != 0 || !p.refresh[r.PostForm.Get("refresh_token")] {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Token is not active"})
				return
			}
			out := p.tokens("")
			out["refresh_token"] = r.PostForm.Get("refresh_token") // no rotation, like Keycloak
			writeJSON(w, http.StatusOK, out)
		default:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		}
	default:
		http.NotFound(w, r)
	}
}

// tokens builds a Keycloak-shaped token response; p.mu is held.
func (p *fakeProvider) tokens(nonce string) map[string]any {
	p.n++
	rt := fmt.Sprintf("refresh-%d", p.n)
	p.refresh[rt] = true
	now := time.Now()
	claims := map[string]any{"iss": p.issuer, "aud": testClientID, "azp": testClientID, "sub": "user-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	idToken := p.sign
	if p.idToken != nil {
		idToken = p.idToken
	}
	return map[string]any{
		"access_token":       fmt.Sprintf("access-%d", p.n),
		"expires_in":         p.ttl,
		"refresh_expires_in": 1800,
		"refresh_token":      rt,
		"token_type":         "Bearer",
		"id_token":           idToken(claims),
		"not-before-policy":  0,
		"session_state":      "sid-1",
		"scope":              "openid profile email",
	}
}

// sign makes an ID token as the provider does: ES256 with kid k1.
func (p *fakeProvider) sign(claims map[string]any) string {
	return signWith(p.t, p.key, claims)
}

func signWith(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims))
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsignedJWT is a JWT with alg none.
func unsignedJWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(b) + "."
}

// bffUnderTest is the BFF on an httptest server, with a browser-like client
// (cookie jar, no redirect following) and a log of every response body.
type bffUnderTest struct {
	t      *testing.T
	p      *fakeProvider
	srv    *Server
	ts     *httptest.Server
	client *http.Client
	bodies []string
}

func newBFF(t *testing.T, p *fakeProvider, mutate ...func(*Config)) *bffUnderTest {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	public, _ := url.Parse("http://" + ts.Listener.Addr().String())
	cfg := Config{Issuer: p.issuer, ClientID: testClientID, ClientSecret: testSecret, PublicURL: public}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &bffUnderTest{t: t, p: p, srv: srv, ts: ts, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *bffUnderTest) do(method, path string, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.ts.URL + path
	}
	req, _ := http.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.bodies = append(b.bodies, fmt.Sprint(res.Header)+"\n"+string(body))
	return res, string(body)
}

var csrf = map[string]string{csrfHeader: csrfValue}

// signIn runs /login → (fake authorize) → /callback and returns the callback response.
func (b *bffUnderTest) signIn() *http.Response {
	b.t.Helper()
	res, _ := b.do("GET", "/login", nil)
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("/login: %d", res.StatusCode)
	}
	code, q := b.p.issueCode(res.Header.Get("Location"))
	cb, _ := b.do("GET", "/callback?"+url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {b.p.issuer}, "session_state": {"x"}}.Encode(), nil)
	return cb
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLoginRedirectsWithPKCEAndPreLoginCookie(t *testing.T) {
	b := newBFF(t, newFakeProvider(t))
	res, _ := b.do("GET", "/login", nil)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status %d", res.StatusCode)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if got, want := loc.Scheme+"://"+loc.Host+loc.Path, b.p.issuer+"/protocol/openid-connect/auth"; got != want {
		t.Errorf("authorize endpoint %s, want %s", got, want)
	}
	q := loc.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": testClientID, "redirect_uri": b.ts.URL + "/callback",
		"scope": "openid profile email", "code_challenge_method": "S256",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 43 {
			t.Errorf("%s = %q: want ≥ 43 random characters", k, q.Get(k))
		}
	}
	if strings.Contains(loc.String(), "secret") || q.Has("code_verifier") || q.Has("client_secret") {
		t.Errorf("the authorize URL leaks a secret or the verifier: %s", loc)
	}
	c := cookieNamed(res, loginCookie)
	if c == nil {
		t.Fatal("no pre-login cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/callback" || c.MaxAge != 600 || c.Secure {
		t.Errorf("pre-login cookie %+v: want HttpOnly, SameSite=Lax, Path=/callback, Max-Age=600, not Secure over http", c)
	}
	if strings.Contains(c.Value, q.Get("state")) {
		t.Error("the pre-login cookie carries the state")
	}
}

func TestLoginOnAnotherHostGoesToThePublicURL(t *testing.T) {
	b := newBFF(t, newFakeProvider(t))
	req, _ := http.NewRequest("GET", b.ts.URL+"/login", nil)
	req.Host = "localhost"
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); loc != b.ts.URL+"/login" {
		t.Errorf("Location %q, want %q", loc, b.ts.URL+"/login")
	}
}

func TestCallbackSignsIn(t *testing.T) {
	b := newBFF(t, newFakeProvider(t))
	res := b.signIn()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != b.ts.URL+"/" {
		t.Fatalf("callback: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	c := cookieNamed(res, sessionCookie)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != 0 || len(c.Value) < 43 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/, browser-session, not Secure over http, random", c)
	}
	if gone := cookieNamed(res, loginCookie); gone == nil || gone.MaxAge >= 0 {
		t.Errorf("the pre-login cookie is not cleared: %+v", gone)
	}
	if b.p.grants["authorization_code"] != 1 {
		t.Errorf("code exchanges: %d", b.p.grants["authorization_code"])
	}
	res, body := b.do("GET", "/session", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"access_token"`) {
		t.Fatalf("/session: %d %s", res.StatusCode, body)
	}
}

func TestCookiesAreSecureOverHTTPS(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p, func(c *Config) { c.PublicURL, _ = url.Parse("https://bff.example") })
	res, _ := b.do("GET", "/login", map[string]string{})
	// Host differs from the public URL: /login first sends the browser there.
	if res.Header.Get("Location") != "https://bff.example/login" {
		t.Fatalf("Location %q", res.Header.Get("Location"))
	}
	req := httptest.NewRequest("GET", "https://bff.example/login", nil)
	w := httptest.NewRecorder()
	b.srv.ServeHTTP(w, req)
	c := cookieNamed(w.Result(), loginCookie)
	if c == nil || !c.Secure {
		t.Fatalf("pre-login cookie over https: %+v", c)
	}
	code, q := p.issueCode(w.Result().Header.Get("Location"))
	req = httptest.NewRequest("GET", "https://bff.example/callback?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), nil)
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: c.Value})
	w = httptest.NewRecorder()
	b.srv.ServeHTTP(w, req)
	s := cookieNamed(w.Result(), sessionCookie)
	if w.Code != http.StatusSeeOther || s == nil || !s.Secure || !s.HttpOnly || s.SameSite != http.SameSiteStrictMode {
		t.Fatalf("callback over https: %d, session cookie %+v", w.Code, s)
	}
}

func TestCallbackRefusals(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *fakeProvider, q url.Values)
		want   string
	}{
		{"wrong state", func(_ *fakeProvider, q url.Values) { q.Set("state", "forged") }, "state parameter does not match"},
		{"wrong iss", func(_ *fakeProvider, q url.Values) { q.Set("iss", "https://evil.example/realms/test") }, "another issuer"},
		{"provider error", func(_ *fakeProvider, q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, "access_denied"},
		{"no code", func(_ *fakeProvider, q url.Values) { q.Del("code") }, "no code"},
		{"bad code", func(_ *fakeProvider, q url.Values) { q.Set("code", "nope") }, "invalid_grant"},
		{"nonce mismatch", func(p *fakeProvider, _ url.Values) { p.nonceFor = func(string) string { return "other" } }, "nonce does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newFakeProvider(t)
			b := newBFF(t, p)
			res, _ := b.do("GET", "/login", nil)
			code, aq := p.issueCode(res.Header.Get("Location"))
			q := url.Values{"code": {code}, "state": {aq.Get("state")}, "iss": {p.issuer}}
			tc.mutate(p, q)
			res, body := b.do("GET", "/callback?"+q.Encode(), nil)
			if res.StatusCode < 400 || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, body %s: want an error page saying %q", res.StatusCode, body, tc.want)
			}
			if cookieNamed(res, sessionCookie) != nil {
				t.Error("a session cookie was set")
			}
			// The pending login is spent even by a refused callback.
			res, body = b.do("GET", "/callback?"+url.Values{"code": {code}, "state": {aq.Get("state")}}.Encode(), nil)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "No sign-in in progress") {
				t.Errorf("second callback: %d %s", res.StatusCode, body)
			}
		})
	}
}

// TestCallbackRefusesBadIDTokens: the ID token of the code exchange is
// verified as OpenID Connect Core §3.1.3.7 asks (token.IDTokenVerifier), with
// no rule weaker than the browser client's.
func TestCallbackRefusesBadIDTokens(t *testing.T) {
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		forge func(p *fakeProvider, c map[string]any) string
		want  string
	}{
		{"unsigned (alg none)", func(_ *fakeProvider, c map[string]any) string { return unsignedJWT(c) }, "alg check failed"},
		{"signed by another key", func(_ *fakeProvider, c map[string]any) string { return signWith(t, other, c) }, "signature check failed"},
		{"another issuer", func(p *fakeProvider, c map[string]any) string {
			c["iss"] = "https://evil.example/realms/test"
			return p.sign(c)
		}, "iss check failed"},
		{"another audience", func(p *fakeProvider, c map[string]any) string { c["aud"] = "other-client"; return p.sign(c) }, "aud check failed"},
		{"azp of another client", func(p *fakeProvider, c map[string]any) string { c["azp"] = "other-client"; return p.sign(c) }, "azp check failed"},
		{"several audiences, no azp", func(p *fakeProvider, c map[string]any) string {
			c["aud"] = []string{testClientID, "other-client"}
			delete(c, "azp")
			return p.sign(c)
		}, "azp check failed"},
		{"no subject", func(p *fakeProvider, c map[string]any) string { delete(c, "sub"); return p.sign(c) }, "sub check failed"},
		{"issued in the future", func(p *fakeProvider, c map[string]any) string {
			c["iat"] = time.Now().Add(time.Hour).Unix()
			return p.sign(c)
		}, "iat check failed"},
		{"no iat", func(p *fakeProvider, c map[string]any) string { delete(c, "iat"); return p.sign(c) }, "iat check failed"},
		{"expired", func(p *fakeProvider, c map[string]any) string {
			c["exp"] = time.Now().Add(-time.Hour).Unix()
			return p.sign(c)
		}, "exp check failed"},
		{"no nonce", func(p *fakeProvider, c map[string]any) string { delete(c, "nonce"); return p.sign(c) }, "nonce check failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newFakeProvider(t)
			p.idToken = func(c map[string]any) string { return tc.forge(p, c) }
			b := newBFF(t, p)
			res := b.signIn()
			body := b.bodies[len(b.bodies)-1]
			if res.StatusCode != http.StatusBadGateway || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, body %s: want an error page saying %q", res.StatusCode, body, tc.want)
			}
			if cookieNamed(res, sessionCookie) != nil {
				t.Error("a session cookie was set")
			}
		})
	}
}

func TestCallbackReplayAndExpiry(t *testing.T) {
	p := newFakeProvider(t)
	now := time.Now()
	b := newBFF(t, p, func(c *Config) { c.Now = func() time.Time { return now } })
	res, _ := b.do("GET", "/login", nil)
	loginC := cookieNamed(res, loginCookie)
	code, q := p.issueCode(res.Header.Get("Location"))
	cb := "/callback?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	if res, _ := b.do("GET", cb, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first callback %d", res.StatusCode)
	}
	// Replay with the (already deleted) pre-login cookie put back.
	u, _ := url.Parse(b.ts.URL + "/callback")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: loginCookie, Value: loginC.Value, Path: "/callback"}})
	if res, body := b.do("GET", cb, nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "No sign-in in progress") {
		t.Errorf("replayed callback: %d %s", res.StatusCode, body)
	}
	if n := p.grants["authorization_code"]; n != 1 {
		t.Errorf("the code was exchanged %d times", n)
	}

	res, _ = b.do("GET", "/login", nil)
	code, q = p.issueCode(res.Header.Get("Location"))
	now = now.Add(11 * time.Minute)
	if res, body := b.do("GET", "/callback?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") {
		t.Errorf("late callback: %d %s", res.StatusCode, body)
	}
}

func TestTokenRequiresCSRFHeader(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p)
	b.signIn()
	for name, h := range map[string]map[string]string{
		"no header":      nil,
		"wrong value":    {csrfHeader: "XMLHttpRequest"},
		"foreign origin": {csrfHeader: csrfValue, "Origin": "http://evil.example"},
	} {
		for _, path := range []string{"/token", "/logout"} {
			res, body := b.do("POST", path, h)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `"csrf"`) {
				t.Errorf("%s, POST %s: %d %s, want 403 csrf", name, path, res.StatusCode, body)
			}
		}
	}
	if n := p.grants["refresh_token"]; n != 0 || len(p.revoked) != 0 {
		t.Errorf("refused requests reached the provider: %d refreshes, %d revocations", n, len(p.revoked))
	}
	if res, _ := b.do("POST", "/token", map[string]string{csrfHeader: csrfValue, "Origin": b.ts.URL}); res.StatusCode != http.StatusOK {
		t.Errorf("same-origin POST /token with the header: %d", res.StatusCode)
	}
	if res, _ := b.do("GET", "/token", csrf); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %d, want 405", res.StatusCode)
	}
}

func TestTokenRefreshesAndNeverReturnsTheRefreshToken(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p)
	b.signIn()
	_, first := b.do("GET", "/session", nil)
	for i := 0; i < 3; i++ {
		res, body := b.do("POST", "/token", csrf)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/token: %d %s", res.StatusCode, body)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"access_token", "token_type", "expires_in", "scope", "id_token"} {
			if _, ok := got[k]; !ok {
				t.Errorf("/token lacks %s: %s", k, body)
			}
		}
		for k := range got {
			switch k {
			case "access_token", "token_type", "expires_in", "scope", "id_token":
			default:
				t.Errorf("/token answers %q: %s", k, body)
			}
		}
		if got["access_token"] == first || got["token_type"] != "Bearer" || got["expires_in"].(float64) < 299 {
			t.Errorf("/token: %s", body)
		}
	}
	if n := p.grants["refresh_token"]; n != 3 {
		t.Errorf("provider refreshes %d, want 3 (one per call)", n)
	}
	_, stats := b.do("GET", "/stats", nil)
	var st map[string]int
	_ = json.Unmarshal([]byte(stats), &st)
	if st["token"] != 3 || st["refresh"] != 3 || st["sessions"] != 1 {
		t.Errorf("/stats %s", stats)
	}
	for _, body := range b.bodies {
		if strings.Contains(body, "refresh-") || strings.Contains(body, "refresh_token") || strings.Contains(body, testSecret) {
			t.Errorf("a response carries the refresh token or the secret:\n%s", body)
		}
	}
}

func TestSessionAndTokenWithoutSignIn(t *testing.T) {
	b := newBFF(t, newFakeProvider(t))
	if res, _ := b.do("GET", "/session", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/session: %d", res.StatusCode)
	}
	if res, body := b.do("POST", "/token", csrf); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "invalid_grant") {
		t.Errorf("/token: %d %s", res.StatusCode, body)
	}
}

func TestRefreshInvalidGrantDropsTheSession(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p)
	b.signIn()
	p.mu.Lock()
	p.refreshErr = 400
	p.mu.Unlock()
	res, body := b.do("POST", "/token", csrf)
	if res.StatusCode != http.StatusUnauthorized || strings.TrimSpace(body) != `{"error":"invalid_grant"}` {
		t.Fatalf("/token: %d %s", res.StatusCode, body)
	}
	if c := cookieNamed(res, sessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("session cookie not cleared: %+v", c)
	}
	p.mu.Lock()
	p.refreshErr = 0
	p.mu.Unlock()
	if res, _ := b.do("GET", "/session", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/session after invalid_grant: %d", res.StatusCode)
	}
}

func TestRefreshTemporaryFailureKeepsTheSession(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p)
	b.signIn()
	p.mu.Lock()
	p.refreshErr = 503
	p.mu.Unlock()
	if res, _ := b.do("POST", "/token", csrf); res.StatusCode != http.StatusBadGateway {
		t.Fatalf("/token during an outage: %d", res.StatusCode)
	}
	p.mu.Lock()
	p.refreshErr = 0
	p.mu.Unlock()
	if res, body := b.do("POST", "/token", csrf); res.StatusCode != http.StatusOK {
		t.Fatalf("/token after the outage: %d %s", res.StatusCode, body)
	}
}

func TestLogoutRevokes(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p)
	b.signIn()
	p.mu.Lock()
	var rt string
	for k := range p.refresh {
		rt = k
	}
	p.mu.Unlock()
	res, body := b.do("POST", "/logout", csrf)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/logout %d %s", res.StatusCode, body)
	}
	var out struct {
		Revoked    bool   `json:"revoked"`
		EndSession string `json:"end_session_url"`
	}
	_ = json.Unmarshal([]byte(body), &out)
	if !out.Revoked {
		t.Errorf("revoked false: %s", body)
	}
	if len(p.revoked) != 1 || p.revoked[0].Get("token") != rt || p.revoked[0].Get("token_type_hint") != "refresh_token" {
		t.Errorf("revocations %v, want the refresh token %s", p.revoked, rt)
	}
	es, _ := url.Parse(out.EndSession)
	if es.Path != "/realms/test/protocol/openid-connect/logout" || es.Query().Get("post_logout_redirect_uri") != b.ts.URL+"/" ||
		es.Query().Get("client_id") != testClientID || es.Query().Get("id_token_hint") == "" {
		t.Errorf("end_session_url %s", out.EndSession)
	}
	if c := cookieNamed(res, sessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("session cookie not cleared: %+v", c)
	}
	if res, _ := b.do("GET", "/session", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/session after logout: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/token", csrf); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/token after logout: %d", res.StatusCode)
	}
}

func TestConfigAndPage(t *testing.T) {
	p := newFakeProvider(t)
	b := newBFF(t, p, func(c *Config) { c.AssistantBaseURL = "http://127.0.0.1:9/" })
	_, body := b.do("GET", "/config.json", nil)
	var cfg map[string]string
	_ = json.Unmarshal([]byte(body), &cfg)
	if cfg["clientId"] != testClientID || cfg["authBaseURL"] != p.srv.URL || cfg["tenant"] != "test" || cfg["assistantBaseURL"] != "http://127.0.0.1:9/" {
		t.Errorf("/config.json %s", body)
	}
	res, body := b.do("GET", "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(body, `src="/app.js"`) || !strings.Contains(csp, "frame-src http://127.0.0.1:9;") || !strings.Contains(csp, "'wasm-unsafe-eval'") {
		t.Errorf("/: %d CSP %q", res.StatusCode, csp)
	}
	if res, _ := b.do("GET", "/app.js", nil); !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("/app.js Content-Type %q", res.Header.Get("Content-Type"))
	}
	for _, body := range b.bodies {
		if strings.Contains(body, testSecret) {
			t.Errorf("the secret is served:\n%s", body)
		}
	}
}

func TestDist(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "corti-auth.wasm"), []byte("\x00asm"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "corti-auth.js"), []byte("export {}"), 0o644)
	b := newBFF(t, newFakeProvider(t), func(c *Config) { c.DistDir = dir })
	if res, _ := b.do("GET", "/dist/corti-auth.wasm", nil); res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/wasm" {
		t.Errorf("wasm: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := b.do("GET", "/dist/corti-auth.js", nil); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("js: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := b.do("GET", "/dist/", nil); res.StatusCode != 404 {
		t.Errorf("directory listing: %d", res.StatusCode)
	}
	if res, _ := b.do("GET", "/dist/../bff_test.go", nil); res.StatusCode == 200 {
		t.Error("path traversal")
	}
}

func TestNewServerChecksTheIssuer(t *testing.T) {
	pu, _ := url.Parse("http://127.0.0.1:1")
	for _, iss := range []string{"", "auth.eu.corti.app/realms/base", "https://auth.eu.corti.app", "https://auth.eu.corti.app/realms/", "https://auth.eu.corti.app/realms/base/x"} {
		if _, err := NewServer(Config{Issuer: iss, ClientID: "a", ClientSecret: "b", PublicURL: pu}); err == nil {
			t.Errorf("issuer %q accepted", iss)
		}
	}
	s, err := NewServer(Config{Issuer: "https://auth.eu.corti.app/realms/base/", ClientID: "a", ClientSecret: "b", PublicURL: pu})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.authBaseURL != "https://auth.eu.corti.app" || s.tenant != "base" || s.RedirectURI() != "http://127.0.0.1:1/callback" {
		t.Errorf("authBaseURL %q tenant %q redirect %q", s.authBaseURL, s.tenant, s.RedirectURI())
	}
}

func TestParseOptions(t *testing.T) {
	env := map[string]string{"BFF_CLIENT_SECRET": "from-env", "BFF_ISSUER": "http://x/realms/base"}
	o, err := parseOptions([]string{"-client-id", "corti-bff", "-listen", "127.0.0.1:0"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.clientSecret != "from-env" || o.issuer != "http://x/realms/base" || o.listen != "127.0.0.1:0" || o.clientID != "corti-bff" {
		t.Errorf("%+v", o)
	}
	o, _ = parseOptions([]string{"-client-id", "c", "-client-secret", "flag"}, func(k string) string { return env[k] })
	if o.clientSecret != "flag" || o.listen != "127.0.0.1:8183" {
		t.Errorf("flag must win over env, default listen: %+v", o)
	}
	if _, err := parseOptions([]string{"-client-id", "c"}, func(string) string { return "" }); err == nil {
		t.Error("missing issuer and secret accepted")
	}
}
