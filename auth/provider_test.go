package auth

// A fake Keycloak realm for the client tests: an httptest.Server serving
// /realms/base/protocol/openid-connect/{token,certs,revoke}, signing ID tokens
// with a generated RSA key, checking PKCE like a real provider, and counting
// every request. The Fetcher below talks to it over net/http (test-only: the
// wasm build never links net/http).

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

const (
	testClientID = "assistant-web"
	testRedirect = "https://app.example-hospital.dk/callback"
	testSub      = "0b5f2c4e-58a3-4d7c-b1a8-3a1f0e5c9d21"
)

var (
	keyOnce           sync.Once
	signKey, otherKey *rsa.PrivateKey
)

func rsaKeys(t testing.TB) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if signKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
}

// testClock is a settable clock shared by the client and the fake provider.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// grant is what the fake provider remembers of an authorization request.
type grant struct {
	challenge, nonce, redirectURI, clientID string
}

// tokenReply is one answer of the token endpoint. Body is a value to encode
// as JSON, or raw bytes when it is a []byte.
type tokenReply struct {
	Status int
	Body   any
}

// fakeRealm is a Keycloak realm in miniature.
type fakeRealm struct {
	t      *testing.T
	srv    *httptest.Server
	clock  *testClock
	issuer string

	mu          sync.Mutex
	kid         string
	key         *rsa.PrivateKey
	grants      map[string]grant // by code
	tokenForms  []url.Values
	tokenHeader []http.Header
	certsCalls  int
	revokeForms []url.Values
	// onToken, when set, is called with each token request form before the
	// default handling; a non-nil reply is sent instead.
	onToken func(form url.Values) *tokenReply
	// idClaims, when set, edits the claims of each ID token issued.
	idClaims func(jwt.MapClaims)
}

func newFakeRealm(t *testing.T, clock *testClock) *fakeRealm {
	t.Helper()
	rsaKeys(t)
	r := &fakeRealm{t: t, clock: clock, kid: "kc-rsa-1", key: signKey, grants: map[string]grant{}}
	mux := http.NewServeMux()
	const oidc = "/realms/base/protocol/openid-connect/"
	mux.HandleFunc("POST "+oidc+"token", r.token)
	mux.HandleFunc("GET "+oidc+"certs", r.certs)
	mux.HandleFunc("POST "+oidc+"revoke", r.revoke)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	r.issuer = r.srv.URL + "/realms/base"
	return r
}

// config returns a client configuration pointing at the realm.
func (r *fakeRealm) config(t *testing.T, extra string) Config {
	t.Helper()
	js := `{"clientId":"` + testClientID + `","redirectUri":"` + testRedirect + `","authBaseURL":"` + r.srv.URL + `"` + extra + `}`
	c, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// authorize plays the user signing in at the authorize URL: it checks the
// request, remembers challenge and nonce under a new code, and returns the
// callback URL the provider would redirect to (with RFC 9207 iss, as Keycloak).
func (r *fakeRealm) authorize(authURL string) string {
	r.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		r.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
		r.t.Fatalf("authorize request %s: not code + S256", authURL)
	}
	code := "code-" + rand.Text()
	r.mu.Lock()
	r.grants[code] = grant{q.Get("code_challenge"), q.Get("nonce"), q.Get("redirect_uri"), q.Get("client_id")}
	r.mu.Unlock()
	cb := url.Values{"state": {q.Get("state")}, "session_state": {"8c3f3c1e"}, "iss": {r.issuer}, "code": {code}}
	return q.Get("redirect_uri") + "?" + cb.Encode()
}

func (r *fakeRealm) tokenRequests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tokenForms)
}

func (r *fakeRealm) lastTokenForm() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.tokenForms) == 0 {
		return nil
	}
	return r.tokenForms[len(r.tokenForms)-1]
}

func (r *fakeRealm) certs(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	r.certsCalls++
	kid, pub := r.kid, &r.key.PublicKey
	r.mu.Unlock()
	b64 := base64.RawURLEncoding.EncodeToString
	writeJSON(w, 200, map[string]any{"keys": []map[string]any{
		{"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig", "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())},
		// Keycloak also publishes an encryption key, which must be ignored.
		{"kid": "kc-enc", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc", "n": b64(otherKey.N.Bytes()), "e": "AQAB"},
	}})
}

func (r *fakeRealm) revoke(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	r.mu.Lock()
	r.revokeForms = append(r.revokeForms, req.PostForm)
	r.mu.Unlock()
	if req.PostForm.Get("token") == "" {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "Token not provided"})
		return
	}
	w.WriteHeader(200)
}

func (r *fakeRealm) token(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	form := req.PostForm
	r.mu.Lock()
	r.tokenForms = append(r.tokenForms, form)
	r.tokenHeader = append(r.tokenHeader, req.Header.Clone())
	hook := r.onToken
	r.mu.Unlock()
	if hook != nil {
		if reply := hook(form); reply != nil {
			if b, ok := reply.Body.([]byte); ok {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(reply.Status)
				w.Write(b)
				return
			}
			writeJSON(w, reply.Status, reply.Body)
			return
		}
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		r.mu.Lock()
		g, ok := r.grants[form.Get("code")]
		delete(r.grants, form.Get("code")) // one-time
		r.mu.Unlock()
		sum := sha256.Sum256([]byte(form.Get("code_verifier")))
		switch {
		case !ok:
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Code not valid"})
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		case form.Get("redirect_uri") != g.redirectURI || form.Get("client_id") != g.clientID:
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Incorrect redirect_uri"})
		default:
			writeJSON(w, 200, r.tokens(g.nonce, testSub))
		}
	case "refresh_token":
		writeJSON(w, 200, r.tokens("", testSub))
	case "password":
		writeJSON(w, 200, r.tokens("", testSub))
	default:
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
	}
}

// tokens is a Keycloak-shaped token response.
func (r *fakeRealm) tokens(nonce, sub string) map[string]any {
	now := r.clock.Now()
	at := r.sign(jwt.MapClaims{
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "iss": r.issuer, "aud": "account",
		"sub": sub, "typ": "Bearer", "azp": testClientID, "scope": "openid profile email",
		"preferred_username": "dr.jensen", "email": "karen.jensen@example-hospital.dk",
	})
	id := jwt.MapClaims{
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "auth_time": now.Unix(), "iss": r.issuer,
		"aud": testClientID, "sub": sub, "typ": "ID", "azp": testClientID, "sid": "8c3f3c1e",
		"preferred_username": "dr.jensen", "name": "Karen Jensen", "email": "karen.jensen@example-hospital.dk",
	}
	if nonce != "" {
		id["nonce"] = nonce
	}
	r.mu.Lock()
	edit := r.idClaims
	r.mu.Unlock()
	if edit != nil {
		edit(id)
	}
	return map[string]any{
		"access_token": at, "expires_in": 300, "refresh_expires_in": 1800, "refresh_token": "rt-" + rand.Text(),
		"token_type": "Bearer", "id_token": r.sign(id), "not-before-policy": 0, "session_state": "8c3f3c1e",
		"scope": "openid profile email",
	}
}

func (r *fakeRealm) sign(c jwt.MapClaims) string {
	r.mu.Lock()
	kid, key := r.kid, r.key
	r.mu.Unlock()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		panic(err)
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// httpFetcher is a Fetcher over net/http, sending what the browser bridge
// sends: a form with only Content-Type, no credentials.
type httpFetcher struct{ c *http.Client }

func (f httpFetcher) PostForm(ctx context.Context, u string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(req)
}

func (f httpFetcher) Get(ctx context.Context, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return 0, nil, err
	}
	return f.do(req)
}

func (f httpFetcher) do(req *http.Request) (int, []byte, error) {
	res, err := f.c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return res.StatusCode, b, err
}

// harness is a client wired to a fake realm, a memory store and a test clock.
type harness struct {
	realm  *fakeRealm
	store  *storage.Memory
	clock  *testClock
	client *Client
}

func newHarness(t *testing.T, extraConfig string) *harness {
	t.Helper()
	clock := &testClock{now: time.Now().Truncate(time.Second)}
	realm := newFakeRealm(t, clock)
	f := httpFetcher{c: realm.srv.Client()}
	store := storage.NewMemory()
	c := NewClient(realm.config(t, extraConfig), f, store, token.NewKeySets(f.Get), clock.Now)
	return &harness{realm: realm, store: store, clock: clock, client: c}
}

// pendingCount counts the pending logins in the store.
func (h *harness) pendingCount(t *testing.T) int {
	t.Helper()
	keys, _ := h.store.Keys()
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, storage.PendingPrefix) {
			n++
		}
	}
	return n
}

// startLogin makes an authorize URL and lets the fake realm answer it.
func (h *harness) startLogin(t *testing.T) (authURL, callback string) {
	t.Helper()
	authURL, err := h.client.AuthorizeURL(AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return authURL, h.realm.authorize(authURL)
}

func withParam(t *testing.T, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func param(t *testing.T, rawURL, key string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}
