package token

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerify(t *testing.T) {
	testKeys(t)
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	rs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", c) }
	base := idClaims()

	tests := []struct {
		name      string
		raw       string
		nonce     string
		wantCheck string // "" means the token is accepted
	}{
		{"RS256", rs(base), testNonce, ""},
		{"PS256", sign(t, jwt.SigningMethodPS256, rsaKey, "rsa-ps", base), testNonce, ""},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKey, "ec", base), testNonce, ""},
		{"no nonce expected, token has one", rs(base), "", ""},
		{"aud array with azp", rs(with(base, "aud", []string{testClientID, "account"})), testNonce, ""},
		{"single aud without azp", rs(with(base, "azp", nil)), testNonce, ""},

		{"tampered payload", tamper(t, rs(base), with(base, "sub", "someone-else")), testNonce, CheckSignature},
		{"signed by another key", sign(t, jwt.SigningMethodRS256, rsaAttack, "rsa-rs", base), testNonce, CheckSignature},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-rs", base), testNonce, CheckAlg},
		{"HS256 with the public key PEM", sign(t, jwt.SigningMethodHS256, pemKey, "rsa-rs", base), testNonce, CheckAlg},
		{"HS256 with the public key DER", sign(t, jwt.SigningMethodHS256, der, "rsa-rs", base), testNonce, CheckAlg},
		{"RS512 is not accepted", sign(t, jwt.SigningMethodRS512, rsaKey, "rsa-rs", base), testNonce, CheckAlg},
		{"ES256 header on an RSA kid", sign(t, jwt.SigningMethodES256, ecKey, "rsa-rs", base), testNonce, CheckAlg},
		{"RS256 on the PS256 JWK", sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-ps", base), testNonce, CheckAlg},
		{"no kid, several keys", sign(t, jwt.SigningMethodRS256, rsaKey, "", base), testNonce, CheckKID},

		{"expired beyond leeway", rs(with(base, "exp", testNow.Add(-61*time.Second).Unix())), testNonce, CheckExpiry},
		{"expired within leeway", rs(with(base, "exp", testNow.Add(-59*time.Second).Unix())), testNonce, ""},
		{"no exp", rs(with(base, "exp", nil)), testNonce, CheckExpiry},
		{"iat in the future beyond leeway", rs(with(base, "iat", testNow.Add(61*time.Second).Unix())), testNonce, CheckIssuedAt},
		{"iat in the future within leeway", rs(with(base, "iat", testNow.Add(59*time.Second).Unix())), testNonce, ""},
		{"no iat", rs(with(base, "iat", nil)), testNonce, CheckIssuedAt},
		{"nbf in the future", rs(with(base, "nbf", testNow.Add(5*time.Minute).Unix())), testNonce, CheckIssuedAt},

		{"wrong aud", rs(with(base, "aud", "other-client")), testNonce, CheckAudience},
		{"no aud", rs(with(base, "aud", nil)), testNonce, CheckAudience},
		{"aud array without azp", rs(with(base, "aud", []string{testClientID, "account"}, "azp", nil)), testNonce, CheckAZP},
		{"azp mismatch", rs(with(base, "azp", "other-client")), testNonce, CheckAZP},
		{"wrong iss", rs(with(base, "iss", "https://auth.us.corti.app/realms/base")), testNonce, CheckIssuer},
		{"iss with trailing slash", rs(with(base, "iss", testIssuer+"/")), testNonce, CheckIssuer},
		{"no iss", rs(with(base, "iss", nil)), testNonce, CheckIssuer},
		{"no sub", rs(with(base, "sub", nil)), testNonce, CheckSubject},
		{"missing nonce", rs(with(base, "nonce", nil)), testNonce, CheckNonce},
		{"wrong nonce", rs(with(base, "nonce", "n-replayed")), testNonce, CheckNonce},

		{"exp is a string", rs(with(base, "exp", "tomorrow")), testNonce, CheckMalformed},
		{"email is a number", rs(with(base, "email", 7)), testNonce, CheckMalformed},
		{"not a JWT", "not-a-jwt", testNonce, CheckMalformed},
		{"two parts", "eyJhbGciOiJSUzI1NiJ9.e30", testNonce, CheckMalformed},
		{"too large", strings.Repeat("a", MaxTokenSize+1), testNonce, CheckMalformed},
		{"non-canonical signature encoding", flipLastBits(t, rs(base)), testNonce, CheckMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFetcher(standardJWKS(t))
			v := newTestVerifier(f, &clock{now: testNow})
			got, err := v.Verify(context.Background(), tt.raw, tt.nonce)
			if tt.wantCheck == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.Subject != base["sub"] || got.Email != base["email"] || got.SessionID != base["sid"] ||
					got.AuthorizedParty == "" && tt.name != "single aud without azp" {
					t.Errorf("claims not returned: %+v", got)
				}
				if !got.ExpiresAt.After(testNow.Add(-time.Minute)) || got.IssuedAt.IsZero() {
					t.Errorf("times: iat %v exp %v", got.IssuedAt, got.ExpiresAt)
				}
				return
			}
			var ie *IDTokenError
			if !errors.As(err, &ie) {
				t.Fatalf("Verify = %v, %v; want *IDTokenError %q", got, err, tt.wantCheck)
			}
			if ie.Check != tt.wantCheck {
				t.Errorf("Check = %q, want %q (%v)", ie.Check, tt.wantCheck, err)
			}
			if !errors.Is(err, ErrIDTokenInvalid) || !strings.Contains(err.Error(), tt.wantCheck+" check failed") {
				t.Errorf("error %q does not wrap ErrIDTokenInvalid or name the check", err)
			}
			if got != nil {
				t.Errorf("a rejected token returned claims")
			}
		})
	}
}

// tamper replaces the payload of a signed token by the encoding of claims.
func tamper(t *testing.T, signed string, claims jwt.MapClaims) string {
	t.Helper()
	unsigned, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SigningString()
	if err != nil {
		t.Fatal(err)
	}
	_, payload, _ := strings.Cut(unsigned, ".")
	header, rest, _ := strings.Cut(signed, ".")
	_, sig, _ := strings.Cut(rest, ".")
	return header + "." + payload + "." + sig
}

// flipLastBits changes the unused low bits of the signature's last base64url
// character: the same signature bytes, a different string. A 256-byte RS256
// signature is 342 characters, whose last carries 4 unused bits.
func flipLastBits(t *testing.T, signed string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, signed[len(signed)-1])
	return signed[:len(signed)-1] + string(alphabet[i^1])
}

func TestVerifyErrorsWrapCauses(t *testing.T) {
	testKeys(t)
	f := newFakeFetcher(standardJWKS(t))
	v := newTestVerifier(f, &clock{now: testNow.Add(time.Hour)})
	_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", idClaims()), testNonce)
	if !errors.Is(err, jwt.ErrTokenExpired) || !errors.Is(err, ErrIDTokenInvalid) {
		t.Errorf("expired token: %v does not wrap jwt.ErrTokenExpired and ErrIDTokenInvalid", err)
	}
}

func TestVerifyMisconfigured(t *testing.T) {
	testKeys(t)
	raw := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", idClaims())
	f := newFakeFetcher(standardJWKS(t))
	for _, tt := range []struct {
		name  string
		edit  func(*IDTokenVerifier)
		check string
	}{
		// An empty Issuer would make jwt.WithIssuer check nothing.
		{"no Issuer", func(v *IDTokenVerifier) { v.Issuer = "" }, CheckIssuer},
		{"no ClientID", func(v *IDTokenVerifier) { v.ClientID = "" }, CheckAudience},
		{"no KeySet", func(v *IDTokenVerifier) { v.Keys = nil }, CheckJWKS},
	} {
		v := newTestVerifier(f, &clock{now: testNow})
		tt.edit(v)
		var ie *IDTokenError
		if _, err := v.Verify(context.Background(), raw, testNonce); !errors.As(err, &ie) || ie.Check != tt.check {
			t.Errorf("%s: Verify = %v, want check %q", tt.name, err, tt.check)
		}
	}
}

func TestVerifySingleKeyWithoutKID(t *testing.T) {
	testKeys(t)
	body := jwksBody(t, testJWK{alg: "RS256", pub: &rsaKey.PublicKey})
	v := newTestVerifier(newFakeFetcher(body), &clock{now: testNow})
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey, "", idClaims()), testNonce); err != nil {
		t.Errorf("token without kid against a one-key JWKS: %v", err)
	}
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaAttack, "", idClaims()), testNonce); err == nil {
		t.Errorf("token without kid signed by another key was accepted")
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	testKeys(t)
	c := &clock{now: testNow}
	f := newFakeFetcher(jwksBody(t, testJWK{kid: "old", alg: "RS256", pub: &rsaKey.PublicKey}))
	v := newTestVerifier(f, c)
	ctx := context.Background()
	verify := func(key any, kid string) error {
		_, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, key, kid, idClaims()), testNonce)
		return err
	}
	wantCheck := func(err error, check string) {
		t.Helper()
		var ie *IDTokenError
		if !errors.As(err, &ie) || ie.Check != check {
			t.Errorf("Verify = %v, want check %q", err, check)
		}
	}
	wantCalls := func(n int32) {
		t.Helper()
		if got := f.calls.Load(); got != n {
			t.Errorf("%d JWKS fetches, want %d", got, n)
		}
	}

	if err := verify(rsaKey, "old"); err != nil {
		t.Fatal(err)
	}
	wantCalls(1)
	if err := verify(rsaKey, "old"); err != nil {
		t.Fatal(err)
	}
	wantCalls(1) // cached

	// Keycloak rotates: the JWKS now holds the new key only.
	f.set(200, jwksBody(t, testJWK{kid: "new", alg: "RS256", pub: &rsaKey2.PublicKey}), nil)
	c.Add(5 * time.Minute)
	if err := verify(rsaKey2, "new"); err != nil {
		t.Fatalf("token signed with the rotated key: %v", err)
	}
	wantCalls(2) // exactly one extra fetch
	if err := verify(rsaKey2, "new"); err != nil {
		t.Fatal(err)
	}
	wantCalls(2)

	// A kid not looked for yet is fetched for at once, however recent the
	// last fetch (a key added and used at once); still unknown, the same kid
	// within 10 s of that fetch does not fetch again.
	c.Add(1 * time.Second)
	wantCheck(verify(rsaAttack, "made-up"), CheckKID)
	wantCalls(3)
	c.Add(9 * time.Second)
	wantCheck(verify(rsaAttack, "made-up"), CheckKID)
	wantCalls(3)
	// Later it fetches once more, and the kid is still unknown.
	c.Add(2 * time.Second)
	wantCheck(verify(rsaAttack, "made-up"), CheckKID)
	wantCalls(4)

	// A rotation seconds after the last fetch: the new kid is found at once.
	rsaKey3, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.set(200, jwksBody(t, testJWK{kid: "newer", alg: "RS256", pub: &rsaKey3.PublicKey}), nil)
	c.Add(1 * time.Second)
	if err := verify(rsaKey3, "newer"); err != nil {
		t.Fatalf("token signed with a key added a second after the last fetch: %v", err)
	}
	wantCalls(5)
}

func TestVerifyUnknownKIDOnFirstUse(t *testing.T) {
	testKeys(t)
	f := newFakeFetcher(standardJWKS(t))
	v := newTestVerifier(f, &clock{now: testNow})
	_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey, "gone", idClaims()), testNonce)
	var ie *IDTokenError
	if !errors.As(err, &ie) || ie.Check != CheckKID || f.calls.Load() != 1 {
		t.Errorf("Verify = %v after %d fetches; want check kid after 1", err, f.calls.Load())
	}
}

func TestVerifyJWKSUnavailable(t *testing.T) {
	testKeys(t)
	raw := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", idClaims())
	big := append([]byte(`{"keys":[],"pad":"`), make([]byte, maxJWKSSize)...)
	for _, tt := range []struct {
		name   string
		status int
		body   []byte
		err    error
	}{
		{"fetch error", 0, nil, errors.New("TypeError: Failed to fetch")},
		{"HTTP 503", 503, []byte("<html>maintenance</html>"), nil},
		{"not JSON", 200, []byte("<html>"), nil},
		{"no usable key", 200, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), nil},
		{"over 1 MiB", 200, big, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFetcher(nil)
			f.set(tt.status, tt.body, tt.err)
			v := newTestVerifier(f, &clock{now: testNow})
			_, err := v.Verify(context.Background(), raw, testNonce)
			var ie *IDTokenError
			if !errors.As(err, &ie) || ie.Check != CheckJWKS || !errors.Is(err, ErrJWKS) {
				t.Fatalf("Verify = %v, want check jwks wrapping ErrJWKS", err)
			}
			// A failed fetch is not cached: the next call tries again and,
			// once the JWKS is back, succeeds.
			f.set(200, standardJWKS(t), nil)
			if _, err := v.Verify(context.Background(), raw, testNonce); err != nil || f.calls.Load() != 2 {
				t.Errorf("after recovery: %v, %d fetches", err, f.calls.Load())
			}
		})
	}
}

func TestVerifyConcurrentSingleFetch(t *testing.T) {
	testKeys(t)
	f := newFakeFetcher(standardJWKS(t))
	f.delay = 20 * time.Millisecond
	v := newTestVerifier(f, &clock{now: testNow})
	raw := sign(t, jwt.SigningMethodES256, ecKey, "ec", idClaims())
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), raw, testNonce)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d JWKS fetches for 50 concurrent calls, want 1", n)
	}
}

func BenchmarkVerifyIDToken(b *testing.B) {
	testKeys(b)
	v := newTestVerifier(newFakeFetcher(standardJWKS(b)), &clock{now: testNow})
	raw := sign(b, jwt.SigningMethodRS256, rsaKey, "rsa-rs", idClaims())
	ctx := context.Background()
	if _, err := v.Verify(ctx, raw, testNonce); err != nil { // warm the key cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, raw, testNonce); err != nil {
			b.Fatal(err)
		}
	}
}
