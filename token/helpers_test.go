package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://auth.eu.corti.app/realms/base"
	testClientID = "assistant-web"
	testNonce    = "n-0S6_WzA2Mj"
)

// testNow is the fixed clock of the verifier tests.
var testNow = time.Unix(1_790_000_000, 0)

// Test keys, generated once per test binary.
var (
	keysOnce                   sync.Once
	rsaKey, rsaKey2, rsaAttack *rsa.PrivateKey
	ecKey                      *ecdsa.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		for _, k := range []**rsa.PrivateKey{&rsaKey, &rsaKey2, &rsaAttack} {
			if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				panic(err)
			}
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
}

// testJWK is one entry of a test JWKS.
type testJWK struct {
	kid, alg, use string
	pub           any // *rsa.PublicKey or *ecdsa.PublicKey
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwksBody builds a Keycloak-shaped JWKS: the given signing keys plus an
// RSA-OAEP encryption key, which must be ignored.
func jwksBody(t testing.TB, keys ...testJWK) []byte {
	t.Helper()
	testKeys(t)
	var out []map[string]any
	for _, k := range keys {
		m := map[string]any{"kid": k.kid, "alg": k.alg, "use": k.use}
		if k.use == "" {
			m["use"] = "sig"
		}
		switch pub := k.pub.(type) {
		case *rsa.PublicKey:
			m["kty"], m["n"], m["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
		case *ecdsa.PublicKey:
			// The uncompressed point: 0x04, then X and Y, 32 bytes each (P-256).
			pt, err := pub.Bytes()
			if err != nil || len(pt) != 65 {
				t.Fatalf("EC key %s: %d bytes, %v", k.kid, len(pt), err)
			}
			m["kty"], m["crv"], m["x"], m["y"] = "EC", "P-256", b64(pt[1:33]), b64(pt[33:])
		}
		out = append(out, m)
	}
	out = append(out, map[string]any{"kid": "enc-1", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc",
		"n": b64(rsaKey2.N.Bytes()), "e": "AQAB"})
	body, err := json.Marshal(map[string]any{"keys": out})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// standardJWKS publishes rsaKey as RS256 ("rsa-rs") and as PS256 ("rsa-ps"),
// and ecKey as ES256 ("ec").
func standardJWKS(t testing.TB) []byte {
	testKeys(t)
	return jwksBody(t,
		testJWK{kid: "rsa-rs", alg: "RS256", pub: &rsaKey.PublicKey},
		testJWK{kid: "rsa-ps", alg: "PS256", pub: &rsaKey.PublicKey},
		testJWK{kid: "ec", alg: "ES256", pub: &ecKey.PublicKey},
	)
}

// fakeFetcher serves a JWKS and counts the calls.
type fakeFetcher struct {
	mu     sync.Mutex
	status int
	body   []byte
	err    error
	delay  time.Duration
	calls  atomic.Int32
	urls   []string
}

func newFakeFetcher(body []byte) *fakeFetcher { return &fakeFetcher{status: 200, body: body} }

func (f *fakeFetcher) set(status int, body []byte, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body, f.err = status, body, err
}

func (f *fakeFetcher) fetch(ctx context.Context, url string) (int, []byte, error) {
	f.calls.Add(1)
	f.mu.Lock()
	status, body, err, delay := f.status, f.body, f.err, f.delay
	f.urls = append(f.urls, url)
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		}
	}
	return status, body, err
}

// clock is a settable clock for KeySet and IDTokenVerifier.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// newTestVerifier returns a verifier on testNow whose KeySet uses f.
func newTestVerifier(f *fakeFetcher, c *clock) *IDTokenVerifier {
	ks := NewKeySet(testIssuer+"/protocol/openid-connect/certs", f.fetch)
	ks.now = c.Now
	return &IDTokenVerifier{Issuer: testIssuer, ClientID: testClientID, Keys: ks, Now: c.Now}
}

// idClaims are the claims of a Keycloak ID token issued at testNow.
func idClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"exp":                testNow.Add(5 * time.Minute).Unix(),
		"iat":                testNow.Unix(),
		"auth_time":          testNow.Unix() - 3,
		"jti":                "6f1d5a0e-7c33-4f5f-9a53-0c1c8a1f4b1e",
		"iss":                testIssuer,
		"aud":                testClientID,
		"sub":                "0b5f2c4e-58a3-4d7c-b1a8-3a1f0e5c9d21",
		"typ":                "ID",
		"azp":                testClientID,
		"nonce":              testNonce,
		"sid":                "8c3f3c1e-2d9e-4b8a-8f0e-1d2c3b4a5f60",
		"at_hash":            "x5Z2p8v7s0Q2o9dX1b3c4A",
		"acr":                "1",
		"email_verified":     true,
		"name":               "Karen Jensen",
		"preferred_username": "dr.jensen",
		"given_name":         "Karen",
		"family_name":        "Jensen",
		"email":              "karen.jensen@example-hospital.dk",
	}
}

// sign signs claims with method and key, setting the kid header unless empty.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// with returns a copy of claims with the given claims set; a nil value deletes.
func with(claims jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range claims {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}
